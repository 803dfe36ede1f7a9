//! `[plugins]`: sandbox defaults, per-plugin settings, and their merge.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::paths;
use super::reader::{self, Doc, Table, Value};
use super::size::parse_size;
use super::suggest::did_you_mean;
use crate::plugin::signing::SignaturePolicy;
use crate::plugin::{Capability, Grants, Limits, UnknownCapability};
use crate::Result;

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
        let mut out = ResolvedPluginSettings {
            limits: self.defaults.limits,
            grants: Vec::new(),
            allowed_hosts: Vec::new(),
            config: BTreeMap::new(),
        };
        for layer in layers {
            let limits = &mut out.limits;
            limits.fuel = layer.fuel.unwrap_or(limits.fuel);
            limits.memory_bytes = layer.memory_bytes.unwrap_or(limits.memory_bytes);
            limits.timeout = layer.timeout.unwrap_or(limits.timeout);
            limits.max_output_bytes = layer.max_output_bytes.unwrap_or(limits.max_output_bytes);
            limits.max_var_bytes = layer.max_var_bytes.unwrap_or(limits.max_var_bytes);
            for (key, value) in layer.config.iter().flatten() {
                out.config.insert(key.clone(), value.clone());
            }
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

/// The `[plugins]` keys that apply to every plugin: an input form, merged into
/// [`ResolvedPluginSettings`] with each plugin's [`PluginOverrides`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PluginDefaults {
    /// `fuel`, `memory` and `timeout_ms` (defaults: [`Limits::default`]).
    pub limits: Limits,
    /// Overrides the per-OS plugin data root (`plugin-data/`).
    pub data_dir: Option<PathBuf>,
    /// Where compiled modules are cached; `None` = the per-OS cache folder.
    pub cache_dir: Option<PathBuf>,
    /// What to do with unsigned plugins.
    pub signature_policy: SignaturePolicy,
}

/// The limits and grants that apply to one plugin after merging the `[plugins]`
/// defaults, its `[plugins.settings."..."]` table and the inline settings of the
/// actions that call it. The one resolved form of a plugin's settings: its limits are
/// the plugin host's [`Limits`], handed to the plugin as they are.
///
/// It holds what the config decides, and only that, so it compares with `==`: a reload
/// keeps a plugin's instance when its resolved settings (and its bytes) are unchanged.
/// The engine turns it into the [`PluginOptions`](crate::plugin::PluginOptions) of a
/// load by adding what only the embedding application supplies (callbacks, the
/// signature policy of `EngineOptions`, the plugin's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPluginSettings {
    /// Fuel, memory and deadline per call.
    pub limits: Limits,
    /// Approved capabilities beyond the automatic low-risk ones, in declaration order.
    pub grants: Vec<Capability>,
    /// Hosts the plugin may reach; empty = no restriction beyond the Network capability.
    pub allowed_hosts: Vec<String>,
    /// The plugin's static configuration (`config = { key = "value" }`), read by the
    /// plugin with `conductor.config_get`; later layers win key by key.
    pub config: BTreeMap<String, String>,
}

impl ResolvedPluginSettings {
    /// The grants as the plugin host's [`Grants`] type.
    pub fn grants(&self) -> Grants {
        self.grants.iter().copied().collect()
    }
}

/// Per-plugin limits and grants that override `[plugins]` defaults.
///
/// Every field is optional; `None` means "not set here".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PluginOverrides {
    /// Capabilities approved for the plugin (`grant = ["Filesystem"]`).
    pub grant: Option<Vec<Capability>>,
    /// Instruction budget per call.
    pub fuel: Option<u64>,
    /// Memory limit in bytes.
    pub memory_bytes: Option<u64>,
    /// Wall-clock limit per call.
    pub timeout: Option<Duration>,
    /// Hosts the plugin may reach with the Network capability.
    pub allowed_hosts: Option<Vec<String>>,
    /// Cap on the bytes one call returns (`max_output_bytes`).
    pub max_output_bytes: Option<usize>,
    /// Cap on the plugin's host-kept variables (`max_var_bytes`).
    pub max_var_bytes: Option<usize>,
    /// Static configuration the plugin reads with `conductor.config_get`
    /// (`config = { api_url = "https://..." }`; values are strings).
    pub config: Option<BTreeMap<String, String>>,
}

impl PluginOverrides {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == PluginOverrides::default()
    }
}

