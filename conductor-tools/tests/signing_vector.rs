//! The signing side of the fixed Ed25519 vector in
//! `conductor-core/tests/data/ed25519-vector/` (made once outside Conductor): signing
//! the committed module with the committed key, name, email, time and capabilities must
//! give the committed payload and signature byte for byte. Ed25519 is deterministic, so
//! a change to how Conductor signs cannot pass unnoticed by changing verification too
//! (`conductor-core/tests/signing_vector.rs` holds the verifying side).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use conductor_core::plugin::signing::PluginSignature;
use conductor_core::plugin::{Capability, CapabilitySet};
use conductor_tools::signing::{sign_bytes, PrivateKey};

fn read(file: &str) -> String {
    let path = vector_dir().join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conductor-core/tests/data/ed25519-vector")
}

/// 2026-01-01T00:00:00Z, the vector's `signed_at`.
fn signed_at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

#[test]
fn the_committed_key_file_is_the_rfc_8032_test_1_key() {
    let key = PrivateKey::from_text(&read("signing-key")).unwrap();
    assert_eq!(key.public_key().to_hex(), read("signing-key.pub").trim());
}

#[test]
fn signing_the_vector_again_gives_the_committed_payload_and_signature() {
    let key = PrivateKey::from_text(&read("signing-key")).unwrap();
    let module = std::fs::read(vector_dir().join("module.bin")).unwrap();
    let capabilities: CapabilitySet = [Capability::Network, Capability::Filesystem]
        .into_iter()
        .collect();
    let signed = sign_bytes(
        &module,
        &key,
        "Test Vector",
        "vector@example.com",
        capabilities,
        signed_at(),
    )
    .unwrap();
    assert_eq!(signed.payload(), read("payload.txt"));
    assert_eq!(hex::encode(signed.signature), read("signature.hex").trim());
    assert_eq!(
        signed,
        PluginSignature::from_json(&read("plugin.wasm.sig")).unwrap()
    );
}
