//! Lists the files of the `conductor-plugin` SDK (`bindings/rust-plugin`) for
//! `conductor plugin new`, which writes them into every new plugin crate: the list is
//! made from the folder itself, so a file added to the SDK is vendored without editing
//! anything here.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/rust-plugin");
    let sdk = sdk
        .canonicalize()
        .expect("bindings/rust-plugin exists beside conductor-tools");
    println!("cargo:rerun-if-changed={}", sdk.join("src").display());
    let mut paths = vec!["Cargo.toml".to_string(), "README.md".to_string()];
    for entry in std::fs::read_dir(sdk.join("src")).expect("the SDK's src folder is readable") {
        let name = entry
            .unwrap()
            .file_name()
            .into_string()
            .expect("UTF-8 file names");
        if name.ends_with(".rs") {
            paths.push(format!("src/{name}"));
        }
    }
    paths.sort();
    let mut out = String::from("&[\n");
    for path in &paths {
        let full = sdk.join(path);
        println!("cargo:rerun-if-changed={}", full.display());
        writeln!(
            out,
            "    ({path:?}, include_str!({:?})),",
            full.display().to_string()
        )
        .unwrap();
    }
    out.push(']');
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("sdk_files.rs");
    std::fs::write(dest, out).unwrap();
}
