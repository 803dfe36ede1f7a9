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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nul_bytes_become_replacement_characters() {
        assert_eq!(to_cstring("a\0b").to_str().unwrap(), "a\u{FFFD}b");
        assert_eq!(to_cstring("plain").to_str().unwrap(), "plain");
    }
}
