//! Fire modes through `conductor --replay`: a press shared with a long press and a
//! double tap fires only when neither happened, and a turbo repeats while held, all at
//! the times the file gives (with `--fast` too).

mod common;

use common::{note_off, note_on, write_mid, Run, Sandbox};
use serde_json::Value;

const CONFIG: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
description = "press"
[modes.mappings.trigger]
type = "Note"
note = 60
[modes.mappings.action]
type = "Host"
name = "press"

[[modes.mappings]]
description = "long"
[modes.mappings.trigger]
type = "LongPress"
note = 60
min_duration_ms = 500
[modes.mappings.action]
type = "Host"
name = "long"

[[modes.mappings]]
description = "double"
[modes.mappings.trigger]
type = "DoubleTap"
note = 60
max_interval_ms = 300
[modes.mappings.action]
type = "Host"
name = "double"

[[modes.mappings]]
description = "turbo"
trigger = { Turbo = { note = 48, interval_ms = 100 } }
action = { Host = { name = "turbo" } }
"#;

/// `(action, timestamp in ms, velocity)` of every JSON line.
fn actions(run: &Run) -> Vec<(String, u64, u64)> {
    run.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}\n{run}"));
            (
                v["action"].as_str().unwrap().to_string(),
                v["context"]["timestamp_us"].as_u64().unwrap() / 1_000,
                v["context"]["velocity"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn replayed_gestures_fire_exclusively_and_turbo_repeats_while_held() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", CONFIG);
    let ms = |t: u64| t * 1_000;
    write_mid(
        &sandbox.join("gestures.mid"),
        &[
            // A short tap, alone: the press, once the double-tap window has passed
            // (1 µs after 300 ms), with the press velocity 40.
            (ms(0), note_on(60, 40)),
            (ms(100), note_off(60)),
            // A long hold: the long press only, at 1000 + 500.
            (ms(1_000), note_on(60, 50)),
            (ms(1_800), note_off(60)),
            // A double tap: the double tap only.
            (ms(3_000), note_on(60, 60)),
            (ms(3_050), note_off(60)),
            (ms(3_200), note_on(60, 70)),
            (ms(3_250), note_off(60)),
            // Turbo held for 250 ms: the press and repeats at 100 and 200.
            (ms(5_000), note_on(48, 80)),
            (ms(5_250), note_off(48)),
        ],
    );
    for fast in [true, false] {
        let mut args = vec!["--config", "config.toml", "--replay", "gestures.mid"];
        if fast {
            args.push("--fast");
        }
        let run = Run::of(sandbox.conductor().args(args));
        run.success();
        assert_eq!(
            actions(&run),
            [
                ("press".to_string(), 300, 40),
                ("long".to_string(), 1_500, 50),
                ("double".to_string(), 3_200, 70),
                ("turbo".to_string(), 5_000, 80),
                ("turbo".to_string(), 5_100, 80),
                ("turbo".to_string(), 5_200, 80),
            ],
            "fast = {fast}\n{run}"
        );
    }
}
