//! A long press that fires while its key is held reports the press that started it:
//! the note-on's velocity and channel, not a made-up note-off.

use std::path::Path;

use conductor_core::{Engine, EngineOptions};

const HELD: &str = r#"
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { LongPress = { note = 60, duration_ms = 500 } }
action = { Keystroke = { keys = "space" } }
"#;

#[test]
fn a_long_press_fired_by_time_reports_the_press_velocity_and_channel() {
    let engine = Engine::from_toml(HELD, Path::new("."), EngineOptions::default()).unwrap();
    // Note on, channel 3 (0-based 2), velocity 93; still held when the time passes.
    assert!(engine.process(&[0x92, 60, 93], 0).unwrap().is_empty());
    assert!(engine.tick(499_000).unwrap().is_empty());
    let fired = engine.tick(500_000).unwrap();
    assert_eq!(fired.len(), 1);
    let context = &fired[0].context;
    assert_eq!(context.trigger, "LongPress");
    assert_eq!(context.note, Some(60));
    assert_eq!(context.velocity, Some(93));
    assert_eq!(context.channel, Some(2));
    // The release afterwards fires nothing more.
    assert!(engine.process(&[0x82, 60, 0], 700_000).unwrap().is_empty());
}
