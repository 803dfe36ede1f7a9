//! Values flowing from the trigger into `SendMidi` (pass-through, ranges, invert,
//! curves, upstream's `velocity_mapping`, CC to CC, transpose), named variables, the
//! `Conditional` action with every condition kind, and shift layers from held
//! controls — all through `Engine::process`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use conductor_core::config::Config;
use conductor_core::engine::{EngineCallbacks, HostActionEvent};
use conductor_core::{Engine, EngineOptions};

/// An engine for `toml` recording the MIDI it sends and the host actions it runs.
struct Rig {
    engine: Engine,
    midi: Arc<Mutex<Vec<Vec<u8>>>>,
    actions: Arc<Mutex<Vec<String>>>,
}

impl Rig {
    fn new(toml: &str) -> Rig {
        let midi = Arc::new(Mutex::new(Vec::new()));
        let actions = Arc::new(Mutex::new(Vec::new()));
        let (m, a) = (midi.clone(), actions.clone());
        let options = EngineOptions::default().with_callbacks(
            EngineCallbacks::default()
                .with_on_midi_out(Some(Arc::new(move |b: &[u8], _t: u64| {
                    m.lock().unwrap().push(b.to_vec())
                })))
                .with_on_action(Some(Arc::new(move |e: &HostActionEvent| {
                    let text = e.data.get("text").and_then(|t| t.as_str()).unwrap_or("");
                    a.lock().unwrap().push(text.to_string())
                }))),
        );
        let engine = Engine::from_toml(toml, Path::new("."), options)
            .unwrap_or_else(|e| panic!("config does not load: {e}\n{toml}"));
        Rig {
            engine,
            midi,
            actions,
        }
    }

    /// Sends `bytes` and returns the MIDI the engine sent for them.
    fn send(&self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.engine.process(bytes, 0).unwrap();
        std::mem::take(&mut *self.midi.lock().unwrap())
    }

    /// Sends `bytes` and returns the `text` of the host actions that ran.
    fn texts(&self, bytes: &[u8]) -> Vec<String> {
        self.engine.process(bytes, 0).unwrap();
        std::mem::take(&mut *self.actions.lock().unwrap())
    }
}

fn one_mapping(trigger: &str, extra: &str, action: &str) -> String {
    format!(
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\ntrigger = {trigger}\n{extra}\naction = {action}\n"
    )
}

fn load_error(toml: &str) -> String {
    Config::from_toml_str(toml, Path::new("."))
        .expect_err("the config should not load")
        .to_string()
}

#[test]
fn note_velocity_passes_through_to_the_sent_note() {
    let rig = Rig::new(&one_mapping(
        "{ Note = { note = 36 } }",
        "",
        r#"{ SendMidi = { message_type = "NoteOn", note = 60, velocity = "velocity", channel = "channel" } }"#,
    ));
    assert_eq!(rig.send(&[0x93, 36, 17]), vec![vec![0x93, 60, 17]]);
    assert_eq!(rig.send(&[0x90, 36, 127]), vec![vec![0x90, 60, 127]]);
}

#[test]
fn fixed_fields_stay_fixed_and_pass_through_names_the_fields_own_value() {
    let rig = Rig::new(&one_mapping(
        "{ CC = { cc = 1 } }",
        "",
        r#"{ SendMidi = { message_type = "CC", controller = 20, value = "PassThrough" } }"#,
    ));
    assert_eq!(rig.send(&[0xB0, 1, 99]), vec![vec![0xB0, 20, 99]]);
}

#[test]
fn cc_to_another_cc_with_output_range_and_invert() {
    let rig = Rig::new(&one_mapping(
        "{ CC = { cc = 7 } }",
        "",
        r#"{ SendMidi = { message_type = "CC", controller = 11, value = { from = "value", min = 20, max = 100, invert = true } } }"#,
    ));
    assert_eq!(rig.send(&[0xB0, 7, 0]), vec![vec![0xB0, 11, 100]]);
    assert_eq!(rig.send(&[0xB0, 7, 127]), vec![vec![0xB0, 11, 20]]);
    // Half way: 20 + (1 - 64/127) * 80 = 59.7 → 60.
    assert_eq!(rig.send(&[0xB0, 7, 64]), vec![vec![0xB0, 11, 60]]);
}

