//! The boundary every call crosses: panics caught, errors handed out through
//! `error_out`, and pointers from C checked before they become Rust references.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::conductor_error_t;
use crate::status::conductor_status_t;

/// Results inside the FFI layer carry the error object C will receive.
pub(crate) type FfiResult<T> = Result<T, conductor_error_t>;

/// The boundary of every C function, in one macro, so that no function repeats its own
/// name as a string literal:
///
/// * `boundary!(call error_out, || ...)`: a fallible call. Panics become
///   `CONDUCTOR_ERROR_INTERNAL` naming the enclosing C function, errors go to
///   `*error_out`; returns the status.
/// * `boundary!(new value)`: a handle constructor. Boxes `value` and returns it as a raw
///   pointer (`NULL` if building it panicked).
/// * `boundary!(delete ptr)`: a deleter. Frees the box behind `ptr` (`NULL` is ignored).
/// * `boundary!(name)`: the enclosing C function's name, for helpers that take it.
macro_rules! boundary {
    (call $error_out:expr, $body:expr) => {
        $crate::boundary::guard(boundary!(name), $error_out, $body)
    };
    (new $value:expr) => {
        $crate::boundary::guard_value(::std::ptr::null_mut(), || {
            ::std::boxed::Box::into_raw(::std::boxed::Box::new($value))
        })
    };
    (delete $ptr:expr) => {
        $crate::boundary::guard_value((), || {
            let ptr = $ptr;
            if !ptr.is_null() {
                // SAFETY: the caller passes a pointer this library boxed and has not
                // freed, once (each deleter's contract).
                drop(unsafe { ::std::boxed::Box::from_raw(ptr) });
            }
        })
    };
    (name) => {{
        fn here() {}
        $crate::boundary::enclosing_function(::std::any::type_name_of_val(&here))
    }};
}
pub(crate) use boundary;

/// The C function's name from the type name of a function item declared in its body
/// (`conductor_ffi::plugin::conductor_plugin_execute::{{closure}}::here`).
pub(crate) fn enclosing_function(path: &'static str) -> &'static str {
    path.rsplit("::")
        .find(|segment| *segment != "here" && !segment.starts_with('{'))
        .unwrap_or(path)
}

/// Runs `f` for the C function `function`: a panic becomes `CONDUCTOR_ERROR_INTERNAL`,
/// an error is boxed into `*error_out` (when given), success clears `*error_out`.
pub(crate) fn guard(
    function: &'static str,
    error_out: *mut *mut conductor_error_t,
    f: impl FnOnce() -> FfiResult<()>,
) -> conductor_status_t {
    let result = catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(conductor_error_t::internal(function, payload.as_ref())));
    let (status, error) = match result {
        Ok(()) => (conductor_status_t::CONDUCTOR_OK, std::ptr::null_mut()),
        Err(e) => (e.kind, Box::into_raw(Box::new(e))),
    };
    if error_out.is_null() {
        if !error.is_null() {
            // SAFETY: just created by Box::into_raw above.
            drop(unsafe { Box::from_raw(error) });
        }
    } else {
        // SAFETY: the caller passes NULL (handled above) or a writable pointer slot.
        unsafe { *error_out = error };
    }
    status
}

/// Runs `f`, returning `fallback` if it panics. For functions that report no error
/// (accessors, deleters, `push`).
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

fn null_error(what: &str) -> conductor_error_t {
    conductor_error_t::invalid_argument(format!(
        "{what} is NULL; pass a valid pointer (handles come from the library's _new and \
         _load functions)"
    ))
}

/// A shared reference to the object behind a handle.
///
/// # Safety
/// `ptr` must be NULL or point to a live `T` created by this library.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> FfiResult<&'a T> {
    // SAFETY: upheld by the caller.
    unsafe { ptr.as_ref() }.ok_or_else(|| null_error(what))
}

/// A mutable reference to the object behind a handle.
///
/// # Safety
/// `ptr` must be NULL or point to a live `T` created by this library, used by no other
/// thread during the call.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, what: &str) -> FfiResult<&'a mut T> {
    // SAFETY: upheld by the caller.
    unsafe { ptr.as_mut() }.ok_or_else(|| null_error(what))
}

/// The slot an out-parameter points to.
///
/// # Safety
/// `ptr` must be NULL or writable.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, what: &str) -> FfiResult<&'a mut T> {
    // SAFETY: upheld by the caller.
    unsafe { ptr.as_mut() }.ok_or_else(|| null_error(what))
}

/// The bytes `(ptr, len)` describes. `NULL` with length 0 is the empty slice.
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable bytes that stay unchanged during the
/// call.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> FfiResult<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(conductor_error_t::invalid_argument(format!(
            "{what} is NULL but its length is {len}; pass a pointer to {len} bytes, or \
             length 0"
        )));
    }
    if len > isize::MAX as usize {
        return Err(conductor_error_t::invalid_argument(format!(
            "{what} has an impossible length {len}"
        )));
    }
    // SAFETY: non-null, length bounded, readable per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The UTF-8 text `(ptr, len)` describes.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const c_char, len: usize, what: &str) -> FfiResult<&'a str> {
    // SAFETY: upheld by the caller.
    let raw = unsafe { bytes(ptr.cast(), len, what) }?;
    std::str::from_utf8(raw).map_err(|e| {
        conductor_error_t::invalid_argument(format!(
            "{what} is not valid UTF-8 (bad byte at offset {}); pass UTF-8 text",
            e.valid_up_to()
        ))
    })
}

/// Like [`text`], but `NULL` means "not given".
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> FfiResult<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: upheld by the caller.
    unsafe { text(ptr, len, what) }.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_naming_the_function() {
        let mut error: *mut conductor_error_t = std::ptr::null_mut();
        let status = guard("conductor_test_function", &mut error, || panic!("boom"));
        assert_eq!(status, conductor_status_t::CONDUCTOR_ERROR_INTERNAL);
        // SAFETY: guard stored a boxed error.
        let error = unsafe { Box::from_raw(error) };
        let message = error.message.to_str().unwrap();
        assert!(message.contains("conductor_test_function"), "{message}");
        assert!(message.contains("boom"), "{message}");
    }

    #[test]
    fn the_boundary_names_the_enclosing_function() {
        fn conductor_example(error_out: *mut *mut conductor_error_t) -> conductor_status_t {
            boundary!(call error_out, || panic!("boom"))
        }
        let mut error: *mut conductor_error_t = std::ptr::null_mut();
        assert_eq!(
            conductor_example(&mut error),
            conductor_status_t::CONDUCTOR_ERROR_INTERNAL
        );
        // SAFETY: the boundary stored a boxed error.
        let error = unsafe { Box::from_raw(error) };
        let message = error.message.to_str().unwrap();
        assert!(
            message.contains("internal error in conductor_example: boom"),
            "{message}"
        );
    }

    #[test]
    fn success_clears_error_out_and_a_null_error_out_is_allowed() {
        let mut error: *mut conductor_error_t = std::ptr::dangling_mut();
        assert_eq!(
            guard("f", &mut error, || Ok(())),
            conductor_status_t::CONDUCTOR_OK
        );
        assert!(error.is_null());
        let status = guard("f", std::ptr::null_mut(), || {
            Err(conductor_error_t::invalid_argument("x"))
        });
        assert_eq!(status, conductor_status_t::CONDUCTOR_ERROR_INVALID_ARGUMENT);
    }
}
