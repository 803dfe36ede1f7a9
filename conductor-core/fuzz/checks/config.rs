//! Arbitrary text as a config file: must load or be refused with an error, never panic.
//! A config that loads must load again the same way (loading is deterministic).
//!
//! Shared by the fuzz target and the corpus replay test
//! (`conductor-core/tests/fuzz_corpus.rs`). Run: `cargo +nightly fuzz run config` from `conductor-core/`.
use std::path::Path;

use conductor_core::config::Config;

/// Panics when the input breaks a property above.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A folder that does not exist: plugin paths resolve against it and are never found,
    // so nothing outside the input is read.
    let base = Path::new("/nonexistent-conductor-fuzz");
    if let Ok(config) = Config::from_toml_str(text, base) {
        let again = Config::from_toml_str(text, base).expect("a config that loaded loads again");
        assert_eq!(config, again);
    }
}
