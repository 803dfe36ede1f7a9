//! [`PluginReport`]: everything a user may want to know about a `.wasm` file before
//! trusting it — what it is, what it asks for and who signed it — found out without
//! running any of its code beyond `capabilities()`.

use std::path::{Path, PathBuf};

use conductor_core::plugin::signing::{check_bytes, SignaturePolicy, SignatureStatus};
use conductor_core::plugin::{plugin_name, PluginHost, PluginInfo};
use conductor_core::{Error, Result};

/// A description of one plugin file: its [`PluginInfo`] (size, SHA-256, exports,
/// imports, declared capabilities) and the state of its signature.
///
/// This is what `conductor plugin info` prints; the C and Python front ends expose the
/// same fields.
///
/// ```no_run
/// use conductor_core::plugin::PluginHost;
/// use conductor_tools::PluginReport;
/// let host = PluginHost::new(Default::default())?;
/// let report = PluginReport::new(&host, "my_midi_plugin.wasm")?;
/// println!("{} asks for {}", report.info.name, report.info.capabilities);
/// match &report.signature {
///     Ok(status) => println!("signature: {status}"),
///     Err(problem) => println!("signature INVALID: {problem}"),
/// }
/// # Ok::<(), conductor_core::Error>(())
/// ```
#[derive(Debug)]
pub struct PluginReport {
    /// The file described.
    pub path: PathBuf,
    /// What the module is and declares. When the signature is invalid the module is
    /// neither compiled nor run, so only the name, size and SHA-256 are filled in.
    pub info: PluginInfo,
    /// `Ok` with [`SignatureStatus::Unsigned`] when there is no `.sig` file, `Ok` with
    /// [`SignatureStatus::Signed`] (trusted or not, against the host's trust store) when
    /// the signature is valid, and the [`Error::Signature`] saying what does not match
    /// when the `.sig` file is present but invalid — such a plugin never loads.
    pub signature: Result<SignatureStatus>,
}

impl PluginReport {
    /// Inspects the plugin at `path` with `host` (see [`PluginHost::inspect`]) and checks
    /// its signature against the host's trust store.
    ///
    /// Fails only when the file cannot be read or is not a usable plugin (not
    /// WebAssembly, a forbidden import, a missing `execute`, unreadable capabilities); a
    /// bad signature is reported in [`PluginReport::signature`] instead.
    pub fn new(host: &PluginHost, path: impl AsRef<Path>) -> Result<PluginReport> {
        let path = path.as_ref();
        let name = plugin_name(path);
        // One read: the bytes whose signature is checked are the bytes described.
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        // Under `Allow`, unsigned plugins and untrusted keys are reported in the status
        // rather than refused; only a present but invalid signature is an error.
        let checked = check_bytes(path, &bytes, SignaturePolicy::Allow, || {
            host.trust_store_for(SignaturePolicy::Allow)
        });
        let checked = match checked {
            Ok(checked) => checked,
            Err(problem) => {
                // Refused on its bytes: nothing of it is compiled or run.
                return Ok(PluginReport {
                    path: path.to_path_buf(),
                    info: PluginInfo::uninspected(name, &bytes),
                    signature: Err(problem),
                });
            }
        };
        let info = host.inspect_bytes(name, &bytes)?;
        let signature = checked
            .check_capabilities(info.capabilities)
            .map(|()| checked.status);
        Ok(PluginReport {
            path: path.to_path_buf(),
            info,
            signature,
        })
    }

    /// The SHA-256 of the wasm as 64 lowercase hex characters.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.info.sha256)
    }

    /// Whether the plugin would load under `policy` as far as its signature goes: a
    /// valid signature always passes, an unsigned plugin or an untrusted key passes
    /// unless `policy` is [`SignaturePolicy::Require`], an invalid signature never
    /// passes.
    pub fn signature_acceptable(&self, policy: SignaturePolicy) -> bool {
        match &self.signature {
            Err(_) => false,
            Ok(SignatureStatus::Signed { trusted: true, .. }) => true,
            Ok(_) => policy != SignaturePolicy::Require,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{self, PrivateKey, TrustStoreEditor};
    use conductor_core::plugin::{CapabilitySet, HostConfig};

    /// A module exporting memory and `execute`, no imports, no capabilities.
    fn minimal(result: i32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module
                 (memory (export "memory") 1)
                 (func (export "execute") (param i32 i32) (result i32) i32.const {result}))"#
        ))
        .expect("valid WAT")
    }

    fn host(dir: &Path) -> PluginHost {
        PluginHost::new(
            HostConfig::default()
                .with_cache_dir(None)
                .with_data_root(Some(dir.join("data")))
                .with_trust_store(Some(dir.join("trusted_keys.toml"))),
        )
        .expect("host")
    }

    #[test]
    fn unsigned_plugin_is_described_and_acceptable_except_under_require() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("minimal.wasm");
        let bytes = minimal(0);
        std::fs::write(&wasm, &bytes).unwrap();
        let report = PluginReport::new(&host(dir.path()), &wasm).unwrap();
        assert_eq!(report.info.name, "minimal");
        assert_eq!(report.info.size, bytes.len() as u64);
        assert!(report.info.exports.contains(&"execute".to_string()));
        assert!(report.info.capabilities.is_empty());
        assert_eq!(
            report.signature.as_ref().unwrap(),
            &SignatureStatus::Unsigned
        );
        assert!(report.signature_acceptable(SignaturePolicy::Warn));
        assert!(!report.signature_acceptable(SignaturePolicy::Require));
    }

    #[test]
    fn signed_plugin_reports_its_signer_and_trust() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("minimal.wasm");
        std::fs::write(&wasm, minimal(0)).unwrap();
        let key = dir.path().join("key");
        signing::generate_key(&key, false).unwrap();
        signing::sign(&wasm, &key, "Ada", "ada@example.com", CapabilitySet::EMPTY).unwrap();
        let host = host(dir.path());

        let report = PluginReport::new(&host, &wasm).unwrap();
        assert_eq!(
            report
                .signature
                .as_ref()
                .unwrap()
                .to_string()
                .split(" (")
                .next()
                .unwrap(),
            "signed by Ada <ada@example.com>"
        );
        assert!(!report.signature_acceptable(SignaturePolicy::Require));

        let mut trust = TrustStoreEditor::load(dir.path().join("trusted_keys.toml")).unwrap();
        trust
            .add(PrivateKey::load(&key).unwrap().public_key(), "Ada")
            .unwrap();
        trust.save().unwrap();
        let report = PluginReport::new(&host, &wasm).unwrap();
        assert!(report.signature_acceptable(SignaturePolicy::Require));
    }

    #[test]
    fn tampered_plugin_reports_the_mismatch_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("minimal.wasm");
        std::fs::write(&wasm, minimal(0)).unwrap();
        let key = dir.path().join("key");
        signing::generate_key(&key, false).unwrap();
        signing::sign(&wasm, &key, "Ada", "ada@example.com", CapabilitySet::EMPTY).unwrap();
        // Same size, different code: only the hash can tell.
        std::fs::write(&wasm, minimal(1)).unwrap();

        let report = PluginReport::new(&host(dir.path()), &wasm).unwrap();
        let problem = report.signature.as_ref().unwrap_err().to_string();
        assert!(problem.contains("SHA-256 does not match"), "{problem}");
        assert!(!report.signature_acceptable(SignaturePolicy::Allow));
    }
}
