//! A fixed Ed25519 vector, made once outside Conductor (see
//! `tests/data/ed25519-vector/README.md`): verification must accept it and the payload
//! Conductor builds must be the committed bytes, so signing and verifying cannot drift
//! together unnoticed.

use conductor_test_support as support;

use std::path::PathBuf;

use conductor_core::plugin::signing::{self, PluginSignature};
use conductor_core::plugin::Capability;

fn vector(file: &str) -> PathBuf {
    support::repo_root()
        .join("conductor-core/tests/data/ed25519-vector")
        .join(file)
}

fn read(file: &str) -> String {
    std::fs::read_to_string(vector(file)).unwrap()
}

/// `module.bin` as `plugin.wasm` with the committed `.sig` beside it.
fn signed_plugin(dir: &tempfile::TempDir) -> PathBuf {
    let wasm = dir.path().join("plugin.wasm");
    std::fs::copy(vector("module.bin"), &wasm).unwrap();
    std::fs::copy(
        vector("plugin.wasm.sig"),
        dir.path().join("plugin.wasm.sig"),
    )
    .unwrap();
    wasm
}

#[test]
fn the_committed_signature_verifies() {
    let dir = support::temp_dir();
    let wasm = signed_plugin(&dir);
    let verified = signing::verify(&wasm).expect("the fixed vector must verify");
    let sig = verified.signature();
    assert_eq!(
        verified.public_key().to_hex(),
        read("signing-key.pub").trim()
    );
    assert_eq!(sig.developer_name, "Test Vector");
    assert_eq!(sig.developer_email, "vector@example.com");
    assert_eq!(sig.signed_at, "2026-01-01T00:00:00Z");
    assert_eq!(sig.wasm_size, 8);
    assert_eq!(
        sig.capabilities.names(),
        [Capability::Network.name(), Capability::Filesystem.name()]
    );
    assert_eq!(hex::encode(sig.signature), read("signature.hex").trim());
}

#[test]
fn the_payload_is_byte_for_byte_the_committed_one() {
    let parsed = PluginSignature::from_json(&read("plugin.wasm.sig")).unwrap();
    assert_eq!(parsed.payload(), read("payload.txt"));
}

#[test]
fn the_vector_is_signed_with_the_rfc_8032_test_1_key() {
    assert_eq!(
        read("signing-key.pub").trim(),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
}

#[test]
fn one_flipped_bit_in_the_vector_is_refused() {
    // The vector is only worth something if verification can say no to it.
    let dir = support::temp_dir();
    let wasm = signed_plugin(&dir);
    let sig_path = dir.path().join("plugin.wasm.sig");
    let text = read("plugin.wasm.sig");
    let original = read("signature.hex");
    let original = original.trim();
    let last = original.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &original[..original.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    std::fs::write(&sig_path, text.replace(original, &flipped)).unwrap();
    let err = signing::verify(&wasm).expect_err("a changed signature");
    assert!(
        err.to_string().contains("does not match its signed fields"),
        "{err}"
    );
}