#[test]
fn an_input_range_spreads_part_of_a_knob_over_the_whole_output() {
    let rig = Rig::new(&one_mapping(
        "{ CC = { cc = 7 } }",
        "",
        r#"{ SendMidi = { message_type = "CC", controller = 8, value = { from = "value", input_min = 32, input_max = 96 } } }"#,
    ));
    assert_eq!(rig.send(&[0xB0, 7, 10]), vec![vec![0xB0, 8, 0]]);
    assert_eq!(rig.send(&[0xB0, 7, 64]), vec![vec![0xB0, 8, 64]]);
    assert_eq!(rig.send(&[0xB0, 7, 120]), vec![vec![0xB0, 8, 127]]);
}

#[test]
fn transpose_moves_the_played_note_and_clamps_at_the_top() {
    let rig = Rig::new(&one_mapping(
        "{ Note = { note = 60 } }",
        "",
        r#"{ SendMidi = { message_type = "NoteOn", note = { from = "note", transpose = 12 }, velocity = "velocity" } }"#,
    ));
    assert_eq!(rig.send(&[0x90, 60, 80]), vec![vec![0x90, 72, 80]]);
    let rig = Rig::new(&one_mapping(
        "{ NoteRange = { low = 0, high = 127 } }",
        "",
        r#"{ SendMidi = { message_type = "NoteOn", note = { from = "note", offset = -5 }, velocity = 90 } }"#,
    ));
    assert_eq!(rig.send(&[0x90, 64, 1]), vec![vec![0x90, 59, 90]]);
    assert_eq!(rig.send(&[0x90, 2, 1]), vec![vec![0x90, 0, 90]]);
}

#[test]
fn velocity_can_drive_a_pitch_bend_over_its_14_bit_range() {
    let rig = Rig::new(&one_mapping(
        "{ Note = { note = 60 } }",
        "",
        r#"{ SendMidi = { message_type = "PitchBend", value = "velocity" } }"#,
    ));
    assert_eq!(rig.send(&[0x90, 60, 127]), vec![vec![0xE0, 0x7F, 0x7F]]);
    assert_eq!(rig.send(&[0x90, 60, 1]), vec![vec![0xE0, 1, 1]]); // 129 = 1 + 1·128
}

