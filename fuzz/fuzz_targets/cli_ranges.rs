//! libFuzzer entry for di_fuzz::cli_ranges (see crates/di-fuzz).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| di_fuzz::cli_ranges(data));
