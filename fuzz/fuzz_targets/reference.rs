//! Fuzz target: any bytes as reference data (municipality structure, change list, centre
//! areas, population, map boundaries), read, checked and used as the loads do.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run reference fuzz/corpus/reference` (fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    akutt_ingest::fuzzing::reference(data);
});
