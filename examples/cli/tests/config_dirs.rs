//! `[plugins] data_dir` and `cache_dir` in a config are used: the plugin's data folder
//! is created under `data_dir`, and its compiled module is cached in `cache_dir`. The
//! data root's documented order (docs/plugin-abi.md): the config's `data_dir`, then
//! `CONDUCTOR_PLUGIN_DATA_DIR`, then `$XDG_DATA_HOME/conductor/plugin-data`.

mod common;

use common::{note_on, toml_path, write_mid, Run, Sandbox};

#[test]
fn plugins_data_dir_and_cache_dir_from_the_config_are_used() {
    let sandbox = Sandbox::new();
    let wasm = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#,
    )
    .unwrap();
    std::fs::write(sandbox.join("keeper.wasm"), wasm).unwrap();
    write_mid(&sandbox.join("one.mid"), &[(0, note_on(60, 100))]);
    sandbox.write(
        "config.toml",
        "[plugins]\ndata_dir = \"my-data\"\ncache_dir = \"my-cache\"\n\
         signature_policy = \"allow\"\n\
         [[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 } }\n\
         action = { WasmPlugin = { path = \"keeper.wasm\", grant = [\"Filesystem\"] } }\n",
    );
    Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        &toml_path(&sandbox.join("one.mid")),
        "--fast",
    ]))
    .success();

    let data: Vec<String> = std::fs::read_dir(sandbox.join("my-data"))
        .expect("the config's data_dir is the plugin data root")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(data.len(), 1, "{data:?}");
    assert!(data[0].starts_with("keeper-"), "{data:?}");
    let cached = walk(&sandbox.join("my-cache"));
    assert!(
        cached > 0,
        "the config's cache_dir holds the compiled module"
    );
    // Nothing went to the default places under HOME.
    assert!(!sandbox
        .home()
        .join(".local/share/conductor/plugin-data")
        .exists());
}

#[test]
fn the_data_root_is_the_config_then_the_environment_then_xdg() {
    let sandbox = Sandbox::new();
    let wasm = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#,
    )
    .unwrap();
    std::fs::write(sandbox.join("keeper.wasm"), wasm).unwrap();
    write_mid(&sandbox.join("one.mid"), &[(0, note_on(60, 100))]);
    let mapping = "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
                   trigger = { Note = { note = 60 } }\n\
                   action = { WasmPlugin = { path = \"keeper.wasm\", grant = [\"Filesystem\"] } }\n";
    sandbox.write(
        "with-dir.toml",
        &format!("[plugins]\ndata_dir = \"from-config\"\nsignature_policy = \"allow\"\n{mapping}"),
    );
    sandbox.write(
        "without-dir.toml",
        &format!("[plugins]\nsignature_policy = \"allow\"\n{mapping}"),
    );
    let from_env = sandbox.join("from-env");
    let xdg = sandbox.home().join(".local/share/conductor/plugin-data");
    let run = |config: &str, env: bool| {
        let mut c = sandbox.conductor();
        c.args([
            "--config",
            config,
            "--replay",
            &toml_path(&sandbox.join("one.mid")),
            "--fast",
        ]);
        if env {
            c.env("CONDUCTOR_PLUGIN_DATA_DIR", &from_env);
        }
        Run::of(&mut c).success();
    };
    let keeper_folders = |root: &std::path::Path| -> usize {
        std::fs::read_dir(root).map_or(0, |entries| {
            entries
                .filter(|e| {
                    let e = e.as_ref().unwrap();
                    e.file_name().to_string_lossy().starts_with("keeper-") && e.path().is_dir()
                })
                .count()
        })
    };

    // 1. The config's data_dir wins over the variable.
    run("with-dir.toml", true);
    assert_eq!(keeper_folders(&sandbox.join("from-config")), 1);
    assert_eq!(keeper_folders(&from_env), 0, "the config's data_dir wins");
    assert_eq!(keeper_folders(&xdg), 0);
    // 2. Without one, CONDUCTOR_PLUGIN_DATA_DIR wins over XDG.
    run("without-dir.toml", true);
    assert_eq!(
        keeper_folders(&from_env),
        1,
        "CONDUCTOR_PLUGIN_DATA_DIR is used"
    );
    assert_eq!(
        keeper_folders(&xdg),
        0,
        "CONDUCTOR_PLUGIN_DATA_DIR wins over XDG"
    );
    // 3. Without either, the XDG data folder.
    run("without-dir.toml", false);
    assert_eq!(
        keeper_folders(&xdg),
        1,
        "$XDG_DATA_HOME/conductor/plugin-data"
    );
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk(&p) } else { 1 })
        .sum()
}
