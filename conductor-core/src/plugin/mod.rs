//! The sandboxed WebAssembly plugin host.
//!
//! [`PluginHost`] owns one wasmtime engine shared by every plugin; [`Plugin`] is one
//! loaded plugin with a persistent instance. The guest ABI is documented in
//! `docs/plugin-abi.md`.

mod capability;
mod data_dir;
mod epoch;
mod guest_abi;
mod host;
mod host_functions;
mod host_settings;
mod instance;
mod limits;
mod load;
mod module_cache;
mod module_check;
mod output;
mod probe;
mod sandbox;
mod services;
mod shared;
pub mod signing;

pub use capability::{Capability, CapabilitySet, Grants, RiskLevel, UnknownCapability};
pub use data_dir::{default_data_root, DATA_DIR_ENV};
#[doc(hidden)]
pub use guest_abi::fuzzing;
pub use host::{plugin_name, HostConfig, PluginHost, PluginInfo, PluginOptions};
pub use host_functions::HostErrorCode;
pub use host_settings::HostSettings;
pub use instance::{Plugin, PluginCanceller};
pub use limits::{
    Limits, DEFAULT_FUEL, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_VAR_BYTES, DEFAULT_MEMORY_BYTES,
    DEFAULT_OUTPUT_BYTES_PER_CALL, DEFAULT_TIMEOUT,
};
pub use module_cache::{default_cache_dir, ModuleSource};
pub use module_check::{HOST_MODULE, WASI_MODULE};
pub use services::{
    HostRequest, HostRequestHandler, MidiSink, PluginServices, DEFAULT_MAX_RESPONSE_BYTES,
};
pub use shared::SharedPlugin;
