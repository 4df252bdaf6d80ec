//! libFuzzer entry for di_fuzz::credential_files (see crates/di-fuzz).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| di_fuzz::credential_files(data));
