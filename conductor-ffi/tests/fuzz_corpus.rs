//! Replays the committed corpus of the C API fuzz target
//! (`conductor-core/fuzz/corpus/c_api/`) through the same checks the target runs
//! (`conductor-core/fuzz/checks/c_api.rs`), so the boundary's NULL, length and index
//! checks keep holding in the normal test run, without the nightly toolchain.

use std::path::PathBuf;

#[path = "../../conductor-core/fuzz/checks/c_api.rs"]
mod c_api;

#[test]
fn c_api_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conductor-core/fuzz/corpus/c_api");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    // The corpus is minimized but large; a handful of files would mean it was lost.
    assert!(
        entries.len() > 100,
        "{}: only {} files",
        dir.display(),
        entries.len()
    );
    for path in &entries {
        let bytes = std::fs::read(path).unwrap();
        let result = std::panic::catch_unwind(|| c_api::check(&bytes));
        assert!(result.is_ok(), "c_api: {} fails its check", path.display());
    }
}
