//! Fuzz target: any bytes through the NEMSIS v3.5 XML reader.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run nemsis fuzz/corpus/nemsis`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    akutt_nemsis::fuzzing::run(data);
});
