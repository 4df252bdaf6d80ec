//! libFuzzer entry for di_fuzz::emulator_request (see crates/di-fuzz).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| di_fuzz::emulator_request(data));
