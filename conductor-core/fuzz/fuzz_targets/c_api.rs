//! Fuzz target; the checks are in `checks/c_api.rs`.
#![no_main]

#[path = "../checks/c_api.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
