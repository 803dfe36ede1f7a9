//! Plugin stdout/stderr (and `conductor.log`): forwarded line by line to the log sink,
//! within one output budget per call.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::log::{LogLevel, LogRecord, LogSource, SharedLogSink};

/// Which of the plugin's two output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// The marker written once per call when a plugin exceeds its output budget.
pub(crate) const TRUNCATION_MARKER: &str = "[output truncated: per-call limit reached]";

/// The bytes a plugin may send to the log per call, shared by every output path:
/// stdout, stderr and `conductor.log`. Clones share one count.
#[derive(Clone)]
pub(crate) struct OutputBudget(Arc<Mutex<BudgetState>>);

struct BudgetState {
    limit: usize,
    used: usize,
    /// Whether the marker was written this call.
    marked: bool,
}

impl OutputBudget {
    pub(crate) fn new(limit: usize) -> Self {
        Self(Arc::new(Mutex::new(BudgetState {
            limit,
            used: 0,
            marked: false,
        })))
    }

    fn with<R>(&self, f: impl FnOnce(&mut BudgetState) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Bytes still allowed this call.
    pub(crate) fn room(&self) -> usize {
        self.with(|b| b.limit.saturating_sub(b.used))
    }

    /// Takes up to `want` bytes. Returns how many were granted and, when that is fewer,
    /// whether the caller is the first this call to be cut (and so writes the marker).
    fn take(&self, want: usize) -> (usize, bool) {
        self.with(|b| {
            let granted = want.min(b.limit.saturating_sub(b.used));
            b.used += granted;
            let first_cut = granted < want && !std::mem::replace(&mut b.marked, true);
            (granted, first_cut)
        })
    }

    fn reset(&self) {
        self.with(|b| {
            b.used = 0;
            b.marked = false;
        });
    }
}

impl From<usize> for OutputBudget {
    fn from(limit: usize) -> Self {
        Self::new(limit)
    }
}

struct State {
    plugin: String,
    stream: Stream,
    sink: SharedLogSink,
    /// Bytes of a line not yet terminated by `\n`.
    partial: Vec<u8>,
    /// The per-call budget, shared with the plugin's other output paths.
    budget: OutputBudget,
}

impl State {
    fn accept(&mut self, bytes: &[u8]) {
        let (granted, first_cut) = self.budget.take(bytes.len());
        let cut = granted < bytes.len();
        for chunk in bytes[..granted].split_inclusive(|b| *b == b'\n') {
            if chunk.ends_with(b"\n") {
                self.partial.extend_from_slice(&chunk[..chunk.len() - 1]);
                self.emit_partial();
            } else {
                self.partial.extend_from_slice(chunk);
            }
        }
        if cut {
            if !self.partial.is_empty() {
                self.emit_partial();
            }
            if first_cut {
                self.emit(LogLevel::Info, TRUNCATION_MARKER);
            }
        }
    }

    /// Lines a plugin logs through `conductor.log`, at `level`, within the budget.
    fn log(&mut self, level: LogLevel, bytes: &[u8]) {
        let (granted, first_cut) = self.budget.take(bytes.len());
        let text = String::from_utf8_lossy(&bytes[..granted]);
        if !text.is_empty() {
            for line in text.trim_end_matches('\n').split('\n') {
                self.emit(level, line.trim_end_matches('\r'));
            }
        }
        if first_cut {
            self.emit(LogLevel::Info, TRUNCATION_MARKER);
        }
    }

    fn emit_partial(&mut self) {
        let line = std::mem::take(&mut self.partial);
        let text = String::from_utf8_lossy(&line);
        self.emit(LogLevel::Info, text.trim_end_matches('\r'));
        self.partial = line;
        self.partial.clear();
    }

    fn emit(&self, level: LogLevel, message: &str) {
        let message = &*sanitize(message);
        let source = match self.stream {
            Stream::Stdout => LogSource::PluginStdout(&self.plugin),
            Stream::Stderr => LogSource::PluginStderr(&self.plugin),
        };
        self.sink.log(&LogRecord {
            level,
            source,
            message,
        });
    }
}

/// A plugin's line with every control character (C0 but tab, DEL, C1) and bidi
/// override shown as a `\u{..}` escape, so a plugin cannot drive the terminal the log
/// lands on (escape sequences, a changed title, a carriage return over a host line) or
/// reorder what is shown.
fn sanitize(line: &str) -> Cow<'_, str> {
    fn hostile(c: char) -> bool {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !line.chars().any(hostile) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One of a plugin's output streams. Clones share state; the host holds one clone to
/// start and finish calls, WASI holds the others.
#[derive(Clone)]
pub(crate) struct PluginOutput(Arc<Mutex<State>>);

impl PluginOutput {
    /// A stream whose bytes count against `budget` (a number: a budget of its own).
    pub(crate) fn new(
        plugin: &str,
        stream: Stream,
        sink: SharedLogSink,
        budget: impl Into<OutputBudget>,
    ) -> Self {
        Self(Arc::new(Mutex::new(State {
            plugin: plugin.to_string(),
            stream,
            sink,
            partial: Vec::new(),
            budget: budget.into(),
        })))
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Called after every guest call: flushes an unterminated last line and resets the
    /// per-call budget.
    pub(crate) fn end_call(&self) {
        self.with(|s| {
            if !s.partial.is_empty() {
                s.emit_partial();
            }
            s.budget.reset();
        });
    }

    pub(crate) fn write(&self, bytes: &[u8]) {
        self.with(|s| s.accept(bytes));
    }

    /// Bytes this stream may still forward this call.
    pub(crate) fn room(&self) -> usize {
        self.with(|s| s.budget.room())
    }

    /// Forwards text a plugin logs through `conductor.log` at `level`, one record per
    /// line, counted against the call's output budget.
    pub(crate) fn log(&self, level: LogLevel, bytes: &[u8]) {
        self.with(|s| s.log(level, bytes));
    }
}

impl IsTerminal for PluginOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for PluginOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for PluginOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for PluginOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        PluginOutput::write(self, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Excess output is dropped rather than refused, so the guest never blocks or
        // sees an error from eprintln!.
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for PluginOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        PluginOutput::write(&self, buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitize("plain\ttext é"), "plain\ttext é");
        assert_eq!(
            sanitize("\x1b]0;pwned\x07x\rY\u{9b}\u{202e}"),
            "\\u{1b}]0;pwned\\u{7}x\\u{d}Y\\u{9b}\\u{202e}"
        );
    }
}
