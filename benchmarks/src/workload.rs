//! The work every contender does: the same `.wasm` files, params and MIDI.

/// The params of the plugin guide's first example (`my-midi-plugin`), sent to the
/// no-op and guide plugins.
pub const GUIDE_PARAMS: &[u8] = br#"{"message": "Hello from MIDI!"}"#;

/// 200 bytes of JSON, a typical mapping's params, parsed by `json-params-plugin`.
pub const SCENE_PARAMS: &[u8] = br#"{"action":"scene","scene":"Verse 2 - reprise","target":"lights-front1","intensity":0.75,"fade_ms":250,"tags":["stage","warm"],"color":{"r":255,"g":180,"b":90},"enabled":true,"velocity_curve":"linear"}"#;

/// A trigger context as the engine builds it for a note.
pub const CONTEXT: &[u8] = br#"{"velocity":100,"mode":0,"mode_name":"Default","note":60,"channel":0,"cc":null,"value":null,"trigger":"Note","timestamp_us":0,"port":null}"#;

/// Note-on, middle C, velocity 100: fires the engine comparison's mapping.
pub const NOTE_ON: [u8; 3] = [0x90, 60, 100];

/// Plugin workloads of the call comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginWork {
    /// `noop-plugin`: returns at once; measures the host's own cost.
    Noop,
    /// `my-midi-plugin`: the guide's first plugin (parses params, prints a line).
    Guide,
    /// `json-params-plugin`: parses [`SCENE_PARAMS`].
    JsonParams,
}

impl PluginWork {
    /// The example plugin crate that does this work.
    pub fn crate_name(self) -> &'static str {
        match self {
            PluginWork::Noop => "noop-plugin",
            PluginWork::Guide => "my-midi-plugin",
            PluginWork::JsonParams => "json-params-plugin",
        }
    }

    /// The params it is called with.
    pub fn params(self) -> &'static [u8] {
        match self {
            PluginWork::Noop | PluginWork::Guide => GUIDE_PARAMS,
            PluginWork::JsonParams => SCENE_PARAMS,
        }
    }

    /// The export of the Extism plugin that does the same work.
    pub fn extism_function(self) -> &'static str {
        match self {
            PluginWork::Noop => "noop",
            PluginWork::Guide => "execute",
            PluginWork::JsonParams => "json_params",
        }
    }

    /// A short label for tables: `no-op`, `guide plugin`, `200 B JSON params`.
    pub fn label(self) -> &'static str {
        match self {
            PluginWork::Noop => "no-op plugin",
            PluginWork::Guide => "the guide's first plugin",
            PluginWork::JsonParams => "200-byte JSON params",
        }
    }

    /// The worker's name for it (`noop`, `guide`, `json`).
    pub fn id(self) -> &'static str {
        match self {
            PluginWork::Noop => "noop",
            PluginWork::Guide => "guide",
            PluginWork::JsonParams => "json",
        }
    }
}

/// A config whose one mapping runs `noop_wasm` on note 60, as the engine comparison
/// uses from Rust, C and Python.
pub fn noop_engine_config(noop_wasm: &std::path::Path) -> String {
    format!(
        "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = {path}, params = {{ message = \"Hello from MIDI!\" }} }} }}\n",
        path = toml_string(&noop_wasm.display().to_string())
    )
}

/// `s` as a TOML basic string.
pub fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scene_params_are_200_bytes_of_json() {
        assert_eq!(SCENE_PARAMS.len(), 200);
        let v: serde_json::Value = serde_json::from_slice(SCENE_PARAMS).unwrap();
        assert_eq!(v["intensity"], 0.75);
        serde_json::from_slice::<serde_json::Value>(GUIDE_PARAMS).unwrap();
        serde_json::from_slice::<serde_json::Value>(CONTEXT).unwrap();
    }

    #[test]
    fn engine_config_quotes_the_plugin_path() {
        let toml = noop_engine_config(std::path::Path::new("/tmp/a \"b\".wasm"));
        assert!(toml.contains(r#"path = "/tmp/a \"b\".wasm""#), "{toml}");
    }
}
