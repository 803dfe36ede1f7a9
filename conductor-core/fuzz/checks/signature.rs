//! Arbitrary text as a `.sig` file: must parse or be refused with an error, never panic.
//! A signature that parses writes back to JSON that parses to the same signature.
//!
//! Shared by the fuzz target and the corpus replay test
//! (`conductor-core/tests/fuzz_corpus.rs`). Run: `cargo +nightly fuzz run signature` from `conductor-core/`.
use conductor_core::plugin::signing::PluginSignature;

/// Panics when the input breaks a property above.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sig) = PluginSignature::from_json(text) {
        let _ = sig.payload();
        let again = PluginSignature::from_json(&sig.to_json()).expect("written JSON parses");
        assert_eq!(again.to_json(), sig.to_json());
    }
}
