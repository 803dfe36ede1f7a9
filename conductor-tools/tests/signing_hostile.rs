//! Signature files, trust stores and key files prepared by someone else: oversized,
//! with control characters or duplicates, open to other users, garbage, or a symlink
//! planted where a key is about to be written.

use conductor_test_support as support;

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor_core::log::LogRecord;
use conductor_core::plugin::signing::{
    check_plugin, signature_path, SignaturePolicy, SignatureStatus, TrustStore,
};
use conductor_core::plugin::{CapabilitySet, HostConfig, PluginHost, PluginOptions};
use conductor_core::{Error, ErrorKind};
use conductor_tools::signing::{generate_key, public_key_path, sign, PrivateKey, TrustStoreEditor};

const PLUGIN: &str = r#"(module (memory (export "memory") 1)
  (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#;

fn signed_plugin(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let wasm = support::wat_file(dir, "plugin.wasm", PLUGIN);
    let key = dir.join("key");
    generate_key(&key, false).unwrap();
    sign(&wasm, &key, "Ada", "ada@example.com", CapabilitySet::EMPTY).unwrap();
    (wasm, key)
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn an_oversized_sig_is_refused_without_reading_it_whole() {
    let dir = support::temp_dir();
    let (wasm, _) = signed_plugin(dir.path());
    let sig = fs::OpenOptions::new()
        .write(true)
        .open(signature_path(&wasm))
        .unwrap();
    sig.set_len(512 << 20).unwrap(); // sparse: costs no disk
    drop(sig);
    let started = Instant::now();
    let err = check_plugin(
        &wasm,
        &fs::read(&wasm).unwrap(),
        CapabilitySet::EMPTY,
        SignaturePolicy::Allow,
        &TrustStore::empty(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature, "{err}");
    assert!(err.to_string().contains("larger than"), "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_trust_store_refuses_control_characters_and_duplicates() {
    let dir = support::temp_dir();
    let path = dir.path().join("trusted_keys.toml");
    let a = PrivateKey::generate().unwrap().public_key();
    let b = PrivateKey::generate().unwrap().public_key();
    let entry = |name: &str, key| format!("[[keys]]\nname = \"{name}\"\npublic_key = \"{key}\"\n");

    // A terminal escape in a name: it would be printed by `trust list` and in warnings.
    fs::write(&path, entry("Ada\\u001b]0;owned\\u0007", a)).unwrap();
    let err = TrustStore::load(&path).unwrap_err();
    assert!(err.to_string().contains("control characters"), "{err}");
    // The same name for two keys: `trust remove NAME` would pick one of them.
    fs::write(&path, entry("Ada", a) + &entry("Ada", b)).unwrap();
    let err = TrustStore::load(&path).unwrap_err();
    assert!(err.to_string().contains("used twice"), "{err}");
    // One key under two names.
    fs::write(&path, entry("Ada", a) + &entry("Bob", a)).unwrap();
    let err = TrustStore::load(&path).unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");

    let mut store = TrustStoreEditor::load(dir.path().join("new.toml")).unwrap();
    let err = store.add(a, "Ada\u{1b}[2J").unwrap_err();
    assert!(err.to_string().contains("control characters"), "{err}");
    assert!(store.list().is_empty());
}

#[cfg(unix)]
#[test]
fn a_trust_store_other_users_can_write_is_not_used() {
    let dir = support::temp_dir();
    let (wasm, key) = signed_plugin(dir.path());
    let store_dir = dir.path().join("conf");
    fs::create_dir(&store_dir).unwrap();
    chmod(&store_dir, 0o755);
    let path = store_dir.join("trusted_keys.toml");
    let mut store = TrustStoreEditor::load(&path).unwrap();
    store
        .add(PrivateKey::load(&key).unwrap().public_key(), "Ada")
        .unwrap();
    store.save().unwrap();
    let bytes = fs::read(&wasm).unwrap();
    let check = || {
        TrustStore::load(&path).and_then(|trust| {
            check_plugin(
                &wasm,
                &bytes,
                CapabilitySet::EMPTY,
                SignaturePolicy::Require,
                &trust,
            )
        })
    };
    assert!(matches!(
        check().unwrap(),
        SignatureStatus::Signed { trusted: true, .. }
    ));

    chmod(&path, 0o666);
    let err = check().unwrap_err();
    assert!(err.to_string().contains("other users may write"), "{err}");
    chmod(&path, 0o600);
    // A folder its group or anyone may write into: the file could be replaced.
    for mode in [0o777, 0o775] {
        chmod(&store_dir, mode);
        let err = check().unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("may be written by other users (mode {mode:o})")),
            "{err}"
        );
    }
    // The sticky bit (as on /tmp) stops others replacing a file they do not own.
    chmod(&store_dir, 0o1777);
    check().unwrap();
    chmod(&store_dir, 0o755);
    check().unwrap();
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<String>>>);

#[test]
fn a_garbage_trust_store_blocks_neither_allow_nor_unsigned_plugins() {
    let dir = support::temp_dir();
    let (signed, _) = signed_plugin(dir.path());
    let unsigned = support::wat_file(dir.path(), "unsigned.wasm", PLUGIN);
    let store = dir.path().join("trusted_keys.toml");
    fs::write(&store, "this is [[not toml").unwrap();
    let log = Captured::default();
    let sink = log.clone();
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(None)
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                sink.0.lock().unwrap().push(r.message.to_string())
            }))
            .with_trust_store(Some(store)),
    )
    .unwrap();
    let with = |policy| PluginOptions::default().with_signature_policy(policy);
    host.load(&unsigned, with(SignaturePolicy::Allow)).unwrap();
    host.load(&unsigned, with(SignaturePolicy::Warn)).unwrap();
    let plugin = host.load(&signed, with(SignaturePolicy::Allow)).unwrap();
    assert!(matches!(
        plugin.signature(),
        SignatureStatus::Signed { trusted: false, .. }
    ));
    let lines = log.0.lock().unwrap().join("\n");
    assert!(lines.contains("no key is trusted"), "{lines}");
    assert!(lines.contains("malformed"), "{lines}");
    // Under `require` the store is needed, and its error says what is wrong with it.
    let err = host
        .load(&signed, with(SignaturePolicy::Require))
        .unwrap_err();
    assert!(err.to_string().contains("malformed"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_private_key_other_users_can_read_is_refused() {
    let dir = support::temp_dir();
    let wasm = support::wat_file(dir.path(), "plugin.wasm", PLUGIN);
    let key = dir.path().join("key");
    generate_key(&key, false).unwrap();
    chmod(&key, 0o644);
    let err = PrivateKey::load(&key).unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
    let err = sign(&wasm, &key, "Ada", "a@example.com", CapabilitySet::EMPTY).unwrap_err();
    assert!(err.to_string().contains("other users may read"), "{err}");
    assert!(!signature_path(&wasm).exists());
    chmod(&key, 0o600);
    PrivateKey::load(&key).unwrap();
}

#[cfg(unix)]
#[test]
fn generate_key_never_writes_through_a_symlink_at_pub() {
    let dir = support::temp_dir();
    let key = dir.path().join("my-key");
    // Dangling: the target does not exist yet, so `exists()` says no.
    let target = dir.path().join("bashrc");
    std::os::unix::fs::symlink(&target, public_key_path(&key)).unwrap();
    let err = generate_key(&key, false).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(!target.exists(), "the key was written through the symlink");

    // With --force the symlink itself is replaced, never its target.
    fs::write(&target, "precious\n").unwrap();
    generate_key(&key, true).unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "precious\n");
    let meta = fs::symlink_metadata(public_key_path(&key)).unwrap();
    assert!(meta.file_type().is_file());
}

/// The folder a new trust store is saved into is the user's alone, whatever the umask,
/// so the store it holds is never refused for its folder.
#[cfg(unix)]
#[test]
fn a_new_trust_store_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = support::temp_dir();
    let (_, key) = signed_plugin(dir.path());
    let path = dir.path().join("new/conf/trusted_keys.toml");
    let mut store = TrustStoreEditor::load(&path).unwrap();
    store
        .add(PrivateKey::load(&key).unwrap().public_key(), "Ada")
        .unwrap();
    store.save().unwrap();
    for folder in [dir.path().join("new"), dir.path().join("new/conf")] {
        let mode = fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", folder.display());
    }
    TrustStore::load(&path).unwrap();
}
