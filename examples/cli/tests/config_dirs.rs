//! `[plugins] data_dir` and `cache_dir` in a config are used: the plugin's data folder
//! is created under `data_dir`, and its compiled module is cached in `cache_dir`.

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

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk(&p) } else { 1 })
        .sum()
}
