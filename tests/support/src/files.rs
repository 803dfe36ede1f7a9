//! Files on disk: the repository root, plain-file fixtures, temporary directories.

use std::fs;
use std::path::{Path, PathBuf};

/// Path of the repository root (the folder holding `conductor-core/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("conductor-core").is_dir())
        .expect("the test-support crate lives inside the repository")
        .to_path_buf()
}

/// Path of a plain-file fixture in `tests/fixtures/files/`, e.g. `not-wasm.wasm`.
pub fn fixture(file_name: &str) -> PathBuf {
    let path = repo_root()
        .join("tests")
        .join("fixtures")
        .join("files")
        .join(file_name);
    assert!(
        path.is_file(),
        "test fixture {} does not exist; fixtures live in tests/fixtures/files/",
        path.display()
    );
    path
}

/// A fresh temporary directory, deleted when the returned value is dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("conductor-test-")
        .tempdir()
        .expect("cannot create a temporary directory")
}

/// Writes `bytes` to `dir/file_name` and returns the path.
pub fn write_file(dir: &Path, file_name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(file_name);
    fs::write(&path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}
