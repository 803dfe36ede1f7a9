//! Configs written for existing Conductor installs load: `[device]`,
//! `[advanced_settings]`, `[logging]`, sub-table triggers and actions with `type`,
//! 0-based channels; and paths with `~`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use conductor_core::config::{Action, Config, EncoderDirection, MidiOut, SendMidiAction, Trigger};
use conductor_core::midi::{MidiMessage, PortSelector};

const STUDIO: &str = r#"
# Studio controller
[device]
name = "Launchpad Mini"
auto_connect = true
port = 1

[advanced_settings]
chord_timeout_ms = 80
double_tap_timeout_ms = 250
hold_threshold_ms = 2000

[logging]
level = "debug"
file = "logs/conductor.log"
rotate = true

[[modes]]
name = "Mixer"
color = "purple"

[[modes.mappings]]
description = "Mute drums"
[modes.mappings.trigger]
type = "Note"
note = 36
velocity_min = 1
[modes.mappings.action]
type = "SendMidi"
port = "Drum Machine"
message_type = "CC"
channel = 9
controller = 7
value = 0

[[modes.mappings]]
description = "Volume knob"
[modes.mappings.trigger]
type = "EncoderTurn"
cc = 21
direction = "Clockwise"
[modes.mappings.action]
type = "VolumeControl"
operation = "Up"

[[modes.mappings]]
description = "Hold to open the DAW"
[modes.mappings.trigger]
type = "LongPress"
note = 40
[modes.mappings.action]
type = "Launch"
app = "Ableton Live"

[[modes.mappings]]
description = "Layered chord on two synths"
[modes.mappings.trigger]
type = "Note"
note = 41
[modes.mappings.action]
type = "Sequence"
actions = [
    { type = "SendMidi", port = "Synth A", message_type = "NoteOn", channel = 0, note = 60, velocity = 100 },
    { type = "Delay", ms = 5 },
    { type = "SendMidi", port = "Synth B", message_type = "NoteOn", channel = 1, note = 64, velocity = 100 },
]

[[modes]]
name = "Shortcuts"

[[modes.mappings]]
[modes.mappings.trigger]
type = "Note"
note = 36
[modes.mappings.action]
type = "Keystroke"
keys = "space"
modifiers = ["cmd"]

[[global_mappings]]
description = "Next mode"
[global_mappings.trigger]
type = "DoubleTap"
note = 0
[global_mappings.action]
type = "ModeChange"
mode = "Shortcuts"
"#;

#[test]
fn an_existing_conductor_config_loads_with_its_settings_applied() {
    let config = Config::from_toml_str(STUDIO, Path::new("/studio")).unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);

    assert_eq!(config.device.name.as_deref(), Some("Launchpad Mini"));
    assert!(config.device.auto_connect);
    assert_eq!(config.device.port, Some(PortSelector::Index(1)));

    assert_eq!(config.timing.chord, Duration::from_millis(80));
    assert_eq!(config.timing.double_tap, Duration::from_millis(250));
    assert_eq!(config.timing.hold, Duration::from_secs(2));

    assert_eq!(config.logging.level.as_deref(), Some("debug"));
    assert_eq!(
        config.logging.file,
        Some(PathBuf::from("/studio/logs/conductor.log"))
    );
    assert_eq!(
        config.logging.other.get("rotate"),
        Some(&serde_json::json!(true))
    );

    let mixer = &config.modes[0];
    assert_eq!(mixer.color.as_deref(), Some("purple"));
    assert_eq!(mixer.mappings.len(), 4);
    assert_eq!(mixer.mappings[0].description.as_deref(), Some("Mute drums"));
    assert_eq!(
        mixer.mappings[0].action,
        Action::SendMidi(SendMidiAction {
            message: MidiOut::Message(MidiMessage::ControlChange {
                channel: 9,
                controller: 7,
                value: 0
            }),
            port: Some("Drum Machine".into()),
        })
    );
    assert!(matches!(
        mixer.mappings[1].trigger,
        Trigger::EncoderTurn {
            cc: 21,
            direction: Some(EncoderDirection::Clockwise),
            ..
        }
    ));
    // The hold threshold from [advanced_settings] is the LongPress default.
    assert_eq!(
        mixer.mappings[2].trigger,
        Trigger::LongPress {
            note: 40,
            duration: Duration::from_secs(2),
            channel: None
        }
    );
    let Action::Sequence(steps) = &mixer.mappings[3].action else {
        panic!()
    };
    assert_eq!(steps.len(), 3);
    assert_eq!(
        steps[2],
        Action::SendMidi(SendMidiAction {
            message: MidiOut::Message(MidiMessage::NoteOn {
                channel: 1,
                note: 64,
                velocity: 100
            }),
            port: Some("Synth B".into()),
        })
    );

    assert_eq!(config.global_mappings.len(), 1);
    assert_eq!(config.global_mappings[0].line, Some(80));
    let all: Vec<_> = config.all_mappings().collect();
    assert_eq!(all.len(), 6);
    assert!(all[0].0.is_none(), "global mappings have no mode");
}

