//! Performing granted host actions: keystrokes, text and clicks through `enigo`,
//! `Launch` through the program itself or the platform's opener (`open` crate), and
//! `VolumeControl` through the platform's mixer command.
//!
//! Every action runs on one worker thread, in the order the engine fired them, so the
//! engine never waits for typing, and text typed by two mappings never interleaves. A
//! failure is logged as an error naming the action and the reason; the worker and the
//! engine keep running.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use enigo::{Coordinate, Direction, Enigo, Keyboard, Mouse, Settings};

use super::parse::{Perform, Volume, VOLUME_STEP};
use crate::logging::Log;

/// One action for the worker: what to do and how to name it in messages.
struct Job {
    perform: Perform,
    label: String,
}

/// The worker thread that performs host actions, and the way to hand it work.
#[derive(Clone)]
pub(crate) struct Performer {
    queue: Arc<Mutex<Option<Sender<Job>>>>,
    worker: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Performer {
    /// Starts the worker.
    pub(crate) fn start(log: Log) -> Performer {
        let (tx, rx) = channel::<Job>();
        let worker = std::thread::Builder::new()
            .name("conductor-host-actions".into())
            .spawn(move || {
                // Connected on first use, so a config that never types needs no display.
                let mut input: Option<Enigo> = None;
                for job in rx {
                    match perform(&job.perform, &mut input, &log) {
                        Ok(()) => log.debug(&format!("performed {}", job.label)),
                        Err(e) => log.error(&format!("{} not performed: {e}", job.label)),
                    }
                }
                // Dropping the connection releases any key still held.
                drop(input);
            })
            .expect("cannot start the host action thread");
        Performer {
            queue: Arc::new(Mutex::new(Some(tx))),
            worker: Arc::new(Mutex::new(Some(worker))),
        }
    }

    /// Queues an action; `label` names it in messages (`Keystroke "ctrl+c"`).
    pub(crate) fn send(&self, perform: Perform, label: String) {
        let queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = queue.as_ref() {
            let _ = tx.send(Job { perform, label });
        }
    }

    /// Performs what is queued, then stops the worker (actions sent later are dropped).
    pub(crate) fn finish(&self) {
        drop(
            self.queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let worker = self
            .worker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(worker) = worker {
            let _ = worker.join();
        }
    }
}

fn perform(action: &Perform, input: &mut Option<Enigo>, log: &Log) -> Result<(), String> {
    match action {
        Perform::Keystroke {
            modifiers, keys, ..
        } => {
            let enigo = connect(input)?;
            let mut held = Vec::new();
            let mut result = Ok(());
            for m in modifiers {
                result = enigo.key(*m, Direction::Press);
                if result.is_err() {
                    break;
                }
                held.push(*m);
            }
            if result.is_ok() {
                for k in keys {
                    result = enigo.key(*k, Direction::Click);
                    if result.is_err() {
                        break;
                    }
                }
            }
            for m in held.iter().rev() {
                let released = enigo.key(*m, Direction::Release);
                if result.is_ok() {
                    result = released;
                }
            }
            result.map_err(|e| format!("cannot press the keys: {e}"))
        }
        Perform::Text(text) => connect(input)?
            .text(text)
            .map_err(|e| format!("cannot type the text: {e}")),
        Perform::MouseClick { button, at } => {
            let enigo = connect(input)?;
            if let Some((x, y)) = at {
                enigo
                    .move_mouse(*x, *y, Coordinate::Abs)
                    .map_err(|e| format!("cannot move the pointer to ({x}, {y}): {e}"))?;
            }
            enigo
                .button(*button, Direction::Click)
                .map_err(|e| format!("cannot click: {e}"))
        }
        Perform::Launch(app) => launch(app, log),
        Perform::Volume(volume) => set_volume(*volume),
    }
}

/// The input connection, made on first use (and tried again after a failure).
fn connect(input: &mut Option<Enigo>) -> Result<&mut Enigo, String> {
    if input.is_none() {
        let enigo = Enigo::new(&Settings::default()).map_err(|e| {
            format!(
                "cannot simulate keyboard or mouse input: {e}{}",
                display_hint()
            )
        })?;
        *input = Some(enigo);
    }
    Ok(input.as_mut().expect("connected above"))
}

/// Why input simulation may be impossible here, for the error message.
fn display_hint() -> &'static str {
    if cfg!(all(unix, not(target_os = "macos"))) && std::env::var_os("DISPLAY").is_none() {
        " (DISPLAY is not set: keystrokes, text and clicks need an X11 session, or XWayland \
         under Wayland)"
    } else {
        ""
    }
}

/// Starts `app`: a program found on PATH (or given by path) runs directly, as upstream
/// Conductor does on Linux; anything else (a file, a URL, on macOS an application name)
/// goes to the platform's opener. The program is not waited for: it may outlive
/// conductor. A non-zero exit is logged.
fn launch(app: &str, log: &Log) -> Result<(), String> {
    let candidates: Vec<Command> = match program(app) {
        Some(path) => vec![Command::new(path)],
        None => opener_commands(app),
    };
    let mut tried = Vec::new();
    for mut command in candidates {
        let name = command.get_program().to_string_lossy().into_owned();
        command.stdin(Stdio::null()).stdout(std::io::stderr());
        match command.spawn() {
            Ok(mut child) => {
                let (log, app) = (log.clone(), app.to_string());
                std::thread::spawn(move || match child.wait() {
                    Ok(status) if status.success() => {}
                    Ok(status) => log.error(&format!(
                        "Launch \"{app}\": `{name}` failed ({status}); check that it names a \
                         program on PATH, an existing file or a URL"
                    )),
                    Err(e) => log.error(&format!("Launch \"{app}\": `{name}`: {e}")),
                });
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => tried.push(name),
            Err(e) => return Err(format!("cannot start `{name}`: {e}")),
        }
    }
    Err(format!(
        "\"{app}\" is not a program on PATH, and no program to open files and URLs was found \
         (tried {}); install xdg-utils or name a program",
        tried.join(", ")
    ))
}

/// On macOS an application name (not a path or URL) opens with `open -a`, as upstream.
#[cfg(target_os = "macos")]
fn opener_commands(app: &str) -> Vec<Command> {
    if !app.contains('/') && !app.contains(':') {
        let mut c = Command::new("open");
        c.arg("-a").arg(app);
        return vec![c];
    }
    open::commands(app)
}

#[cfg(not(target_os = "macos"))]
fn opener_commands(app: &str) -> Vec<Command> {
    open::commands(app)
}

/// The program `name` stands for: a path to an executable file, or the name of one on
/// PATH.
fn program(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    if path.components().count() > 1 {
        return is_executable(path).then(|| path.to_path_buf());
    }
    find_on_path(name)
}

/// `name` looked up in PATH.
pub(crate) fn find_on_path(name: impl AsRef<OsStr>) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name.as_ref()))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

