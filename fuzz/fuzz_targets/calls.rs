//! Fuzz target: any bytes through the 113 call-log reader (import format `anrop` v1).
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run calls fuzz/corpus/calls`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    akutt_calls::fuzzing::run(data);
});
