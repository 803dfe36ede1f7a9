//! `conductor check` on a config with Conductor's gamepad triggers: refused before
//! anything runs, naming the line, saying gamepad input is not supported and what to
//! use instead.

mod common;

use common::{Run, Sandbox};

#[test]
fn a_gamepad_trigger_fails_check_naming_the_alternative() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        r#"[[modes]]
name = "Default"

[[modes.mappings]]
description = "A button"
[modes.mappings.trigger]
type = "GamepadButton"
button = 128
[modes.mappings.action]
type = "Host"
name = "jump"
"#,
    );
    let run = Run::of(sandbox.conductor().args(["check", "config.toml"]));
    run.failure().stderr_has(&[
        "config.toml",
        "config.toml:7:",
        "gamepad input is not supported",
        "`Note` / `CC` triggers",
    ]);
}
