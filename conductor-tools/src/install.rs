//! Installing a plugin into the user's plugin folder, `~/.conductor/wasm-plugins/`, as
//! the plugin author's guide tells users to ("Copy to `~/.conductor/wasm-plugins/`") —
//! but only after checking that it is a usable plugin and that its signature holds.

use std::fs;
use std::path::{Path, PathBuf};

use conductor_core::plugin::signing::{
    check_bytes, signature_path, SignaturePolicy, SignatureStatus, MAX_SIGNATURE_FILE,
};
use conductor_core::plugin::{plugin_name, CapabilitySet, PluginHost};
use conductor_core::{Error, Result};

/// The folder plugins are installed into: `~/.conductor/wasm-plugins/`, or `None` when
/// the home folder is unknown.
pub fn default_install_dir() -> Option<PathBuf> {
    dirs::home_dir().map(|home| home.join(".conductor").join("wasm-plugins"))
}

/// What [`install_plugin`] did.
#[derive(Debug, Clone)]
pub struct InstalledPlugin {
    /// Where the wasm now is.
    pub path: PathBuf,
    /// Where its signature now is, when it has one.
    pub signature_path: Option<PathBuf>,
    /// The capabilities it declares (a config that uses it must grant the medium- and
    /// high-risk ones).
    pub capabilities: CapabilitySet,
    /// What the signature check found.
    pub signature: SignatureStatus,
    /// Whether an earlier copy of the same file name was replaced.
    pub replaced: bool,
}

/// Checks the plugin at `wasm` and copies it, with its `.sig` when there is one, into
/// `dest_dir` (created if missing) under the same file name.
///
/// The checks are those of a load, without running the plugin's `init`: the file must
/// be a WebAssembly module with the plugin exports and only allowed imports, its
/// `capabilities()` must be readable, and its signature must pass
/// [`check_plugin`](conductor_core::plugin::signing::check_plugin) under
/// `policy` with the host's trust store. A present but invalid signature is always
/// refused; under [`SignaturePolicy::Require`] so are unsigned plugins and untrusted
/// keys. [`SignatureStatus::warning`] on the result tells what to show under
/// [`SignaturePolicy::Warn`].
///
/// The bytes that are checked are the bytes that are installed: both files are read
/// once, written to a staging folder inside `dest_dir`, checked there and then renamed
/// into place; when the check fails, nothing in `dest_dir` changes. Installing an unsigned plugin removes a stale `.sig` left by an earlier
/// version, which would otherwise make it fail to load.
///
/// ```no_run
/// use conductor_core::plugin::PluginHost;
/// use conductor_core::plugin::signing::SignaturePolicy;
/// use conductor_tools::{default_install_dir, install_plugin};
/// let host = PluginHost::new(Default::default())?;
/// let dir = default_install_dir().expect("a home folder");
/// let done = install_plugin(&host, "my_plugin.wasm".as_ref(), &dir, SignaturePolicy::Warn)?;
/// println!("installed {} ({})", done.path.display(), done.signature);
/// # Ok::<(), conductor_core::Error>(())
/// ```
pub fn install_plugin(
    host: &PluginHost,
    wasm: &Path,
    dest_dir: &Path,
    policy: SignaturePolicy,
) -> Result<InstalledPlugin> {
    let file_name = wasm.file_name().ok_or_else(|| {
        Error::InvalidArgument(format!("{} does not name a file", wasm.display()))
    })?;
    let name = plugin_name(wasm);
    let bytes = fs::read(wasm).map_err(|e| Error::io(wasm, e))?;
    let sig_source = signature_path(wasm);
    // At most one byte past the cap: a larger file is refused when the staged copy is
    // checked, without reading it all.
    let sig_bytes = match fs::File::open(&sig_source) {
        Ok(file) => {
            let mut b = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(file, MAX_SIGNATURE_FILE + 1),
                &mut b,
            )
            .map_err(|e| Error::io(&sig_source, e))?;
            Some(b)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&sig_source, e)),
    };

    fs::create_dir_all(dest_dir).map_err(|e| Error::io(dest_dir, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".installing-")
        .tempdir_in(dest_dir)
        .map_err(|e| Error::io(dest_dir, e))?;
    let staged = staging.path().join(file_name);
    fs::write(&staged, &bytes).map_err(|e| Error::io(&staged, e))?;
    let staged_sig = signature_path(&staged);
    if let Some(sig) = &sig_bytes {
        fs::write(&staged_sig, sig).map_err(|e| Error::io(&staged_sig, e))?;
    }

    // The signature is judged on the staged bytes before they are compiled or run; the
    // capabilities come from a sealed instance.
    let checked = check_bytes(&staged, &bytes, policy, || host.trust_store_for(policy))
        .map_err(|e| name_source(e, wasm))?;
    let capabilities = host.inspect_bytes(name, &bytes)?.capabilities;
    checked
        .check_capabilities(capabilities)
        .map_err(|e| name_source(e, wasm))?;
    let signature = checked.status;

    let path = dest_dir.join(file_name);
    let installed_sig = signature_path(&path);
    let replaced = path.exists();
    // The signature goes first: a reader that sees the new wasm also sees its `.sig`.
    if sig_bytes.is_some() {
        fs::rename(&staged_sig, &installed_sig).map_err(|e| Error::io(&installed_sig, e))?;
    } else {
        match fs::remove_file(&installed_sig) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(&installed_sig, e))
            }
            _ => {}
        }
    }
    fs::rename(&staged, &path).map_err(|e| Error::io(&path, e))?;
    Ok(InstalledPlugin {
        path,
        signature_path: sig_bytes.map(|_| installed_sig),
        capabilities,
        signature,
        replaced,
    })
}

