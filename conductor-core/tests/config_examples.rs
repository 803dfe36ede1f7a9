//! The example configs in `examples/configs/` load, and the plugin guide's
//! `test_config.toml` loads exactly as printed.

use std::path::{Path, PathBuf};

use conductor_core::config::{Action, Config, ModeTarget, SignaturePolicy, Trigger};
use conductor_core::midi::MidiMessage;
use conductor_core::plugin::Capability;

/// Section "5. Test the Plugin" of the plugin guide, character for character.
const GUIDE_TEST_CONFIG: &str = r#"[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } } # Middle C
action = { WasmPlugin = {
path = "target/wasm32-wasip1/release/my_midi_plugin.wasm",
params = {
"message": "Hello from MIDI!"
}
}}
"#;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/configs")
}

#[test]
fn the_shipped_guide_config_is_the_guide_text() {
    let shipped = std::fs::read_to_string(examples_dir().join("guide_test_config.toml")).unwrap();
    assert_eq!(shipped, GUIDE_TEST_CONFIG);
}

#[test]
fn guide_config_loads_with_one_warning_naming_the_line_and_the_canonical_form() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("test_config.toml");
    std::fs::write(&file, GUIDE_TEST_CONFIG).unwrap();

    let config = Config::from_file(&file).unwrap();

    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    let warning = &config.warnings[0];
    assert_eq!(warning.line, 8);
    assert!(
        warning
            .message
            .contains(r#""message" = "Hello from MIDI!""#),
        "{}",
        warning.message
    );
    assert!(warning.to_string().starts_with("line 8: "));

    assert_eq!(config.modes.len(), 1);
    let mode = &config.modes[0];
    assert_eq!(mode.name, "Default");
    assert_eq!(mode.mappings.len(), 1);
    let mapping = &mode.mappings[0];
    assert_eq!(mapping.line, Some(3));
    assert_eq!(
        mapping.trigger,
        Trigger::Note {
            note: 60,
            velocity_min: None,
            velocity_max: None,
            channel: None
        }
    );
    let Action::WasmPlugin(call) = &mapping.action else {
        panic!("expected a WasmPlugin action, got {:?}", mapping.action);
    };
    let expected = dir
        .path()
        .join("target/wasm32-wasip1/release/my_midi_plugin.wasm");
    assert_eq!(call.path, std::path::absolute(&expected).unwrap());
    assert!(call.path.is_absolute());
    assert_eq!(
        call.path_text,
        "target/wasm32-wasip1/release/my_midi_plugin.wasm"
    );
    assert_eq!(
        call.params,
        serde_json::json!({ "message": "Hello from MIDI!" })
    );
    assert!(call.overrides.is_empty());
    assert_eq!(config.wasm_plugin_paths(), vec![call.path.clone()]);
}

#[test]
fn guide_config_gets_the_default_limits() {
    let config = Config::from_toml_str(GUIDE_TEST_CONFIG, Path::new("/home/me/plugin")).unwrap();
    let path = Path::new("/home/me/plugin/target/wasm32-wasip1/release/my_midi_plugin.wasm");
    assert_eq!(config.wasm_plugin_paths(), vec![path.to_path_buf()]);
    let settings = config.plugin_settings_for(path);
    assert_eq!(settings.limits.fuel, 100_000_000);
    assert_eq!(settings.limits.memory_bytes, 128 * 1024 * 1024);
    assert_eq!(settings.limits.timeout.as_millis(), 5000);
    assert!(settings.grants.is_empty());
    // The same plugin named as in the config, relative to its folder.
    assert_eq!(
        config.plugin_settings_for(Path::new(
            "target/wasm32-wasip1/release/my_midi_plugin.wasm"
        )),
        settings
    );
    assert_eq!(config.timing.chord.as_millis(), 50);
    assert_eq!(config.timing.double_tap.as_millis(), 300);
    assert_eq!(config.timing.hold.as_millis(), 500);
    assert_eq!(
        config.plugins.defaults.signature_policy,
        SignaturePolicy::Warn
    );
}

#[test]
fn full_example_loads_without_warnings() {
    let config = Config::from_file(examples_dir().join("full_example.toml")).unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let names: Vec<&str> = config.modes.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Performance", "Desktop"]);
    assert_eq!(config.global_mappings.len(), 2);

    // Every trigger kind is shown.
    let mut kinds: Vec<&str> = config
        .all_mappings()
        .map(|(_, m)| m.trigger.kind())
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 12, "{kinds:?}");

    // Per-plugin settings merge with the defaults.
    let base = std::path::absolute(examples_dir()).unwrap();
    let logger = config.plugin_settings_for(&base.join("plugins/file_logger.wasm"));
    assert_eq!(logger.grants, vec![Capability::Filesystem]);
    assert_eq!(logger.limits.memory_bytes, 64 * 1024 * 1024);
    assert_eq!(logger.limits.fuel, 100_000_000);
    let http = config.plugin_settings_for(Path::new("plugins/http_request.wasm"));
    assert_eq!(http.allowed_hosts, vec!["api.example.com".to_string()]);
    assert_eq!(http.limits.timeout.as_millis(), 10_000);
    assert_eq!(config.wasm_plugin_paths().len(), 4);

    let desktop = &config.modes[1];
    let Action::ModeChange(target) = &desktop.mappings.last().unwrap().action else {
        panic!()
    };
    assert_eq!(
        *target,
        ModeTarget::Named {
            name: "Performance".into(),
            index: 0
        }
    );
    let panic_button = &config.global_mappings[0];
    let Action::SendMidi(send) = &panic_button.action else {
        panic!()
    };
    assert_eq!(
        send.message,
        conductor_core::config::MidiOut::Message(MidiMessage::ControlChange {
            channel: 0,
            controller: 123,
            value: 0
        })
    );
}
