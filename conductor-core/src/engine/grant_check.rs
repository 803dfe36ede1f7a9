//! The warning about grants for plugins the config does not use.

use super::EngineOptions;
use crate::config::Config;
use crate::plugin::plugin_name;

impl EngineOptions {
    /// One warning per plugin name in [`EngineOptions::plugin_grants`] that `config`
    /// does not use, listing the plugins it does: a misspelt name would otherwise go
    /// unnoticed until the plugin it was meant for is refused. The engine logs these
    /// when it is built and at each reload, for every front end.
    pub fn unused_plugin_grants(&self, config: &Config) -> Vec<String> {
        let known: Vec<String> = config
            .wasm_plugin_paths()
            .iter()
            .map(|p| plugin_name(p))
            .collect();
        let mut unknown: Vec<&String> = self
            .plugin_grants
            .keys()
            .filter(|name| !known.contains(name))
            .collect();
        unknown.sort();
        let used = if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        };
        unknown
            .into_iter()
            .map(|name| {
                format!(
                    "a grant names plugin {name} (--grant {name}=...), but the config uses no \
                     plugin called {name} (its plugins: {used}); a plugin's name is its file \
                     name without .wasm"
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::plugin::Capability;

    #[test]
    fn names_only_the_plugins_the_config_does_not_use() {
        let config = Config::from_toml_str(
            "[[modes]]\nname = \"M\"\n[[modes.mappings]]\ntrigger = { Note = { note = 1 } }\n\
             action = { WasmPlugin = { path = \"plugins/logger.wasm\" } }\n",
            Path::new("/cfg"),
        )
        .unwrap();
        let mut options = EngineOptions::default();
        for name in ["logger", "loger"] {
            options
                .plugin_grants
                .insert(name.into(), vec![Capability::Filesystem]);
        }
        let warnings = options.unused_plugin_grants(&config);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("no plugin called loger (its plugins: logger)"),
            "{}",
            warnings[0]
        );
    }
}
