//! Values, conditions, variables and shift layers through `conductor --replay`: the
//! bytes a `SendMidi` computes from the trigger (shown by the debug log when no output
//! is open) and the host actions a `Conditional` picks (JSON lines on stdout).

mod common;

use common::{note_off, note_on, write_mid, Run, Sandbox};
use conductor_core::midi::MidiMessage;

fn cc(controller: u8, value: u8) -> MidiMessage {
    MidiMessage::ControlChange {
        channel: 0,
        controller,
        value,
    }
}

/// Replays `mid` against `config` with the debug log on.
fn replay(config: &str, events: &[(u64, MidiMessage)]) -> Run {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", config);
    write_mid(&sandbox.join("in.mid"), events);
    let run = Run::of(sandbox.conductor().env("DEBUG", "1").args([
        "--config",
        "config.toml",
        "--replay",
        "in.mid",
        "--fast",
    ]));
    run.success();
    run
}

/// The bytes of each `SendMidi`, in order, from the debug log.
fn sent(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .filter_map(|l| {
            let rest = l.split("SendMidi [").nth(1)?;
            Some(rest.split(']').next()?.to_string())
        })
        .collect()
}

/// The `text` of each host action on stdout.
fn texts(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

const VALUES: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
description = "knob 7 drives CC 11 over 20..100, reversed"
trigger = { CC = { cc = 7 } }
action = { SendMidi = { message_type = "CC", controller = 11, value = { from = "value", min = 20, max = 100, invert = true } } }

[[modes.mappings]]
description = "pad 60 plays an octave up with its own velocity"
trigger = { Note = { note = 60 } }
action = { SendMidi = { message_type = "NoteOn", note = { from = "note", transpose = 12 }, velocity = "velocity" } }

[[modes.mappings]]
description = "pad 62 with a boosted soft hit"
trigger = { Note = { note = 62 } }
velocity_mapping = { type = "Curve", curve_type = "Exponential", intensity = 0.7 }
action = { type = "SendMidi", message_type = "NoteOn", note = 38, velocity = 100 }

[[modes.mappings]]
description = "pad 64 compressed to 40..110"
trigger = { Note = { note = 64 } }
velocity_mapping = { type = "Linear", min = 40, max = 110 }
action = { type = "SendMidi", message_type = "NoteOn", note = 40, velocity = 100 }
"#;

#[test]
fn replayed_values_flow_through_transforms_into_sent_midi() {
    let run = replay(
        VALUES,
        &[
            (0, cc(7, 0)),
            (1_000, cc(7, 127)),
            (2_000, note_on(60, 77)),
            (3_000, note_on(62, 32)),
            (4_000, note_on(64, 127)),
            (5_000, note_off(60)),
        ],
    );
    assert_eq!(
        sent(&run),
        [
            "B0, 0B, 64", // 0 → 100 (inverted)
            "B0, 0B, 14", // 127 → 20
            "90, 48, 4D", // note 72, velocity 77
            "90, 26, 54", // 32 → 84 on the exponential curve
            "90, 28, 6E", // 127 → 110
        ],
        "{run}"
    );
}

const CONDITIONS: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
description = "note 1 toggles the shift variable"
trigger = { Note = { note = 1 } }
action = { type = "ToggleVar", name = "shift" }

[[modes.mappings]]
description = "note 9 says which layer is on: held note 36, the shift variable, or neither"
trigger = { Note = { note = 9 } }
[modes.mappings.action]
type = "Conditional"
condition = { type = "NoteHeld", note = 36 }
then_action = { type = "Text", text = "held layer" }
[modes.mappings.action.else_action]
type = "Conditional"
condition = { type = "Variable", name = "shift", equals = 1 }
then_action = { type = "Text", text = "shift layer" }
else_action = { type = "Text", text = "base layer" }

[[modes.mappings]]
description = "note 10: upstream's nested condition kinds"
trigger = { Note = { note = 10 } }
[modes.mappings.action]
type = "Conditional"
[modes.mappings.action.condition]
type = "And"
conditions = [
  { type = "ModeIs", mode = "Default" },
  { type = "Not", condition = "Never" },
  { type = "Or", conditions = [{ type = "TimeRange", start = "00:00", end = "23:59" }, "Always"] },
  { type = "DayOfWeek", days = [1, 2, 3, 4, 5, 6, 7] },
]
[modes.mappings.action.then_action]
type = "Text"
text = "all hold"
[modes.mappings.action.else_action]
type = "Text"
text = "not all"

[[modes.mappings]]
description = "note 11: frontmost app cannot be known here"
trigger = { Note = { note = 11 } }
action = { type = "Conditional", condition = { type = "AppFrontmost", app_name = "Safari" }, then_action = { type = "Text", text = "safari" }, else_action = { type = "Text", text = "unknown app" } }
"#;

#[test]
fn replayed_conditions_pick_branches_from_held_notes_variables_and_the_clock() {
    let run = replay(
        CONDITIONS,
        &[
            (0, note_on(9, 100)),
            (1_000, note_on(1, 100)),
            (2_000, note_on(9, 100)),
            (3_000, note_on(36, 100)),
            (4_000, note_on(9, 100)),
            (5_000, note_off(36)),
            (6_000, note_on(1, 100)),
            (7_000, note_on(9, 100)),
            (8_000, note_on(10, 100)),
            (9_000, note_on(11, 100)),
        ],
    );
    assert_eq!(
        texts(&run),
        [
            "base layer",
            "shift layer",
            "held layer",
            "base layer",
            "all hold",
            "unknown app"
        ],
        "{run}"
    );
    run.stderr_has(&["AppFrontmost (\"Safari\") cannot be evaluated on"]);
}

#[test]
fn check_names_the_line_and_fix_of_a_bad_range() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        r#"
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { CC = { cc = 7 } }
action = { SendMidi = { message_type = "CC", controller = 11, value = { from = "value", min = 100, max = 20 } } }
"#,
    );
    Run::of(sandbox.conductor().args(["check", "config.toml"]))
        .failure()
        .stderr_has(&[
            "config.toml:6:",
            "`min` (100) is above `max` (20)",
            "invert = true",
        ]);
}

#[test]
fn replayed_unmapped_messages_pass_thru_when_asked() {
    let config = r#"
[engine]
midi_thru = true

[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } }
action = { SendMidi = { message_type = "CC", controller = 1, value = "velocity" } }
"#;
    let run = replay(config, &[(0, note_on(60, 90)), (1_000, cc(7, 5))]);
    assert_eq!(sent(&run), ["B0, 01, 5A"], "{run}");
    run.stderr_has(&["MIDI thru [B0, 07, 05] dropped: no MIDI output is open"]);
}
