//! `conductor_error_t`: the owned error object a failed call hands back.

use std::any::Any;
use std::ffi::{c_char, CString};

use crate::boundary::guard_value;
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
}

impl conductor_error_t {
    /// An invalid-argument error with `message`.
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self {
            kind: conductor_status_t::CONDUCTOR_ERROR_INVALID_ARGUMENT,
            message: to_cstring(format!("invalid argument: {}", message.into())),
            plugin_code: None,
        }
    }

    /// The error for a panic caught at the boundary in `function`.
    pub(crate) fn internal(function: &str, payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Self {
            kind: conductor_status_t::CONDUCTOR_ERROR_INTERNAL,
            message: to_cstring(format!(
                "internal error in {function}: {what} (this is a bug in libconductor; \
                 please report it with the steps that led here)"
            )),
            plugin_code: None,
        }
    }
}

impl From<conductor_core::Error> for conductor_error_t {
    fn from(e: conductor_core::Error) -> Self {
        Self::from(&e)
    }
}

impl From<&conductor_core::Error> for conductor_error_t {
    fn from(e: &conductor_core::Error) -> Self {
        Self {
            kind: e.kind().into(),
            message: to_cstring(e.to_string()),
            plugin_code: e.plugin_code(),
        }
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

/// Frees an error returned through `error_out`. `NULL` is ignored. Never pass an error
/// borrowed from an outcome, and never delete the same error twice.
///
/// Thread safety: must not race with any other use of the same error.
#[no_mangle]
pub unsafe extern "C" fn conductor_error_delete(error: *mut conductor_error_t) {
    guard_value((), || {
        if !error.is_null() {
            // SAFETY: the caller passes an error this library created and has not freed.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}
