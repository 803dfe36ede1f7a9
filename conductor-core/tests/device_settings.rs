//! `[device]` settings decide which input an engine opens when none is named.
#![cfg(feature = "midi-io")]

use conductor_core::{Engine, EngineOptions, ErrorKind};

fn engine(device: &str) -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "{device}\n[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\naction = {{ Host = {{ name = \"x\" }} }}\n"
    );
    Engine::from_toml(&toml, dir.path(), EngineOptions::default()).unwrap()
}

/// `auto_connect = false`: nothing is opened by itself, and the error says how to name
/// a port or turn it back on, whatever MIDI system the machine has.
#[test]
fn auto_connect_off_opens_no_input_unless_one_is_named() {
    let engine = engine("[device]\nname = \"Mikro\"\nauto_connect = false\n");
    let err = engine.connect_input(None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    let message = err.to_string();
    assert!(message.contains("auto_connect = false"), "{message}");
    assert!(message.contains("name the port"), "{message}");
}

/// With the default (`auto_connect = true`) the device's input is looked for: the
/// error, if any, is about the port or the MIDI system, not about auto_connect.
#[test]
fn auto_connect_on_looks_for_the_device() {
    let engine = engine("[device]\nname = \"No Such Device 7f3a\"\n");
    match engine.connect_input(None) {
        Ok(input) => panic!(
            "opened {} for a device that does not exist",
            input.port_name()
        ),
        Err(err) => {
            eprintln!("auto_connect_on_looks_for_the_device: {err}");
            assert_eq!(err.kind(), ErrorKind::Midi, "{err}");
            assert!(!err.to_string().contains("auto_connect"), "{err}");
        }
    }
}
