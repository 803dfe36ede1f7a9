//! `conductor_status_t`: what every fallible function returns.

use std::ffi::c_char;

use conductor_core::ErrorKind;

/// The result of a call: `CONDUCTOR_OK` (0) or the kind of error. The values other than
/// `CONDUCTOR_ERROR_INTERNAL` are those of the Rust `conductor_core::ErrorKind` and stay
/// stable across versions.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum conductor_status_t {
    /// The call succeeded.
    CONDUCTOR_OK = 0,
    /// The configuration could not be read or is invalid.
    CONDUCTOR_ERROR_CONFIG = 1,
    /// A plugin could not be loaded (bad file, exports, imports or capabilities).
    CONDUCTOR_ERROR_PLUGIN_LOAD = 2,
    /// A plugin ran and returned a non-zero code (see `conductor_error_plugin_code`).
    CONDUCTOR_ERROR_PLUGIN_RETURNED = 3,
    /// A plugin used up its instruction budget.
    CONDUCTOR_ERROR_OUT_OF_FUEL = 4,
    /// A plugin hit its memory limit.
    CONDUCTOR_ERROR_MEMORY_LIMIT = 5,
    /// A plugin exceeded its wall-clock deadline.
    CONDUCTOR_ERROR_TIMEOUT = 6,
    /// A plugin trapped (panic, memory fault, explicit exit).
    CONDUCTOR_ERROR_PLUGIN_TRAP = 7,
    /// A plugin needs a capability that was not granted.
    CONDUCTOR_ERROR_CAPABILITY_DENIED = 8,
    /// A signature is missing, invalid or untrusted under the active policy.
    CONDUCTOR_ERROR_SIGNATURE = 9,
    /// MIDI parsing or MIDI port trouble.
    CONDUCTOR_ERROR_MIDI = 10,
    /// A file could not be read or written.
    CONDUCTOR_ERROR_IO = 11,
    /// An argument is invalid: a NULL handle or pointer, invalid UTF-8, an unknown
    /// capability, a mode that does not exist, an engine that was shut down.
    CONDUCTOR_ERROR_INVALID_ARGUMENT = 12,
    /// The runtime could not start: a thread could not be spawned, or the WebAssembly
    /// engine could not be created (the system is out of threads or memory).
    CONDUCTOR_ERROR_RUNTIME = 13,
    /// A plugin call was cancelled before it finished (`conductor_plugin_cancel`, or
    /// the engine shutting down or reloading without the plugin). Not a crash: the
    /// plugin's next call starts a fresh instance.
    CONDUCTOR_ERROR_CANCELLED = 14,
    /// A bug inside the library (a Rust panic, caught at the boundary). The message
    /// says where; please report it.
    CONDUCTOR_ERROR_INTERNAL = 255,
}

impl From<ErrorKind> for conductor_status_t {
    fn from(kind: ErrorKind) -> Self {
        use conductor_status_t::*;
        match kind {
            ErrorKind::Config => CONDUCTOR_ERROR_CONFIG,
            ErrorKind::PluginLoad => CONDUCTOR_ERROR_PLUGIN_LOAD,
            ErrorKind::PluginReturned => CONDUCTOR_ERROR_PLUGIN_RETURNED,
            ErrorKind::OutOfFuel => CONDUCTOR_ERROR_OUT_OF_FUEL,
            ErrorKind::MemoryLimit => CONDUCTOR_ERROR_MEMORY_LIMIT,
            ErrorKind::Timeout => CONDUCTOR_ERROR_TIMEOUT,
            ErrorKind::PluginTrap => CONDUCTOR_ERROR_PLUGIN_TRAP,
            ErrorKind::CapabilityDenied => CONDUCTOR_ERROR_CAPABILITY_DENIED,
            ErrorKind::Signature => CONDUCTOR_ERROR_SIGNATURE,
            ErrorKind::Midi => CONDUCTOR_ERROR_MIDI,
            ErrorKind::Io => CONDUCTOR_ERROR_IO,
            ErrorKind::InvalidArgument => CONDUCTOR_ERROR_INVALID_ARGUMENT,
            ErrorKind::Runtime => CONDUCTOR_ERROR_RUNTIME,
            ErrorKind::Cancelled => CONDUCTOR_ERROR_CANCELLED,
            // A kind newer than this library's C mapping: report it as a bug.
            _ => CONDUCTOR_ERROR_INTERNAL,
        }
    }
}

impl conductor_status_t {
    /// The short name `conductor_status_name` returns, as a NUL-terminated literal.
    fn name(self) -> &'static [u8] {
        use conductor_status_t::*;
        match self {
            CONDUCTOR_OK => b"ok\0",
            CONDUCTOR_ERROR_CONFIG => b"config\0",
            CONDUCTOR_ERROR_PLUGIN_LOAD => b"plugin_load\0",
            CONDUCTOR_ERROR_PLUGIN_RETURNED => b"plugin_returned\0",
            CONDUCTOR_ERROR_OUT_OF_FUEL => b"out_of_fuel\0",
            CONDUCTOR_ERROR_MEMORY_LIMIT => b"memory_limit\0",
            CONDUCTOR_ERROR_TIMEOUT => b"timeout\0",
            CONDUCTOR_ERROR_PLUGIN_TRAP => b"plugin_trap\0",
            CONDUCTOR_ERROR_CAPABILITY_DENIED => b"capability_denied\0",
            CONDUCTOR_ERROR_SIGNATURE => b"signature\0",
            CONDUCTOR_ERROR_MIDI => b"midi\0",
            CONDUCTOR_ERROR_IO => b"io\0",
            CONDUCTOR_ERROR_INVALID_ARGUMENT => b"invalid_argument\0",
            CONDUCTOR_ERROR_RUNTIME => b"runtime\0",
            CONDUCTOR_ERROR_CANCELLED => b"cancelled\0",
            CONDUCTOR_ERROR_INTERNAL => b"internal\0",
        }
    }
}

/// A short, stable, lower-case name for a status (`"ok"`, `"config"`,
/// `"plugin_returned"`, ...), or `"unknown"` for a value that is not a status.
///
/// The string is static: never free it.
///
/// Thread safety: may be called from any thread at any time.
#[no_mangle]
pub extern "C" fn conductor_status_name(status: i32) -> *const c_char {
    use conductor_status_t::*;
    const ALL: [conductor_status_t; 16] = [
        CONDUCTOR_OK,
        CONDUCTOR_ERROR_CONFIG,
        CONDUCTOR_ERROR_PLUGIN_LOAD,
        CONDUCTOR_ERROR_PLUGIN_RETURNED,
        CONDUCTOR_ERROR_OUT_OF_FUEL,
        CONDUCTOR_ERROR_MEMORY_LIMIT,
        CONDUCTOR_ERROR_TIMEOUT,
        CONDUCTOR_ERROR_PLUGIN_TRAP,
        CONDUCTOR_ERROR_CAPABILITY_DENIED,
        CONDUCTOR_ERROR_SIGNATURE,
        CONDUCTOR_ERROR_MIDI,
        CONDUCTOR_ERROR_IO,
        CONDUCTOR_ERROR_INVALID_ARGUMENT,
        CONDUCTOR_ERROR_RUNTIME,
        CONDUCTOR_ERROR_CANCELLED,
        CONDUCTOR_ERROR_INTERNAL,
    ];
    let name = ALL
        .into_iter()
        .find(|s| *s as i32 == status)
        .map_or(&b"unknown\0"[..], conductor_status_t::name);
    name.as_ptr().cast()
}
