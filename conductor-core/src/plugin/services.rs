//! What a plugin's host functions reach outside the sandbox: the MIDI output, the
//! embedding application's handler for SystemControl and Audio requests, and the
//! network policy. The engine fills these from its callbacks and the config; a
//! standalone [`Plugin`](super::Plugin) gets them through
//! [`PluginOptions::services`](super::PluginOptions::services).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::Capability;

/// Receives the MIDI messages a plugin sends with `conductor.midi_send` (one complete
/// message per call). The engine passes its `on_midi_out` callback, the same sink
/// `SendMidi` actions use.
pub type MidiSink = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// Handles SystemControl and Audio requests. `Ok(value)` is handed back to the plugin
/// as JSON (`Value::Null` when there is nothing to say); `Err(message)` refuses the
/// request and the plugin sees the message.
pub type HostRequestHandler =
    Arc<dyn Fn(&HostRequest) -> std::result::Result<Value, String> + Send + Sync>;

/// Default cap on an HTTP response body and on each output stream of a command a
/// plugin runs: 8 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// A request a plugin makes through `conductor.system_request` (SystemControl:
/// keystrokes, volume, launching apps) or `conductor.audio_request` (Audio: cues,
/// levels). What the data means is between the plugin and the embedding application.
///
/// ```
/// use conductor_core::plugin::{Capability, HostRequest};
/// let request = HostRequest {
///     plugin: "volume".into(),
///     capability: Capability::SystemControl,
///     data: serde_json::json!({"action": "volume", "level": 40}),
/// };
/// assert_eq!(request.to_json()["capability"], "SystemControl");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HostRequest {
    /// The plugin's name.
    pub plugin: String,
    /// [`Capability::SystemControl`] or [`Capability::Audio`].
    pub capability: Capability,
    /// The JSON the plugin sent.
    pub data: Value,
}

impl HostRequest {
    /// One JSON object: `{"plugin": ..., "capability": ..., "data": ...}`.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("plugin".into(), Value::String(self.plugin.clone()));
        obj.insert(
            "capability".into(),
            Value::String(self.capability.name().into()),
        );
        obj.insert("data".into(), self.data.clone());
        Value::Object(obj)
    }
}

/// The outside world one plugin's host functions may reach. Every part is optional:
/// without a MIDI sink `midi_send` reports "unavailable", without a handler so do
/// `system_request` and `audio_request`.
///
/// Given once per load, inside [`PluginOptions`](super::PluginOptions), and kept for
/// the plugin's whole life (every instance after a trap sees the same services). The
/// host's own per-plugin, per-instance and per-call state lives in `host_functions`.
///
/// ```
/// use std::sync::Arc;
/// use conductor_core::plugin::{PluginOptions, PluginServices};
/// let options = PluginOptions::default().with_services(
///     PluginServices::default()
///         .with_midi_out(Some(Arc::new(|bytes: &[u8]| println!("MIDI out: {bytes:02X?}"))))
///         .with_allowed_hosts(vec!["api.example.com".into(), "*.example.org".into()]),
/// );
/// # let _ = options;
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct PluginServices {
    /// Where `midi_send` delivers MIDI messages.
    pub midi_out: Option<MidiSink>,
    /// Who answers `system_request` and `audio_request`.
    pub host_request: Option<HostRequestHandler>,
    /// Hosts `http_request` may reach. Empty: any public host. Entries are host names
    /// or IP addresses (`api.example.com`, `127.0.0.1`, `[::1]`), optionally with a port
    /// (`localhost:8080`); `*.example.com` matches every subdomain of `example.com`.
    /// Redirects are checked against the list too. Loopback, private and link-local
    /// addresses (checked after DNS resolution) are reached only through an exact,
    /// non-wildcard entry naming the host.
    pub allowed_hosts: Vec<String>,
    /// Cap on an HTTP response body and on each output stream of a command. A larger
    /// HTTP body is cut at the cap and the call reports an error; command output is
    /// cut and marked truncated.
    pub max_response_bytes: usize,
    /// Static configuration the plugin reads with `conductor.config_get(key)`: keys,
    /// URLs, secrets, given without rebuilding the plugin (the config's per-plugin
    /// `config` table). Only this plugin sees it.
    pub config: BTreeMap<String, String>,
}

crate::builder::with_methods!(PluginServices {
    with_midi_out => midi_out: Option<MidiSink>,
    with_host_request => host_request: Option<HostRequestHandler>,
    with_allowed_hosts => allowed_hosts: Vec<String>,
    with_max_response_bytes => max_response_bytes: usize,
    with_config => config: BTreeMap<String, String>,
});

impl Default for PluginServices {
    fn default() -> Self {
        Self {
            midi_out: None,
            host_request: None,
            allowed_hosts: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            config: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for PluginServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginServices")
            .field("midi_out", &self.midi_out.is_some())
            .field("host_request", &self.host_request.is_some())
            .field("allowed_hosts", &self.allowed_hosts)
            .field("max_response_bytes", &self.max_response_bytes)
            // Values may be secrets: only the keys are shown.
            .field("config", &self.config.keys().collect::<Vec<_>>())
            .finish()
    }
}
