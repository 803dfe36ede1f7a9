//! Named devices without MIDI ports: device outputs set as callbacks, input through
//! `process_from` and `push_from`. What a controller is sent (init, feedback,
//! `SendMidi` with `port`, shutdown) and which device's messages fire which mapping.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use conductor_core::config::Config;
use conductor_core::engine::{EngineCallbacks, MidiOutCallback};
use conductor_core::plugin::HostConfig;
use conductor_core::{Engine, EngineOptions, ErrorKind};

/// One message sent: the device (`"-"` for the default output) and its bytes.
type Sent = (String, Vec<u8>);

/// Everything sent, in order.
#[derive(Clone, Default)]
struct Wire(Arc<Mutex<Vec<Sent>>>);

impl Wire {
    fn sink(&self, device: &str) -> MidiOutCallback {
        let wire = self.clone();
        let device = device.to_string();
        Arc::new(move |bytes: &[u8], _t: u64| {
            wire.0
                .lock()
                .unwrap()
                .push((device.clone(), bytes.to_vec()))
        })
    }

    /// What was sent since the last call.
    fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn sent(device: &str, bytes: &[u8]) -> Sent {
    (device.to_string(), bytes.to_vec())
}

fn engine(text: &str, wire: &Wire, dir: &tempfile::TempDir) -> Engine {
    let options = EngineOptions::default()
        .with_host_config(
            HostConfig::default()
                .with_cache_dir(Some(dir.path().join("cache")))
                .with_data_root(Some(dir.path().join("data"))),
        )
        .with_callbacks(EngineCallbacks::default().with_on_midi_out(Some(wire.sink("-"))));
    Engine::from_toml(text, dir.path(), options).unwrap()
}

const PADS: &str = r#"
[[devices]]
name = "pads"
input = "Pads In"
output = "Pads Out"
init = [[0xF0, 0x00, 0x20, 0x29, 0x02, 0x0D, 0x0E, 0x01, 0xF7], "B0 00 7F"]
shutdown = ["B0 00 00"]

[[devices.feedback]]
mode = "Play"
note = 36
on = 21
[[devices.feedback]]
mode = "Mix"
note = 37
on = 45

[[devices]]
name = "keys"
input = "Keys"
output = "Synth"

[[modes]]
name = "Play"
[[modes.mappings]]
device = "pads"
trigger = { Note = { note = 36 } }
action = { ModeChange = { mode = "Mix" } }
[[modes.mappings]]
trigger = { Note = { note = 60 } }
action = { SendMidi = { port = "keys", message_type = "NoteOn", note = 60, velocity = 100 } }
[[modes.mappings]]
trigger = { Note = { note = 61 } }
action = { SendMidi = { message_type = "NoteOn", note = 61, velocity = 100 } }
[[modes.mappings]]
trigger = { CC = { cc = 1 } }
action = { SendMidi = { message_type = "CC", controller = 1, value = 1 } }
feedback = { device = "pads", cc = 10, on = 99, off = 1 }

[[modes]]
name = "Mix"
[[modes.mappings]]
device = "pads"
trigger = { Note = { note = 37 } }
action = { ModeChange = { mode = "Play" } }
"#;

#[test]
fn init_then_feedback_when_the_output_opens_and_shutdown_when_it_closes() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(PADS, &wire, &dir);
    engine.set_device_output("pads", wire.sink("pads")).unwrap();
    assert_eq!(
        wire.take(),
        [
            sent(
                "pads",
                &[0xF0, 0x00, 0x20, 0x29, 0x02, 0x0D, 0x0E, 0x01, 0xF7]
            ),
            sent("pads", &[0xB0, 0x00, 0x7F]),
            // Mode "Play" is active: its pad lit, Mix's dark, the Play mapping's CC lit.
            sent("pads", &[0x90, 36, 21]),
            sent("pads", &[0x90, 37, 0]),
            sent("pads", &[0xB0, 10, 99]),
        ]
    );
    assert!(engine.remove_device_output("pads"));
    assert_eq!(wire.take(), [sent("pads", &[0xB0, 0x00, 0x00])]);
    assert!(!engine.remove_device_output("pads"));
}

