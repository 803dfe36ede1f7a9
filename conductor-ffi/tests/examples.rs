//! The C and C++ examples, built with gcc/g++ against the freshly built library (shared
//! and static), run on the plugin guide's config and plugin, and checked line by line.

mod common;
use conductor_test_support as support;

use std::path::PathBuf;

use common::{build_program, guide_project, isolated, repo_root, run, Lang, Linkage, Run};

/// The lines every example prints, in order (each a substring of one output line).
/// `language` is what the direct plugin call says hello from.
fn expected_lines(language: &str) -> Vec<String> {
    let version = env!("CARGO_PKG_VERSION");
    [
        format!("conductor {version} (header {version})"),
        "== the guide's config: ".into(),
        "[my_midi_plugin] Plugin initialized".into(),
        "note 61: 0 mapping(s) fired".into(),
        "[my_midi_plugin] Received message: Hello from MIDI!".into(),
        "note 60: 1 mapping(s) fired".into(),
        "  mapping at line 3 (mode Default): ok".into(),
        "    WasmPlugin my_midi_plugin: ok".into(),
        "active mode: 0 Default".into(),
        "[my_midi_plugin] Plugin shutting down".into(),
        "== host actions and MIDI out".into(),
        "midi out: 90 30 64 (at 2000 us)".into(),
        "host action: Pad {".into(),
        "note 36: 1 mapping(s) fired".into(),
        "  Pad 1 (mode Default): ok".into(),
        "    SendMidi: ok".into(),
        "    Pad: ok".into(),
        "pushed event fired: Switch to Edit (ok)".into(),
        "host action: Keystroke {".into(),
        "pushed event fired: Save (ok)".into(),
        "pushed: 2 mapping(s) fired, queue drained: yes, dropped: 0, mode now Edit".into(),
        "== plugin run directly: ".into(),
        "[my_midi_plugin] Plugin initialized".into(),
        "loaded my_midi_plugin, capabilities: none".into(),
        format!("[my_midi_plugin] Received message: Hello from {language}!"),
        "execute: ok".into(),
        "execute with bad params: plugin_returned, code 1: plugin my_midi_plugin returned error code 1"
            .into(),
        "[my_midi_plugin] Plugin shutting down".into(),
        "done".into(),
    ]
    .into()
}

/// Asserts that each expected line occurs in `output`, in order.
fn assert_lines_in_order(run: &Run, expected: &[String]) {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let mut at = 0;
    for want in expected {
        match lines[at..].iter().position(|l| l.contains(want.as_str())) {
            Some(i) => at += i + 1,
            None => panic!(
                "expected a line containing {want:?} after line {at}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                run.stdout, run.stderr
            ),
        }
    }
}

/// The host actions carry their fields and trigger context as JSON.
fn assert_host_action_json(run: &Run) {
    let pad = run
        .stdout
        .lines()
        .find(|l| l.starts_with("host action: Pad "))
        .expect("the Pad host action was printed");
    let json: &str = pad.trim_start_matches("host action: Pad ");
    for field in [
        r#""action":"Pad""#,
        r#""pad":1"#,
        r#""note":36"#,
        r#""velocity":110"#,
    ] {
        assert!(
            json.contains(field),
            "{field} missing from the host action JSON {json}"
        );
    }
    let keystroke = run
        .stdout
        .lines()
        .find(|l| l.starts_with("host action: Keystroke "))
        .expect("the Keystroke host action was printed");
    for field in [
        r#""keys":"s""#,
        r#""mode_name":"Edit""#,
        r#""timestamp_us":4000"#,
    ] {
        assert!(
            keystroke.contains(field),
            "{field} missing from {keystroke}"
        );
    }
}

fn example_source(lang: Lang) -> PathBuf {
    match lang {
        Lang::C => repo_root().join("examples/c/conductor_example.c"),
        Lang::Cpp => repo_root().join("examples/cpp/conductor_example.cpp"),
    }
}

fn check_example(lang: Lang, linkage: Linkage) {
    let dir = support::temp_dir();
    let plugin = support::plugin_wasm("my-midi-plugin");
    let config = guide_project(dir.path(), &plugin);
    let name = format!("example-{lang:?}-{linkage:?}").to_lowercase();
    let exe = build_program(lang, linkage, &[example_source(lang)], dir.path(), &name);
    let result = run(isolated(&exe, dir.path()).arg(&config).arg(&plugin));
    result.assert_success(&name);
    let language = match lang {
        Lang::C => "C",
        Lang::Cpp => "C++",
    };
    assert_lines_in_order(&result, &expected_lines(language));
    assert_host_action_json(&result);
}

#[test]
fn c_example_linked_shared() {
    check_example(Lang::C, Linkage::Shared);
}

#[test]
fn c_example_linked_static() {
    check_example(Lang::C, Linkage::Static);
}

#[test]
fn cpp_example_linked_shared() {
    check_example(Lang::Cpp, Linkage::Shared);
}

#[test]
fn cpp_example_linked_static() {
    check_example(Lang::Cpp, Linkage::Static);
}
