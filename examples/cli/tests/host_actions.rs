//! Host actions performed by `conductor` with `--grant HostActions`: keystrokes, text and
//! clicks arrive in a real X window (a virtual X server, Xvfb, with `xev` recording what
//! it receives), `Launch` starts programs and hands files and URLs to `xdg-open`, and
//! `VolumeControl` runs the mixer command. Without the grant nothing is performed and
//! each action stays a JSON line on stdout.
//!
//! Needs the Debian packages xvfb, xdotool and x11-utils (scripts/setup.sh installs
//! them). The programs Launch and VolumeControl run are stand-ins on a test-only PATH,
//! so no real sound card or desktop is touched.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::{child, config_with, note_off, note_on, write_mid, Run, Sandbox};

/// How long to wait for something that should happen at once (an X event, a file a
/// launched program writes) before the test fails: only a guard against hanging.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Writes `notes.mid`: each of `notes` pressed and released in order.
fn notes_mid(sandbox: &Sandbox, notes: &[u8]) {
    let mut events = Vec::new();
    for (i, n) in notes.iter().enumerate() {
        let t = i as u64 * 20_000;
        events.push((t, note_on(*n, 100)));
        events.push((t + 10_000, note_off(*n)));
    }
    write_mid(&sandbox.join("notes.mid"), &events);
}

/// `conductor --config config.toml --replay notes.mid --fast` plus `extra`.
fn replay(sandbox: &Sandbox, extra: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut c = sandbox.conductor();
    c.args(["--config", "config.toml", "--replay", "notes.mid", "--fast"])
        .args(extra)
        .env_remove("DISPLAY");
    for (k, v) in env {
        c.env(k, v);
    }
    Run::of(&mut c)
}

/// What the recording window saw.
#[derive(Debug, Clone, PartialEq, Eq)]
enum XEvent {
    /// A key press, by keysym name (`a`, `Control_L`, `exclam`).
    Key(String),
    /// A button press: button number and position in the window.
    Button(u8, i32, i32),
}

fn key(name: &str) -> XEvent {
    XEvent::Key(name.to_string())
}

/// A virtual X server with one window (`xev`) that has the keyboard focus and records
/// every key and button press it receives. Both are killed on drop.
struct VirtualDisplay {
    xvfb: Child,
    xev: Child,
    display: String,
    events: Receiver<XEvent>,
}

fn spawn(program: &str, command: &mut Command) -> Child {
    command.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot run {program}: {e}; the host action tests need the Debian packages xvfb, \
             xdotool and x11-utils (scripts/setup.sh installs them)"
        )
    })
}

