//! Checking signatures: does the `.sig` belong to this wasm, unmodified?

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{plugin_label, signature_path, PluginSignature, PublicKey};
use crate::plugin::CapabilitySet;
use crate::{Error, Result};

/// A signature that has been checked against its wasm: the signed fields are intact and
/// the wasm is byte for byte the one that was signed.
///
/// Whether the signer is *trusted* is a separate question for the
/// [`TrustStore`](super::TrustStore).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    plugin: String,
    signature: PluginSignature,
}

impl VerifiedSignature {
    /// The verified contents of the `.sig` file.
    pub fn signature(&self) -> &PluginSignature {
        &self.signature
    }

    /// The key that signed the plugin.
    pub fn public_key(&self) -> PublicKey {
        self.signature.public_key
    }

    /// Checks that the capabilities the plugin asks for now (what its `capabilities()`
    /// export declares plus what its imports of host functions need;
    /// [`PluginInfo::capabilities`](crate::plugin::PluginInfo::capabilities)) are
    /// exactly the ones its developer signed.
    ///
    /// The error lists what was added and what was removed.
    pub fn check_capabilities(&self, declared: CapabilitySet) -> Result<()> {
        let signed = self.signature.capabilities;
        if declared == signed {
            return Ok(());
        }
        let added: CapabilitySet = declared.iter().filter(|c| !signed.contains(*c)).collect();
        let removed: CapabilitySet = signed.iter().filter(|c| !declared.contains(*c)).collect();
        let mut change = Vec::new();
        if !added.is_empty() {
            change.push(format!("it now also asks for {added}"));
        }
        if !removed.is_empty() {
            change.push(format!("it no longer asks for {removed}"));
        }
        Err(Error::Signature {
            plugin: self.plugin.clone(),
            reason: format!(
                "the capabilities the plugin asks for ({declared}) differ from the ones its \
                 developer signed ({signed}): {}; do not use it until its developer signs \
                 this version",
                change.join(" and ")
            ),
        })
    }
}

impl PluginSignature {
    /// Checks this signature against the wasm bytes of the plugin at `wasm` (the path is
    /// used only to name the plugin in errors).
    ///
    /// First the signature over the signed fields, then the size and SHA-256 of the wasm;
    /// the error says which one does not match.
    pub fn verify(self, wasm: &Path, wasm_bytes: &[u8]) -> Result<VerifiedSignature> {
        let plugin = plugin_label(wasm);
        let refuse = |reason: String| Error::Signature {
            plugin: plugin.clone(),
            reason,
        };
        if !self.signature_matches_payload() {
            return Err(refuse(
                "the signature does not match its signed fields (developer name, email, \
                 capabilities, time, hash or key in the .sig file were edited after signing)"
                    .into(),
            ));
        }
        let size = wasm_bytes.len() as u64;
        if size != self.wasm_size {
            return Err(refuse(format!(
                "the wasm's size ({size} bytes) does not match the signature ({} bytes): the \
                 file was modified after signing",
                self.wasm_size
            )));
        }
        let sha256: [u8; 32] = Sha256::digest(wasm_bytes).into();
        if sha256 != self.wasm_sha256 {
            return Err(refuse(
                "the wasm's SHA-256 does not match the signature (the file was modified after \
                 signing)"
                    .into(),
            ));
        }
        Ok(VerifiedSignature {
            plugin,
            signature: self,
        })
    }
}

/// Reads the plugin at `wasm` and its `<wasm>.sig`, and checks one against the other.
///
/// A missing `.sig` is an [`Error::Signature`] here; use
/// [`check_plugin`](super::check_plugin) when unsigned plugins may be acceptable.
pub fn verify(wasm: &Path) -> Result<VerifiedSignature> {
    let bytes = fs::read(wasm).map_err(|e| Error::io(wasm, e))?;
    verify_bytes(wasm, &bytes)
}

/// Like [`verify`], with the wasm bytes already in memory (the `.sig` is still read from
/// beside `wasm`).
pub fn verify_bytes(wasm: &Path, wasm_bytes: &[u8]) -> Result<VerifiedSignature> {
    match PluginSignature::read(wasm)? {
        Some(signature) => signature.verify(wasm, wasm_bytes),
        None => Err(Error::Signature {
            plugin: plugin_label(wasm),
            reason: format!(
                "it is not signed: {} does not exist (sign it with `conductor-sign sign {} \
                 KEY --name NAME --email EMAIL`)",
                signature_path(wasm).display(),
                wasm.display()
            ),
        }),
    }
}
