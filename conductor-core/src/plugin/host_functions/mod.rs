//! Host functions plugins import from the `conductor` module, one file per
//! capability. The ABI (signatures, error codes, the result buffer) is documented in
//! `docs/plugin-abi.md`, section "Host functions".
//!
//! Every function validates what the guest hands it and answers with a code: never a
//! trap, whatever the pointers, lengths or JSON. Data going back to the guest is kept
//! in the instance's result buffer ([`buffer`]), so guests need no allocator export.

mod buffer;
mod host_request;
mod http;
mod log;
mod midi;
mod process;
mod wasi_poll;

pub(crate) use wasi_poll::{SandboxClock, INNER_MODULE as WASI_INNER_MODULE};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wasmtime::{Caller, Extern, Func, Linker, Memory, Module};

use super::host::EPOCH_TICK;
use super::instance::StoreState;
use super::module_check::HOST_MODULE;
use super::output::PluginOutput;
use super::services::PluginServices;
use super::{Capability, Grants};
use crate::log::{LogLevel, SharedLogSink};

/// Names of the functions the `conductor` import module provides.
pub(crate) const NAMES: &[&str] = &[
    "log",
    "result_len",
    "result_read",
    "http_request",
    "midi_send",
    "process_run",
    "system_request",
    "audio_request",
];

/// The capability a host function needs, or `None` when it is always available.
pub(crate) fn capability_of(function: &str) -> Option<Capability> {
    match function {
        "http_request" => Some(Capability::Network),
        "midi_send" => Some(Capability::Midi),
        "process_run" => Some(Capability::Subprocess),
        "system_request" => Some(Capability::SystemControl),
        "audio_request" => Some(Capability::Audio),
        _ => None,
    }
}

/// The `conductor` functions a module imports that need a capability, with it.
pub(crate) fn capability_imports(
    module: &Module,
) -> impl Iterator<Item = (String, Capability)> + '_ {
    module
        .imports()
        .filter(|i| i.module() == HOST_MODULE)
        .filter_map(|i| capability_of(i.name()).map(|c| (i.name().to_string(), c)))
}

/// The negative codes host functions return. Zero or a positive value is success
/// (what it means depends on the function); after a failure the result buffer holds a
/// UTF-8 message saying what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum HostErrorCode {
    /// A pointer and length do not lie inside the guest's memory (or it exports no
    /// `memory`).
    Memory = -1,
    /// The request is malformed: bad JSON, a missing field, a bad URL or method, an
    /// empty argv, bytes that are not one MIDI message, an unknown log level.
    Invalid = -2,
    /// Not allowed: the capability is not granted, the host is not in
    /// `allowed_hosts`, the scheme is not http/https.
    Denied = -3,
    /// The request did not finish within its timeout (a command is killed).
    Timeout = -4,
    /// The request could not be carried out: DNS, connection, TLS, a command that
    /// cannot be started.
    Io = -5,
    /// The HTTP response body is larger than the cap (the result buffer holds the
    /// response with the body cut at the cap), or the request is larger than its cap
    /// (nothing of it was read).
    TooLarge = -6,
    /// Nobody receives it: no MIDI output is open, no handler for host requests.
    Unavailable = -7,
    /// The embedding application's handler refused the request.
    Rejected = -8,
}

