//! Config mistakes are errors that name the file, line and column, say what is wrong
//! and suggest the fix.

use std::path::Path;

use conductor_core::config::Config;
use conductor_core::{Error, ErrorKind};

/// Loads `text` and returns the error's (line, column, message).
fn error_of(text: &str) -> (usize, usize, String) {
    match Config::from_toml_str(text, Path::new("/cfg")) {
        Ok(config) => panic!("expected an error, got {config:#?}"),
        Err(Error::Config {
            line: Some(line),
            column: Some(column),
            message,
            ..
        }) => (line, column, message),
        Err(other) => panic!("expected a positioned config error, got {other:?}"),
    }
}

/// A minimal mode around one mapping written in the guide's style.
fn with_mapping(trigger: &str, action: &str) -> String {
    format!(
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\ntrigger = {trigger}\naction = {action}\n"
    )
}

const TEXT_ACTION: &str = "{ Text = { text = \"hi\" } }";

#[test]
fn unknown_key_names_its_position_and_the_closest_valid_key() {
    let text = "[device]\nname = \"Mikro\"\nauto_conect = true\n[[modes]]\nname = \"A\"\n";
    let (line, column, message) = error_of(text);
    assert_eq!((line, column), (3, 1));
    assert!(message.contains("unknown key `auto_conect`"), "{message}");
    assert!(
        message.contains("did you mean `auto_connect`?"),
        "{message}"
    );
}

#[test]
fn unknown_key_inside_a_trigger_is_reported_where_it_is_written() {
    let text = with_mapping("{ Note = { note = 60, chanel = 1 } }", TEXT_ACTION);
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column), (4, 33));
    assert!(message.contains("did you mean `channel`?"), "{message}");
}

#[test]
fn unknown_top_level_section_suggests_the_real_one() {
    let (line, column, message) = error_of("[[mode]]\nname = \"A\"\n");
    assert_eq!((line, column), (1, 3));
    assert!(message.contains("did you mean `modes`?"), "{message}");
}

#[test]
fn unknown_trigger_kind_suggests_the_closest_kind() {
    let text = with_mapping("{ Nte = { note = 60 } }", TEXT_ACTION);
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column), (4, 13));
    assert!(message.contains("unknown trigger `Nte`"), "{message}");
    assert!(message.contains("did you mean `Note`?"), "{message}");
}

#[test]
fn unknown_trigger_type_in_the_table_form_points_at_the_type() {
    let text = "[[modes]]\nname = \"A\"\n[[modes.mappings]]\n[modes.mappings.trigger]\n\
                type = \"EncoderTrun\"\ncc = 1\n[modes.mappings.action]\ntype = \"Text\"\ntext = \"x\"\n";
    let (line, column, message) = error_of(text);
    assert_eq!((line, column), (5, 8));
    assert!(message.contains("did you mean `EncoderTurn`?"), "{message}");
}

#[test]
fn unknown_action_kind_suggests_the_closest_kind() {
    let text = with_mapping(
        "{ Note = { note = 60 } }",
        "{ WasmPlugn = { path = \"x.wasm\" } }",
    );
    let (line, _, message) = error_of(&text);
    assert_eq!(line, 5);
    assert!(message.contains("did you mean `WasmPlugin`?"), "{message}");
}

#[test]
fn note_number_out_of_range_is_refused_at_the_number() {
    let text = with_mapping("{ Note = { note = 128 } }", TEXT_ACTION);
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column), (4, 29));
    assert!(
        message.contains("`note` must be 0..=127, got 128"),
        "{message}"
    );
}

#[test]
fn channel_out_of_range_explains_the_zero_based_convention() {
    let text = with_mapping("{ type = \"CC\", cc = 1, channel = 16 }", TEXT_ACTION);
    let (_, _, message) = error_of(&text);
    assert!(message.contains("must be 0..=15"), "{message}");
    assert!(message.contains("0 is MIDI channel 1"), "{message}");
}

#[test]
fn unknown_mode_in_mode_change_suggests_the_closest_mode() {
    let text = "[[modes]]\nname = \"Performance\"\n[[modes.mappings]]\n\
                trigger = { Note = { note = 1 } }\naction = { ModeChange = { mode = \"Perfomance\" } }\n";
    let (line, column, message) = error_of(text);
    assert_eq!((line, column), (5, 34));
    assert!(message.contains("unknown mode \"Perfomance\""), "{message}");
    assert!(
        message.contains("did you mean \"Performance\"?"),
        "{message}"
    );
}

