//! Fuzz target; the checks are in `checks/smf.rs`.
#![no_main]

#[path = "../checks/smf.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
