//! Each plugin's data folder is its own: names that sanitize alike, names that differ
//! by a leading dot, and the same file name in two folders never share one. The folder
//! stays under the data root (the guide's `plugin-data/`) and is the same every time the
//! same file loads, however its path is spelled.

use conductor_test_support as support;

use std::path::{Path, PathBuf};

use conductor_core::plugin::{Capability, Grants, HostConfig, Plugin, PluginHost, PluginOptions};

const WAT: &str = r#"(module
    (memory (export "memory") 1)
    (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#;

struct Fixture {
    host: PluginHost,
    root: PathBuf,
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = support::temp_dir();
    let root = dir.path().join("plugin-data");
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(root.clone()))
            .with_log_sink(std::sync::Arc::new(
                |_: &conductor_core::log::LogRecord<'_>| {},
            ))
            .with_trust_store(None),
    )
    .unwrap();
    Fixture { host, root, dir }
}

fn filesystem() -> PluginOptions {
    PluginOptions::default().with_grants(Grants::none().with(Capability::Filesystem))
}

fn plugin_at(f: &Fixture, relative: &str) -> PathBuf {
    let path = f.dir.path().join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, support::wat_module(WAT)).unwrap();
    path
}

fn load(f: &Fixture, path: &Path) -> Plugin {
    f.host.load(path, filesystem()).unwrap()
}

fn data_dir(plugin: &Plugin) -> PathBuf {
    plugin
        .data_dir()
        .expect("Filesystem is granted")
        .to_path_buf()
}

/// The victim keeps a secret in its folder; the other plugin's folder is elsewhere and
/// does not hold it.
fn assert_apart(f: &Fixture, victim: &Path, other: &Path) {
    let victim = load(f, victim);
    let other = load(f, other);
    let (victim_dir, other_dir) = (data_dir(&victim), data_dir(&other));
    assert_ne!(victim_dir, other_dir, "two plugins share a data folder");
    std::fs::write(victim_dir.join("secret.txt"), "TOP SECRET").unwrap();
    assert!(!other_dir.join("secret.txt").exists());
    for dir in [&victim_dir, &other_dir] {
        assert_eq!(dir.parent(), Some(f.root.as_path()), "{}", dir.display());
    }
}

#[test]
fn names_that_sanitize_alike_get_separate_folders() {
    let f = fixture();
    let victim = plugin_at(&f, "victim plugin.wasm");
    let attacker = plugin_at(&f, "victim_plugin.wasm");
    assert_apart(&f, &victim, &attacker);
}

#[test]
fn a_leading_dot_does_not_merge_folders() {
    let f = fixture();
    let victim = plugin_at(&f, "x.wasm");
    let attacker = plugin_at(&f, ".x.wasm");
    assert_apart(&f, &victim, &attacker);
}

#[test]
fn the_same_file_name_in_two_folders_gets_two_folders() {
    let f = fixture();
    let victim = plugin_at(&f, "trusted/logger.wasm");
    let attacker = plugin_at(&f, "downloads/logger.wasm");
    assert_apart(&f, &victim, &attacker);
}

#[test]
fn plugins_loaded_from_memory_with_names_that_sanitize_alike_are_apart() {
    let f = fixture();
    let wasm = support::wat_module(WAT);
    let a = f.host.load_bytes("a b", &wasm, filesystem()).unwrap();
    let b = f.host.load_bytes("a_b", &wasm, filesystem()).unwrap();
    assert_ne!(data_dir(&a), data_dir(&b));
}

#[test]
fn the_same_file_keeps_its_folder_however_it_is_reached() {
    let f = fixture();
    let path = plugin_at(&f, "plugins/keeper.wasm");
    let first = data_dir(&load(&f, &path));
    std::fs::write(first.join("state.json"), "{}").unwrap();

    // Loaded again (a restart), through a symlinked folder, and with `..` in the path.
    let link = f.dir.path().join("linked");
    std::os::unix::fs::symlink(f.dir.path().join("plugins"), &link).unwrap();
    let dotted = f.dir.path().join("plugins/../plugins/keeper.wasm");
    for spelling in [path.clone(), link.join("keeper.wasm"), dotted] {
        let dir = data_dir(&load(&f, &spelling));
        assert_eq!(dir, first, "{}", spelling.display());
        assert!(dir.join("state.json").exists());
    }
    // Recognisable: the folder's name starts with the plugin's name.
    let name = first.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("keeper-"), "{name}");
}

#[test]
fn odd_names_stay_one_folder_below_the_root() {
    let f = fixture();
    let wasm = support::wat_module(WAT);
    for name in [
        "..",
        ".",
        "",
        "../../etc",
        "a/b",
        "名前",
        &"long".repeat(100),
    ] {
        let plugin = f.host.load_bytes(name, &wasm, filesystem()).unwrap();
        let dir = data_dir(&plugin);
        assert_eq!(
            dir.parent(),
            Some(f.root.as_path()),
            "{name:?}: {}",
            dir.display()
        );
        assert!(dir.file_name().unwrap().len() < 100, "{}", dir.display());
    }
}
