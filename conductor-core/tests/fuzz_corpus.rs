//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/`) through the same
//! checks the fuzz targets run (`fuzz/checks/<target>.rs`), so the corpora keep
//! guarding the MIDI parser, the SMF reader, the config loader, the `.sig` parser and
//! capability decoding in the normal test run. The C API target's corpus needs
//! `conductor-ffi`, which this crate cannot depend on: `conductor-ffi/tests/fuzz_corpus.rs`
//! replays it.

use std::path::PathBuf;

#[path = "../fuzz/checks/parse.rs"]
mod parse;

#[path = "../fuzz/checks/smf.rs"]
mod smf;

#[path = "../fuzz/checks/config.rs"]
mod config;

#[path = "../fuzz/checks/signature.rs"]
mod signature;

#[path = "../fuzz/checks/capabilities.rs"]
mod capabilities;

/// Runs `check` on every file of `fuzz/corpus/<target>/` and returns how many there were.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in &entries {
        let bytes = std::fs::read(path).unwrap();
        let result = std::panic::catch_unwind(|| check(&bytes));
        assert!(
            result.is_ok(),
            "{target}: {} fails its check",
            path.display()
        );
    }
    entries.len()
}

#[test]
fn midi_parser_corpus() {
    assert!(replay("parse", parse::check) > 0);
}

#[test]
fn smf_reader_corpus() {
    assert!(replay("smf", smf::check) > 0);
}

#[test]
fn config_loader_corpus() {
    assert!(replay("config", config::check) > 0);
}

#[test]
fn signature_parser_corpus() {
    assert!(replay("signature", signature::check) > 0);
}

#[test]
fn capability_decoding_corpus() {
    assert!(replay("capabilities", capabilities::check) > 0);
}
