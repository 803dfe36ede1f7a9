//! The on-disk module cache holds native code: an entry the host did not write itself,
//! or a folder other users can change, is never loaded.

use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use conductor_core::log::LogRecord;
use conductor_core::plugin::{HostConfig, ModuleSource, PluginHost, PluginOptions};
use conductor_core::Error;
use sha2::{Digest, Sha256};
use support::wat_file;

fn host(cache: &Path) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(Some(cache.to_path_buf()))
            .with_data_root(None)
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(None),
    )
    .unwrap()
}

/// A plugin whose `execute` returns `code`.
fn returning(dir: &Path, file: &str, code: i32) -> PathBuf {
    wat_file(
        dir,
        file,
        &format!(
            r#"(module (memory (export "memory") 1)
                 (func (export "execute") (param i32 i32) (result i32) (i32.const {code})))"#
        ),
    )
}

/// The cache entry of the wasm at `wasm`.
fn entry_of(cache: &Path, wasm: &Path) -> PathBuf {
    let prefix = hex::encode(Sha256::digest(std::fs::read(wasm).unwrap()));
    std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".cwasm")
        })
        .unwrap_or_else(|| panic!("no cache entry for {}", wasm.display()))
}

fn returned(host: &PluginHost, wasm: &Path) -> i32 {
    let mut plugin = host.load(wasm, PluginOptions::default()).unwrap();
    match plugin.execute(b"{}") {
        Ok(()) => 0,
        Err(Error::PluginReturned { code, .. }) => code,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn an_entry_swapped_for_another_plugins_code_is_recompiled_not_run() {
    let dir = support::temp_dir();
    let cache = dir.path().join("cache");
    let victim = returning(dir.path(), "victim.wasm", 0);
    let evil = returning(dir.path(), "evil.wasm", 66);
    let first = host(&cache);
    assert_eq!(first.precompile(&victim).unwrap(), ModuleSource::Compiled);
    assert_eq!(first.precompile(&evil).unwrap(), ModuleSource::Compiled);
    // Fresh hosts read the cache back.
    assert_eq!(
        host(&cache).precompile(&victim).unwrap(),
        ModuleSource::DiskCache
    );

    // The attacker copies the compiled code of their plugin over the victim's entry.
    std::fs::copy(entry_of(&cache, &evil), entry_of(&cache, &victim)).unwrap();
    let second = host(&cache);
    assert_eq!(second.precompile(&victim).unwrap(), ModuleSource::Compiled);
    assert_eq!(returned(&second, &victim), 0, "the swapped code ran");
    // The recompiled entry is good again.
    assert_eq!(
        host(&cache).precompile(&victim).unwrap(),
        ModuleSource::DiskCache
    );
}

#[test]
fn a_patched_entry_is_recompiled_not_run() {
    let dir = support::temp_dir();
    let cache = dir.path().join("cache");
    let wasm = returning(dir.path(), "plugin.wasm", 5);
    host(&cache).precompile(&wasm).unwrap();
    let entry = entry_of(&cache, &wasm);
    let mut bytes = std::fs::read(&entry).unwrap();
    // Flip one byte in every 4 KiB: somewhere in the code, the tag or the header.
    for i in (0..bytes.len()).step_by(4096) {
        bytes[i] ^= 0x01;
    }
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    std::fs::write(&entry, &bytes).unwrap();
    let again = host(&cache);
    assert_eq!(again.precompile(&wasm).unwrap(), ModuleSource::Compiled);
    assert_eq!(returned(&again, &wasm), 5);
}

#[test]
fn an_entry_made_with_another_key_is_not_trusted() {
    let dir = support::temp_dir();
    let cache = dir.path().join("cache");
    let wasm = returning(dir.path(), "plugin.wasm", 3);
    host(&cache).precompile(&wasm).unwrap();
    let entry = entry_of(&cache, &wasm);
    let good = std::fs::read(&entry).unwrap();
    // Another cache, with its own key, compiles the same wasm: its entry is a
    // well-formed module, but not one this cache's key vouches for.
    let other = dir.path().join("other-cache");
    host(&other).precompile(&wasm).unwrap();
    std::fs::copy(entry_of(&other, &wasm), &entry).unwrap();
    assert_ne!(std::fs::read(&entry).unwrap(), good);
    assert_eq!(
        host(&cache).precompile(&wasm).unwrap(),
        ModuleSource::Compiled
    );
}

#[cfg(unix)]
#[test]
fn a_cache_folder_or_key_others_can_change_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let dir = support::temp_dir();
    let cache = dir.path().join("cache");
    let wasm = returning(dir.path(), "plugin.wasm", 0);
    host(&cache).precompile(&wasm).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700);
    let key = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.to_string_lossy().ends_with(".cwasm"))
        .expect("a key file beside the entries");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(
        host(&cache).precompile(&wasm).unwrap(),
        ModuleSource::DiskCache
    );

    // A world-writable folder: anyone could have put entries (or a key) there.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert_eq!(
        host(&cache).precompile(&wasm).unwrap(),
        ModuleSource::Compiled
    );
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(
        host(&cache).precompile(&wasm).unwrap(),
        ModuleSource::DiskCache
    );

    // A key others can read lets them forge entries.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        host(&cache).precompile(&wasm).unwrap(),
        ModuleSource::Compiled
    );

    // A key replaced by a symlink to a file the attacker knows.
    std::fs::remove_file(&key).unwrap();
    let known = dir.path().join("known-key");
    std::fs::write(&known, [7u8; 32]).unwrap();
    std::fs::set_permissions(&known, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&known, &key).unwrap();
    // Were it used, the first host would write an entry the second one loads.
    assert_eq!(
        host(&cache).precompile(&wasm).unwrap(),
        ModuleSource::Compiled
    );
    assert_eq!(
        host(&cache).precompile(&wasm).unwrap(),
        ModuleSource::Compiled
    );
}

/// A disk cache that cannot be used is safe but slow: the host says so, once, naming
/// the folder and the way out, instead of compiling every plugin again in silence.
#[cfg(unix)]
#[test]
fn a_cache_that_cannot_be_used_says_so_once() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Mutex;
    let dir = support::temp_dir();
    let cache = dir.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = {
        let lines = lines.clone();
        Arc::new(move |r: &LogRecord<'_>| lines.lock().unwrap().push(r.message.to_string()))
    };
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(Some(cache.clone()))
            .with_data_root(None)
            .with_log_sink(sink)
            .with_trust_store(None),
    )
    .unwrap();
    for code in 0..3 {
        let wasm = returning(dir.path(), &format!("p{code}.wasm"), code);
        assert_eq!(host.precompile(&wasm).unwrap(), ModuleSource::Compiled);
    }
    let lines = lines.lock().unwrap();
    let warnings: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("compiled-module cache is not used"))
        .collect();
    assert_eq!(warnings.len(), 1, "{lines:?}");
    assert!(
        warnings[0].contains(&cache.display().to_string()),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("other users may change"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("chmod 700"), "{}", warnings[0]);
}
