//! Making keys, signing plugins and editing the trust store: what `conductor-sign` does.
//!
//! Checking signatures is the engine's job and lives in
//! [`conductor_core::plugin::signing`] (with [`PublicKey`](conductor_core::plugin::signing::PublicKey),
//! reading the [`TrustStore`](conductor_core::plugin::signing::TrustStore) and the
//! [`SignaturePolicy`](conductor_core::plugin::signing::SignaturePolicy)); the file formats
//! are described in `docs/signing.md`.
//!
//! ```
//! use conductor_core::plugin::signing::verify;
//! use conductor_core::plugin::CapabilitySet;
//! use conductor_tools::signing::{generate_key, sign};
//!
//! let dir = tempfile::tempdir()?;
//! let wasm = dir.path().join("my_plugin.wasm");
//! std::fs::write(&wasm, b"\0asm\x01\0\0\0")?;
//! let key = dir.path().join("my-key");
//! generate_key(&key, false)?;
//! sign(&wasm, &key, "Your Name", "you@example.com", CapabilitySet::EMPTY)?;
//! assert_eq!(verify(&wasm)?.signature().developer_name, "Your Name");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod keys;
mod sign;
mod trust_editor;

pub use keys::{generate_key, public_key_path, GeneratedKey, PrivateKey};
pub use sign::{sign, sign_bytes};
pub use trust_editor::TrustStoreEditor;

/// `s` cut to a length that fits in an error message.
fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}
