//! Fire modes through `Engine::process`, in event time: a plain press that shares its
//! note with a long press or a double tap waits until they are ruled out ("short
//! unless long", "single unless double"), a turbo repeats while held, and a long press
//! reports the velocity of the press.

use std::path::Path;

use conductor_core::engine::Fired;
use conductor_core::{Engine, EngineOptions};

const MS: u64 = 1_000;

fn engine(mappings: &str) -> Engine {
    let text = format!("[[modes]]\nname = \"Default\"\n{mappings}");
    Engine::from_toml(&text, Path::new("."), EngineOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The descriptions of what fired, in order.
fn names(fired: &[Fired]) -> Vec<String> {
    fired
        .iter()
        .map(|f| f.description.clone().unwrap_or_default())
        .collect()
}

/// Runs `events` (`(time in ms, bytes)`) through `process`, then ticks to `end_ms`
/// through every deadline `next_due` names, as a replay does; returns what fired.
fn play(engine: &Engine, events: &[(u64, &[u8])], end_ms: u64) -> Vec<Fired> {
    let mut fired = Vec::new();
    for &(t, bytes) in events {
        while let Some(due) = engine.next_due().filter(|d| *d <= t * MS) {
            fired.extend(engine.tick(due).unwrap());
        }
        fired.extend(engine.process(bytes, t * MS).unwrap());
    }
    while let Some(due) = engine.next_due().filter(|d| *d <= end_ms * MS) {
        fired.extend(engine.tick(due).unwrap());
    }
    fired.extend(engine.tick(end_ms * MS).unwrap());
    fired
}

const SHORT_UNLESS_LONG: &str = r#"
[[modes.mappings]]
description = "press"
trigger = { Note = { note = 60 } }
action = { Host = { name = "press" } }
[[modes.mappings]]
description = "long"
trigger = { LongPress = { note = 60, duration_ms = 500 } }
action = { Host = { name = "long" } }
"#;

#[test]
fn a_long_press_does_not_fire_the_press_mapping() {
    let e = engine(SHORT_UNLESS_LONG);
    // Nothing fires on the press itself: it may become a long press.
    assert!(e.process(&[0x90, 60, 77], 0).unwrap().is_empty());
    let fired = play(&e, &[(800, &[0x80, 60, 0])], 1_000);
    assert_eq!(names(&fired), ["long"]);
    assert_eq!(fired[0].context.velocity, Some(77));
    assert_eq!(fired[0].context.timestamp_us, 500 * MS);
}

#[test]
fn a_short_press_fires_the_press_mapping_on_release_with_the_press_velocity() {
    let e = engine(SHORT_UNLESS_LONG);
    assert!(e.process(&[0x90, 60, 42], 0).unwrap().is_empty());
    let fired = e.process(&[0x80, 60, 9], 200 * MS).unwrap();
    assert_eq!(names(&fired), ["press"]);
    assert_eq!(
        fired[0].context.velocity,
        Some(42),
        "the press, not the release"
    );
    assert_eq!(fired[0].context.note, Some(60));
    assert_eq!(fired[0].context.timestamp_us, 200 * MS);
    // And nothing later: the long press can no longer happen.
    assert!(play(&e, &[], 2_000).is_empty());
}

const SINGLE_UNLESS_DOUBLE: &str = r#"
[[modes.mappings]]
description = "single"
trigger = { Note = { note = 36 } }
action = { Host = { name = "single" } }
[[modes.mappings]]
description = "double"
trigger = { DoubleTap = { note = 36, timeout_ms = 300 } }
action = { Host = { name = "double" } }
"#;

#[test]
fn a_double_tap_fires_only_the_double_tap_mapping() {
    let e = engine(SINGLE_UNLESS_DOUBLE);
    let fired = play(
        &e,
        &[
            (0, &[0x90, 36, 100]),
            (50, &[0x80, 36, 0]),
            (200, &[0x90, 36, 100]),
            (250, &[0x80, 36, 0]),
        ],
        2_000,
    );
    assert_eq!(names(&fired), ["double"]);
}

#[test]
fn a_single_tap_fires_once_the_double_tap_window_has_passed() {
    let e = engine(SINGLE_UNLESS_DOUBLE);
    assert!(e.process(&[0x90, 36, 64], 0).unwrap().is_empty());
    assert!(e.process(&[0x80, 36, 0], 50 * MS).unwrap().is_empty());
    // Still inside the window: a second tap could come.
    assert!(e.tick(300 * MS).unwrap().is_empty());
    assert_eq!(e.next_due(), Some(300 * MS + 1));
    let fired = e.tick(301 * MS).unwrap();
    assert_eq!(names(&fired), ["single"]);
    assert_eq!(fired[0].context.velocity, Some(64));
    // Two taps too far apart are two singles.
    let fired = play(
        &e,
        &[
            (1_000, &[0x90, 36, 10]),
            (1_050, &[0x80, 36, 0]),
            (1_400, &[0x90, 36, 20]),
            (1_450, &[0x80, 36, 0]),
        ],
        3_000,
    );
    assert_eq!(names(&fired), ["single", "single"]);
    assert_eq!(fired[0].context.velocity, Some(10));
    assert_eq!(fired[1].context.velocity, Some(20));
}

#[test]
fn with_both_rivals_a_tap_waits_for_release_and_window() {
    let e = engine(&format!(
        "{SHORT_UNLESS_LONG}\n{}",
        SINGLE_UNLESS_DOUBLE.replace("36", "60")
    ));
    // Short single tap: fires after the window, once.
    let fired = play(&e, &[(0, &[0x90, 60, 90]), (100, &[0x80, 60, 0])], 1_000);
    assert_eq!(names(&fired), ["press", "single"]);
    // Long hold: only the long press.
    let fired = play(
        &e,
        &[(2_000, &[0x90, 60, 90]), (2_900, &[0x80, 60, 0])],
        4_000,
    );
    assert_eq!(names(&fired), ["long"]);
    // Double tap: only the double tap.
    let fired = play(
        &e,
        &[
            (5_000, &[0x90, 60, 90]),
            (5_050, &[0x80, 60, 0]),
            (5_100, &[0x90, 60, 90]),
            (5_150, &[0x80, 60, 0]),
        ],
        6_000,
    );
    assert_eq!(names(&fired), ["double"]);
}

#[test]
fn a_press_without_a_rival_on_its_note_or_in_its_mode_fires_at_once() {
    let e = engine(
        r#"
[[modes.mappings]]
description = "press"
trigger = { Note = { note = 61 } }
action = { Host = { name = "press" } }
[[modes.mappings]]
description = "long on another note"
trigger = { LongPress = { note = 62, duration_ms = 500 } }
action = { Host = { name = "long" } }
[[modes.mappings]]
description = "long on another channel"
trigger = { LongPress = { note = 61, duration_ms = 500, channel = 5 } }
action = { Host = { name = "long" } }
[[modes.mappings]]
description = "press on channel 1"
trigger = { Note = { note = 61, channel = 0 } }
action = { Host = { name = "press" } }
[[modes]]
name = "Other"
[[modes.mappings]]
description = "double in another mode"
trigger = { DoubleTap = { note = 61 } }
action = { Host = { name = "double" } }
"#,
    );
    let fired = e.process(&[0x90, 61, 100], 0).unwrap();
    assert_eq!(names(&fired), ["press", "press on channel 1"]);
}

#[test]
fn a_turbo_fires_on_the_press_then_every_interval_while_held() {
    let e = engine(
        r#"
[[modes.mappings]]
description = "turbo"
trigger = { Turbo = { note = 48, interval_ms = 100, delay_ms = 250 } }
action = { Host = { name = "turbo" } }
"#,
    );
    let fired = e.process(&[0x90, 48, 55], 0).unwrap();
    assert_eq!(names(&fired), ["turbo"]);
    assert!(e.tick(249 * MS).unwrap().is_empty());
    let fired = e.tick(250 * MS).unwrap();
    assert_eq!(fired.len(), 1);
    assert_eq!(
        fired[0].context.velocity,
        Some(55),
        "repeats report the press"
    );
    // A tick that comes late catches up on the repeats it missed, each at its time.
    let late = e.tick(460 * MS).unwrap();
    let times: Vec<u64> = late.iter().map(|f| f.context.timestamp_us).collect();
    assert_eq!(times, [350 * MS, 450 * MS]);
    // Released at 500: no more repeats, and the release itself fires nothing.
    assert!(e.process(&[0x80, 48, 0], 500 * MS).unwrap().is_empty());
    assert!(e.tick(5_000 * MS).unwrap().is_empty());
    // Turbo repeats never appear as deadlines (they last as long as the hold).
    assert_eq!(e.next_due(), None);
}

#[test]
fn a_turbo_below_its_velocity_floor_does_not_start() {
    let e = engine(
        r#"
[[modes.mappings]]
trigger = { Turbo = { note = 48, interval_ms = 100, velocity_min = 50 } }
action = { Host = { name = "turbo" } }
"#,
    );
    assert!(e.process(&[0x90, 48, 49], 0).unwrap().is_empty());
    assert!(e.tick(1_000 * MS).unwrap().is_empty());
}

#[test]
fn a_turbo_without_an_interval_is_refused_naming_the_key() {
    let text = "[[modes]]\nname = \"D\"\n[[modes.mappings]]\n\
                trigger = { Turbo = { note = 48 } }\naction = { Host = { name = \"t\" } }\n";
    let err = Engine::from_toml(text, Path::new("."), EngineOptions::default())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("interval_ms"), "{err}");
}
