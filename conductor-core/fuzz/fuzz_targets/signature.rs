//! Fuzz target; the checks are in `checks/signature.rs`.
#![no_main]

#[path = "../checks/signature.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
