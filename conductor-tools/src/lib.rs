//! # Conductor tools
//!
//! What the `conductor` and `conductor-sign` command-line tools (and the Python
//! module's `generate_key` and `sign`) do on top of the engine, kept out of
//! `conductor-core` so that an application embedding the engine links only the runtime:
//!
//! * [`scaffold_plugin`]: a new plugin crate (`conductor plugin new`), with the
//!   `conductor-plugin` SDK vendored into it so it builds on any machine;
//! * [`install_plugin`]: checking a plugin and copying it into the plugin folder
//!   (`conductor plugin install`);
//! * [`PluginReport`]: what a `.wasm` file is, asks for and who signed it
//!   (`conductor plugin info`);
//! * [`signing`]: making keys, signing plugins and editing the trust store
//!   (`conductor-sign`). Verifying signatures and reading the trust store stay in
//!   `conductor_core::plugin::signing`, because the engine enforces them at load time;
//! * [`smf`]: writing Standard MIDI Files (reading them is `conductor_core::midi`).

mod install;
mod report;
mod scaffold;
pub mod signing;
pub mod smf;

pub use install::{default_install_dir, install_plugin, InstalledPlugin};
pub use report::PluginReport;
pub use scaffold::{scaffold_plugin, ScaffoldOptions, ScaffoldedPlugin, SdkSource};