#[test]
fn feedback_follows_mode_changes_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(PADS, &wire, &dir);
    engine.set_device_output("pads", wire.sink("pads")).unwrap();
    wire.take();

    // Pad 36 on the pads switches to Mix: only the lights that change are sent.
    engine.process_from("pads", &[0x90, 36, 100], 0).unwrap();
    assert_eq!(engine.mode_name(), "Mix");
    assert_eq!(
        wire.take(),
        [
            sent("pads", &[0x90, 36, 0]),
            sent("pads", &[0x90, 37, 45]),
            sent("pads", &[0xB0, 10, 1]),
        ]
    );
    // Setting the mode that is already active sends nothing.
    engine.set_mode("Mix").unwrap();
    assert_eq!(wire.take(), []);
    engine.set_mode("Play").unwrap();
    assert_eq!(
        wire.take(),
        [
            sent("pads", &[0x90, 36, 21]),
            sent("pads", &[0x90, 37, 0]),
            sent("pads", &[0xB0, 10, 99]),
        ]
    );
    // A reload sends every light again, even unchanged.
    engine.reload_from_toml(PADS, dir.path()).unwrap();
    assert_eq!(
        wire.take(),
        [
            sent("pads", &[0x90, 36, 21]),
            sent("pads", &[0x90, 37, 0]),
            sent("pads", &[0xB0, 10, 99]),
        ]
    );
}

#[test]
fn send_midi_with_a_port_goes_to_that_device_and_without_one_to_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(PADS, &wire, &dir);
    engine.set_device_output("keys", wire.sink("keys")).unwrap();
    wire.take();
    engine.process(&[0x90, 60, 1], 0).unwrap();
    engine.process(&[0x90, 61, 1], 0).unwrap();
    assert_eq!(
        wire.take(),
        [sent("keys", &[0x90, 60, 100]), sent("-", &[0x90, 61, 100])]
    );
    let err = engine
        .set_device_output("drums", wire.sink("drums"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("devices: pads, keys"), "{err}");
}

#[test]
fn a_device_filter_fires_only_for_that_device() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(PADS, &wire, &dir);
    // Note 36 from the keys, or from no device, does not switch modes.
    assert!(engine
        .process_from("keys", &[0x90, 36, 100], 0)
        .unwrap()
        .is_empty());
    assert!(engine.process(&[0x90, 36, 100], 0).unwrap().is_empty());
    assert_eq!(engine.mode_name(), "Play");
    // Unfiltered mappings fire from any device.
    assert_eq!(
        engine
            .process_from("keys", &[0x90, 61, 1], 0)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        engine
            .process_from("pads", &[0x90, 36, 100], 0)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(engine.mode_name(), "Mix");
    let err = engine.process_from("nope", &[0x90, 36, 1], 0).unwrap_err();
    assert!(err.to_string().contains("devices: pads, keys"), "{err}");
}

#[test]
fn pushed_messages_keep_their_device_on_the_engine_thread() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(PADS, &wire, &dir);
    let keys = engine.device_source("keys").unwrap();
    let pads = engine.device_source("pads").unwrap();
    assert_ne!(keys, pads);
    // Note 36 from the keys is not the pads' note 36.
    assert!(engine.push_from(keys, &[0x90, 36, 100], 0));
    assert!(engine.wait_idle(Duration::from_secs(30)).unwrap());
    assert_eq!(engine.mode_name(), "Play");
    assert!(engine.push_from(pads, &[0x90, 36, 100], 1));
    assert!(engine.wait_idle(Duration::from_secs(30)).unwrap());
    assert_eq!(engine.mode_name(), "Mix");
}

