//! Every trigger kind reads the same in the guide's externally tagged form, the
//! internally tagged form and Conductor's `[modes.mappings.trigger]` table form.

use std::path::Path;
use std::time::Duration;

use conductor_core::config::{Config, EncoderDirection, EncoderEncoding, Trigger};

/// Loads a one-mapping config around `mapping` (the lines of one `[[modes.mappings]]`).
fn load(prelude: &str, mapping: &str) -> Config {
    let text = format!("{prelude}\n[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n{mapping}\n");
    Config::from_toml_str(&text, Path::new("/cfg")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The trigger of a mapping whose action is a plain host action.
fn trigger_in(prelude: &str, trigger_lines: &str) -> Trigger {
    let config = load(prelude, trigger_lines);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    config.modes[0].mappings[0].trigger.clone()
}

/// Splits `a = 1, b = [2, 3]` at the commas outside brackets.
fn top_level_fields(fields: &str) -> Vec<String> {
    let (mut out, mut current, mut depth) = (Vec::new(), String::new(), 0);
    for c in fields.chars() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current.trim().to_string());
    out
}

/// Reads `kind` with `fields` (inline TOML key/values, possibly empty) in all three forms
/// and checks they agree.
fn all_forms(kind: &str, fields: &str) -> Trigger {
    let action = "action = { Text = { text = \"x\" } }";
    let external = trigger_in(
        "",
        &format!("trigger = {{ {kind} = {{ {fields} }} }}\n{action}"),
    );
    let sep = if fields.is_empty() { "" } else { ", " };
    let internal = trigger_in(
        "",
        &format!("trigger = {{ type = \"{kind}\"{sep}{fields} }}\n{action}"),
    );
    let table_lines = top_level_fields(fields).join("\n");
    let table = trigger_in(
        "",
        &format!(
            "[modes.mappings.trigger]\ntype = \"{kind}\"\n{table_lines}\n\
             [modes.mappings.action]\ntype = \"Text\"\ntext = \"x\""
        ),
    );
    assert_eq!(external, internal, "{kind}: external vs internal");
    assert_eq!(external, table, "{kind}: external vs table");
    external
}

#[test]
fn note() {
    assert_eq!(
        all_forms(
            "Note",
            "note = 60, velocity_min = 10, velocity_max = 90, channel = 9"
        ),
        Trigger::Note {
            note: 60,
            velocity_min: Some(10),
            velocity_max: Some(90),
            channel: Some(9)
        }
    );
    assert_eq!(
        all_forms("Note", "note = 0"),
        Trigger::Note {
            note: 0,
            velocity_min: None,
            velocity_max: None,
            channel: None
        }
    );
}

#[test]
fn note_off() {
    assert_eq!(
        all_forms("NoteOff", "note = 127, channel = 15"),
        Trigger::NoteOff {
            note: 127,
            channel: Some(15)
        }
    );
}

#[test]
fn velocity_range_windows() {
    let expected = Trigger::VelocityRange {
        note: 60,
        min: 81,
        max: 127,
        channel: None,
    };
    assert_eq!(
        all_forms(
            "VelocityRange",
            "note = 60, min_velocity = 81, max_velocity = 127"
        ),
        expected
    );
    assert_eq!(
        all_forms("VelocityRange", "note = 60, min = 81, max = 127"),
        expected
    );
    assert_eq!(
        all_forms("VelocityRange", "note = 60, velocity_min = 81"),
        expected
    );
    assert_eq!(
        all_forms(
            "VelocityRange",
            "note = 60, ranges = [{ min = 81, max = 127 }]"
        ),
        expected
    );
}

#[test]
fn velocity_range_conductor_bands() {
    let window = |fields: &str| match all_forms("VelocityRange", fields) {
        Trigger::VelocityRange { min, max, .. } => (min, max),
        other => panic!("{other:?}"),
    };
    assert_eq!(window("note = 1, level = \"soft\""), (0, 40));
    assert_eq!(window("note = 1, level = \"medium\""), (41, 80));
    assert_eq!(window("note = 1, level = \"hard\""), (81, 127));
    assert_eq!(
        window("note = 1, soft_max = 30, medium_max = 100, level = \"medium\""),
        (31, 100)
    );
}

#[test]
fn note_range() {
    assert_eq!(
        all_forms("NoteRange", "low = 36, high = 51"),
        Trigger::NoteRange {
            low: 36,
            high: 51,
            channel: None
        }
    );
}

#[test]
fn control_change() {
    let expected = Trigger::CC {
        cc: 7,
        value_min: Some(64),
        value_max: Some(127),
        channel: Some(0),
    };
    assert_eq!(
        all_forms("CC", "cc = 7, value_min = 64, value_max = 127, channel = 0"),
        expected
    );
    assert_eq!(
        all_forms(
            "ControlChange",
            "cc = 7, value_min = 64, value_max = 127, channel = 0"
        ),
        expected
    );
}

#[test]
fn encoder_turn_directions_and_encodings() {
    let encoder = |fields: &str| match all_forms("EncoderTurn", fields) {
        Trigger::EncoderTurn {
            cc,
            direction,
            encoding,
            ..
        } => (cc, direction, encoding),
        other => panic!("{other:?}"),
    };
    use EncoderDirection::*;
    for (written, direction) in [
        ("Clockwise", Clockwise),
        ("cw", Clockwise),
        ("up", Clockwise),
        ("CounterClockwise", CounterClockwise),
        ("ccw", CounterClockwise),
        ("down", CounterClockwise),
    ] {
        assert_eq!(
            encoder(&format!("cc = 1, direction = \"{written}\"")),
            (1, Some(direction), EncoderEncoding::TwosComplement)
        );
    }
    assert_eq!(
        encoder("cc = 2"),
        (2, None, EncoderEncoding::TwosComplement)
    );
    assert_eq!(
        encoder("cc = 2, encoding = \"binary_offset\""),
        (2, None, EncoderEncoding::BinaryOffset)
    );
}

#[test]
fn encoder_values_decode_to_directions() {
    let twos = EncoderEncoding::TwosComplement;
    assert_eq!(twos.direction(1), Some(EncoderDirection::Clockwise));
    assert_eq!(twos.direction(63), Some(EncoderDirection::Clockwise));
    assert_eq!(twos.direction(65), Some(EncoderDirection::CounterClockwise));
    assert_eq!(
        twos.direction(127),
        Some(EncoderDirection::CounterClockwise)
    );
    assert_eq!(twos.decode(126), Some(-2));
    assert_eq!(twos.direction(0), None);
    let offset = EncoderEncoding::BinaryOffset;
    assert_eq!(offset.decode(66), Some(2));
    assert_eq!(offset.decode(61), Some(-3));
    assert_eq!(offset.direction(64), None);
    assert_eq!(EncoderEncoding::SignMagnitude.decode(66), Some(-2));
}

#[test]
fn pitch_bend() {
    assert_eq!(
        all_forms("PitchBend", "value_min = 8192, value_max = 16383"),
        Trigger::PitchBend {
            value_min: Some(8192),
            value_max: Some(16383),
            channel: None
        }
    );
}

#[test]
fn aftertouch_and_program_change() {
    assert_eq!(
        all_forms("Aftertouch", "pressure_min = 90"),
        Trigger::Aftertouch {
            pressure_min: Some(90),
            channel: None
        }
    );
    assert_eq!(
        all_forms("Aftertouch", ""),
        Trigger::Aftertouch {
            pressure_min: None,
            channel: None
        }
    );
    assert_eq!(
        all_forms("ProgramChange", "program = 5, channel = 3"),
        Trigger::ProgramChange {
            program: Some(5),
            channel: Some(3)
        }
    );
}

#[test]
fn gestures_take_their_durations_or_the_timing_windows() {
    assert_eq!(
        all_forms("LongPress", "note = 60, duration_ms = 1500"),
        Trigger::LongPress {
            note: 60,
            duration: Duration::from_millis(1500),
            channel: None
        }
    );
    // Conductor's documented names for the same settings.
    assert_eq!(
        all_forms("LongPress", "note = 60, min_duration_ms = 1500"),
        all_forms("LongPress", "note = 60, duration_ms = 1500")
    );
    assert_eq!(
        all_forms("DoubleTap", "note = 60, max_interval_ms = 250"),
        Trigger::DoubleTap {
            note: 60,
            timeout: Duration::from_millis(250),
            channel: None
        }
    );
    assert_eq!(
        all_forms("NoteChord", "notes = [60, 64, 67], timeout_ms = 80"),
        Trigger::NoteChord {
            notes: vec![60, 64, 67],
            timeout: Duration::from_millis(80),
            channel: None
        }
    );

    // Defaults: hold 500 ms, double tap 300 ms, chord 50 ms.
    assert_eq!(
        all_forms("LongPress", "note = 60"),
        Trigger::LongPress {
            note: 60,
            duration: Duration::from_millis(500),
            channel: None
        }
    );
    assert!(matches!(all_forms("DoubleTap", "note = 60"),
        Trigger::DoubleTap { timeout, .. } if timeout == Duration::from_millis(300)));
    assert!(matches!(all_forms("NoteChord", "notes = [1, 2]"),
        Trigger::NoteChord { timeout, .. } if timeout == Duration::from_millis(50)));
}

#[test]
fn timing_sections_change_the_gesture_defaults() {
    let action = "action = { Text = { text = \"x\" } }";
    let hold = trigger_in(
        "[advanced_settings]\nhold_threshold_ms = 2000",
        &format!("trigger = {{ LongPress = {{ note = 60 }} }}\n{action}"),
    );
    assert_eq!(
        hold,
        Trigger::LongPress {
            note: 60,
            duration: Duration::from_secs(2),
            channel: None
        }
    );
    let chord = trigger_in(
        "[engine]\nchord_timeout_ms = 120",
        &format!("trigger = {{ NoteChord = {{ notes = [1, 2] }} }}\n{action}"),
    );
    assert!(matches!(chord, Trigger::NoteChord { timeout, .. } if timeout.as_millis() == 120));
}

#[test]
fn trigger_kind_and_channel_accessors() {
    let t = all_forms("CC", "cc = 1, channel = 4");
    assert_eq!(t.kind(), "CC");
    assert_eq!(t.channel(), Some(4));
}

#[test]
fn bad_trigger_values_are_refused() {
    let action = "action = { Text = { text = \"x\" } }";
    for (trigger, needle) in [
        (
            "{ Note = { note = 60, velocity_min = 90, velocity_max = 10 } }",
            "greater than",
        ),
        ("{ NoteRange = { low = 60, high = 50 } }", "greater than"),
        ("{ PitchBend = { value_min = 16384 } }", "0..=16383"),
        ("{ NoteChord = { notes = [60] } }", "at least two notes"),
        ("{ NoteChord = { notes = [60, 60] } }", "appears twice"),
        (
            "{ EncoderTurn = { cc = 1, direction = \"sideways\" } }",
            "unknown direction",
        ),
        ("{ VelocityRange = { note = 1 } }", "needs a window"),
        (
            "{ VelocityRange = { note = 1, level = \"loud\" } }",
            "unknown velocity level",
        ),
        (
            "{ VelocityRange = { note = 1, min = 1, level = \"soft\" } }",
            "mixes them",
        ),
        (
            "{ LongPress = { note = 1, duration_ms = 0 } }",
            "must be 1..",
        ),
        (
            "{ DoubleTap = { note = 1, timeout_ms = 100, max_interval_ms = 200 } }",
            "keep one",
        ),
        ("{ Note = 60 }", "must be a table"),
        ("60", "must name its kind"),
        (
            "{ Note = { note = 1 }, CC = { cc = 1 } }",
            "must name its kind",
        ),
    ] {
        let text =
            format!("[[modes]]\nname = \"A\"\n[[modes.mappings]]\ntrigger = {trigger}\n{action}\n");
        let err = Config::from_toml_str(&text, Path::new("/cfg"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{trigger}: {err}");
        assert!(err.contains("line 4,"), "{trigger}: {err}");
    }
}
