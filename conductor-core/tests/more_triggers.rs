//! Triggers beyond notes and plain CCs, through `Engine::process`: polyphonic
//! aftertouch (in Conductor's `Aftertouch` form too), transport and clock, SysEx and raw
//! byte patterns with wildcards, 14-bit CC pairs, NRPN and RPN; plus the load errors
//! for gamepad triggers and bad patterns, and Conductor's `VelocityRange` bands without
//! a `level`.

use std::path::Path;

use conductor_core::{Engine, EngineOptions};

/// An engine whose mappings are `(description, trigger)` pairs, each a host action.
fn engine(triggers: &[(&str, &str)]) -> Engine {
    let mut text = String::from("[[modes]]\nname = \"Default\"\n");
    for (name, trigger) in triggers {
        text.push_str(&format!(
            "[[modes.mappings]]\ndescription = \"{name}\"\ntrigger = {trigger}\n\
             action = {{ Host = {{ name = \"{name}\" }} }}\n"
        ));
    }
    Engine::from_toml(&text, Path::new("."), EngineOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The descriptions of what `bytes` fire.
fn fires(e: &Engine, bytes: &[u8]) -> Vec<String> {
    e.process(bytes, 0)
        .unwrap()
        .iter()
        .map(|f| f.description.clone().unwrap_or_default())
        .collect()
}

fn load_error(trigger: &str) -> String {
    let text = format!(
        "[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = {trigger}\n\
         action = {{ Host = {{ name = \"x\" }} }}\n"
    );
    Engine::from_toml(&text, Path::new("."), EngineOptions::default())
        .err()
        .unwrap_or_else(|| panic!("{trigger} loaded"))
        .to_string()
}

#[test]
fn poly_aftertouch_per_key_with_a_pressure_window() {
    let e = engine(&[
        // Conductor's form: `Aftertouch` with a note is per-key pressure.
        (
            "pad 1 soft",
            "{ type = \"Aftertouch\", note = 1, min_pressure = 1, max_pressure = 64 }",
        ),
        (
            "pad 1 hard",
            "{ PolyAftertouch = { note = 1, pressure_min = 65 } }",
        ),
        ("channel", "{ Aftertouch = { pressure_min = 10 } }"),
    ]);
    assert_eq!(fires(&e, &[0xA0, 1, 30]), ["pad 1 soft", "channel"]);
    assert_eq!(fires(&e, &[0xA0, 1, 100]), ["pad 1 hard", "channel"]);
    assert_eq!(fires(&e, &[0xA0, 2, 100]), ["channel"], "another key");
    assert_eq!(fires(&e, &[0xD0, 100]), ["channel"], "channel pressure");
    let ctx = &e.process(&[0xA3, 1, 30], 0).unwrap()[0].context;
    assert_eq!(
        (ctx.note, ctx.velocity, ctx.channel),
        (Some(1), Some(30), Some(3))
    );
}

#[test]
fn transport_start_stop_continue() {
    let e = engine(&[
        ("start", "{ Transport = { event = \"Start\" } }"),
        ("stop", "{ Stop = {} }"),
        ("any", "{ Transport = {} }"),
    ]);
    assert_eq!(fires(&e, &[0xFA]), ["start", "any"]);
    assert_eq!(fires(&e, &[0xFC]), ["stop", "any"]);
    assert_eq!(fires(&e, &[0xFB]), ["any"]);
    assert!(fires(&e, &[0xF8]).is_empty());
}

#[test]
fn clock_fires_every_nth_tick_from_start_even_inside_other_messages() {
    let e = engine(&[("beat", "{ Clock = { every = 24 } }")]);
    let mut beats = 0;
    for _ in 0..48 {
        beats += fires(&e, &[0xF8]).len();
    }
    assert_eq!(beats, 2, "ticks 1 and 25");
    // Start counts again from the next tick.
    assert!(fires(&e, &[0xFA]).is_empty());
    assert_eq!(fires(&e, &[0xF8]), ["beat"]);
    // A real-time clock byte in the middle of a note-on still counts.
    let mut count = 0;
    for _ in 0..24 {
        count += fires(&e, &[0x90, 0xF8, 60, 100]).len();
    }
    assert_eq!(count, 1, "the 25th tick after start is the next beat");
}

#[test]
fn sysex_patterns_with_wildcards() {
    let e = engine(&[
        (
            "identity reply",
            "{ SysEx = { pattern = \"F0 7E ?? 06 02 * F7\" } }",
        ),
        ("any roland", "{ SysEx = { pattern = \"41 *\" } }"),
    ]);
    assert_eq!(
        fires(&e, &[0xF0, 0x7E, 0x10, 0x06, 0x02, 0x41, 0x01, 0xF7]),
        ["identity reply"]
    );
    assert_eq!(fires(&e, &[0xF0, 0x41, 0x10, 0x42, 0xF7]), ["any roland"]);
    assert!(fires(&e, &[0xF0, 0x7E, 0x10, 0x06, 0x01, 0xF7]).is_empty());
}

#[test]
fn raw_patterns_match_wire_bytes_with_nibble_wildcards() {
    let e = engine(&[
        (
            "note-on 60 any channel",
            "{ Raw = { pattern = \"9? 3C ??\" } }",
        ),
        ("cc 7 on channel 2", "{ Raw = { pattern = \"B1 07 ??\" } }"),
        ("stop", "{ Raw = { pattern = \"FC\" } }"),
    ]);
    assert_eq!(fires(&e, &[0x95, 60, 1]), ["note-on 60 any channel"]);
    assert_eq!(fires(&e, &[0xB1, 7, 99]), ["cc 7 on channel 2"]);
    assert!(fires(&e, &[0xB0, 7, 99]).is_empty());
    assert_eq!(fires(&e, &[0xFC]), ["stop"]);
}

#[test]
fn cc14_pairs_msb_and_lsb_into_one_value() {
    let e = engine(&[
        ("low half", "{ CC14 = { cc = 1, value_max = 8191 } }"),
        (
            "high half",
            "{ CC14 = { cc = 1, value_min = 8192, channel = 0 } }",
        ),
    ]);
    // MSB alone fires nothing; the LSB completes 64 << 7 | 3 = 8195.
    assert!(fires(&e, &[0xB0, 1, 64]).is_empty());
    assert_eq!(fires(&e, &[0xB0, 33, 3]), ["high half"]);
    // Another LSB alone combines with the remembered MSB.
    assert_eq!(fires(&e, &[0xB0, 33, 4]), ["high half"]);
    assert!(fires(&e, &[0xB0, 1, 10]).is_empty());
    assert_eq!(fires(&e, &[0xB0, 33, 0]), ["low half"]);
    // Channel 2 has no MSB yet: an LSB there completes nothing.
    assert!(fires(&e, &[0xB1, 33, 0]).is_empty());
}

#[test]
fn nrpn_and_rpn_data_entry() {
    let e = engine(&[
        ("nrpn 1/8", "{ NRPN = { msb = 1, lsb = 8 } }"),
        (
            "pitch bend range",
            "{ RPN = { parameter = 0, value_min = 256 } }",
        ),
    ]);
    assert!(fires(&e, &[0xB0, 99, 1]).is_empty());
    assert!(fires(&e, &[0xB0, 98, 8]).is_empty());
    assert_eq!(
        fires(&e, &[0xB0, 6, 64]),
        ["nrpn 1/8"],
        "coarse value at once"
    );
    assert_eq!(fires(&e, &[0xB0, 38, 5]), ["nrpn 1/8"], "then refined");
    // RPN 0 (pitch bend range) set to 2 semitones: 2 << 7 = 256.
    assert!(fires(&e, &[0xB0, 101, 0, 0xB0, 100, 0]).is_empty());
    assert_eq!(fires(&e, &[0xB0, 6, 2]), ["pitch bend range"]);
    assert!(fires(&e, &[0xB0, 6, 1]).is_empty(), "below the window");
    // The RPN null parameter deselects: data entry then sets nothing.
    assert!(fires(&e, &[0xB0, 101, 127, 0xB0, 100, 127, 0xB0, 6, 2]).is_empty());
}

#[test]
fn velocity_range_bands_without_a_level_fire_on_every_velocity() {
    let e = engine(&[(
        "pad",
        "{ type = \"VelocityRange\", note = 0, soft_max = 40, medium_max = 80 }",
    )]);
    for v in [1, 40, 41, 81, 127] {
        assert_eq!(fires(&e, &[0x90, 0, v]), ["pad"], "velocity {v}");
    }
}

#[test]
fn gamepad_triggers_are_refused_naming_the_alternative() {
    for trigger in [
        "{ type = \"GamepadButton\", button = 128 }",
        "{ GamepadAnalogStick = { axis = 128 } }",
        "{ type = \"GamepadTrigger\", trigger = 132, threshold = 64 }",
    ] {
        let err = load_error(trigger);
        assert!(err.contains("gamepad input is not supported"), "{err}");
        assert!(err.contains("`Note` / `CC` triggers"), "{err}");
        assert!(err.contains("line 4"), "{err}");
    }
}

#[test]
fn bad_patterns_and_values_are_refused_with_the_fix() {
    let err = load_error("{ SysEx = { pattern = \"F0 7G\" } }");
    assert!(err.contains("`7G`") && err.contains("hex digit"), "{err}");
    let err = load_error("{ Raw = { pattern = \"F0 123\" } }");
    assert!(err.contains("two hex digits"), "{err}");
    let err = load_error("{ SysEx = { pattern = \"90 3C\" } }");
    assert!(err.contains("`Raw` trigger"), "{err}");
    let err = load_error("{ CC14 = { cc = 40 } }");
    assert!(err.contains("0..=31"), "{err}");
    let err = load_error("{ NRPN = { parameter = 1, msb = 0 } }");
    assert!(err.contains("`msb` and `lsb`"), "{err}");
    let err = load_error("{ Clock = { every = 0 } }");
    assert!(err.contains("`every`"), "{err}");
    let err = load_error("{ Transport = { event = \"Pause\" } }");
    assert!(err.contains("\"Start\""), "{err}");
    let err = load_error("{ Start = { channel = 1 } }");
    assert!(err.contains("no `channel`"), "{err}");
}

#[test]
fn tempo_from_clock_fires_when_it_enters_the_window() {
    let e = engine(&[("around 120", "{ Tempo = { min_bpm = 115, max_bpm = 125 } }")]);
    let mut t = 0u64;
    // Clocks every `step` µs, `n` of them; returns how many times the mapping fired.
    let mut clocks = |step: u64, n: usize| -> usize {
        (0..n)
            .map(|_| {
                t += step;
                e.process(&[0xF8], t).unwrap().len()
            })
            .sum()
    };
    // 120 bpm: 500,000 µs a beat, 24 clocks. The first estimate needs 25 clocks.
    assert_eq!(clocks(20_833, 24), 0);
    assert_eq!(clocks(20_833, 1), 1, "entered the window");
    assert_eq!(clocks(20_833, 48), 0, "stays inside: no repeat");
    // 150 bpm leaves the window; back to 120 enters it again.
    assert_eq!(clocks(16_667, 48), 0);
    assert_eq!(clocks(20_833, 48), 1);
}