/// The keys a per-plugin table and an inline `WasmPlugin` action share.
pub(crate) const OVERRIDE_KEYS: [&str; 8] = [
    "grant",
    "fuel",
    "memory",
    "timeout_ms",
    "allowed_hosts",
    "max_output_bytes",
    "max_var_bytes",
    "config",
];

/// Reads the [`OVERRIDE_KEYS`] present in `t` (key checking is the caller's).
pub(crate) fn parse_overrides(doc: &Doc<'_>, t: &Table<'_, '_>) -> Result<PluginOverrides> {
    Ok(PluginOverrides {
        grant: t.get("grant").map(|v| parse_grants(doc, v)).transpose()?,
        fuel: t
            .get("fuel")
            .map(|v| reader::positive(doc, v, "`fuel`"))
            .transpose()?,
        memory_bytes: t.get("memory").map(|v| parse_memory(doc, v)).transpose()?,
        timeout: t
            .get("timeout_ms")
            .map(|v| reader::positive(doc, v, "`timeout_ms`").map(Duration::from_millis))
            .transpose()?,
        allowed_hosts: t
            .get("allowed_hosts")
            .map(|v| reader::string_list(doc, v, "`allowed_hosts`"))
            .transpose()?,
        max_output_bytes: t
            .get("max_output_bytes")
            .map(|v| parse_host_held(doc, v, "max_output_bytes"))
            .transpose()?,
        max_var_bytes: t
            .get("max_var_bytes")
            .map(|v| parse_host_held(doc, v, "max_var_bytes"))
            .transpose()?,
        config: t.get("config").map(|v| parse_config(doc, v)).transpose()?,
    })
}

/// Reads a plugin's `config` table: keys to string values.
fn parse_config(doc: &Doc<'_>, v: &Value<'_>) -> Result<BTreeMap<String, String>> {
    let table = Table::of(doc, v, "`config`")?;
    let mut config = BTreeMap::new();
    for (key, value) in table.entries_in_order() {
        let key: &str = key.get_ref();
        let what = format!("`config.{key}`");
        let text = match value.get_ref() {
            toml::de::DeValue::String(s) => s.to_string(),
            _ => {
                return Err(doc.error(
                    value.span(),
                    format!(
                        "{what} must be a string (plugins read config values as text); \
                         quote it: {key} = \"...\""
                    ),
                ))
            }
        };
        if key.is_empty() || key.len() > 256 {
            return Err(doc.error(
                value.span(),
                format!("{what}: a config key is 1 to 256 bytes long"),
            ));
        }
        config.insert(key.to_string(), text);
    }
    Ok(config)
}

/// Reads `max_output_bytes` or `max_var_bytes`: bytes as an integer, or a string with
/// a unit ("1 MiB"), at most [`Limits::MAX_HOST_HELD_BYTES`].
fn parse_host_held(doc: &Doc<'_>, v: &Value<'_>, key: &str) -> Result<usize> {
    let bytes = match v.get_ref() {
        toml::de::DeValue::String(s) => {
            parse_size(s).map_err(|e| doc.error(v.span(), format!("`{key}`: {e}")))?
        }
        _ => reader::int_in(
            doc,
            v,
            &format!("`{key}` (bytes, or a string like \"1 MiB\")"),
            0,
            u64::MAX as i128,
            "",
        )? as u64,
    };
    match usize::try_from(bytes) {
        Ok(b) if b <= Limits::MAX_HOST_HELD_BYTES => Ok(b),
        _ => Err(doc.error(
            v.span(),
            format!(
                "`{key}` is {bytes} bytes; allowed: 0 to {} bytes (64 MiB)",
                Limits::MAX_HOST_HELD_BYTES
            ),
        )),
    }
}

/// Reads `grant = ["Filesystem", ...]` into capabilities.
fn parse_grants(doc: &Doc<'_>, v: &Value<'_>) -> Result<Vec<Capability>> {
    if let Ok(name) = reader::string(doc, v, "`grant`") {
        return Err(doc.error(
            v.span(),
            format!("`grant` is a list: write `grant = [\"{name}\"]`"),
        ));
    }
    let mut caps = Vec::new();
    for item in reader::array(doc, v, "`grant`")? {
        let name = reader::string(doc, item, "each entry of `grant`")?;
        let cap: Capability = name.parse().map_err(|e: UnknownCapability| {
            let hint = did_you_mean(name, Capability::ALL.map(Capability::name))
                .map(|s| format!("; did you mean \"{s}\"?"))
                .unwrap_or_default();
            doc.error(item.span(), format!("{e}{hint}"))
        })?;
        if !caps.contains(&cap) {
            caps.push(cap);
        }
    }
    Ok(caps)
}

