//! The triggers beyond notes through `conductor --replay`: a `.mid` file carrying
//! polyphonic aftertouch, transport, clock, SysEx, a 14-bit CC pair and NRPN data entry
//! fires the mappings listening for them, in file order.

mod common;

use common::{Run, Sandbox};
use conductor_core::midi::MidiMessage;
use conductor_tools::smf::SmfWriter;
use serde_json::Value;

const CONFIG: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
[modes.mappings.trigger]
type = "Aftertouch"
note = 36
min_pressure = 64
[modes.mappings.action]
type = "Host"
name = "pressure"

[[modes.mappings]]
trigger = { Transport = { event = "Start" } }
action = { Host = { name = "start" } }

[[modes.mappings]]
trigger = { Stop = {} }
action = { Host = { name = "stop" } }

[[modes.mappings]]
trigger = { Clock = { every = 24 } }
action = { Host = { name = "beat" } }

[[modes.mappings]]
trigger = { SysEx = { pattern = "F0 7E ?? 06 02 * F7" } }
action = { Host = { name = "identity" } }

[[modes.mappings]]
trigger = { Raw = { pattern = "C? 05" } }
action = { Host = { name = "program 5" } }

[[modes.mappings]]
trigger = { CC14 = { cc = 7, value_min = 8192 } }
action = { Host = { name = "volume high" } }

[[modes.mappings]]
trigger = { NRPN = { parameter = 300 } }
action = { Host = { name = "nrpn 300" } }
"#;

#[test]
fn replayed_system_and_paired_messages_fire_their_triggers() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", CONFIG);
    let cc = |controller, value| MidiMessage::ControlChange {
        channel: 0,
        controller,
        value,
    };
    let mut w = SmfWriter::new();
    let mut t = 0;
    let mut at = |w: &mut SmfWriter, m: MidiMessage| {
        t += 1_000;
        w.message(t, m);
    };
    at(
        &mut w,
        MidiMessage::PolyAftertouch {
            channel: 0,
            note: 36,
            pressure: 10,
        },
    );
    at(
        &mut w,
        MidiMessage::PolyAftertouch {
            channel: 0,
            note: 36,
            pressure: 90,
        },
    );
    at(&mut w, MidiMessage::Start);
    for _ in 0..25 {
        at(&mut w, MidiMessage::Clock);
    }
    at(&mut w, MidiMessage::Stop);
    at(
        &mut w,
        MidiMessage::SysEx(vec![0x7E, 0x10, 0x06, 0x02, 0x41, 0x00]),
    );
    at(
        &mut w,
        MidiMessage::ProgramChange {
            channel: 3,
            program: 5,
        },
    );
    at(&mut w, cc(7, 100));
    at(&mut w, cc(39, 1));
    at(&mut w, cc(99, 2));
    at(&mut w, cc(98, 44));
    at(&mut w, cc(6, 1));
    w.save(sandbox.join("system.mid")).unwrap();

    let run = Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        "system.mid",
        "--fast",
    ]));
    run.success();
    let actions: Vec<String> = run
        .stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}\n{run}"));
            v["action"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        actions,
        [
            "pressure",
            "start",
            "beat",
            "beat",
            "stop",
            "identity",
            "program 5",
            "volume high",
            "nrpn 300"
        ],
        "{run}"
    );
}

#[test]
fn replayed_clock_at_120_bpm_fires_a_tempo_trigger_once() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        r#"
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Tempo = { min_bpm = 110, max_bpm = 130 } }
action = { Host = { name = "tempo" } }
[[modes.mappings]]
trigger = { Tempo = { min_bpm = 140 } }
action = { Host = { name = "too fast" } }
"#,
    );
    let mut w = SmfWriter::new();
    w.message(0, MidiMessage::Start);
    // Two bars of 4/4 at 120 bpm: a clock every 500,000 / 24 µs.
    for i in 1..=192u64 {
        w.message(i * 500_000 / 24, MidiMessage::Clock);
    }
    w.save(sandbox.join("clock.mid")).unwrap();
    let run = Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        "clock.mid",
        "--fast",
    ]));
    run.success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run}");
    assert!(lines[0].contains("\"action\":\"tempo\""), "{run}");
}