#[test]
fn conductors_default_global_mappings_table_is_accepted() {
    let text = "[device]\nname = \"Mikro\"\nauto_connect = true\n\n[global_mappings]\n\
                # [[global_mappings.mappings]] entries would go here\n\n\
                [[modes]]\nname = \"Test\"\n";
    let config = Config::from_toml_str(text, Path::new("/")).unwrap();
    assert!(config.global_mappings.is_empty());
    assert!(config.modes[0].mappings.is_empty());
}

#[test]
fn engine_timing_wins_over_advanced_settings_with_a_warning() {
    let text = "[engine]\nhold_threshold_ms = 700\nqueue_capacity = 64\n\
                [advanced_settings]\nhold_threshold_ms = 2000\nchord_timeout_ms = 60\n\
                [[modes]]\nname = \"A\"\n";
    let config = Config::from_toml_str(text, Path::new("/")).unwrap();
    assert_eq!(config.timing.hold, Duration::from_millis(700));
    assert_eq!(config.timing.chord, Duration::from_millis(60));
    assert_eq!(config.engine.queue_capacity, 64);
    assert_eq!(config.warnings.len(), 1);
    assert_eq!(config.warnings[0].line, 2);
    assert!(config.warnings[0].message.contains("hold_threshold_ms"));
}

#[test]
fn device_port_may_be_a_name() {
    let text = "[device]\nport = \"IAC\"\n[[modes]]\nname = \"A\"\n";
    let config = Config::from_toml_str(text, Path::new("/")).unwrap();
    assert_eq!(config.device.port, Some(PortSelector::Name("IAC".into())));
    assert!(config.device.auto_reconnect);
}

#[test]
fn tilde_expands_to_the_home_folder() {
    let text = "[[modes]]\nname = \"A\"\n[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\n\
                action = { WasmPlugin = {\npath = \"~/.conductor/wasm-plugins/my_plugin.wasm\",\n\
                params = {\n\"param1\": \"value1\"\n}\n}}\n";
    let config = Config::from_toml_str(text, Path::new("/cfg")).unwrap();
    let home = dirs::home_dir().expect("a home folder");
    let expected = home.join(".conductor/wasm-plugins/my_plugin.wasm");
    assert_eq!(config.wasm_plugin_paths(), vec![expected.clone()]);
    let Action::WasmPlugin(call) = &config.modes[0].mappings[0].action else {
        panic!()
    };
    assert_eq!(call.path_text, "~/.conductor/wasm-plugins/my_plugin.wasm");
    assert_eq!(call.params, serde_json::json!({ "param1": "value1" }));
    assert_eq!(config.warnings.len(), 1);
    assert_eq!(config.warnings[0].line, 8);
    assert_eq!(
        config.plugin_settings_for(Path::new("~/.conductor/wasm-plugins/my_plugin.wasm")),
        config.plugin_settings_for(&expected)
    );
}
