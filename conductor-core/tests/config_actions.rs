//! Every action kind, in the guide's externally tagged form and Conductor's internally
//! tagged form, and how plugin settings merge.

use std::path::{Path, PathBuf};
use std::time::Duration;

use conductor_core::config::{
    Action, Config, HostAction, MidiOut, ModeTarget, PluginOverrides, SendMidiAction,
    WasmPluginAction,
};
use conductor_core::midi::MidiMessage;
use conductor_core::plugin::Capability;
use serde_json::json;

const MODES: &str = "[[modes]]\nname = \"Play\"\n[[modes]]\nname = \"Edit\"\n";

/// Loads `prelude`, two modes and one mapping in the first mode firing `action`.
fn load_with(prelude: &str, action: &str) -> Config {
    let text = format!(
        "{prelude}\n{MODES}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\naction = {action}\n"
    );
    // The mapping sits in mode "Edit" (the last `[[modes]]`).
    Config::from_toml_str(&text, Path::new("/cfg")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn action_of(action: &str) -> Action {
    let config = load_with("", action);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    config.modes[1].mappings[0].action.clone()
}

/// Reads `{ Kind = { fields } }` and `{ type = "Kind", fields }` and checks they agree.
fn both_forms(kind: &str, fields: &str) -> Action {
    let external = action_of(&format!("{{ {kind} = {{ {fields} }} }}"));
    let sep = if fields.is_empty() { "" } else { ", " };
    let internal = action_of(&format!("{{ type = \"{kind}\"{sep}{fields} }}"));
    assert_eq!(external, internal, "{kind}");
    external
}

fn send(message: MidiMessage) -> Action {
    Action::SendMidi(SendMidiAction {
        message: MidiOut::Message(message),
        port: None,
    })
}

#[test]
fn wasm_plugin_with_params_and_inline_settings() {
    let action = both_forms(
        "WasmPlugin",
        "path = \"plugins/x.wasm\", params = { url = \"https://a.example\", n = 3, f = 0.5, \
         on = true, list = [1, \"two\"], nested = { k = \"v\" } }, grant = [\"Filesystem\"], \
         fuel = 5000, memory = \"64MB\", timeout_ms = 250, allowed_hosts = [\"a.example\"]",
    );
    assert_eq!(
        action,
        Action::WasmPlugin(WasmPluginAction {
            path: PathBuf::from("/cfg/plugins/x.wasm"),
            path_text: "plugins/x.wasm".into(),
            params: json!({
                "url": "https://a.example", "n": 3, "f": 0.5, "on": true,
                "list": [1, "two"], "nested": { "k": "v" }
            }),
            overrides: PluginOverrides {
                grant: Some(vec![Capability::Filesystem]),
                fuel: Some(5000),
                memory_bytes: Some(64_000_000),
                timeout: Some(Duration::from_millis(250)),
                allowed_hosts: Some(vec!["a.example".into()]),
                ..PluginOverrides::default()
            },
        })
    );
}

#[test]
fn wasm_plugin_without_params_gets_an_empty_object() {
    let Action::WasmPlugin(call) = both_forms("WasmPlugin", "path = \"/abs/p.wasm\"") else {
        panic!()
    };
    assert_eq!(call.params, json!({}));
    assert_eq!(call.path, PathBuf::from("/abs/p.wasm"));
}

#[test]
fn plugin_settings_merge_defaults_table_and_inline() {
    let prelude = "[plugins]\nfuel = 1000\nmemory = 1048576\ntimeout_ms = 100\n\
                   [plugins.settings.\"p.wasm\"]\ngrant = [\"Network\"]\nfuel = 2000\n\
                   allowed_hosts = [\"a.example\"]\n";
    let config = load_with(
        prelude,
        "{ WasmPlugin = { path = \"./p.wasm\", grant = [\"Subprocess\"], timeout_ms = 300, \
         allowed_hosts = [\"b.example\"] } }",
    );
    let settings = config.plugin_settings_for(Path::new("/cfg/p.wasm"));
    assert_eq!(settings.limits.fuel, 2000); // table over default
    assert_eq!(settings.limits.memory_bytes, 1 << 20); // default
    assert_eq!(settings.limits.timeout, Duration::from_millis(300)); // inline over default
    assert_eq!(
        settings.grants,
        vec![Capability::Network, Capability::Subprocess]
    );
    assert_eq!(settings.allowed_hosts, vec!["a.example", "b.example"]);
    assert!(settings.grants().allows(Capability::Subprocess));
    assert!(!settings.grants().allows(Capability::Filesystem));

    // A plugin nobody configured gets the defaults.
    let other = config.plugin_settings_for(Path::new("/elsewhere/q.wasm"));
    assert_eq!(
        (other.limits.fuel, other.limits.memory_bytes),
        (1000, 1 << 20)
    );
    assert!(other.grants.is_empty());
}

#[test]
fn plugins_section_defaults_and_folders() {
    let config = load_with(
        "[plugins]\ndata_dir = \"data\"\ncache_dir = \"~/cache\"\nsignature_policy = \"require\"\nmemory = \"2 GiB\"\n",
        "{ Text = { text = \"x\" } }",
    );
    let d = &config.plugins.defaults;
    assert_eq!(d.data_dir, Some(PathBuf::from("/cfg/data")));
    assert_eq!(d.cache_dir, Some(dirs::home_dir().unwrap().join("cache")));
    assert_eq!(d.signature_policy.name(), "require");
    assert_eq!(d.limits.memory_bytes, 2 << 30);
    let err = Config::from_toml_str(
        "[plugins]\nsignature_policy = \"requir\"\n[[modes]]\nname = \"A\"\n",
        Path::new("/"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("did you mean \"require\"?"), "{err}");
    let err = Config::from_toml_str(
        "[plugins]\nmemory = 128\n[[modes]]\nname = \"A\"\n",
        Path::new("/"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("did you mean \"128 MiB\"?"), "{err}");
}

#[test]
fn send_midi_message_types() {
    assert_eq!(
        both_forms(
            "SendMidi",
            "message_type = \"NoteOn\", channel = 2, note = 60, velocity = 90"
        ),
        send(MidiMessage::NoteOn {
            channel: 2,
            note: 60,
            velocity: 90
        })
    );
    assert_eq!(
        both_forms("SendMidi", "message_type = \"NoteOn\", note = 60"),
        send(MidiMessage::NoteOn {
            channel: 0,
            note: 60,
            velocity: 100
        })
    );
    assert_eq!(
        both_forms("SendMidi", "message_type = \"NoteOff\", note = 60"),
        send(MidiMessage::NoteOff {
            channel: 0,
            note: 60,
            velocity: 0
        })
    );
    for name in ["CC", "ControlChange"] {
        assert_eq!(
            both_forms(
                "SendMidi",
                &format!("message_type = \"{name}\", controller = 74, value = 127")
            ),
            send(MidiMessage::ControlChange {
                channel: 0,
                controller: 74,
                value: 127
            })
        );
    }
    assert_eq!(
        both_forms(
            "SendMidi",
            "message_type = \"ProgramChange\", channel = 15, program = 4"
        ),
        send(MidiMessage::ProgramChange {
            channel: 15,
            program: 4
        })
    );
    assert_eq!(
        both_forms("SendMidi", "message_type = \"PitchBend\", pitch = -8192"),
        send(MidiMessage::PitchBend {
            channel: 0,
            value: 0
        })
    );
    assert_eq!(
        both_forms("SendMidi", "message_type = \"PitchBend\", value = 8192"),
        send(MidiMessage::PitchBend {
            channel: 0,
            value: 8192
        })
    );
    assert_eq!(
        both_forms("SendMidi", "message_type = \"Aftertouch\", pressure = 10"),
        send(MidiMessage::ChannelAftertouch {
            channel: 0,
            pressure: 10
        })
    );
    assert_eq!(
        both_forms(
            "SendMidi",
            "message_type = \"Aftertouch\", note = 60, pressure = 10"
        ),
        send(MidiMessage::PolyAftertouch {
            channel: 0,
            note: 60,
            pressure: 10
        })
    );
}

#[test]
fn send_midi_raw_bytes_and_port() {
    assert_eq!(
        both_forms("SendMidi", "bytes = [0x90, 60, 100], port = \"Synth\""),
        Action::SendMidi(SendMidiAction {
            message: MidiOut::Raw(vec![0x90, 60, 100]),
            port: Some("Synth".into()),
        })
    );
    assert_eq!(
        both_forms("SendMidi", "bytes = [0xF0, 0x7E, 0x7F, 0xF7]"),
        Action::SendMidi(SendMidiAction {
            message: MidiOut::Raw(vec![0xF0, 0x7E, 0x7F, 0xF7]),
            port: None,
        })
    );
}

#[test]
fn bad_send_midi_is_refused() {
    for (fields, needle) in [
        (
            "message_type = \"NoteOn\", note = 60, velocity = 0",
            "note-off",
        ),
        ("message_type = \"NoteOn\"", "needs `note`"),
        (
            "message_type = \"NoteOn\", note = 60, channel = 16",
            "0-based",
        ),
        ("message_type = \"Sysex\"", "unknown message_type"),
        ("message_type = \"PitchBend\", pitch = 9000", "-8192..=8191"),
        ("bytes = [60, 100]", "status byte"),
        ("bytes = [0x90, 0x90, 1]", "7-bit"),
        ("bytes = [0x90, 60, 100], note = 1", "does not apply to raw"),
        (
            "message_type = \"CC\", controller = 1, value = 2, bytes = [0x90, 1, 1]",
            "not both",
        ),
        ("port = \"x\"", "needs `message_type`"),
    ] {
        let text = format!(
            "{MODES}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\n\
             action = {{ SendMidi = {{ {fields} }} }}\n"
        );
        let err = Config::from_toml_str(&text, Path::new("/cfg"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{fields}: {err}");
        assert!(err.contains("line 7,"), "{fields}: {err}");
    }
}

#[test]
fn mode_change_by_name_next_and_previous() {
    assert_eq!(
        both_forms("ModeChange", "mode = \"Play\""),
        Action::ModeChange(ModeTarget::Named {
            name: "Play".into(),
            index: 0
        })
    );
    assert_eq!(
        both_forms("ModeChange", "mode = \"next\""),
        Action::ModeChange(ModeTarget::Next)
    );
    assert_eq!(
        both_forms("ModeChange", "mode = \"previous\""),
        Action::ModeChange(ModeTarget::Previous)
    );
    assert_eq!(
        action_of("{ ModeChange = \"Edit\" }"),
        Action::ModeChange(ModeTarget::Named {
            name: "Edit".into(),
            index: 1
        })
    );
}

#[test]
fn sequence_delay_and_repeat() {
    let note_on = "{ SendMidi = { message_type = \"NoteOn\", note = 60 } }";
    let expected = Action::Sequence(vec![
        send(MidiMessage::NoteOn {
            channel: 0,
            note: 60,
            velocity: 100,
        }),
        Action::Delay(Duration::from_millis(20)),
        Action::ModeChange(ModeTarget::Next),
    ]);
    let steps = format!(
        "{note_on}, {{ Delay = {{ ms = 20 }} }}, {{ type = \"ModeChange\", mode = \"next\" }}"
    );
    assert_eq!(
        both_forms("Sequence", &format!("actions = [{steps}]")),
        expected
    );
    assert_eq!(action_of(&format!("{{ Sequence = [{steps}] }}")), expected);
    assert_eq!(
        both_forms("Delay", "ms = 20"),
        Action::Delay(Duration::from_millis(20))
    );
    assert_eq!(
        action_of("{ Delay = 20 }"),
        Action::Delay(Duration::from_millis(20))
    );
    assert_eq!(
        both_forms(
            "Repeat",
            &format!("action = {note_on}, count = 3, delay_ms = 50")
        ),
        Action::Repeat {
            action: Box::new(send(MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 100
            })),
            count: 3,
            delay: Duration::from_millis(50),
        }
    );
    assert!(matches!(
        both_forms("Repeat", &format!("action = {note_on}, count = 2")),
        Action::Repeat { delay, .. } if delay == Duration::ZERO
    ));
}

#[test]
fn nested_plugin_calls_are_found() {
    let config = load_with(
        "",
        "{ Sequence = { actions = [ { WasmPlugin = { path = \"a.wasm\" } }, \
         { Repeat = { count = 2, action = { WasmPlugin = { path = \"b.wasm\" } } } }, \
         { WasmPlugin = { path = \"./a.wasm\" } } ] } }",
    );
    assert_eq!(
        config.wasm_plugin_paths(),
        vec![PathBuf::from("/cfg/a.wasm"), PathBuf::from("/cfg/b.wasm")]
    );
    assert_eq!(config.wasm_plugin_actions().len(), 3);
}

#[test]
fn host_actions_pass_their_fields_through() {
    let host = |name: &str, data: serde_json::Value| {
        Action::Host(HostAction {
            name: name.into(),
            data,
        })
    };
    assert_eq!(
        both_forms(
            "Keystroke",
            "keys = \"c\", modifiers = [\"cmd\", \"shift\"]"
        ),
        host(
            "Keystroke",
            json!({ "keys": "c", "modifiers": ["cmd", "shift"] })
        )
    );
    assert_eq!(
        both_forms("Text", "text = \"hello\""),
        host("Text", json!({ "text": "hello" }))
    );
    assert_eq!(
        both_forms("Launch", "app = \"Terminal\", args = [\"-n\"]"),
        host("Launch", json!({ "app": "Terminal", "args": ["-n"] }))
    );
    assert_eq!(
        both_forms("Shell", "command = \"ls\""),
        host("Shell", json!({ "command": "ls" }))
    );
    assert_eq!(
        both_forms("MouseClick", "button = \"left\", x = 10, y = 20"),
        host("MouseClick", json!({ "button": "left", "x": 10, "y": 20 }))
    );
    assert_eq!(
        both_forms("VolumeControl", "operation = \"Set\", value = 50"),
        host("VolumeControl", json!({ "operation": "Set", "value": 50 }))
    );
    assert_eq!(
        both_forms("Host", "name = \"ShowPatch\", data = { program = 3 }"),
        host("ShowPatch", json!({ "program": 3 }))
    );
    assert_eq!(
        both_forms("Host", "name = \"Ping\""),
        host("Ping", json!({}))
    );
    assert_eq!(
        both_forms("Text", "text = \"x\"").kind(),
        "Text",
        "a host action's kind is its own name"
    );
}

#[test]
fn mappings_record_their_line_and_description() {
    let text = "[[modes]]\nname = \"A\"\n\n[[modes.mappings]]\ndescription = \"first\"\n\
                trigger = { Note = { note = 1 } }\naction = { Text = { text = \"x\" } }\n\n\
                [[modes.mappings]]\n[modes.mappings.trigger]\ntype = \"Note\"\nnote = 2\n\
                [modes.mappings.action]\ntype = \"Text\"\ntext = \"y\"\n";
    let config = Config::from_toml_str(text, Path::new("/")).unwrap();
    let m = &config.modes[0].mappings;
    assert_eq!((m[0].line, m[1].line), (Some(4), Some(9)));
    assert_eq!(m[0].description.as_deref(), Some("first"));
    assert_eq!(m[0].label(), "mapping \"first\" at line 4");
    assert_eq!(m[1].label(), "mapping Note → Text at line 9");
}

/// Loads `action` in a one-mapping config and returns the error text.
fn action_error(action: &str) -> String {
    let text = format!(
        "{MODES}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\naction = {action}\n"
    );
    Config::from_toml_str(&text, Path::new("/cfg"))
        .expect_err(action)
        .to_string()
}

#[test]
fn delays_are_capped_at_the_documented_maximum() {
    use conductor_core::config::MAX_DELAY_MS;
    let max = MAX_DELAY_MS;
    assert_eq!(max, 86_400_000, "24 hours, as documented");
    // The maximum itself is fine, in every spelling.
    assert_eq!(
        action_of(&format!("{{ Delay = {max} }}")),
        Action::Delay(Duration::from_millis(max))
    );
    assert_eq!(
        both_forms("Delay", &format!("ms = {max}")),
        Action::Delay(Duration::from_millis(max))
    );
    // One more, or i64::MAX, in every place a delay is written, is refused by name.
    for too_long in [max + 1, i64::MAX as u64] {
        for action in [
            format!("{{ Delay = {too_long} }}"),
            format!("{{ Delay = {{ ms = {too_long} }} }}"),
            format!("{{ type = \"Delay\", ms = {too_long} }}"),
            format!(
                "{{ Repeat = {{ count = 2, delay_ms = {too_long}, action = {{ Delay = 1 }} }} }}"
            ),
            format!("{{ Sequence = [{{ Delay = 1 }}, {{ Delay = {too_long} }}] }}"),
        ] {
            let err = action_error(&action);
            assert!(err.contains("MAX_DELAY_MS"), "{action}: {err}");
            assert!(err.contains("0..=86400000"), "{action}: {err}");
            assert!(err.contains("24 hours"), "{action}: {err}");
        }
    }
}

#[test]
fn plugin_settings_that_match_no_plugin_are_a_warning_naming_the_line() {
    let text = format!(
        "[plugins.settings.\"plugins/http_requst.wasm\"]\nallowed_hosts = [\"api.example.com\"]\n\
         {MODES}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\n\
         action = {{ WasmPlugin = {{ path = \"plugins/http_request.wasm\" }} }}\n"
    );
    let config = Config::from_toml_str(&text, Path::new("/cfg")).unwrap();
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    let warning = &config.warnings[0];
    assert_eq!(warning.line, 1);
    assert!(warning.message.contains("http_requst.wasm"), "{warning}");
    assert!(warning.message.contains("matches no plugin"), "{warning}");
    assert!(
        warning.message.contains("/cfg/plugins/http_request.wasm"),
        "{warning}"
    );
}

#[test]
fn plugin_settings_written_through_a_symlink_apply_to_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::fs::write(dir.path().join("real/net.wasm"), b"\0asm").unwrap();
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
    let text = format!(
        "[plugins.settings.\"link/net.wasm\"]\nallowed_hosts = [\"api.example.com\"]\n\
         {MODES}[[modes.mappings]]\ntrigger = {{ Note = {{ note = 1 }} }}\n\
         action = {{ WasmPlugin = {{ path = \"real/net.wasm\" }} }}\n"
    );
    let config = Config::from_toml_str(&text, dir.path()).unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let settings = config.plugin_settings_for(&dir.path().join("real/net.wasm"));
    assert_eq!(settings.allowed_hosts, vec!["api.example.com".to_string()]);
}
