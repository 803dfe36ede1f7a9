//! Port selection and the behaviour when the MIDI system is unavailable. Real ports are
//! exercised through JACK in `midi_ports_jack.rs`.

use conductor_core::midi::{input_ports, open_input, open_output, output_ports, PortSelector};
use conductor_core::ErrorKind;

#[test]
fn selector_parses_digits_as_an_index_and_anything_else_as_a_name() {
    assert_eq!("0".parse::<PortSelector>().unwrap(), PortSelector::Index(0));
    assert_eq!(
        " 12 ".parse::<PortSelector>().unwrap(),
        PortSelector::Index(12)
    );
    assert_eq!(
        "Launchpad Mini".parse::<PortSelector>().unwrap(),
        PortSelector::Name("Launchpad Mini".into())
    );
    assert_eq!(
        "1a".parse::<PortSelector>().unwrap(),
        PortSelector::Name("1a".into())
    );
    let err = "".parse::<PortSelector>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("port index"), "{err}");
    assert!("99999999999999999999999".parse::<PortSelector>().is_err());
}

#[test]
fn selector_display() {
    assert_eq!(PortSelector::Index(3).to_string(), "#3");
    assert_eq!(PortSelector::Name("nano".into()).to_string(), "\"nano\"");
}

/// Says which branch ran, straight to stderr (past the test harness's capture), so a
/// passing run's log shows it.
fn note(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whatever the machine has, asking for a port that cannot exist gives a MIDI error that
/// either lists the ports or explains that the MIDI system is unavailable and what to do.
#[test]
fn a_port_that_does_not_exist_is_a_clear_error() {
    let selector = PortSelector::Name("no-such-port-9f3e1c".into());
    let err = open_input(&selector, "conductor-test", |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Midi);
    let text = err.to_string();
    // Which branch runs depends on the machine; say which, so a CI log shows it. The
    // branch with real ports is what `midi_ports_jack.rs` holds in CI (through JACK).
    match input_ports() {
        Ok(ports) if ports.is_empty() => {
            note("midi_ports: a MIDI system without input ports: checked the empty list");
            assert!(text.contains("no MIDI input ports"), "{text}");
        }
        Ok(ports) => {
            note(&format!(
                "midi_ports: {} MIDI input port(s): checked the list",
                ports.len()
            ));
            assert!(text.contains("no-such-port-9f3e1c"), "{text}");
            assert!(text.contains(&ports[0].name), "{text}");
        }
        Err(backend) => {
            note(
                "midi_ports: no MIDI system here: checked its error only; real ports are \
                 tested by midi_ports_jack.rs (scripts/test.sh, JACK step)",
            );
            assert_eq!(text, backend.to_string());
            assert!(text.contains("--replay"), "{text}");
            assert!(text.contains("jack") || text.contains("JACK"), "{text}");
        }
    }
    let err = open_output(&selector).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Midi);
    match output_ports() {
        Err(backend) => assert_eq!(err.to_string(), backend.to_string()),
        Ok(ports) if ports.is_empty() => {
            assert!(err.to_string().contains("no MIDI output ports"), "{err}")
        }
        Ok(_) => assert!(err.to_string().contains("no-such-port-9f3e1c"), "{err}"),
    }
}
