//! Fuzz target: any bytes through the extract reader and the validator.
//! Run: `cargo fuzz run extract fuzz/corpus/extract` (see docs/PERFORMANCE.md, "Fuzzing").
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    akutt_ingest::fuzzing::run(data);
});