/// Errors about the staged copy name the file the user gave instead.
fn name_source(error: Error, wasm: &Path) -> Error {
    match error {
        Error::Signature { reason, .. } => Error::Signature {
            plugin: wasm.display().to_string(),
            reason,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{self, PrivateKey, TrustStoreEditor};
    use conductor_core::plugin::HostConfig;

    fn plugin_bytes(result: i32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module
                 (memory (export "memory") 1)
                 (func (export "execute") (param i32 i32) (result i32) i32.const {result}))"#
        ))
        .expect("valid WAT")
    }

    struct Setup {
        dir: tempfile::TempDir,
        host: PluginHost,
        wasm: PathBuf,
        dest: PathBuf,
    }

    fn setup() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let host = PluginHost::new(
            HostConfig::default()
                .with_cache_dir(None)
                .with_data_root(Some(dir.path().join("data")))
                .with_trust_store(Some(dir.path().join("trusted_keys.toml"))),
        )
        .unwrap();
        let src = dir.path().join("build");
        fs::create_dir(&src).unwrap();
        let wasm = src.join("my_plugin.wasm");
        fs::write(&wasm, plugin_bytes(0)).unwrap();
        let dest = dir.path().join("home/.conductor/wasm-plugins");
        Setup {
            dir,
            host,
            wasm,
            dest,
        }
    }

    fn sign(s: &Setup) -> PathBuf {
        let key = s.dir.path().join("key");
        signing::generate_key(&key, true).unwrap();
        signing::sign(
            &s.wasm,
            &key,
            "Ada",
            "ada@example.com",
            CapabilitySet::EMPTY,
        )
        .unwrap();
        key
    }

    #[test]
    fn signed_plugin_is_copied_with_its_signature() {
        let s = setup();
        sign(&s);
        let done = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Warn).unwrap();
        assert_eq!(done.path, s.dest.join("my_plugin.wasm"));
        assert_eq!(fs::read(&done.path).unwrap(), fs::read(&s.wasm).unwrap());
        let sig = done.signature_path.clone().unwrap();
        assert_eq!(sig, s.dest.join("my_plugin.wasm.sig"));
        assert_eq!(
            fs::read(&sig).unwrap(),
            fs::read(signature_path(&s.wasm)).unwrap()
        );
        assert!(matches!(
            done.signature,
            SignatureStatus::Signed { trusted: false, .. }
        ));
        assert!(!done.replaced);
        // Nothing but the two files is left behind.
        let names: Vec<_> = fs::read_dir(&s.dest)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn tampered_plugin_is_refused_and_nothing_is_installed() {
        let s = setup();
        sign(&s);
        fs::write(&s.wasm, plugin_bytes(1)).unwrap();
        let err = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Allow).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&s.wasm.display().to_string()), "{text}");
        assert!(text.contains("SHA-256 does not match"), "{text}");
        assert!(!s.dest.join("my_plugin.wasm").exists());
        assert_eq!(fs::read_dir(&s.dest).unwrap().count(), 0);

        // Damaged beyond compiling: still reported as the signature mismatch it is.
        fs::write(&s.wasm, b"\0asm garbage").unwrap();
        let err = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Allow).unwrap_err();
        assert_eq!(err.kind(), conductor_core::ErrorKind::Signature, "{err}");
        assert_eq!(fs::read_dir(&s.dest).unwrap().count(), 0);
    }

    #[test]
    fn require_refuses_unsigned_and_untrusted_but_accepts_trusted() {
        let s = setup();
        let err = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Require).unwrap_err();
        assert!(err.to_string().contains("unsigned"), "{err}");

        let key = sign(&s);
        let err = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Require).unwrap_err();
        assert!(err.to_string().contains("not in the trust store"), "{err}");

        let mut trust = TrustStoreEditor::load(s.dir.path().join("trusted_keys.toml")).unwrap();
        trust
            .add(PrivateKey::load(&key).unwrap().public_key(), "Ada")
            .unwrap();
        trust.save().unwrap();
        let done = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Require).unwrap();
        assert!(matches!(
            done.signature,
            SignatureStatus::Signed { trusted: true, .. }
        ));
    }

    #[test]
    fn unsigned_update_removes_a_stale_signature() {
        let s = setup();
        sign(&s);
        install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Warn).unwrap();
        fs::remove_file(signature_path(&s.wasm)).unwrap();
        fs::write(&s.wasm, plugin_bytes(2)).unwrap();
        let done = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Warn).unwrap();
        assert!(done.replaced);
        assert_eq!(done.signature, SignatureStatus::Unsigned);
        assert!(done.signature_path.is_none());
        assert!(!s.dest.join("my_plugin.wasm.sig").exists());
        assert!(done.signature.warning(SignaturePolicy::Warn).is_some());
    }

    #[test]
    fn a_file_that_is_not_a_plugin_is_refused() {
        let s = setup();
        fs::write(&s.wasm, b"#!/bin/sh\necho hi\n").unwrap();
        let err = install_plugin(&s.host, &s.wasm, &s.dest, SignaturePolicy::Allow).unwrap_err();
        assert_eq!(err.kind(), conductor_core::ErrorKind::PluginLoad, "{err}");
        assert!(!s.dest.join("my_plugin.wasm").exists());
    }
}