/// Loads `text` and returns the error message.
fn load_error(text: &str) -> String {
    let err = Config::from_toml_str(text, ".".as_ref()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    err.to_string()
}

const MODE: &str = "\n[[modes]]\nname = \"Play\"\n";

#[test]
fn bad_device_entries_are_refused_with_the_fix() {
    let cases: [(&str, &str); 9] = [
        (
            "[[devices]]\nname = \"a\"\ninput = \"x\"\n[[devices]]\nname = \"a\"\noutput = \"y\"\n",
            "two devices are named \"a\"",
        ),
        ("[[devices]]\nname = \"a\"\n", "has neither `input` nor `output`"),
        (
            "[[devices]]\nname = \"a\"\ninput = \"x\"\ninit = [[0xB0, 0, 0]]\n",
            "no `output` to send them to",
        ),
        (
            "[[devices]]\nname = \"a\"\noutput = \"x\"\ninit = [[0xB0, 0x80, 0]]\n",
            "data bytes are 7-bit",
        ),
        (
            "[[devices]]\nname = \"a\"\noutput = \"x\"\ninit = [\"F0 01 02\"]\n",
            "must end with 0xF7",
        ),
        (
            "[[devices]]\nname = \"a\"\noutput = \"x\"\n[[devices.feedback]]\nmode = \"Nope\"\nnote = 1\n",
            "there is no mode called \"Nope\"; modes: Play",
        ),
        (
            "[[devices]]\nname = \"a\"\noutput = \"x\"\n[[devices.feedback]]\nmode = \"Play\"\n",
            "exactly one of `note = N`",
        ),
        (
            "[[devices]]\nname = \"a\"\ninput = \"\"\n",
            "`input` is empty",
        ),
        (
            "[[devices]]\nname = \"a\"\nport = \"x\"\n",
            "unknown key `port`",
        ),
    ];
    for (devices, expected) in cases {
        let err = load_error(&format!("{devices}{MODE}"));
        assert!(err.contains(expected), "{devices}: {err}");
    }
}

#[test]
fn mappings_must_name_configured_devices() {
    let devices = "[[devices]]\nname = \"pads\"\ninput = \"x\"\noutput = \"y\"\n[[devices]]\nname = \"keys\"\ninput = \"k\"\n";
    let err = load_error(&format!(
        "{devices}{MODE}[[modes.mappings]]\ndevice = \"drums\"\ntrigger = {{ Note = {{ note = 1 }} }}\naction = {{ ModeChange = {{ mode = \"Play\" }} }}\n"
    ));
    assert!(
        err.contains("filters on device \"drums\", which is not configured; devices: pads, keys"),
        "{err}"
    );
    assert!(err.contains("line 11"), "{err}");
    let err = load_error(&format!(
        "{devices}{MODE}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\naction = {{ SendMidi = {{ port = \"keys\", bytes = [0x90, 1, 1] }} }}\n"
    ));
    assert!(
        err.contains("SendMidi `port = \"keys\"` is not a configured device with an `output`; devices with an output: pads"),
        "{err}"
    );
    // Without any [[devices]], a port is still accepted (Conductor configs name output
    // ports there) and the message goes to the default output.
    let config = Config::from_toml_str(
        &format!("{MODE}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\naction = {{ SendMidi = {{ port = \"IAC\", bytes = [0x90, 1, 1] }} }}\n"),
        ".".as_ref(),
    )
    .unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn without_devices_a_send_midi_port_goes_to_the_default_output() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(
        &format!("{MODE}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\naction = {{ SendMidi = {{ port = \"IAC\", bytes = [0x90, 1, 1] }} }}\n"),
        &wire,
        &dir,
    );
    engine.process(&[0x90, 1, 1], 0).unwrap();
    assert_eq!(wire.take(), [sent("-", &[0x90, 1, 1])]);
}

/// Lights that follow variables: a toggle's state on its own pad, a bank number on a
/// `[[devices.feedback]]` light, set by a mapping, by the application and by a plugin's
/// returned `SetVar`.
const TOGGLES: &str = r#"
[[devices]]
name = "pads"
output = "Pads Out"

[[devices.feedback]]
variable = "bank"
equals = 2
cc = 20

[[modes]]
name = "Play"
[[modes.mappings]]
description = "Mute toggle, lit while on"
trigger = { Note = { note = 36 } }
action = { ToggleVar = { name = "mute" } }
feedback = { note = 36, variable = "mute", on = 5, off = 1 }
[[modes.mappings]]
description = "A plugin chooses the bank"
trigger = { Note = { note = 40 } }
action = { WasmPlugin = { path = "PLUGIN", params = { op = "echo", value = [{ SetVar = { name = "bank", value = 2 } }] } } }
"#;

#[test]
fn lights_follow_a_toggle_the_application_and_a_value_a_plugin_sets() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let plugin = conductor_test_support::plugin_wasm("results-plugin");
    let text = TOGGLES.replace("PLUGIN", &plugin.display().to_string());
    let engine = engine(&text, &wire, &dir);
    engine.set_device_output("pads", wire.sink("pads")).unwrap();
    // At start every variable is 0: both lights off.
    assert_eq!(
        wire.take(),
        [sent("pads", &[0x90, 36, 1]), sent("pads", &[0xB0, 20, 0])]
    );

    // The toggle lights its pad, and the next press puts it out.
    engine.process(&[0x90, 36, 100], 1_000).unwrap();
    assert_eq!(wire.take(), [sent("pads", &[0x90, 36, 5])]);
    engine.process(&[0x90, 36, 100], 2_000).unwrap();
    assert_eq!(wire.take(), [sent("pads", &[0x90, 36, 1])]);

    // The application sets the bank: lit only while it equals 2.
    engine.set_variable("bank", 2);
    assert_eq!(wire.take(), [sent("pads", &[0xB0, 20, 127])]);
    engine.set_variable("bank", 3);
    assert_eq!(wire.take(), [sent("pads", &[0xB0, 20, 0])]);
    // Setting the value it already has sends nothing.
    engine.set_variable("bank", 3);
    assert_eq!(wire.take(), []);

    // A plugin returns `SetVar`: the light follows.
    engine.process(&[0x90, 40, 100], 3_000).unwrap();
    assert!(engine.wait_idle(Duration::from_secs(30)).unwrap());
    assert_eq!(engine.variable("bank"), 2);
    assert_eq!(wire.take(), [sent("pads", &[0xB0, 20, 127])]);
}

