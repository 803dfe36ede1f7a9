//! Host functions plugins import from the `conductor` module, one file per
//! capability. The ABI (signatures, error codes, the result buffer) is documented in
//! `docs/plugin-abi.md`, section "Host functions".
//!
//! Every function validates what the guest hands it and answers with a code: never a
//! trap, whatever the pointers, lengths or JSON. Data going back to the guest is kept
//! in the instance's result buffer ([`buffer`]), so guests need no allocator export.

mod buffer;
mod call_output;
mod config;
mod host_request;
mod http;
mod log;
mod midi;
mod process;
mod state;
mod vars;
mod wasi_poll;
mod websocket;

pub(crate) use state::{PerCallState, PerInstanceState, PerPluginState};
pub(crate) use vars::VarStore;
pub(crate) use wasi_poll::{SandboxClock, INNER_MODULE as WASI_INNER_MODULE};

use wasmtime::{Caller, Extern, Linker, Memory, Module};

use super::module_check::HOST_MODULE;
use super::Capability;
use crate::log::LogLevel;

/// One function of the `conductor` import module: the one place that says what it is
/// called, which capability it needs and how it is put on the linker. The load-time
/// import check, the capability check and the linker all read [`HOST_FUNCTIONS`].
pub(crate) struct HostFunction {
    /// Its import name in [`HOST_MODULE`].
    pub(crate) name: &'static str,
    /// The capability a plugin must be granted to import it; `None` = always available.
    pub(crate) capability: Option<Capability>,
    /// Registers it on a linker under `name`.
    link: fn(&mut Linker<PerInstanceState>, &'static str) -> wasmtime::Result<()>,
}

/// Every function the `conductor` import module provides.
pub(crate) const HOST_FUNCTIONS: &[HostFunction] = &[
    HostFunction {
        name: "log",
        capability: None,
        link: |l, name| l.func_wrap(HOST_MODULE, name, log::log).map(|_| ()),
    },
    HostFunction {
        name: "result_len",
        capability: None,
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, buffer::result_len)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "result_read",
        capability: None,
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, buffer::result_read)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "http_request",
        capability: Some(Capability::Network),
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, http::http_request)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "websocket_exchange",
        capability: Some(Capability::Network),
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, websocket::websocket_exchange)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "midi_send",
        capability: Some(Capability::Midi),
        link: |l, name| l.func_wrap(HOST_MODULE, name, midi::midi_send).map(|_| ()),
    },
    HostFunction {
        name: "process_run",
        capability: Some(Capability::Subprocess),
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, process::process_run)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "system_request",
        capability: Some(Capability::SystemControl),
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, host_request::system_request)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "audio_request",
        capability: Some(Capability::Audio),
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, host_request::audio_request)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "output_set",
        capability: None,
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, call_output::output_set)
                .map(|_| ())
        },
    },
    HostFunction {
        name: "var_get",
        capability: None,
        link: |l, name| l.func_wrap(HOST_MODULE, name, vars::var_get).map(|_| ()),
    },
    HostFunction {
        name: "var_set",
        capability: None,
        link: |l, name| l.func_wrap(HOST_MODULE, name, vars::var_set).map(|_| ()),
    },
    HostFunction {
        name: "config_get",
        capability: None,
        link: |l, name| {
            l.func_wrap(HOST_MODULE, name, config::config_get)
                .map(|_| ())
        },
    },
];

/// The names of the functions the `conductor` import module provides.
pub(crate) fn names() -> Vec<&'static str> {
    HOST_FUNCTIONS.iter().map(|f| f.name).collect()
}

/// The capability a host function needs, or `None` when it is always available (or
/// not a host function).
pub(crate) fn capability_of(function: &str) -> Option<Capability> {
    HOST_FUNCTIONS
        .iter()
        .find(|f| f.name == function)
        .and_then(|f| f.capability)
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
#[non_exhaustive]
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

/// Registers every host function on `linker` under [`HOST_MODULE`], and replaces WASI's
/// `poll_oneoff` (already on `linker`) with one bounded by the call's deadline.
pub(crate) fn add_to_linker(linker: &mut Linker<PerInstanceState>) -> wasmtime::Result<()> {
    for function in HOST_FUNCTIONS {
        (function.link)(linker, function.name)?;
    }
    wasi_poll::add_to_linker(linker)
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
type HostCaller<'a> = Caller<'a, PerInstanceState>;

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
        let with_caps: Vec<_> = names().into_iter().filter_map(capability_of).collect();
        assert_eq!(with_caps.len(), 6);
        assert_eq!(capability_of("process_run"), Some(Capability::Subprocess));
        assert_eq!(
            capability_of("websocket_exchange"),
            Some(Capability::Network)
        );
        assert_eq!(capability_of("log"), None);
        assert_eq!(HostErrorCode::from_code(-6), Some(HostErrorCode::TooLarge));
        assert_eq!(HostErrorCode::from_code(0), None);
    }
}
