//! `conductor_error_t`: the owned error object a failed call hands back.

use std::any::Any;
use std::ffi::{c_char, CString};

use crate::boundary::{boundary, guard_value};
use crate::status::conductor_status_t;
use crate::string::to_cstring;

/// What went wrong in a call: its kind, a message that names the problem and, where
/// there is one, the fix, and the plugin's return code for
/// `CONDUCTOR_ERROR_PLUGIN_RETURNED`.
///
/// Created by the library when a call fails and `error_out` is not `NULL`; the caller
/// owns it and frees it with `conductor_error_delete`. Errors borrowed from an outcome
/// (`conductor_outcome_error`) belong to their list and must not be deleted.
///
/// Thread safety: an error is plain data; read it from any thread, delete it once.
#[derive(Debug)]
pub struct conductor_error_t {
    pub(crate) kind: conductor_status_t,
    pub(crate) message: CString,
    pub(crate) plugin_code: Option<i32>,
    /// Where a config error is: the file (when it came from one), 1-based line and
    /// column (when known).
    pub(crate) config_path: Option<CString>,
    pub(crate) line: Option<usize>,
    pub(crate) column: Option<usize>,
    /// The plugin the error is about.
    pub(crate) plugin: Option<CString>,
}

impl conductor_error_t {
    /// An invalid-argument error with `message`.
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::plain(
            conductor_status_t::CONDUCTOR_ERROR_INVALID_ARGUMENT,
            format!("invalid argument: {}", message.into()),
        )
    }

    /// An error with a kind and a message and nothing else.
    fn plain(kind: conductor_status_t, message: String) -> Self {
        Self {
            kind,
            message: to_cstring(message),
            plugin_code: None,
            config_path: None,
            line: None,
            column: None,
            plugin: None,
        }
    }

    /// The error for a panic caught at the boundary in `function`.
    pub(crate) fn internal(function: &str, payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Self::plain(
            conductor_status_t::CONDUCTOR_ERROR_INTERNAL,
            format!(
                "internal error in {function}: {what} (this is a bug in libconductor; \
                 please report it with the steps that led here)"
            ),
        )
    }
}

impl From<conductor_core::Error> for conductor_error_t {
    fn from(e: conductor_core::Error) -> Self {
        Self::from(&e)
    }
}

impl From<&conductor_core::Error> for conductor_error_t {
    fn from(e: &conductor_core::Error) -> Self {
        use conductor_core::Error;
        let mut out = Self::plain(e.kind().into(), e.to_string());
        out.plugin_code = e.plugin_code();
        match e {
            Error::Config {
                path, line, column, ..
            } => {
                out.config_path = path.as_ref().map(|p| to_cstring(p.display().to_string()));
                out.line = *line;
                out.column = *column;
            }
            Error::PluginLoad { plugin, .. }
            | Error::Signature { plugin, .. }
            | Error::CapabilityDenied { plugin, .. }
            | Error::PluginReturned { plugin, .. }
            | Error::OutOfFuel { plugin, .. }
            | Error::MemoryLimit { plugin, .. }
            | Error::Timeout { plugin, .. }
            | Error::PluginTrap { plugin, .. }
            | Error::Cancelled { plugin, .. } => out.plugin = Some(to_cstring(plugin.as_str())),
            #[allow(unreachable_patterns)]
            _ => {}
        }
        out
    }
}

/// The error's kind (never `CONDUCTOR_OK` for a real error). Returns
/// `CONDUCTOR_ERROR_INVALID_ARGUMENT` when `error` is `NULL`.
///
/// Thread safety: may be called from any thread while the error is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_kind(
    error: *const conductor_error_t,
) -> conductor_status_t {
    guard_value(conductor_status_t::CONDUCTOR_ERROR_INTERNAL, || {
        // SAFETY: the caller passes NULL or a live error.
        match unsafe { error.as_ref() } {
            Some(e) => e.kind,
            None => conductor_status_t::CONDUCTOR_ERROR_INVALID_ARGUMENT,
        }
    })
}

