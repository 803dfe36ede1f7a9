//! # Conductor C ABI
//!
//! `libconductor` (shared and static) exposes [`conductor_core`] to C and C++ through
//! the functions in this crate; `include/conductor.h` is generated from them by
//! cbindgen, doc comments included. This crate translates types and errors only: every
//! behaviour lives in `conductor-core`.
//!
//! Conventions, applied to every function:
//!
//! * **Handles** are opaque pointers with a constructor and a `_delete` function.
//!   Passing `NULL` where a handle is expected returns an error; it never crashes.
//! * **Errors**: every fallible function returns a [`conductor_status_t`]
//!   (`CONDUCTOR_OK` is 0) and takes a last argument `conductor_error_t **error_out`.
//!   When the call fails and `error_out` is not `NULL`, `*error_out` receives a new
//!   error object (message, kind, plugin code) that the caller frees with
//!   `conductor_error_delete`; on success `*error_out` is set to `NULL`. Pass `NULL` to
//!   only look at the status.
//! * **Strings in** are a pointer and a byte length (no NUL terminator needed) and must
//!   be UTF-8; invalid UTF-8 returns `CONDUCTOR_ERROR_INVALID_ARGUMENT`.
//! * **Strings out** are NUL-terminated UTF-8. Each function says who owns them:
//!   either the library (valid as long as the object they came from) or the caller
//!   (free with `conductor_string_delete`).
//! * **Panics** never cross the boundary: each function catches them and reports
//!   `CONDUCTOR_ERROR_INTERNAL`.
#![allow(non_camel_case_types)]
// The C ABI takes raw pointers by design; each function documents its contract in the
// header, and every pointer is checked for NULL before use.
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod capability;
mod devices;
mod engine;
mod engine_options;
mod error;
mod fired;
mod host;
mod learn;
mod log;
mod plugin;
mod plugin_options;
mod status;
mod string;
mod version;

pub use capability::*;
pub use devices::*;
pub use engine::*;
pub use engine_options::*;
pub use error::*;
pub use fired::*;
pub use host::*;
pub use learn::*;
pub use log::*;
pub use plugin::*;
pub use plugin_options::*;
pub use status::*;
pub use string::*;
pub use version::*;