/// Reads a memory limit: bytes as an integer, or a string with a unit.
fn parse_memory(doc: &Doc<'_>, v: &Value<'_>) -> Result<u64> {
    let bytes = match v.get_ref() {
        toml::de::DeValue::String(s) => {
            parse_size(s).map_err(|e| doc.error(v.span(), format!("`memory`: {e}")))?
        }
        _ => reader::positive(doc, v, "`memory` (bytes, or a string like \"128 MiB\")")?,
    };
    if bytes < Limits::MIN_MEMORY_BYTES {
        return Err(doc.error(
            v.span(),
            format!(
                "`memory` is {bytes} bytes; a plugin needs at least one 64 KiB WebAssembly \
                 page (did you mean \"{bytes} MiB\"?)"
            ),
        ));
    }
    Ok(bytes)
}

/// Reads the `[plugins]` section.
pub(crate) fn parse(doc: &Doc<'_>, v: &Value<'_>) -> Result<PluginSettings> {
    let t = Table::of(doc, v, "`[plugins]`")?;
    t.allow_only(
        doc,
        &[
            "fuel",
            "memory",
            "timeout_ms",
            "data_dir",
            "cache_dir",
            "signature_policy",
            "settings",
            "max_output_bytes",
            "max_var_bytes",
        ],
    )?;
    let mut defaults = PluginDefaults::default();
    if let Some(v) = t.get("fuel") {
        defaults.limits.fuel = reader::positive(doc, v, "`fuel`")?;
    }
    if let Some(v) = t.get("memory") {
        defaults.limits.memory_bytes = parse_memory(doc, v)?;
    }
    if let Some(v) = t.get("timeout_ms") {
        defaults.limits.timeout = Duration::from_millis(reader::positive(doc, v, "`timeout_ms`")?);
    }
    if let Some(v) = t.get("max_output_bytes") {
        defaults.limits.max_output_bytes = parse_host_held(doc, v, "max_output_bytes")?;
    }
    if let Some(v) = t.get("max_var_bytes") {
        defaults.limits.max_var_bytes = parse_host_held(doc, v, "max_var_bytes")?;
    }
    let dir = |key: &str| -> Result<Option<PathBuf>> {
        t.get(key)
            .map(|v| {
                let text = reader::string(doc, v, &format!("`{key}`"))?;
                if text.trim().is_empty() {
                    return Err(doc.error(v.span(), format!("`{key}` is empty")));
                }
                Ok(paths::resolve(Path::new(text), doc.base_dir()))
            })
            .transpose()
    };
    defaults.data_dir = dir("data_dir")?;
    defaults.cache_dir = dir("cache_dir")?;
    if let Some(v) = t.get("signature_policy") {
        let name = reader::string(doc, v, "`signature_policy`")?;
        defaults.signature_policy = match name {
            "warn" => SignaturePolicy::Warn,
            "require" => SignaturePolicy::Require,
            "allow" => SignaturePolicy::Allow,
            _ => {
                let hint = did_you_mean(name, ["warn", "require", "allow"])
                    .map(|s| format!("did you mean \"{s}\"? "))
                    .unwrap_or_default();
                return Err(doc.error(
                    v.span(),
                    format!(
                        "unknown signature_policy \"{name}\"; {hint}(valid: \"warn\", \
                         \"require\", \"allow\")"
                    ),
                ));
            }
        };
    }

    let mut per_plugin = BTreeMap::new();
    if let Some(v) = t.get("settings") {
        let settings = Table::of(doc, v, "`[plugins.settings]`")?;
        for (key, value) in settings.entries_in_order() {
            let text: &str = key.get_ref();
            let what = format!("`[plugins.settings.\"{text}\"]`");
            let entry = Table::of(doc, value, &what)?;
            entry.allow_only(doc, &OVERRIDE_KEYS)?;
            let path = paths::resolve(Path::new(text), doc.base_dir());
            if per_plugin.contains_key(&path) {
                return Err(doc.error(
                    key.span(),
                    format!(
                        "{what} names the same plugin file as another entry ({}); merge them",
                        path.display()
                    ),
                ));
            }
            per_plugin.insert(path, parse_overrides(doc, &entry)?);
        }
    }
    Ok(PluginSettings {
        defaults,
        per_plugin,
    })
}