#[test]
fn variable_lights_are_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    for (text, needle) in [
        (
            "[[devices]]\nname = \"p\"\noutput = \"x\"\n[[devices.feedback]]\nnote = 1\n[[modes]]\nname = \"m\"\n",
            "needs `mode = \"NAME\"`",
        ),
        (
            "[[devices]]\nname = \"p\"\noutput = \"x\"\n[[devices.feedback]]\nmode = \"m\"\nequals = 2\nnote = 1\n[[modes]]\nname = \"m\"\n",
            "`equals` needs `variable = \"NAME\"`",
        ),
    ] {
        let err = Config::from_toml_str(text, dir.path()).unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    }
}

/// Per-device MIDI thru: the keyboard's unmapped notes go on to the synth, the pads'
/// to the engine's output, and the controller without `thru` passes nothing.
const THRU: &str = r#"
[[devices]]
name = "keys"
input = "Keys"
thru = "synth"

[[devices]]
name = "pads"
input = "Pads"
thru = true

[[devices]]
name = "knobs"
input = "Knobs"

[[devices]]
name = "synth"
output = "Synth"

[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 36 } }
action = { SendMidi = { message_type = "CC", controller = 20, value = 1 } }
"#;

#[test]
fn each_device_passes_its_unmapped_messages_where_its_thru_says() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(THRU, &wire, &dir);
    engine
        .set_device_output("synth", wire.sink("synth"))
        .unwrap();
    assert_eq!(wire.take(), []);

    // The keyboard's unmapped note (and its release) reach the synth; its mapped note
    // fires the mapping and does not pass.
    engine.process_from("keys", &[0x90, 70, 90], 1).unwrap();
    engine.process_from("keys", &[0x80, 70, 0], 2).unwrap();
    engine.process_from("keys", &[0x90, 36, 90], 3).unwrap();
    assert_eq!(
        wire.take(),
        [
            sent("synth", &[0x90, 70, 90]),
            sent("synth", &[0x80, 70, 0]),
            sent("-", &[0xB0, 20, 1]),
        ]
    );
    // The pads pass theirs to the engine's output.
    engine.process_from("pads", &[0xB0, 7, 64], 4).unwrap();
    assert_eq!(wire.take(), [sent("-", &[0xB0, 7, 64])]);
    // The knobs have no `thru`: nothing passes.
    engine.process_from("knobs", &[0xB0, 7, 64], 5).unwrap();
    assert_eq!(wire.take(), []);
    // The same on the engine thread, from pushed input.
    let keys = engine.device_source("keys").unwrap();
    let knobs = engine.device_source("knobs").unwrap();
    assert!(engine.push_from(knobs, &[0x90, 71, 80], 6));
    assert!(engine.push_from(keys, &[0x90, 72, 80], 7));
    assert!(engine.wait_idle(Duration::from_secs(30)).unwrap());
    assert_eq!(wire.take(), [sent("synth", &[0x90, 72, 80])]);
}