impl HostErrorCode {
    /// The code as the guest sees it.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The code for a value a host function returned, if it is an error.
    pub fn from_code(code: i32) -> Option<Self> {
        use HostErrorCode::*;
        [
            Memory,
            Invalid,
            Denied,
            Timeout,
            Io,
            TooLarge,
            Unavailable,
            Rejected,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}

/// What one plugin's host functions work with, shared by all its instances.
pub(crate) struct PluginEnv {
    pub(crate) name: String,
    pub(crate) log_sink: SharedLogSink,
    pub(crate) grants: Grants,
    pub(crate) services: PluginServices,
    /// One HTTP agent per plugin, made on first use, so connections are reused.
    http_agent: OnceLock<ureq::Agent>,
    /// The host's epoch tick count ([`EPOCH_TICK`] apart).
    epoch_ticks: Arc<AtomicU64>,
}

impl PluginEnv {
    pub(crate) fn new(
        name: String,
        log_sink: SharedLogSink,
        grants: Grants,
        services: PluginServices,
        epoch_ticks: Arc<AtomicU64>,
    ) -> Arc<Self> {
        Arc::new(Self {
            name,
            log_sink,
            grants,
            services,
            http_agent: OnceLock::new(),
            epoch_ticks,
        })
    }
}

/// Per-instance state of the host functions, kept in the wasmtime store.
pub(crate) struct CallState {
    pub(crate) env: Arc<PluginEnv>,
    /// Where `log` writes: the plugin's stderr, within the call's output budget.
    output: PluginOutput,
    /// The last result handed out through `result_len` / `result_read`.
    result: Vec<u8>,
    /// The epoch tick at which the guest call in progress started.
    started_tick: u64,
    /// That call's wall-clock budget; host calls never wait past it.
    timeout: Duration,
    /// wasmtime-wasi's own `poll_oneoff` in this store, for the polls the bounded one
    /// hands over (see `wasi_poll`).
    pub(crate) wasi_poll: Option<Func>,
}

impl CallState {
    pub(crate) fn new(env: Arc<PluginEnv>, output: PluginOutput) -> Self {
        Self {
            env,
            output,
            result: Vec::new(),
            started_tick: 0,
            timeout: Duration::ZERO,
            wasi_poll: None,
        }
    }

    /// Starts the wall-clock budget of a guest call. On the hot path: one relaxed
    /// atomic load, no clock read.
    pub(crate) fn start_call(&mut self, timeout: Duration) {
        self.started_tick = self.env.epoch_ticks.load(Ordering::Relaxed);
        self.timeout = timeout;
    }

    /// How long a host call may still take before the guest call's deadline, measured
    /// in epoch ticks as the guest's own deadline is.
    fn remaining(&self) -> Duration {
        let ticks = self
            .env
            .epoch_ticks
            .load(Ordering::Relaxed)
            .saturating_sub(self.started_tick);
        let elapsed = EPOCH_TICK.saturating_mul(u32::try_from(ticks).unwrap_or(u32::MAX));
        self.timeout.saturating_sub(elapsed)
    }

    fn set_result(&mut self, bytes: &[u8]) {
        self.result.clear();
        self.result.extend_from_slice(bytes);
    }
}

/// Registers every host function on `linker` under [`HOST_MODULE`], and replaces WASI's
/// `poll_oneoff` (already on `linker`) with one bounded by the call's deadline.
pub(crate) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    buffer::add_to_linker(linker)?;
    log::add_to_linker(linker)?;
    http::add_to_linker(linker)?;
    midi::add_to_linker(linker)?;
    process::add_to_linker(linker)?;
    host_request::add_to_linker(linker)?;
    wasi_poll::add_to_linker(linker)?;
    Ok(())
}

/// Why a host call failed: the code returned and the message put in the result
/// buffer (or, for a partial answer, that answer).
struct Failure {
    code: HostErrorCode,
    message: String,
    result: Option<Vec<u8>>,
}

impl Failure {
    fn new(code: HostErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            result: None,
        }
    }

    /// Puts `result` in the result buffer instead of the message.
    fn with_result(mut self, result: Vec<u8>) -> Self {
        self.result = Some(result);
        self
    }
}

/// The caller every host function receives.
type HostCaller<'a> = Caller<'a, StoreState>;

fn memory(caller: &mut HostCaller<'_>) -> Result<Memory, Failure> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(Failure::new(
            HostErrorCode::Memory,
            "the plugin exports no `memory`, so the host cannot read its arguments",
        )),
    }
}

/// Largest JSON head (`http_request`, `process_run`) the host reads: 64 KiB.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request the host reads for `system_request`, `audio_request` and
/// `midi_send`: 1 MiB. (HTTP bodies and command input are capped at
/// `max_response_bytes`.)
pub(crate) const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// [`read_guest`], refusing more than `cap` bytes before copying or parsing any of them.
fn read_capped(
    caller: &mut HostCaller<'_>,
    what: &str,
    ptr: i32,
    len: i32,
    cap: usize,
) -> Result<Vec<u8>, Failure> {
    if usize::try_from(len).is_ok_and(|len| len > cap) {
        return Err(Failure::new(
            HostErrorCode::TooLarge,
            format!("{what} is {len} bytes; the limit is {cap}"),
        ));
    }
    read_guest(caller, what, ptr, len)
}

