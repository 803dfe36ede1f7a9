//! # conductor-plugin
//!
//! The SDK for Conductor WebAssembly plugins,
//! built with `cargo build --target wasm32-wasip1 --release`.
//!
//! * Write ordinary Rust functions that take typed params (any `Deserialize` type,
//!   read from the mapping's `params` table) and optionally the [`TriggerContext`],
//!   and return a [`Result`]. The [`plugin!`] macro generates the exports Conductor
//!   calls (`init`, `execute` or `execute_with_context`, `shutdown`, `capabilities`).
//! * An `Err` is logged at error level under the plugin's name and becomes a non-zero
//!   return code ([`Error::code`]).
//! * Host functions come as safe wrappers: [`http::get`], [`http::post`],
//!   [`http::request`], [`midi::send`], [`process::run`], [`system::request`],
//!   [`audio::request`], [`log::info`] and friends. Their failures are [`HostError`]s.
//! * A call returns a result in one line: [`output::set_json`] (or, from a mapping,
//!   [`output::set_actions`]: MIDI to send, a mode, a host action). The host keeps
//!   variables across traps, reloads and restarts ([`vars::get_json`],
//!   [`vars::set_json`]) and hands over static configuration ([`config::get`]).
//!
//! ```no_run
//! use conductor_plugin::{http, log, Result, TriggerContext};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Params {
//!     url: String,
//! }
//!
//! fn execute(params: Params, ctx: &TriggerContext) -> Result<()> {
//!     let response = http::get(&params.url)?;
//!     log::info(format!("velocity {:?}: {} answered {}", ctx.velocity, params.url, response.status));
//!     Ok(())
//! }
//!
//! conductor_plugin::plugin! {
//!     capabilities: [Network],
//!     execute_with_context: execute,
//! }
//! # fn main() {}
//! ```
//!
//! The macro's keys, each optional except one of the execute keys, in any order:
//!
//! | key | function | export |
//! |---|---|---|
//! | `capabilities: [Network, Midi]` | — | `capabilities() -> i64`, always the packed `ptr << 32 \| len` form (see below) |
//! | `init: f` | `fn() -> Result<()>`; an error refuses the load | `init()` |
//! | `execute: f` | `fn(P) -> Result<()>` | `execute(ptr, len) -> i32` |
//! | `execute_with_context: f` | `fn(P, &TriggerContext) -> Result<()>` | `execute_with_context(...) -> i32` |
//! | `shutdown: f` | `fn() -> Result<()>`; an error is logged | `shutdown()` |
//!
//! `P` is the params type; use `serde_json::Value` to take anything, `()` for none.
//! Params that do not parse return [`Error::BAD_PARAMS`].
//!
//! The generated `capabilities()` always returns the JSON array of names as an `i64`
//! packing `ptr << 32 | len`, one of the three encodings the host accepts
//! (`docs/plugin-abi.md`): the only one that states the length, so the host neither
//! guesses the layout of a `Vec` header (the plugin guide's `Box<Vec<u8>>`) nor
//! searches for a NUL (the C form). A module without `capabilities:` exports no
//! `capabilities()` and declares none.

// Internal modules import only modules listed before them in this order: sys (the raw
// imports) · response · error (a `HostError` may hold a cut `Response`) · result (the
// host's result buffer → values or `HostError`s) · host_request · the public wrappers
// (http, midi, process, system, audio, log) · export.
mod capability;
mod context;
mod error;
mod host_request;
mod response;
mod result;

pub mod audio;
pub mod config;
pub mod http;
pub mod log;
pub mod midi;
pub mod output;
pub mod process;
pub mod sys;
pub mod system;
pub mod vars;
pub mod websocket;

#[doc(hidden)]
pub mod export;

pub use capability::Capability;
pub use context::TriggerContext;
pub use error::{Error, HostError, HostErrorKind, Result};

/// Re-exported so plugins need no direct serde_json dependency for `json!` and
/// `Value`.
pub use serde_json;

#[doc(hidden)]
pub use export as __export;

/// Generates the plugin's exports from ordinary functions. See the
/// [crate documentation](crate) for the keys.
///
/// ```no_run
/// fn run(params: serde_json::Value) -> conductor_plugin::Result<()> {
///     conductor_plugin::log::info(format!("params: {params}"));
///     Ok(())
/// }
///
/// conductor_plugin::plugin! {
///     execute: run,
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! plugin {
    ($($items:tt)*) => {
        $crate::__plugin_items! { $($items)* }
    };
}

/// One key of [`plugin!`] at a time.
#[doc(hidden)]
#[macro_export]
macro_rules! __plugin_items {
    () => {};
    (capabilities: [$($cap:ident),* $(,)?] $(, $($rest:tt)*)?) => {
        /// The capabilities this plugin declares, as a JSON array (`ptr << 32 | len`).
        #[unsafe(export_name = "capabilities")]
        pub extern "C" fn __conductor_capabilities() -> i64 {
            $crate::__export::capabilities(&[$($crate::Capability::$cap),*])
        }
        $crate::__plugin_items! { $($($rest)*)? }
    };
    (init: $f:path $(, $($rest:tt)*)?) => {
        /// Called once when the plugin is loaded.
        #[unsafe(export_name = "init")]
        pub extern "C" fn __conductor_init() {
            $crate::__export::init($f)
        }
        $crate::__plugin_items! { $($($rest)*)? }
    };
    (execute: $f:path $(, $($rest:tt)*)?) => {
        /// Runs the action with the params JSON at `params_ptr`.
        #[unsafe(export_name = "execute")]
        #[allow(clippy::not_unsafe_ptr_arg_deref)]
        pub extern "C" fn __conductor_execute(params_ptr: *const u8, params_len: usize) -> i32 {
            // SAFETY: the host passes a range of guest memory valid for the call.
            unsafe { $crate::__export::execute(params_ptr, params_len, $f) }
        }
        $crate::__plugin_items! { $($($rest)*)? }
    };
    (execute_with_context: $f:path $(, $($rest:tt)*)?) => {
        /// Runs the action with the params and trigger context JSON.
        #[unsafe(export_name = "execute_with_context")]
        #[allow(clippy::not_unsafe_ptr_arg_deref)]
        pub extern "C" fn __conductor_execute_with_context(
            params_ptr: *const u8,
            params_len: usize,
            context_ptr: *const u8,
            context_len: usize,
        ) -> i32 {
            // SAFETY: the host passes ranges of guest memory valid for the call.
            unsafe {
                $crate::__export::execute_with_context(params_ptr, params_len, context_ptr, context_len, $f)
            }
        }
        $crate::__plugin_items! { $($($rest)*)? }
    };
    (shutdown: $f:path $(, $($rest:tt)*)?) => {
        /// Called once before the plugin is unloaded.
        #[unsafe(export_name = "shutdown")]
        pub extern "C" fn __conductor_shutdown() {
            $crate::__export::shutdown($f)
        }
        $crate::__plugin_items! { $($($rest)*)? }
    };
}