#[test]
fn upstream_velocity_mapping_fixed_linear_and_curves() {
    let send = r#"{ type = "SendMidi", message_type = "NoteOn", note = 60, velocity = 100 }"#;
    let out = |vm: &str, velocity: u8| -> u8 {
        let rig = Rig::new(&one_mapping(
            "{ Note = { note = 1 } }",
            &format!("velocity_mapping = {vm}"),
            send,
        ));
        rig.send(&[0x90, 1, velocity])[0][2]
    };
    assert_eq!(out(r#"{ type = "Fixed", velocity = 70 }"#, 5), 70);
    assert_eq!(out(r#""PassThrough""#, 33), 33);
    // (A note-on of velocity 0 is a note-off, so 1 is the softest hit: 40.55 → 41.)
    assert_eq!(out(r#"{ type = "Linear", min = 40, max = 110 }"#, 1), 41);
    assert_eq!(out(r#"{ type = "Linear", min = 40, max = 110 }"#, 127), 110);
    // Exponential lifts soft hits: (32/127)^0.3 · 127 = 84.
    let exp = r#"{ type = "Curve", curve_type = "Exponential", intensity = 0.7 }"#;
    assert_eq!(out(exp, 32), 84);
    assert_eq!(out(exp, 127), 127);
    // Logarithmic: ln(1 + 64/127) / ln 2 · 127 = 75.
    let log = r#"{ type = "Curve", curve_type = "Logarithmic", intensity = 1.0 }"#;
    assert_eq!(out(log, 64), 75);
    // The S-curve pushes values away from the middle.
    let s = r#"{ type = "Curve", curve_type = "SCurve", intensity = 1.0 }"#;
    assert!(out(s, 32) < 20, "{}", out(s, 32));
    assert!(out(s, 96) > 108, "{}", out(s, 96));
    assert!(out(s, 1) <= 1);
    assert_eq!(out(s, 127), 127);
}

#[test]
fn velocity_mapping_in_upstream_table_form_shapes_a_cc_value() {
    let rig = Rig::new(
        r#"
[[modes]]
name = "Default"

[[modes.mappings]]
description = "pad to volume"

[modes.mappings.trigger]
type = "Note"
note = 3

[modes.mappings.velocity_mapping]
type = "Linear"
min = 0
max = 64

[modes.mappings.action]
type = "SendMidi"
message_type = "CC"
channel = 0
controller = 7
value = 64
"#,
    );
    assert_eq!(rig.send(&[0x90, 3, 127]), vec![vec![0xB0, 7, 64]]);
    assert_eq!(rig.send(&[0x90, 3, 0x40]), vec![vec![0xB0, 7, 32]]);
}

#[test]
fn bad_values_fail_at_load_naming_the_fix() {
    let cc = |value: &str| {
        one_mapping(
            "{ CC = { cc = 1 } }",
            "",
            &format!(
                r#"{{ SendMidi = {{ message_type = "CC", controller = 2, value = {value} }} }}"#
            ),
        )
    };
    let e = load_error(&cc(r#"{ from = "value", min = 100, max = 20 }"#));
    assert!(
        e.contains("`min` (100) is above `max` (20)") && e.contains("invert = true"),
        "{e}"
    );
    let e = load_error(&cc(r#"{ from = "value", curve = "Expo" }"#));
    assert!(
        e.contains("unknown curve \"Expo\"") && e.contains("Exponential"),
        "{e}"
    );
    let e = load_error(&cc(r#""velocty""#));
    assert!(e.contains("did you mean \"velocity\""), "{e}");
    let e = load_error(&cc(
        r#"{ from = "value", intensity = 2.5, curve = "SCurve" }"#,
    ));
    assert!(e.contains("`intensity` must be 0.0..=1.0"), "{e}");
    let e = load_error(&cc(r#"{ from = "value", input_min = 50, input_max = 50 }"#));
    assert!(e.contains("input range needs two ends"), "{e}");
    let e = load_error(&one_mapping(
        "{ Note = { note = 1 } }",
        r#"velocity_mapping = { type = "Curve", intensity = 0.5 }"#,
        r#"{ SendMidi = { message_type = "NoteOn", note = 1 } }"#,
    ));
    assert!(e.contains("needs `curve_type`"), "{e}");
    let e = load_error(&one_mapping(
        "{ Note = { note = 1 } }",
        r#"velocity_mapping = { type = "Liner", min = 1, max = 2 }"#,
        r#"{ SendMidi = { message_type = "NoteOn", note = 1 } }"#,
    ));
    assert!(e.contains("did you mean \"Linear\""), "{e}");
}

const TEXT_A: &str = r#"{ Text = { text = "then" } }"#;
const TEXT_B: &str = r#"{ Text = { text = "else" } }"#;

/// A config whose note 1 runs a Conditional on `condition`.
fn conditional(condition: &str) -> String {
    format!(
        r#"
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = {{ Note = {{ note = 1 }} }}
action = {{ Conditional = {{ condition = {condition}, then_action = {TEXT_A}, else_action = {TEXT_B} }} }}
[[modes.mappings]]
trigger = {{ Note = {{ note = 2 }} }}
action = {{ ModeChange = {{ mode = "Other" }} }}
[[modes]]
name = "Other"
[[modes.mappings]]
trigger = {{ Note = {{ note = 1 }} }}
action = {{ Conditional = {{ condition = {condition}, then_action = {TEXT_A}, else_action = {TEXT_B} }} }}
"#
    )
}

fn branch(condition: &str) -> String {
    let rig = Rig::new(&conditional(condition));
    let texts = rig.texts(&[0x90, 1, 100]);
    assert_eq!(texts.len(), 1, "{condition}: {texts:?}");
    texts[0].clone()
}

#[test]
fn conditional_always_never_and_or_not() {
    assert_eq!(branch(r#""Always""#), "then");
    assert_eq!(branch(r#""Never""#), "else");
    assert_eq!(
        branch(r#"{ type = "And", conditions = ["Always", "Never"] }"#),
        "else"
    );
    assert_eq!(
        branch(r#"{ type = "And", conditions = ["Always", "Always"] }"#),
        "then"
    );
    assert_eq!(
        branch(r#"{ type = "Or", conditions = ["Never", "Always"] }"#),
        "then"
    );
    assert_eq!(
        branch(r#"{ type = "Or", conditions = ["Never", "Never"] }"#),
        "else"
    );
    assert_eq!(branch(r#"{ type = "Not", condition = "Never" }"#), "then");
    assert_eq!(
        branch(
            r#"{ type = "Not", condition = { type = "Or", conditions = ["Never", { type = "Not", condition = "Always" }] } }"#
        ),
        "then"
    );
    assert_eq!(
        branch(
            r#"{ type = "Not", condition = { type = "Or", conditions = ["Never", { type = "Not", condition = "Never" }] } }"#
        ),
        "else"
    );
}

#[test]
fn conditional_without_else_does_nothing_when_false() {
    let rig = Rig::new(&one_mapping(
        "{ Note = { note = 1 } }",
        "",
        r#"{ Conditional = { condition = "Never", then_action = { Text = { text = "x" } } } }"#,
    ));
    assert!(rig.texts(&[0x90, 1, 1]).is_empty());
}

#[test]
fn time_range_and_day_of_week_follow_the_local_clock() {
    use chrono::{Datelike, Local, Timelike};
    let now = Local::now();
    let minutes = now.hour() * 60 + now.minute();
    let hhmm = |m: u32| format!("{:02}:{:02}", (m / 60) % 24, m % 60);
    // Two hours either side of now (wrapping past midnight where needed) holds now;
    // the range from three to five hours ahead does not.
    let around = format!(
        r#"{{ type = "TimeRange", start = "{}", end = "{}" }}"#,
        hhmm(minutes + 24 * 60 - 120),
        hhmm(minutes + 120)
    );
    let later = format!(
        r#"{{ type = "TimeRange", start = "{}", end = "{}" }}"#,
        hhmm(minutes + 180),
        hhmm(minutes + 300)
    );
    assert_eq!(branch(&around), "then");
    assert_eq!(branch(&later), "else");
    let today = now.weekday().number_from_monday();
    let others: Vec<String> = (1..=7)
        .filter(|d| *d != today)
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        branch(&format!(r#"{{ type = "DayOfWeek", days = [{today}] }}"#)),
        "then"
    );
    assert_eq!(
        branch(&format!(
            r#"{{ type = "DayOfWeek", days = [{}] }}"#,
            others.join(", ")
        )),
        "else"
    );
}

#[test]
fn mode_is_follows_the_active_mode() {
    let rig = Rig::new(&conditional(r#"{ type = "ModeIs", mode = "Other" }"#));
    assert_eq!(rig.texts(&[0x90, 1, 1]), ["else"]);
    rig.texts(&[0x90, 2, 1]);
    assert_eq!(rig.engine.mode_name(), "Other");
    assert_eq!(rig.texts(&[0x90, 1, 1]), ["then"]);
}

#[cfg(target_os = "linux")]
#[test]
fn app_running_sees_a_process_by_name() {
    // A copy of `sleep` under a name nothing else runs as.
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("zzcondprobe");
    std::fs::copy("/bin/sleep", &program).unwrap();
    let mut child = std::process::Command::new(&program)
        .arg("30")
        .spawn()
        .unwrap();
    let result = branch(r#"{ type = "AppRunning", app_name = "ZZCondProbe" }"#);
    let absent = branch(r#"{ type = "AppRunning", app_name = "zz-not-running-anywhere" }"#);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        result, "then",
        "case-insensitive match of a running process"
    );
    assert_eq!(absent, "else");
}

#[cfg(not(target_os = "macos"))]
#[test]
fn app_frontmost_loads_with_a_warning_naming_the_platform_and_is_false() {
    let toml = conditional(r#"{ type = "AppFrontmost", app_name = "Safari" }"#);
    let config = Config::from_toml_str(&toml, Path::new(".")).unwrap();
    let warning = config
        .warnings
        .iter()
        .find(|w| w.message.contains("AppFrontmost"))
        .expect("a warning about AppFrontmost");
    assert!(
        warning.message.contains("cannot be evaluated on"),
        "{warning}"
    );
    assert!(warning.message.contains("Use AppRunning"), "{warning}");
    assert_eq!(warning.line, 6);
    assert_eq!(
        branch(r#"{ type = "AppFrontmost", app_name = "Safari" }"#),
        "else"
    );
}

#[test]
fn condition_errors_name_the_fix() {
    let e = load_error(&conditional(
        r#"{ type = "TimeRange", start = "9:00", end = "17:00" }"#,
    ));
    assert!(e.contains("\"HH:MM\""), "{e}");
    let e = load_error(&conditional(
        r#"{ type = "TimeRange", start = "09:00", end = "24:00" }"#,
    ));
    assert!(e.contains("not a time of day"), "{e}");
    let e = load_error(&conditional(r#"{ type = "DayOfWeek", days = [0] }"#));
    assert!(e.contains("1 = Monday"), "{e}");
    let e = load_error(&conditional(r#"{ type = "AppRuning", app_name = "x" }"#));
    assert!(e.contains("did you mean \"AppRunning\""), "{e}");
    let e = load_error(&conditional(r#"{ type = "And", conditions = [] }"#));
    assert!(e.contains("list at least one"), "{e}");
    let config = Config::from_toml_str(
        &conditional(r#"{ type = "ModeIs", mode = "Defualt" }"#),
        Path::new("."),
    )
    .unwrap();
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.message.contains("did you mean \"Default\"")),
        "{:?}",
        config.warnings
    );
}

const LAYERS: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
description = "shift held: pad 40 sends CC 21"
trigger = { Note = { note = 40 } }
[modes.mappings.action]
type = "Conditional"
condition = { type = "NoteHeld", note = 36 }
then_action = { type = "SendMidi", message_type = "CC", controller = 21, value = 127 }
else_action = { type = "SendMidi", message_type = "CC", controller = 20, value = 127 }

[[modes.mappings]]
description = "sustain pedal down: knob goes to CC 31"
trigger = { CC = { cc = 2 } }
[modes.mappings.action]
type = "Conditional"
condition = { type = "CcIsOn", cc = 64 }
then_action = { type = "SendMidi", message_type = "CC", controller = 31, value = "value" }
else_action = { type = "SendMidi", message_type = "CC", controller = 30, value = "value" }
"#;

#[test]
fn a_held_note_is_a_shift_key() {
    let rig = Rig::new(LAYERS);
    assert_eq!(rig.send(&[0x90, 40, 100]), vec![vec![0xB0, 20, 127]]);
    rig.send(&[0x90, 36, 100]); // shift down
    assert_eq!(rig.send(&[0x90, 40, 100]), vec![vec![0xB0, 21, 127]]);
    rig.send(&[0x80, 36, 0]); // shift up
    assert_eq!(rig.send(&[0x90, 40, 100]), vec![vec![0xB0, 20, 127]]);
    rig.send(&[0x95, 36, 100]); // on another channel: any channel counts
    assert_eq!(rig.send(&[0x90, 40, 100]), vec![vec![0xB0, 21, 127]]);
    rig.send(&[0x95, 36, 0]); // note-on velocity 0 releases it
    assert_eq!(rig.send(&[0x90, 40, 100]), vec![vec![0xB0, 20, 127]]);
}

#[test]
fn a_controller_value_switches_layers() {
    let rig = Rig::new(LAYERS);
    assert_eq!(rig.send(&[0xB0, 2, 50]), vec![vec![0xB0, 30, 50]]);
    rig.send(&[0xB0, 64, 127]);
    assert_eq!(rig.send(&[0xB0, 2, 51]), vec![vec![0xB0, 31, 51]]);
    rig.send(&[0xB0, 64, 0]);
    assert_eq!(rig.send(&[0xB0, 2, 52]), vec![vec![0xB0, 30, 52]]);
}

const VARIABLES: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
trigger = { Note = { note = 1 } }
action = { type = "ToggleVar", name = "shift" }

[[modes.mappings]]
trigger = { Note = { note = 2 } }
action = { type = "IncrementVar", name = "bank", by = 1, min = 0, max = 2, wrap = true }

[[modes.mappings]]
trigger = { Note = { note = 3 } }
action = { type = "SetVar", name = "bank", value = 0 }

[[modes.mappings]]
trigger = { Note = { note = 4 } }
action = { type = "IncrementVar", name = "level", by = -10, min = 0, max = 100 }

[[modes.mappings]]
trigger = { Note = { note = 9 } }
[modes.mappings.action]
type = "Conditional"
conditions = [{ type = "Variable", name = "shift" }, { type = "Variable", name = "bank", equals = 2 }]
then_action = { Text = { text = "shifted bank 2" } }
else_action = { Text = { text = "plain" } }
"#;

#[test]
fn variables_set_toggle_increment_and_drive_conditions() {
    let rig = Rig::new(VARIABLES);
    let e = &rig.engine;
    assert_eq!(e.variable("shift"), 0);
    assert_eq!(rig.texts(&[0x90, 9, 1]), ["plain"]);
    rig.send(&[0x90, 1, 1]);
    assert_eq!(e.variable("shift"), 1);
    rig.send(&[0x90, 2, 1]);
    rig.send(&[0x90, 2, 1]);
    assert_eq!(e.variable("bank"), 2);
    assert_eq!(rig.texts(&[0x90, 9, 1]), ["shifted bank 2"]);
    rig.send(&[0x90, 2, 1]); // wraps
    assert_eq!(e.variable("bank"), 0);
    rig.send(&[0x90, 1, 1]);
    assert_eq!(e.variable("shift"), 0);
    e.set_variable("level", 15);
    rig.send(&[0x90, 4, 1]);
    rig.send(&[0x90, 4, 1]); // clamped at min
    assert_eq!(e.variable("level"), 0);
    rig.send(&[0x90, 2, 1]);
    rig.send(&[0x90, 3, 1]);
    assert_eq!(e.variable("bank"), 0);
    assert_eq!(
        e.variables(),
        vec![
            ("bank".to_string(), 0),
            ("level".to_string(), 0),
            ("shift".to_string(), 0)
        ]
    );
    // Outcomes name the variable actions.
    let fired = e.process(&[0x90, 1, 1], 0).unwrap();
    assert_eq!(fired[0].outcomes[0].action, "ToggleVar");
}

#[test]
fn variables_survive_a_reload() {
    let rig = Rig::new(VARIABLES);
    rig.send(&[0x90, 1, 1]);
    rig.engine
        .reload_from_toml(VARIABLES, Path::new("."))
        .unwrap();
    assert_eq!(rig.engine.variable("shift"), 1);
}

#[test]
fn variable_action_errors_name_the_fix() {
    let e = load_error(&one_mapping(
        "{ Note = { note = 1 } }",
        "",
        r#"{ IncrementVar = { name = "x", wrap = true } }"#,
    ));
    assert!(e.contains("add `min` and `max`"), "{e}");
    let e = load_error(&one_mapping(
        "{ Note = { note = 1 } }",
        "",
        r#"{ IncrementVar = { name = "x", min = 5, max = 1 } }"#,
    ));
    assert!(e.contains("`min` (5) is above `max` (1)"), "{e}");
    let e = load_error(&one_mapping(
        "{ Note = { note = 1 } }",
        "",
        r#"{ SetVar = { name = "x" } }"#,
    ));
    assert!(e.contains("needs `value`"), "{e}");
}

const THRU: &str = r#"
[engine]
midi_thru = true

[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } }
action = { SendMidi = { message_type = "CC", controller = 1, value = "velocity" } }
"#;

#[test]
fn midi_thru_passes_unmapped_messages_on_and_keeps_mapped_ones() {
    let rig = Rig::new(THRU);
    assert_eq!(rig.send(&[0x90, 60, 90]), vec![vec![0xB0, 1, 90]]);
    assert_eq!(rig.send(&[0x91, 61, 90]), vec![vec![0x91, 61, 90]]);
    assert_eq!(rig.send(&[0xB3, 7, 5]), vec![vec![0xB3, 7, 5]]);
    assert_eq!(rig.send(&[0xE0, 0, 64]), vec![vec![0xE0, 0, 64]]);
    // The mapped pad's release stays in; the passed note's release follows it out.
    assert!(rig.send(&[0x80, 60, 0]).is_empty());
    assert_eq!(rig.send(&[0x81, 61, 0]), vec![vec![0x81, 61, 0]]);
    assert!(rig.send(&[0x81, 61, 0]).is_empty());
    // Off by default.
    let rig = Rig::new(&THRU.replace("midi_thru = true", "midi_thru = false"));
    assert!(rig.send(&[0xB3, 7, 5]).is_empty());
}

#[test]
fn midi_thru_through_push_reaches_the_output_too() {
    let rig = Rig::new(THRU);
    assert!(rig.engine.push(&[0xB2, 9, 33], 0));
    assert!(rig.engine.push(&[0x90, 60, 10], 1));
    assert!(rig
        .engine
        .wait_idle(std::time::Duration::from_secs(60))
        .unwrap());
    let sent = std::mem::take(&mut *rig.midi.lock().unwrap());
    assert_eq!(sent, vec![vec![0xB2, 9, 33], vec![0xB0, 1, 10]]);
}