#[test]
fn unknown_capability_lists_the_valid_names() {
    let text = with_mapping(
        "{ Note = { note = 60 } }",
        "{ WasmPlugin = { path = \"p.wasm\", grant = [\"Network\", \"Filesystm\"] } }",
    );
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column), (5, 64));
    assert!(
        message.contains("unknown capability \"Filesystm\""),
        "{message}"
    );
    assert!(
        message.contains("Network, Audio, Midi, Filesystem, Subprocess, SystemControl"),
        "{message}"
    );
    assert!(
        message.contains("did you mean \"Filesystem\"?"),
        "{message}"
    );
}

#[test]
fn unknown_capability_in_the_plugins_table_is_refused_too() {
    let text = "[plugins.settings.\"p.wasm\"]\ngrant = [\"Root\"]\n[[modes]]\nname = \"A\"\n";
    let (line, column, message) = error_of(text);
    assert_eq!((line, column), (2, 10));
    assert!(message.contains("valid names:"), "{message}");
}

#[test]
fn zero_modes_says_how_to_add_one() {
    for text in ["", "[device]\nname = \"x\"\n", "modes = []\n"] {
        let err = Config::from_toml_str(text, Path::new("/cfg")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("no modes"), "{message}");
        assert!(
            message.contains("[[modes]]\nname = \"Default\""),
            "{message}"
        );
    }
}

#[test]
fn single_bracket_modes_explains_double_brackets() {
    let (_, _, message) = error_of("[modes]\nname = \"A\"\n");
    assert!(message.contains("write `[[modes]]`"), "{message}");
}

#[test]
fn duplicate_mode_names_are_refused_with_the_first_line() {
    let (line, column, message) = error_of("[[modes]]\nname = \"A\"\n[[modes]]\nname = \"A\"\n");
    assert_eq!((line, column), (4, 8));
    assert!(message.contains("line 1"), "{message}");
    assert!(message.contains("unique"), "{message}");
}

#[test]
fn missing_fields_name_the_field() {
    let text = with_mapping("{ NoteChord = { timeout_ms = 80 } }", TEXT_ACTION);
    let (_, _, message) = error_of(&text);
    assert!(
        message.contains("the NoteChord trigger needs `notes`"),
        "{message}"
    );
    let text = with_mapping(
        "{ Note = { note = 1 } }",
        "{ Keystroke = { modifiers = [\"cmd\"] } }",
    );
    let (_, _, message) = error_of(&text);
    assert!(
        message.contains("the Keystroke action needs `keys`"),
        "{message}"
    );
}

#[test]
fn send_midi_fields_that_do_not_apply_are_refused() {
    let text = with_mapping(
        "{ Note = { note = 1 } }",
        "{ SendMidi = { message_type = \"NoteOn\", note = 60, controller = 7 } }",
    );
    let (_, _, message) = error_of(&text);
    assert!(
        message.contains("`controller` does not apply to a NoteOn message"),
        "{message}"
    );
}

#[test]
fn a_colon_outside_inline_tables_stays_a_toml_error() {
    let (line, _, message) = error_of("[device]\nname: \"x\"\n");
    assert_eq!(line, 2);
    assert!(message.starts_with("invalid TOML"), "{message}");
}

#[test]
fn display_shows_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        with_mapping("{ Note = { note = 300 } }", TEXT_ACTION),
    )
    .unwrap();
    let err = Config::from_file(&file).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let shown = err.to_string();
    let expected = format!("{}:4:29:", file.display());
    assert!(shown.contains(&expected), "{shown}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = Config::from_file("/no/such/dir/config.toml").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("/no/such/dir/config.toml"));
}

#[test]
fn two_calls_of_one_plugin_may_not_disagree_on_limits() {
    let text = "[[modes]]\nname = \"A\"\n\
                [[modes.mappings]]\ntrigger = { Note = { note = 1 } }\n\
                action = { WasmPlugin = { path = \"p.wasm\", fuel = 10 } }\n\
                [[modes.mappings]]\ntrigger = { Note = { note = 2 } }\n\
                action = { WasmPlugin = { path = \"./p.wasm\", fuel = 20 } }\n";
    let (line, _, message) = error_of(text);
    assert_eq!(line, 8);
    assert!(
        message.contains("differs from the value set at line 5"),
        "{message}"
    );
    assert!(message.contains("[plugins.settings."), "{message}");
}
