//! Plugin stdout/stderr: forwarded line by line to the log sink, bounded per call.

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

struct State {
    plugin: String,
    stream: Stream,
    sink: SharedLogSink,
    /// Bytes of a line not yet terminated by `\n`.
    partial: Vec<u8>,
    /// Bytes accepted during the current call.
    used: usize,
    /// Bytes allowed per call.
    budget: usize,
    truncated: bool,
}

impl State {
    fn accept(&mut self, mut bytes: &[u8]) {
        if self.truncated {
            return;
        }
        let room = self.budget.saturating_sub(self.used);
        if bytes.len() > room {
            bytes = &bytes[..room];
            self.truncated = true;
        }
        self.used += bytes.len();
        for chunk in bytes.split_inclusive(|b| *b == b'\n') {
            if chunk.ends_with(b"\n") {
                self.partial.extend_from_slice(&chunk[..chunk.len() - 1]);
                self.emit_partial();
            } else {
                self.partial.extend_from_slice(chunk);
            }
        }
        if self.truncated {
            self.emit_partial();
            self.emit(TRUNCATION_MARKER);
        }
    }

    fn emit_partial(&mut self) {
        let line = std::mem::take(&mut self.partial);
        let text = String::from_utf8_lossy(&line);
        self.emit(text.trim_end_matches('\r'));
        self.partial = line;
        self.partial.clear();
    }

    fn emit(&self, message: &str) {
        let source = match self.stream {
            Stream::Stdout => LogSource::PluginStdout(&self.plugin),
            Stream::Stderr => LogSource::PluginStderr(&self.plugin),
        };
        self.sink.log(&LogRecord {
            level: LogLevel::Info,
            source,
            message,
        });
    }
}

/// One of a plugin's output streams. Clones share state; the host holds one clone to
/// start and finish calls, WASI holds the others.
#[derive(Clone)]
pub(crate) struct PluginOutput(Arc<Mutex<State>>);

impl PluginOutput {
    pub(crate) fn new(plugin: &str, stream: Stream, sink: SharedLogSink, budget: usize) -> Self {
        Self(Arc::new(Mutex::new(State {
            plugin: plugin.to_string(),
            stream,
            sink,
            partial: Vec::new(),
            used: 0,
            budget,
            truncated: false,
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
            s.used = 0;
            s.truncated = false;
        });
    }

    pub(crate) fn write(&self, bytes: &[u8]) {
        self.with(|s| s.accept(bytes));
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
