//! Making signatures: what `conductor-sign sign` does.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use conductor_core::plugin::signing::{signature_path, text_field_problem, PluginSignature};
use conductor_core::plugin::CapabilitySet;
use conductor_core::{Error, Result};
use sha2::{Digest, Sha256};

use super::PrivateKey;

/// Signs the plugin at `wasm` with the private key file at `key` and writes the
/// signature to `<wasm>.sig` (replacing an older one).
///
/// `capabilities` are the ones the plugin asks for: what its `capabilities()` export
/// declares plus what its imports of host functions need
/// ([`PluginInfo::capabilities`](conductor_core::plugin::PluginInfo::capabilities));
/// they are signed, so a host can tell when a plugin asks for more than its developer
/// signed for. The signing time is now, in UTC.
pub fn sign(
    wasm: &Path,
    key: &Path,
    developer_name: &str,
    developer_email: &str,
    capabilities: CapabilitySet,
) -> Result<PluginSignature> {
    let private_key = PrivateKey::load(key)?;
    let bytes = fs::read(wasm).map_err(|e| Error::io(wasm, e))?;
    let signature = sign_bytes(
        &bytes,
        &private_key,
        developer_name,
        developer_email,
        capabilities,
        SystemTime::now(),
    )?;
    let sig_path = signature_path(wasm);
    fs::write(&sig_path, signature.to_json()).map_err(|e| Error::io(&sig_path, e))?;
    Ok(signature)
}

/// Signs wasm bytes in memory, without touching the file system.
///
/// `developer_name` and `developer_email` are trimmed; they must not be empty or contain
/// control characters. `signed_at` is recorded to the second, in UTC.
pub fn sign_bytes(
    wasm: &[u8],
    key: &PrivateKey,
    developer_name: &str,
    developer_email: &str,
    capabilities: CapabilitySet,
    signed_at: SystemTime,
) -> Result<PluginSignature> {
    let developer_name = checked_text("name", developer_name, "--name \"Your Name\"")?;
    let developer_email = checked_text("email", developer_email, "--email you@example.com")?;
    let wasm_sha256: [u8; 32] = Sha256::digest(wasm).into();
    let wasm_size = wasm.len() as u64;
    let public_key = key.public_key();
    let signed_at = humantime::format_rfc3339_seconds(signed_at).to_string();
    let mut signature = PluginSignature {
        wasm_sha256,
        wasm_size,
        public_key,
        developer_name,
        developer_email,
        signed_at,
        capabilities,
        signature: [0; 64],
    };
    // The payload covers every field but the signature itself.
    signature.signature = key.sign(signature.payload().as_bytes()).to_bytes();
    Ok(signature)
}

/// `value` trimmed, or an error naming the field and how to pass it.
fn checked_text(field: &str, value: &str, example: &str) -> Result<String> {
    let value = value.trim();
    match text_field_problem(value) {
        Some(problem) => Err(Error::InvalidArgument(format!(
            "the developer {field} {problem} (pass it as {example})"
        ))),
        None => Ok(value.to_string()),
    }
}