impl VirtualDisplay {
    fn start() -> VirtualDisplay {
        // -displayfd: Xvfb picks a free display and writes its number once it is ready.
        let mut xvfb = spawn(
            "Xvfb",
            Command::new("Xvfb")
                .args(["-displayfd", "1", "-screen", "0", "640x480x24", "-nolisten"])
                .arg("tcp")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        let mut number = String::new();
        BufReader::new(xvfb.stdout.take().expect("piped"))
            .read_line(&mut number)
            .expect("read Xvfb's display number");
        if number.trim().is_empty() {
            let _ = xvfb.kill();
            let mut err = String::new();
            let _ = xvfb.stderr.take().expect("piped").read_to_string(&mut err);
            panic!("Xvfb did not start:\n{err}");
        }
        let display = format!(":{}", number.trim());

        let mut xev = spawn(
            "xev",
            Command::new("xev")
                .args(["-display", &display, "-geometry", "300x300+0+0"])
                .args(["-event", "keyboard", "-event", "button"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let events = parse_xev(xev.stdout.take().expect("piped"));
        let mut screen = VirtualDisplay {
            xvfb,
            xev,
            display,
            events,
        };
        let window = screen.xdotool(&["search", "--sync", "--name", "^Event Tester$"]);
        let window = window.lines().next().expect("xev's window id").to_string();
        screen.xdotool(&["windowfocus", "--sync", &window]);
        screen
    }

    /// Runs `xdotool ARGS` on this display; returns its stdout.
    fn xdotool(&mut self, args: &[&str]) -> String {
        let out = child::output_within(
            Command::new("xdotool")
                .args(args)
                .env("DISPLAY", &self.display)
                .stdin(Stdio::null()),
            child::CHILD_LIMIT,
        );
        assert!(
            out.status.success(),
            "xdotool {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every press the window received from now back to the last call: presses F12 as
    /// a marker (X delivers events in order) and returns what came before it.
    fn received(&mut self) -> Vec<XEvent> {
        self.xdotool(&["key", "F12"]);
        let mut seen = Vec::new();
        let deadline = Instant::now() + HANG_GUARD;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) if e == key("F12") => return seen,
                Ok(e) => seen.push(e),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the window never received the F12 marker; it saw {seen:?}")
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("xev stopped; it saw {seen:?}")
                }
            }
        }
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.xev.kill();
        let _ = self.xev.wait();
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// Reads xev's report: `KeyPress event, ...` then `... (keysym 0x61, a), ...`;
/// `ButtonPress event, ...` then `... (48,58), root:(50,60),` and `... button 3, ...`.
fn parse_xev(stdout: impl Read + Send + 'static) -> Receiver<XEvent> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut kind = None;
        let mut at = (0, 0);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("KeyPress event") {
                kind = Some("key");
            } else if line.starts_with("ButtonPress event") {
                kind = Some("button");
            } else if line.ends_with("event,") || line.is_empty() {
                kind = None;
            }
            match kind {
                Some("key") => {
                    if let Some(rest) = line.split("(keysym ").nth(1) {
                        let name = rest.split(", ").nth(1).unwrap_or("");
                        let name = name.split(')').next().unwrap_or("");
                        let _ = tx.send(XEvent::Key(name.to_string()));
                        kind = None;
                    }
                }
                Some("button") => {
                    if let Some(pos) = line.trim().strip_prefix("root ").and_then(|l| {
                        let inner = l.split(" (").nth(1)?.split(')').next()?;
                        let (x, y) = inner.split_once(',')?;
                        Some((x.trim().parse().ok()?, y.trim().parse().ok()?))
                    }) {
                        at = pos;
                    }
                    if let Some(rest) = line.split("button ").nth(1) {
                        let n = rest.split(',').next().unwrap_or("").trim();
                        if let Ok(n) = n.parse() {
                            let _ = tx.send(XEvent::Button(n, at.0, at.1));
                            kind = None;
                        }
                    }
                }
                _ => {}
            }
        }
    });
    rx
}

/// The config of the X tests: a chord, text, a key with a modifier, a click.
fn typing_config(sandbox: &Sandbox) {
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Keystroke = { keys = "ctrl+a" } }"#),
            (62, r#"{ Text = { text = "hi, you" } }"#),
            (
                64,
                r#"{ Keystroke = { keys = "Tab", modifiers = ["shift"] } }"#,
            ),
            (
                65,
                r#"{ MouseClick = { button = "right", x = 50, y = 60 } }"#,
            ),
        ]),
    );
    notes_mid(sandbox, &[60, 62, 64, 65]);
}

fn typing_run(sandbox: &Sandbox, screen: &VirtualDisplay, grants: &[&str]) -> Run {
    let mut c = sandbox.conductor();
    c.args(["--config", "config.toml", "--replay", "notes.mid", "--fast"])
        .env("DISPLAY", &screen.display);
    for g in grants {
        c.args(["--grant", g]);
    }
    Run::of(&mut c)
}

/// The `action` of each JSON line on stdout.
fn printed_actions(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("stdout line {l:?} is not JSON: {e}\n{run}"));
            v["action"].as_str().unwrap_or("?").to_string()
        })
        .collect()
}