/// Copies `len` bytes at `ptr` out of guest memory, refusing ranges outside it.
fn read_guest(
    caller: &mut HostCaller<'_>,
    what: &str,
    ptr: i32,
    len: i32,
) -> Result<Vec<u8>, Failure> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let memory = memory(caller)?;
    let range = guest_range(memory.data_size(&*caller), ptr, len).ok_or_else(|| {
        Failure::new(
            HostErrorCode::Memory,
            format!("{what} (pointer {ptr}, length {len}) is outside the plugin's memory"),
        )
    })?;
    Ok(memory.data(&*caller)[range].to_vec())
}

/// The byte range `ptr..ptr + len` when it lies inside a memory of `size` bytes.
fn guest_range(size: usize, ptr: i32, len: i32) -> Option<std::ops::Range<usize>> {
    let start = u32::try_from(ptr).ok()? as usize;
    let len = u32::try_from(len).ok()? as usize;
    let end = start.checked_add(len)?;
    (end <= size).then_some(start..end)
}

/// Fails unless the plugin's grants allow `cap`. The load-time import check already
/// refuses such plugins; this keeps the rule true at every call.
fn require(caller: &HostCaller<'_>, function: &str, cap: Capability) -> Result<(), Failure> {
    if caller.data().host.env.grants.allows(cap) {
        Ok(())
    } else {
        Err(Failure::new(
            HostErrorCode::Denied,
            format!("`{HOST_MODULE}.{function}` needs the {cap} capability, which this plugin was not granted"),
        ))
    }
}

/// Ends a host call: on success stores `result` and returns `value`; on failure
/// stores the message, logs it at debug level and returns the code.
///
/// Host-side work counts against the guest call's deadline: when it is spent by the
/// time the work is done, the call ends here as a timeout instead of going back to
/// the guest.
fn finish(
    caller: &mut HostCaller<'_>,
    function: &str,
    outcome: Result<(i32, Vec<u8>), Failure>,
) -> wasmtime::Result<i32> {
    let state = &mut caller.data_mut().host;
    if state.remaining().is_zero() {
        crate::log::host(
            state.env.log_sink.as_ref(),
            LogLevel::Debug,
            &format!(
                "plugin {}: {HOST_MODULE}.{function} ended after the call's deadline",
                state.env.name
            ),
        );
        return Err(wasmtime::Trap::Interrupt.into());
    }
    Ok(match outcome {
        Ok((value, result)) => {
            state.set_result(&result);
            value
        }
        Err(failure) => {
            state.set_result(
                failure
                    .result
                    .as_deref()
                    .unwrap_or(failure.message.as_bytes()),
            );
            crate::log::host(
                state.env.log_sink.as_ref(),
                LogLevel::Debug,
                &format!(
                    "plugin {}: {HOST_MODULE}.{function} returned {} ({:?}): {}",
                    state.env.name,
                    failure.code.code(),
                    failure.code,
                    failure.message
                ),
            );
            failure.code.code()
        }
    })
}

/// A result made of a JSON head line and raw bytes after it: `head \n payload`.
/// `serde_json` never writes a raw newline in compact output, so the first `\n` ends
/// the head.
fn framed(head: &serde_json::Value, payload: &[&[u8]]) -> Vec<u8> {
    let mut out = serde_json::to_vec(head).expect("JSON values serialise");
    out.push(b'\n');
    for part in payload {
        out.extend_from_slice(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_ranges_outside_memory_are_refused() {
        assert_eq!(guest_range(100, 10, 20), Some(10..30));
        assert_eq!(guest_range(100, 90, 10), Some(90..100));
        assert_eq!(guest_range(100, 91, 10), None);
        assert_eq!(guest_range(100, -1, 1), None);
        assert_eq!(guest_range(100, 0, -1), None);
        assert_eq!(
            guest_range(usize::MAX, i32::MAX, i32::MAX),
            Some(i32::MAX as usize..2 * i32::MAX as usize)
        );
    }

    #[test]
    fn every_named_function_with_a_capability_is_known() {
        let with_caps: Vec<_> = NAMES.iter().filter_map(|n| capability_of(n)).collect();
        assert_eq!(with_caps.len(), 5);
        assert_eq!(capability_of("log"), None);
        assert_eq!(HostErrorCode::from_code(-6), Some(HostErrorCode::TooLarge));
        assert_eq!(HostErrorCode::from_code(0), None);
    }
}
