//! libFuzzer entry for di_fuzz::emulator_signature (see crates/di-fuzz).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| di_fuzz::emulator_signature(data));