#[test]
fn granted_keystrokes_text_and_clicks_arrive_in_the_focused_window() {
    let sandbox = Sandbox::new();
    typing_config(&sandbox);
    let mut screen = VirtualDisplay::start();

    let run = typing_run(&sandbox, &screen, &["HostActions"]);
    run.success().stderr_has(&[
        "performing host actions Keystroke, Text, MouseClick, Launch, VolumeControl (high risk",
        "(--grant HostActions)",
    ]);
    assert_eq!(printed_actions(&run), Vec::<String>::new(), "{run}");
    let got = screen.received();
    let keys: Vec<XEvent> = got
        .iter()
        .filter(|e| matches!(e, XEvent::Key(_)))
        .cloned()
        .collect();
    // ctrl+a is a chord: Control held while a is pressed; then the text (characters
    // of the keyboard's own map: a character that is not on it is typed through a
    // keycode remapped for the moment, which a window may read before or after the
    // remapping, so a test cannot rely on it); then
    // shift+Tab (which X reports as ISO_Left_Tab).
    let text: Vec<String> = keys
        .iter()
        .filter_map(|e| match e {
            XEvent::Key(k) if !k.starts_with("Shift") => Some(k.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        text,
        [
            "Control_L",
            "a",
            "h",
            "i",
            "comma",
            "space",
            "y",
            "o",
            "u",
            "ISO_Left_Tab"
        ],
        "what the window received: {got:?}\n{run}"
    );
    assert!(
        keys.contains(&key("Shift_L")),
        "shift was never pressed: {got:?}"
    );
    let clicks: Vec<&XEvent> = got
        .iter()
        .filter(|e| matches!(e, XEvent::Button(..)))
        .collect();
    assert_eq!(clicks.len(), 1, "one click: {got:?}");
    let XEvent::Button(button, x, y) = clicks[0] else {
        unreachable!()
    };
    assert_eq!(*button, 3, "the right button: {got:?}");
    // At (50, 60) on the screen; the window's border makes it (48, 58) inside it.
    assert!(
        (45..=50).contains(x) && (55..=60).contains(y),
        "clicked at {x},{y} in the window, not near (50, 60) on the screen"
    );
}

#[test]
fn without_the_grant_nothing_is_typed_and_each_action_is_a_json_line() {
    let sandbox = Sandbox::new();
    typing_config(&sandbox);
    let mut screen = VirtualDisplay::start();

    let run = typing_run(&sandbox, &screen, &[]);
    run.success().stderr_lacks("performing host actions");
    assert_eq!(
        printed_actions(&run),
        ["Keystroke", "Text", "Keystroke", "MouseClick"],
        "{run}"
    );
    assert_eq!(screen.received(), vec![], "nothing may be typed\n{run}");

    // A grant for one kind performs that kind only; the others stay JSON lines.
    let run = typing_run(&sandbox, &screen, &["HostActions:Text"]);
    run.success().stderr_has(&[
        "performing host actions Text (high risk",
        "--grant HostActions:Text)",
    ]);
    assert_eq!(
        printed_actions(&run),
        ["Keystroke", "Keystroke", "MouseClick"],
        "{run}"
    );
    let typed: Vec<XEvent> = screen
        .received()
        .into_iter()
        .filter(|e| !matches!(e, XEvent::Key(k) if k.starts_with("Shift")))
        .collect();
    let text = ["h", "i", "comma", "space", "y", "o", "u"];
    assert_eq!(typed, text.map(key), "{run}");
}

#[test]
fn without_a_display_input_actions_fail_with_a_reason_and_the_run_goes_on() {
    let sandbox = Sandbox::new();
    let bin = tool_dir(&sandbox, &[("pactl", "echo \"$@\" >> \"$LOG\"")]);
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Keystroke = { keys = "space" } }"#),
            (62, r#"{ VolumeControl = { operation = "Mute" } }"#),
        ]),
    );
    notes_mid(&sandbox, &[60, 62]);
    let log = sandbox.join("pactl.log");
    let run = replay(
        &sandbox,
        &["--grant", "HostActions"],
        &[("PATH", &bin), ("LOG", &log)],
    );
    run.success().stderr_has(&[
        "DISPLAY is not set, so Keystroke, Text and MouseClick actions will fail",
        "Keystroke {\"keys\":\"space\"} not performed: cannot simulate keyboard or mouse input",
    ]);
    // The action after the failed one was still performed.
    assert_eq!(
        fs::read_to_string(&log).unwrap_or_default(),
        "set-sink-mute @DEFAULT_SINK@ 1\n",
        "{run}"
    );
}

