//! Running commands (capability `Subprocess`: the user must approve it explicitly).
//! The command is an argv, never a shell string; it is killed at its timeout.
//!
//! ```no_run
//! use conductor_plugin::process;
//! # fn main() -> Result<(), conductor_plugin::HostError> {
//! let output = process::run(&["echo", "hello"])?;
//! assert_eq!(output.stdout_text(), "hello\n");
//! # Ok(()) }
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::HostError;
use crate::{result, sys};

/// A command to run: a program and its arguments, optional input and timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    argv: Vec<String>,
    stdin: Vec<u8>,
    timeout: Option<Duration>,
}

impl Command {
    /// A command running `program` (looked up in the host's `PATH`).
    pub fn new(program: impl Into<String>) -> Self {
        Self {
            argv: vec![program.into()],
            stdin: Vec::new(),
            timeout: None,
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.argv.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.argv.extend(args.into_iter().map(Into::into));
        self
    }

    /// Bytes written to the command's standard input (default: none).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = input.into();
        self
    }

    /// How long it may run before it is killed. Never longer than what is left of the
    /// plugin's own timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs it and waits for it to finish. A command that exits non-zero is still
    /// `Ok`: look at [`Output::success`]. Fails with
    /// [`HostErrorKind::Timeout`](crate::HostErrorKind::Timeout) when it was killed at
    /// the timeout, [`HostErrorKind::Io`](crate::HostErrorKind::Io) when it cannot be
    /// started, [`HostErrorKind::Denied`](crate::HostErrorKind::Denied) without the
    /// Subprocess grant.
    pub fn run(&self) -> Result<Output, HostError> {
        #[derive(Serialize)]
        struct Head<'a> {
            argv: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            timeout_ms: Option<u64>,
        }
        let head = Head {
            argv: &self.argv,
            timeout_ms: self
                .timeout
                .map(|t| t.as_millis().min(u64::MAX as u128) as u64),
        };
        let head = serde_json::to_vec(&head).expect("the command serialises");
        // SAFETY: both pointer/length pairs describe live buffers for the call.
        let code = unsafe {
            sys::process_run(
                head.as_ptr(),
                head.len(),
                self.stdin.as_ptr(),
                self.stdin.len(),
            )
        };
        result::check(code)?;
        let bytes = result::take();
        let (head, payload): (OutputHead, &[u8]) = result::split_framed(&bytes)?;
        let split = head.stdout_len.min(payload.len());
        Ok(Output {
            exit_code: head.exit_code,
            signal: head.signal,
            success: head.success,
            stdout: payload[..split].to_vec(),
            stderr: payload[split..].to_vec(),
            truncated: head.truncated,
        })
    }
}

#[derive(Deserialize)]
struct OutputHead {
    exit_code: Option<i32>,
    signal: Option<i32>,
    success: bool,
    stdout_len: usize,
    truncated: bool,
}

/// What a finished command left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Its exit code, when it exited normally.
    pub exit_code: Option<i32>,
    /// The signal that ended it (Unix), if any.
    pub signal: Option<i32>,
    /// Whether it exited with code 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
    /// Whether output past the host's cap was dropped.
    pub truncated: bool,
}

impl Output {
    /// Standard output as text (invalid UTF-8 is replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (invalid UTF-8 is replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs `argv[0]` with the rest as arguments; see [`Command::run`].
pub fn run(argv: &[&str]) -> Result<Output, HostError> {
    let (program, args) = argv
        .split_first()
        .map(|(p, a)| (*p, a))
        .unwrap_or(("", &[]));
    Command::new(program).args(args.iter().copied()).run()
}
