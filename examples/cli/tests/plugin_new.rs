//! `conductor plugin new`: the crate it writes carries its own copy of the SDK (so it
//! builds where only the installed `conductor` exists), and the command says where the
//! SDK comes from. That the crate builds for wasm32-wasip1 is checked by
//! conductor-tools' scaffold test.

use std::path::Path;
use std::process::{Command, Output};

fn conductor(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conductor"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .output()
        .expect("conductor runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn plugin_new_vendors_the_sdk_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = conductor(tmp.path(), &["plugin", "new", "my-midi-plugin"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "SDK: the conductor-plugin SDK built into this tool, copied into conductor-plugin/"
        ),
        "{stdout}"
    );
    let dir = tmp.path().join("my-midi-plugin");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"conductor-plugin = { path = "conductor-plugin" }"#),
        "{manifest}"
    );
    let sdk = std::fs::read_to_string(dir.join("conductor-plugin/Cargo.toml")).unwrap();
    assert!(sdk.contains("name = \"conductor-plugin\""), "{sdk}");
    assert!(dir.join("conductor-plugin/src/lib.rs").is_file());
    // Nothing in the new crate points back into the repository this binary came from.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let repo = repo.canonicalize().unwrap();
    assert!(!manifest.contains(&*repo.to_string_lossy()), "{manifest}");
}

#[test]
fn plugin_new_with_an_sdk_path_uses_it_and_refuses_a_folder_without_a_crate() {
    let tmp = tempfile::tempdir().unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../bindings/rust-plugin")
        .canonicalize()
        .unwrap();
    let out = conductor(
        tmp.path(),
        &["plugin", "new", "p", "--sdk-path", sdk.to_str().unwrap()],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("SDK: conductor-plugin at {}", sdk.display())),
        "{stdout}"
    );
    assert!(!tmp.path().join("p/conductor-plugin").exists());

    let out = conductor(tmp.path(), &["plugin", "new", "q", "--sdk-path", "."]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no Cargo.toml there"), "{stderr}");
}
