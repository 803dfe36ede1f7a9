//! Helpers for the end-to-end tests of `conductor` and `conductor-sign`: run the real
//! binaries in a sandbox (a temporary HOME, so nothing touches the user's files), write
//! MIDI files and configs, and assert on what a user would see.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use conductor_core::midi::MidiMessage;
use conductor_tools::smf::SmfWriter;

pub mod child;
#[cfg(feature = "jack")]
pub mod jack;

/// A temporary folder used as HOME (and for the test's files), deleted on drop.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// A fresh sandbox with an empty `home/`.
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("conductor-cli-test-")
            .tempdir()
            .expect("cannot create a temporary directory");
        fs::create_dir(dir.path().join("home")).expect("create home");
        Sandbox { dir }
    }

    /// The sandbox folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The HOME the tools run with.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// `name` inside the sandbox.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` to `name` inside the sandbox and returns the path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent");
        }
        fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Copies `from` to `name` inside the sandbox and returns the new path.
    pub fn copy(&self, from: &Path, name: &str) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent");
        }
        fs::copy(from, &path).unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
        path
    }

    /// `conductor` with HOME set to the sandbox, run from the sandbox folder.
    pub fn conductor(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_conductor"))
    }

    /// `conductor-sign` with HOME set to the sandbox, run from the sandbox folder.
    pub fn conductor_sign(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_conductor-sign"))
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.path());
        sandbox_env(&mut c, &self.home());
        c
    }
}

/// Points everything per-user at `home`: HOME, the XDG folders (module cache, plugin
/// data) and the trust store; drops `CONDUCTOR_PLUGIN_DATA_DIR` (so plugin data goes
/// under `home`) and DEBUG, so a developer's shell does not change the output.
pub fn sandbox_env(c: &mut Command, home: &Path) {
    c.env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("CONDUCTOR_TRUST_STORE")
        .env_remove("CONDUCTOR_PLUGIN_DATA_DIR")
        .env_remove("DEBUG");
}

/// What a finished command printed, with assertions that show everything on failure.
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Runs `command` to completion; a command still running after
    /// [`child::CHILD_LIMIT`] is killed and fails the test with what it printed.
    pub fn of(command: &mut Command) -> Run {
        let line = format!(
            "{} {}",
            Path::new(command.get_program())
                .file_name()
                .unwrap_or(OsStr::new("?"))
                .to_string_lossy(),
            command
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let Output {
            status,
            stdout,
            stderr,
        } = child::output_within(command.stdin(Stdio::null()), child::CHILD_LIMIT);
        Run {
            command: line,
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Asserts exit code 0.
    pub fn success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success\n{self}");
        self
    }

    /// Asserts a non-zero exit code.
    pub fn failure(&self) -> &Self {
        assert!(
            matches!(self.code, Some(c) if c != 0),
            "expected a non-zero exit code\n{self}"
        );
        self
    }

    /// Asserts that stderr contains every one of `parts`.
    pub fn stderr_has(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(self.stderr.contains(p), "stderr lacks {p:?}\n{self}");
        }
        self
    }

    /// Asserts that stdout contains every one of `parts`.
    pub fn stdout_has(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(self.stdout.contains(p), "stdout lacks {p:?}\n{self}");
        }
        self
    }

    /// Asserts that stderr does not contain `part`.
    pub fn stderr_lacks(&self, part: &str) -> &Self {
        assert!(
            !self.stderr.contains(part),
            "stderr should not contain {part:?}\n{self}"
        );
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "$ {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

/// Note on for `note` on MIDI channel 1.
pub fn note_on(note: u8, velocity: u8) -> MidiMessage {
    MidiMessage::NoteOn {
        channel: 0,
        note,
        velocity,
    }
}

/// Note off for `note` on MIDI channel 1.
pub fn note_off(note: u8) -> MidiMessage {
    MidiMessage::NoteOff {
        channel: 0,
        note,
        velocity: 0,
    }
}

/// Writes a Standard MIDI File with `events` (microseconds from the start, message).
pub fn write_mid(path: &Path, events: &[(u64, MidiMessage)]) {
    let mut w = SmfWriter::new();
    for (t, m) in events {
        w.message(*t, m.clone());
    }
    w.save(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Writes `demo.mid` in the sandbox: middle C pressed for a quarter of a second.
pub fn middle_c_mid(sandbox: &Sandbox) -> PathBuf {
    let path = sandbox.join("demo.mid");
    write_mid(&path, &[(0, note_on(60, 100)), (250_000, note_off(60))]);
    path
}

/// A config with one mapping per `(note, action)` pair, in mode "Default".
pub fn config_with(mappings: &[(u8, &str)]) -> String {
    let mut text = String::from("[[modes]]\nname = \"Default\"\n");
    for (note, action) in mappings {
        text.push_str(&format!(
            "[[modes.mappings]]\ntrigger = {{ Note = {{ note = {note} }} }}\naction = {action}\n"
        ));
    }
    text
}

/// A config string path: forward slashes, so TOML needs no escapes on any OS.
pub fn toml_path(path: &Path) -> String {
    path.display().to_string().replace('\\', "/")
}