/// The error's message: NUL-terminated UTF-8, owned by the error and valid until it is
/// deleted. If `len_out` is not `NULL` it receives the length in bytes (without the
/// NUL). Returns `NULL` when `error` is `NULL`.
///
/// Thread safety: may be called from any thread while the error is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_message(
    error: *const conductor_error_t,
    len_out: *mut usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: the caller passes NULL or a live error.
        let Some(e) = (unsafe { error.as_ref() }) else {
            return std::ptr::null();
        };
        if !len_out.is_null() {
            // SAFETY: the caller passes NULL or a writable size_t.
            unsafe { *len_out = e.message.as_bytes().len() };
        }
        e.message.as_ptr()
    })
}

/// For `CONDUCTOR_ERROR_PLUGIN_RETURNED`: stores the plugin's non-zero return code in
/// `*code_out` (when `code_out` is not `NULL`) and returns `true`. For every other kind,
/// and for a `NULL` error, returns `false` and leaves `*code_out` alone.
///
/// Thread safety: may be called from any thread while the error is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_plugin_code(
    error: *const conductor_error_t,
    code_out: *mut i32,
) -> bool {
    guard_value(false, || {
        // SAFETY: the caller passes NULL or a live error.
        let Some(code) = (unsafe { error.as_ref() }).and_then(|e| e.plugin_code) else {
            return false;
        };
        if !code_out.is_null() {
            // SAFETY: the caller passes NULL or a writable int32_t.
            unsafe { *code_out = code };
        }
        true
    })
}

/// The config file a `CONDUCTOR_ERROR_CONFIG` error is in: NUL-terminated UTF-8, owned
/// by the error and valid until it is deleted. `NULL` when the config did not come from
/// a file (`conductor_engine_new_from_toml`), for every other kind, and for a `NULL`
/// error.
///
/// Thread safety: may be called from any thread while the error is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_config_path(
    error: *const conductor_error_t,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { error.as_ref() }
            .and_then(|e| e.config_path.as_ref())
            .map_or(std::ptr::null(), |p| p.as_ptr())
    })
}

/// Stores the 1-based line and column of a `CONDUCTOR_ERROR_CONFIG` error in `*line_out`
/// and `*column_out` (each may be `NULL`; a column that is not known is stored as 0) and
/// returns `true`. Returns `false`, storing nothing, when the error has no line (every
/// other kind, and a `NULL` error).
///
/// Thread safety: may be called from any thread while the error is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_location(
    error: *const conductor_error_t,
    line_out: *mut usize,
    column_out: *mut usize,
) -> bool {
    guard_value(false, || {
        // SAFETY: the caller passes NULL or a live error.
        let Some(e) = (unsafe { error.as_ref() }) else {
            return false;
        };
        let Some(line) = e.line else {
            return false;
        };
        // SAFETY: the caller passes NULL or writable size_t slots.
        unsafe {
            if let Some(slot) = line_out.as_mut() {
                *slot = line;
            }
            if let Some(slot) = column_out.as_mut() {
                *slot = e.column.unwrap_or(0);
            }
        }
        true
    })
}

/// The name of the plugin the error is about (a load, signature, capability or call
/// error): NUL-terminated UTF-8, owned by the error and valid until it is deleted.
/// `NULL` for errors about no plugin, and for a `NULL` error.
///
/// Thread safety: may be called from any thread while the error is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_plugin(error: *const conductor_error_t) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { error.as_ref() }
            .and_then(|e| e.plugin.as_ref())
            .map_or(std::ptr::null(), |p| p.as_ptr())
    })
}

/// Frees an error returned through `error_out`. `NULL` is ignored. Never pass an error
/// borrowed from an outcome, and never delete the same error twice.
///
/// Thread safety: must not race with any other use of the same error.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_delete(error: *mut conductor_error_t) {
    boundary!(delete error)
}
