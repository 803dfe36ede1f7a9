//! Helpers shared by the workspace's integration tests and benches. Each test file
//! names it `support` (`use conductor_test_support as support;`).
//!
//! * [`plugin_wasm`] builds the plugins in `examples/plugins/` and
//!   `tests/fixtures/plugins/` for `wasm32-wasip1` (once per test process, serialized
//!   across test binaries) and returns the path of one `.wasm`.
//! * [`wat_module`] and the `*_WAT` constants make small hand-written modules for cases
//!   a Rust plugin cannot express (a missing `execute`, a forbidden import).
//! * [`temp_dir`], [`write_file`] and [`fixture`] handle files on disk.
//! * [`jack`] starts a JACK server with the dummy driver and drives JACK's tools.
//! * [`CountingAllocator`] counts allocations, for tests that prove a path allocates
//!   nothing.

mod allocations;
mod files;
pub mod jack;
mod plugins;
mod wat_modules;

pub use allocations::{allocations, allocations_in, count_this_thread, CountingAllocator};
pub use files::{fixture, repo_root, temp_dir, write_file};
pub use plugins::{
    clear_outer_build_env, fixture_plugins_dir, plugin_bytes, plugin_wasm, plugins_dir, WASM_TARGET,
};
pub use wat_modules::{
    wat_file, wat_module, BARE_EXECUTE_WAT, EVIL_IMPORT_WAT, NO_EXECUTE_WAT, WASM_MAGIC,
    WRONG_SIGNATURE_WAT,
};
