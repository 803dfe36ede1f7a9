//! Plugin signatures as the engine checks them: Ed25519 public keys, `.wasm.sig` files,
//! reading the trust store and the policy that decides what loads. Making keys, signing
//! and editing the trust store are tooling, in `conductor_tools::signing`.
//!
//! A developer signs a plugin once with `conductor-sign sign`, which writes
//! `my_plugin.wasm.sig` beside `my_plugin.wasm`. The signature covers the wasm's SHA-256
//! and size, the developer's name and email, the signing time and the capabilities the
//! plugin declares, so none of them can be changed without the check failing. The host
//! calls [`check_plugin`] at load time; what it accepts depends on the
//! [`SignaturePolicy`] and on which keys the user trusts ([`TrustStore`]).
//!
//! The file formats and the exact bytes that are signed are described in `docs/signing.md`.
//!
//! ```
//! use conductor_core::plugin::signing::{self, SignaturePolicy, TrustStore};
//! use conductor_core::plugin::CapabilitySet;
//! use conductor_tools::signing::{generate_key, sign, TrustStoreEditor};
//!
//! let dir = tempfile::tempdir()?;
//! let wasm = dir.path().join("my_plugin.wasm");
//! std::fs::write(&wasm, b"\0asm\x01\0\0\0")?;
//! let key = dir.path().join("my-key");
//! let generated = generate_key(&key, false)?;
//! sign(&wasm, &key, "Your Name", "you@example.com", CapabilitySet::EMPTY)?;
//!
//! let verified = signing::verify(&wasm)?;
//! assert_eq!(verified.signature().developer_name, "Your Name");
//!
//! let store = dir.path().join("trusted_keys.toml");
//! let mut editor = TrustStoreEditor::load(&store)?;
//! editor.add(generated.public_key, "Your Name")?;
//! editor.save()?;
//! let trust = TrustStore::load(&store)?;
//! let bytes = std::fs::read(&wasm)?;
//! let status = signing::check_plugin(&wasm, &bytes, CapabilitySet::EMPTY, SignaturePolicy::Require, &trust)?;
//! assert_eq!(status.to_string(), "signed by Your Name <you@example.com> (trusted)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod policy;
mod public_key;
mod signature;
mod trust;
mod verify;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use policy::{check_bytes, check_plugin, CheckedBytes, SignaturePolicy, SignatureStatus};
pub use public_key::{PublicKey, PRIVATE_KEY_HEADER};
pub use signature::{
    text_field_problem, PluginSignature, ALGORITHM, FORMAT_VERSION, MAX_SIGNATURE_FILE,
    PAYLOAD_HEADER,
};
pub use trust::{TrustStore, TrustedKey};
pub use verify::{verify, verify_bytes, VerifiedSignature};

/// The extension appended to a plugin's file name to find its signature.
pub const SIGNATURE_EXTENSION: &str = "sig";

/// Where the signature of `wasm` lives: the same path with `.sig` appended
/// (`my_plugin.wasm` → `my_plugin.wasm.sig`).
///
/// ```
/// use std::path::Path;
/// use conductor_core::plugin::signing::signature_path;
/// assert_eq!(signature_path(Path::new("p/my_plugin.wasm")), Path::new("p/my_plugin.wasm.sig"));
/// ```
pub fn signature_path(wasm: &Path) -> PathBuf {
    append_extension(wasm, SIGNATURE_EXTENSION)
}

/// `path` with `.ext` appended to its full file name, not replacing an extension: how
/// a signature (`.sig`) and a public key (`.pub`) are named after their file.
///
/// ```
/// use std::path::Path;
/// use conductor_core::plugin::signing::append_extension;
/// assert_eq!(append_extension(Path::new("keys/me.key"), "pub"), Path::new("keys/me.key.pub"));
/// ```
pub fn append_extension(path: &Path, ext: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// The plugin name used in [`crate::Error::Signature`]: the wasm file's path as given.
fn plugin_label(wasm: &Path) -> String {
    wasm.display().to_string()
}

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
