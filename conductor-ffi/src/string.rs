//! Strings handed to C: NUL-terminated UTF-8, and the one function that frees those
//! the caller owns.

use std::ffi::{c_char, CString};

use crate::boundary::guard_value;

/// Converts Rust text to a C string. Text from the engine never holds NUL bytes, but
/// text echoed from a caller might: such bytes become U+FFFD rather than cutting the
/// string short.
pub(crate) fn to_cstring(text: impl Into<String>) -> CString {
    let text = text.into();
    match CString::new(text) {
        Ok(c) => c,
        Err(e) => {
            let cleaned = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
            CString::new(cleaned).expect("NUL bytes were replaced")
        }
    }
}

/// Hands a caller-owned copy of `text` to C (freed with `conductor_string_delete`).
pub(crate) fn owned_string(text: impl Into<String>) -> *mut c_char {
    to_cstring(text).into_raw()
}

/// Frees a string the library returned as caller-owned (the functions that do say so,
/// e.g. `conductor_engine_mode_name`). `NULL` is ignored. Never pass a string borrowed
/// from another object, and never free the same string twice.
///
/// Thread safety: may be called from any thread; must not race with other uses of the
/// same string.
#[no_mangle]
pub unsafe extern "C" fn conductor_string_delete(string: *mut c_char) {
    guard_value((), || {
        if !string.is_null() {
            // SAFETY: the caller passes a string created by `owned_string`, not yet freed.
            drop(unsafe { CString::from_raw(string) });
        }
    })
}

/// Hands a caller-owned copy of `bytes` to C as (pointer, length), freed with
/// `conductor_bytes_delete`; `(NULL, 0)` when empty.
pub(crate) fn owned_bytes(bytes: Vec<u8>) -> (*mut u8, usize) {
    if bytes.is_empty() {
        return (std::ptr::null_mut(), 0);
    }
    let len = bytes.len();
    (Box::into_raw(bytes.into_boxed_slice()).cast::<u8>(), len)
}

/// Frees a byte buffer the library returned as caller-owned (e.g. the output of
/// `conductor_plugin_call`), with the length it was returned with. `NULL` is ignored.
/// Never free the same buffer twice.
///
/// Thread safety: may be called from any thread; must not race with other uses of the
/// same buffer.
#[no_mangle]
pub unsafe extern "C" fn conductor_bytes_delete(bytes: *mut u8, len: usize) {
    guard_value((), || {
        if !bytes.is_null() {
            // SAFETY: the caller passes a buffer created by `owned_bytes` with its
            // length, not yet freed.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(bytes, len)) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nul_bytes_become_replacement_characters() {
        assert_eq!(to_cstring("a\0b").to_str().unwrap(), "a\u{FFFD}b");
        assert_eq!(to_cstring("plain").to_str().unwrap(), "plain");
    }
}