/// A folder of stand-in programs (`name`, shell script body) to use as the whole PATH.
fn tool_dir(sandbox: &Sandbox, tools: &[(&str, &str)]) -> PathBuf {
    let dir = sandbox.join("bin");
    fs::create_dir_all(&dir).expect("create bin");
    for (name, body) in tools {
        let path = sandbox.write(&format!("bin/{name}"), &format!("#!/bin/sh\n{body}\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }
    dir
}

/// Waits for `path` to hold a line (written by a launched program, which conductor does
/// not wait for).
fn wait_for_file(path: &Path, run: &Run) -> String {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        if let Ok(text) = fs::read_to_string(path) {
            if text.ends_with('\n') {
                return text;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} was never written\n{run}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn launch_runs_a_program_or_hands_a_url_to_xdg_open() {
    let sandbox = Sandbox::new();
    let bin = tool_dir(
        &sandbox,
        &[
            ("fake-app", "echo started > \"$OUT/app\""),
            ("xdg-open", "echo \"$1\" > \"$OUT/opened\""),
        ],
    );
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Launch = { app = "fake-app" } }"#),
            (62, r#"{ Launch = { app = "https://example.org/a b" } }"#),
        ]),
    );
    notes_mid(&sandbox, &[60, 62]);
    let out = sandbox.path().to_path_buf();
    let run = replay(
        &sandbox,
        &["--grant", "HostActions:Launch"],
        &[("PATH", &bin), ("OUT", &out)],
    );
    run.success()
        .stderr_has(&["performing host actions Launch"]);
    assert_eq!(printed_actions(&run), Vec::<String>::new(), "{run}");
    assert_eq!(wait_for_file(&sandbox.join("app"), &run), "started\n");
    assert_eq!(
        wait_for_file(&sandbox.join("opened"), &run),
        "https://example.org/a b\n"
    );
}

#[test]
fn launch_without_the_program_or_an_opener_is_an_error_and_the_run_goes_on() {
    let sandbox = Sandbox::new();
    let bin = tool_dir(&sandbox, &[("fake-app", "echo started > \"$OUT/app\"")]);
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Launch = { app = "Safari" } }"#),
            (62, r#"{ Launch = { app = "fake-app" } }"#),
        ]),
    );
    notes_mid(&sandbox, &[60, 62]);
    let out = sandbox.path().to_path_buf();
    let run = replay(
        &sandbox,
        &["--grant", "HostActions"],
        &[("PATH", &bin), ("OUT", &out)],
    );
    run.success().stderr_has(&[
        "Launch {\"app\":\"Safari\"} not performed: \"Safari\" is not a program on PATH, and no \
         program to open files and URLs was found (tried xdg-open",
    ]);
    assert_eq!(wait_for_file(&sandbox.join("app"), &run), "started\n");
}

#[test]
fn volume_control_runs_pactl_or_else_amixer_or_says_neither_is_there() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ VolumeControl = { operation = "Up" } }"#),
            (61, r#"{ VolumeControl = { operation = "down" } }"#),
            (
                62,
                r#"{ VolumeControl = { operation = "Set", value = 40 } }"#,
            ),
            (63, r#"{ VolumeControl = { operation = "Mute" } }"#),
            (64, r#"{ VolumeControl = { operation = "Unmute" } }"#),
        ]),
    );
    notes_mid(&sandbox, &[60, 61, 62, 63, 64]);
    let log = sandbox.join("mixer.log");
    let grant = ["--grant", "HostActions:VolumeControl"];

    // PulseAudio / PipeWire first, as upstream.
    let bin = tool_dir(
        &sandbox,
        &[
            ("pactl", "echo \"pactl $@\" >> \"$LOG\""),
            ("amixer", "echo \"amixer $@\" >> \"$LOG\""),
        ],
    );
    let run = replay(&sandbox, &grant, &[("PATH", &bin), ("LOG", &log)]);
    run.success();
    assert_eq!(
        fs::read_to_string(&log).unwrap_or_default(),
        "pactl set-sink-volume @DEFAULT_SINK@ +10%\n\
         pactl set-sink-volume @DEFAULT_SINK@ -10%\n\
         pactl set-sink-volume @DEFAULT_SINK@ 40%\n\
         pactl set-sink-mute @DEFAULT_SINK@ 1\n\
         pactl set-sink-mute @DEFAULT_SINK@ 0\n",
        "{run}"
    );

    // ALSA when there is no pactl.
    fs::remove_file(bin.join("pactl")).expect("remove pactl");
    fs::remove_file(&log).expect("remove log");
    let run = replay(&sandbox, &grant, &[("PATH", &bin), ("LOG", &log)]);
    run.success();
    assert_eq!(
        fs::read_to_string(&log).unwrap_or_default(),
        "amixer -q sset Master 10%+\n\
         amixer -q sset Master 10%-\n\
         amixer -q sset Master 40%\n\
         amixer -q sset Master mute\n\
         amixer -q sset Master unmute\n",
        "{run}"
    );

    // A mixer that fails (no sound card): its message, once per action.
    sandbox.write(
        "bin/amixer",
        "#!/bin/sh\necho \"amixer: Unable to find simple control 'Master',0\" >&2\nexit 1\n",
    );
    let run = replay(&sandbox, &grant, &[("PATH", &bin), ("LOG", &log)]);
    run.success();
    assert_eq!(
        run.stderr
            .matches("failed (exit status: 1): amixer: Unable to find simple control")
            .count(),
        5,
        "{run}"
    );

    // Neither: a clear error per action, and the run ends normally.
    fs::remove_file(bin.join("amixer")).expect("remove amixer");
    let run = replay(&sandbox, &grant, &[("PATH", &bin)]);
    run.success();
    assert_eq!(
        run.stderr
            .matches("no mixer command found: VolumeControl needs `pactl`")
            .count(),
        5,
        "{run}"
    );
}

