//! A config error names the file, the line and the column of the problem
//! (`config error at test_config.toml:4:11: ...`, as docs/cli.md shows), for a run and
//! for `conductor check`, and the column points at the offending token.

mod common;

use common::{Run, Sandbox};

/// Each case: a config whose line 4 or 5 holds a mistake, and the location and words of
/// the error a user must see.
const CASES: &[(&str, &str, &str)] = &[
    (
        // `200` starts in column 29 of line 4.
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 200 } }\n\
         action = { SendMidi = { bytes = [0x90, 64, 100] } }\n",
        "4:29",
        "`note` must be 0..=127, got 200",
    ),
    (
        // The misspelt action name starts in column 12 of line 5.
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 } }\n\
         action = { SendMidl = { bytes = [0x90, 64, 100] } }\n",
        "5:12",
        "unknown action `SendMidl`; did you mean `SendMidi`?",
    ),
    (
        // `3` in column 12 of line 3.
        "[[modes]]\nname = \"Default\"\nmappings = 3\n",
        "3:12",
        "must be an array, found an integer",
    ),
    (
        // An inline table left open on line 4: TOML finds out at the start of line 5.
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 }\n\
         action = { SendMidi = { bytes = [0x90] } }\n",
        "5:1",
        "invalid TOML",
    ),
];

#[test]
fn a_run_names_the_file_line_and_column_of_a_config_error() {
    let sandbox = Sandbox::new();
    for (text, at, words) in CASES {
        sandbox.write("conf/broken.toml", text);
        let run = Run::of(sandbox.conductor().args([
            "--config",
            "conf/broken.toml",
            "--replay",
            "never-read.mid",
        ]));
        run.failure()
            .stderr_has(&[&format!("config error at conf/broken.toml:{at}: "), words]);
    }
}

#[test]
fn check_names_the_file_line_and_column_of_a_config_error() {
    let sandbox = Sandbox::new();
    for (text, at, words) in CASES {
        sandbox.write("broken.toml", text);
        Run::of(sandbox.conductor().args(["check", "broken.toml"]))
            .failure()
            .stderr_has(&[&format!("config error at broken.toml:{at}: "), words]);
    }
}