#[test]
fn a_thru_needs_an_input_and_a_device_with_an_output() {
    let dir = tempfile::tempdir().unwrap();
    for (text, needle) in [
        (
            "[[devices]]\nname = \"k\"\ninput = \"K\"\nthru = \"nowhere\"\n[[modes]]\nname = \"m\"\n",
            "passes its messages `thru` to \"nowhere\", which is not a configured device with an `output`",
        ),
        (
            "[[devices]]\nname = \"k\"\noutput = \"K\"\nthru = true\n[[modes]]\nname = \"m\"\n",
            "has `thru` but no `input`",
        ),
    ] {
        let err = Config::from_toml_str(text, dir.path()).unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    }
}

const TAPS: &str = r#"
[[devices]]
name = "pads"
input = "Pads In"

[[devices]]
name = "keys"
input = "Keys"

[[modes]]
name = "Default"
[[modes.mappings]]
device = "pads"
trigger = { DoubleTap = { note = 36, timeout_ms = 250 } }
action = { SendMidi = { bytes = [0x90, 100, 1] } }
[[modes.mappings]]
device = "pads"
trigger = { LongPress = { note = 38, duration_ms = 500 } }
action = { SendMidi = { bytes = [0x90, 101, 1] } }
"#;

/// A gesture filtered to one device is timed from that device's messages only: the
/// same note from another device in between neither completes nor breaks it.
#[test]
fn a_gesture_of_one_device_ignores_the_same_note_from_another() {
    let dir = tempfile::tempdir().unwrap();
    let wire = Wire::default();
    let engine = engine(TAPS, &wire, &dir);
    let tap = |device: &str, t_ms: u64| {
        let on = engine
            .process_from(device, &[0x90, 36, 100], t_ms * 1000)
            .unwrap();
        let off = engine
            .process_from(device, &[0x80, 36, 0], t_ms * 1000 + 20_000)
            .unwrap();
        on.len() + off.len()
    };
    // Pads, keys, pads within 250 ms: the pads' second tap is the double tap. (Were
    // the keys' tap counted, it would have "completed" the pads' gesture and been
    // dropped for its device, and the pads' second tap would start a new one.)
    assert_eq!(tap("pads", 0), 0);
    assert_eq!(
        tap("keys", 100),
        0,
        "the keys' tap is not the pads' second tap"
    );
    assert_eq!(
        tap("pads", 200),
        1,
        "the pads' second tap fires the double tap"
    );
    assert_eq!(wire.take(), vec![sent("-", &[0x90, 100, 1])]);

    // A long press on the pads is not cut short by the keys releasing the same note.
    engine
        .process_from("pads", &[0x90, 38, 100], 1_000_000)
        .unwrap();
    engine
        .process_from("keys", &[0x90, 38, 100], 1_100_000)
        .unwrap();
    engine
        .process_from("keys", &[0x80, 38, 0], 1_200_000)
        .unwrap();
    let fired = engine.tick(1_600_000).unwrap();
    assert_eq!(
        fired.len(),
        1,
        "the pads' long press fires at 500 ms: {fired:?}"
    );
    assert_eq!(wire.take(), vec![sent("-", &[0x90, 101, 1])]);
}
