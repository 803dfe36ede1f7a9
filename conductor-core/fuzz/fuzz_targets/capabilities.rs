//! Fuzz target; the checks are in `checks/capabilities.rs`.
#![no_main]

#[path = "../checks/capabilities.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