/// Runs `program args` to the end; a failure carries what it printed on stderr.
fn run(program: &Path, args: &[String]) -> Result<(), String> {
    let line = format!(
        "{} {}",
        program.file_name().unwrap_or_default().to_string_lossy(),
        args.join(" ")
    );
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{line}`: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "`{line}` failed ({}): {}",
        out.status,
        stderr.trim()
    ))
}

/// Linux and BSD: PulseAudio/PipeWire's `pactl` when present (as upstream), else ALSA's
/// `amixer`.
#[cfg(all(unix, not(target_os = "macos")))]
fn set_volume(volume: Volume) -> Result<(), String> {
    let step = VOLUME_STEP;
    if let Some(pactl) = find_on_path("pactl") {
        let args: Vec<String> = match volume {
            Volume::Up => vec!["set-sink-volume".into(), format!("+{step}%")],
            Volume::Down => vec!["set-sink-volume".into(), format!("-{step}%")],
            Volume::Mute => vec!["set-sink-mute".into(), "1".into()],
            Volume::Unmute => vec!["set-sink-mute".into(), "0".into()],
            Volume::Set(v) => vec!["set-sink-volume".into(), format!("{v}%")],
            Volume::SetFromTrigger => vec!["set-sink-volume".into(), "50%".into()],
        };
        let mut full = vec![args[0].clone(), "@DEFAULT_SINK@".into()];
        full.extend_from_slice(&args[1..]);
        return run(&pactl, &full);
    }
    if let Some(amixer) = find_on_path("amixer") {
        let level = match volume {
            Volume::Up => format!("{step}%+"),
            Volume::Down => format!("{step}%-"),
            Volume::Mute => "mute".into(),
            Volume::Unmute => "unmute".into(),
            Volume::Set(v) => format!("{v}%"),
            Volume::SetFromTrigger => "50%".into(),
        };
        return run(
            &amixer,
            &["-q".into(), "sset".into(), "Master".into(), level],
        );
    }
    Err(
        "no mixer command found: VolumeControl needs `pactl` (PulseAudio or PipeWire, Debian \
         package pulseaudio-utils) or `amixer` (ALSA, package alsa-utils) on PATH"
            .into(),
    )
}

/// macOS: AppleScript through `osascript`, as upstream.
#[cfg(target_os = "macos")]
fn set_volume(volume: Volume) -> Result<(), String> {
    let step = VOLUME_STEP;
    let script = match volume {
        Volume::Up => {
            format!("set volume output volume ((output volume of (get volume settings)) + {step})")
        }
        Volume::Down => {
            format!("set volume output volume ((output volume of (get volume settings)) - {step})")
        }
        Volume::Mute => "set volume output muted true".into(),
        Volume::Unmute => "set volume output muted false".into(),
        Volume::Set(v) => format!("set volume output volume {v}"),
        Volume::SetFromTrigger => "set volume output volume 50".into(),
    };
    run(Path::new("/usr/bin/osascript"), &["-e".into(), script])
}

#[cfg(windows)]
fn set_volume(_volume: Volume) -> Result<(), String> {
    let _ = VOLUME_STEP;
    Err(
        "VolumeControl is not supported on Windows yet; map a Keystroke with keys = \
         \"volumeup\", \"volumedown\" or \"mute\" instead"
            .into(),
    )
}
