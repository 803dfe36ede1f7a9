//! The library version, as macros for compile time and a function for run time.

use std::ffi::c_char;

/// Major version of the header (`CONDUCTOR_VERSION_MAJOR`). Compare it with
/// `conductor_version()` to detect a header/library mismatch.
pub const CONDUCTOR_VERSION_MAJOR: u32 = 0;
/// Minor version of the header.
pub const CONDUCTOR_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const CONDUCTOR_VERSION_PATCH: u32 = 0;

/// The library's version as `"MAJOR.MINOR.PATCH"`, e.g. `"0.1.0"`.
///
/// The string is static: never free it.
///
/// Thread safety: may be called from any thread at any time.
#[no_mangle]
pub extern "C" fn conductor_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_match_the_crate_version() {
        let expected = format!(
            "{CONDUCTOR_VERSION_MAJOR}.{CONDUCTOR_VERSION_MINOR}.{CONDUCTOR_VERSION_PATCH}"
        );
        assert_eq!(
            expected,
            env!("CARGO_PKG_VERSION"),
            "update the CONDUCTOR_VERSION_* constants in conductor-ffi/src/version.rs \
             and regenerate include/conductor.h"
        );
    }
}
