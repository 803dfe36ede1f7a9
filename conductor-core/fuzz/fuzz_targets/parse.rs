//! Fuzz target; the checks are in `checks/parse.rs`.
#![no_main]

#[path = "../checks/parse.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