#[test]
fn volume_set_without_a_value_follows_a_fader_as_upstream_templates_expect() {
    let sandbox = Sandbox::new();
    let mut config = config_with(&[(60, r#"{ VolumeControl = { operation = "Set" } }"#)]);
    config.push_str(
        "[[modes.mappings]]\ntrigger = { CC = { cc = 7 } }\n\
         action = { VolumeControl = { operation = \"Set\" } }\n",
    );
    sandbox.write("config.toml", &config);
    let cc = |value| conductor_core::midi::MidiMessage::ControlChange {
        channel: 0,
        controller: 7,
        value,
    };
    write_mid(
        &sandbox.join("notes.mid"),
        &[
            (0, cc(127)),
            (10_000, cc(64)),
            (20_000, cc(0)),
            (30_000, note_on(60, 100)),
        ],
    );
    let log = sandbox.join("mixer.log");
    let bin = tool_dir(&sandbox, &[("pactl", "echo \"$@\" >> \"$LOG\"")]);
    let run = replay(
        &sandbox,
        &["--grant", "HostActions:VolumeControl"],
        &[("PATH", &bin), ("LOG", &log)],
    );
    run.success();
    // The fader's 0-127 becomes 0-100 %; a note has no level, so 50 % (upstream's default).
    assert_eq!(
        fs::read_to_string(&log).unwrap_or_default(),
        "set-sink-volume @DEFAULT_SINK@ 100%\n\
         set-sink-volume @DEFAULT_SINK@ 50%\n\
         set-sink-volume @DEFAULT_SINK@ 0%\n\
         set-sink-volume @DEFAULT_SINK@ 50%\n",
        "{run}"
    );
}

#[test]
fn actions_conductor_cannot_perform_fail_before_any_input_is_read() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Keystroke = { keys = "ctrl+Spce" } }"#),
            (
                62,
                r#"{ VolumeControl = { operation = "Set", value = 150 } }"#,
            ),
        ]),
    );
    notes_mid(&sandbox, &[60, 62]);
    let run = replay(&sandbox, &["--grant", "HostActions"], &[]);
    run.failure().stderr_has(&[
        "2 host actions cannot be performed (--grant HostActions)",
        "mapping Note → Keystroke at line 3: unknown key name \"Spce\"; use a single character",
        "mapping Note → VolumeControl at line 6: `value` must be a percentage from 0 to 100, \
         not 150",
    ]);
    assert_eq!(printed_actions(&run), Vec::<String>::new(), "{run}");

    // `fn` cannot be pressed by software: upstream ignores it, so it is left out with a
    // warning rather than refused.
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Keystroke = { keys = "ctrl+Spce" } }"#),
            (
                62,
                r#"{ VolumeControl = { operation = "Set", value = 150 } }"#,
            ),
            (64, r#"{ Keystroke = { keys = "fn", modifiers = [] } }"#),
        ]),
    );
    let run = replay(&sandbox, &["--grant", "HostActions:Text"], &[]);
    run.success();
    let run = replay(&sandbox, &["--grant", "HostActions:Keystroke"], &[]);
    run.failure()
        .stderr_has(&["1 host action cannot be performed"]);
    sandbox.write(
        "config.toml",
        &config_with(&[(64, r#"{ Keystroke = { keys = "fn", modifiers = [] } }"#)]),
    );
    let run = replay(&sandbox, &["--grant", "HostActions:Keystroke"], &[]);
    run.success().stderr_has(&[
        "mapping Note → Keystroke at line 3: the fn key is left out of the Keystroke: no \
         software can press it",
    ]);
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Keystroke = { keys = "ctrl+Spce" } }"#),
            (
                62,
                r#"{ VolumeControl = { operation = "Set", value = 150 } }"#,
            ),
        ]),
    );

    // Only the granted kinds are checked; without a grant they stay JSON lines as before.
    let run = replay(&sandbox, &["--grant", "HostActions:Keystroke"], &[]);
    run.failure()
        .stderr_has(&["1 host action cannot be performed"]);
    let run = replay(&sandbox, &[], &[]);
    run.success();
    assert_eq!(
        printed_actions(&run),
        ["Keystroke", "VolumeControl"],
        "{run}"
    );
}

#[test]
fn an_unknown_host_action_kind_in_grant_is_a_usage_error() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", &config_with(&[]));
    notes_mid(&sandbox, &[60]);
    let run = replay(&sandbox, &["--grant", "HostActions:Typing"], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    run.stderr_has(&[
        "unknown host action kind \"Typing\"",
        "Keystroke, Text, MouseClick, Launch, VolumeControl",
    ]);
}
