//! `[plugins]`: sandbox defaults, per-plugin settings, and their merge.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::action::PluginOverrides;
use crate::plugin::{Capability, Grants};

/// Everything under `[plugins]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PluginSettings {
    /// Limits and folders that apply to every plugin.
    pub defaults: PluginDefaults,
    /// `[plugins.settings."path/to/x.wasm"]` tables, keyed by the absolute plugin path.
    pub per_plugin: BTreeMap<PathBuf, PluginOverrides>,
}

impl PluginSettings {
    /// Merges the defaults with `layers`, later layers winning for limits; grants and
    /// allowed hosts accumulate without duplicates.
    pub(crate) fn resolve<'a>(
        &self,
        layers: impl IntoIterator<Item = &'a PluginOverrides>,
    ) -> ResolvedPluginSettings {
        let d = &self.defaults;
        let mut out = ResolvedPluginSettings {
            fuel: d.fuel,
            memory_bytes: d.memory_bytes,
            timeout: d.timeout,
            grants: Vec::new(),
            allowed_hosts: Vec::new(),
        };
        for layer in layers {
            out.fuel = layer.fuel.unwrap_or(out.fuel);
            out.memory_bytes = layer.memory_bytes.unwrap_or(out.memory_bytes);
            out.timeout = layer.timeout.unwrap_or(out.timeout);
            for cap in layer.grant.iter().flatten() {
                if !out.grants.contains(cap) {
                    out.grants.push(*cap);
                }
            }
            for host in layer.allowed_hosts.iter().flatten() {
                if !out.allowed_hosts.contains(host) {
                    out.allowed_hosts.push(host.clone());
                }
            }
        }
        out.grants.sort();
        out
    }
}

/// The `[plugins]` keys that apply to every plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginDefaults {
    /// Instruction budget per call (default 100,000,000).
    pub fuel: u64,
    /// Memory limit per plugin in bytes (default 128 MiB).
    pub memory_bytes: u64,
    /// Wall-clock limit per call (default 5000 ms).
    pub timeout: Duration,
    /// Overrides the per-OS plugin data root (`plugin-data/`).
    pub data_dir: Option<PathBuf>,
    /// Where compiled modules are cached; `None` = the per-OS cache folder.
    pub cache_dir: Option<PathBuf>,
    /// What to do with unsigned plugins.
    pub signature_policy: SignaturePolicy,
}

impl PluginDefaults {
    /// Default fuel per call.
    pub const DEFAULT_FUEL: u64 = 100_000_000;
    /// Default memory limit.
    pub const DEFAULT_MEMORY_BYTES: u64 = 128 * 1024 * 1024;
    /// Default wall-clock limit per call.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(5000);
}

impl Default for PluginDefaults {
    fn default() -> Self {
        PluginDefaults {
            fuel: Self::DEFAULT_FUEL,
            memory_bytes: Self::DEFAULT_MEMORY_BYTES,
            timeout: Self::DEFAULT_TIMEOUT,
            data_dir: None,
            cache_dir: None,
            signature_policy: SignaturePolicy::default(),
        }
    }
}

/// Whether unsigned plugins load. A present but invalid signature always refuses the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignaturePolicy {
    /// Unsigned plugins load with a warning (`"warn"`, the default).
    #[default]
    Warn,
    /// Only plugins with a valid, trusted signature load (`"require"`).
    Require,
    /// Unsigned plugins load silently (`"allow"`).
    Allow,
}

impl SignaturePolicy {
    /// The name as written in configs.
    pub fn name(self) -> &'static str {
        match self {
            SignaturePolicy::Warn => "warn",
            SignaturePolicy::Require => "require",
            SignaturePolicy::Allow => "allow",
        }
    }
}

/// The limits and grants that apply to one plugin after merging the `[plugins]`
/// defaults, its `[plugins.settings."..."]` table and the inline settings of the
/// actions that call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPluginSettings {
    /// Instruction budget per call.
    pub fuel: u64,
    /// Memory limit in bytes.
    pub memory_bytes: u64,
    /// Wall-clock limit per call.
    pub timeout: Duration,
    /// Approved capabilities beyond the automatic low-risk ones, in declaration order.
    pub grants: Vec<Capability>,
    /// Hosts the plugin may reach; empty = no restriction beyond the Network capability.
    pub allowed_hosts: Vec<String>,
}

impl ResolvedPluginSettings {
    /// The grants as the plugin host's [`Grants`] type.
    pub fn grants(&self) -> Grants {
        self.grants.iter().copied().collect()
    }
}
