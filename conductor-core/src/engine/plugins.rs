//! The plugins a config uses: loaded once per path, kept across reloads when the file
//! and settings are unchanged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::callbacks::ApprovalRequest;
use super::EngineOptions;
use crate::config::{Config, ResolvedPluginSettings};
use crate::plugin::{
    plugin_name, Grants, Limits, Plugin, PluginHost, PluginOptions, PluginServices,
};
use crate::{Error, Result};

pub(crate) struct LoadedPlugin {
    pub(crate) plugin: Plugin,
    sha256: [u8; 32],
    options_key: String,
}

/// The plugins of one config, by absolute path.
#[derive(Default)]
pub(crate) struct PluginSet {
    plugins: HashMap<PathBuf, LoadedPlugin>,
}

impl PluginSet {
    /// Loads every plugin `config` references, taking unchanged ones from `previous`.
    /// Problems with all plugins are reported together.
    pub(crate) fn load(
        host: &PluginHost,
        config: &Config,
        options: &EngineOptions,
        previous: &mut PluginSet,
    ) -> Result<PluginSet> {
        let mut set = PluginSet::default();
        let mut errors = Vec::new();
        for path in config.wasm_plugin_paths() {
            match load_one(host, config, options, &path, previous) {
                Ok(p) => {
                    set.plugins.insert(path, p);
                }
                Err(e) => errors.push(e),
            }
        }
        match errors.len() {
            0 => Ok(set),
            1 => Err(errors.pop().expect("one error")),
            n => Err(Error::PluginLoad {
                plugin: format!("{n} plugins"),
                reason: errors
                    .iter()
                    .map(|e| format!("\n  - {e}"))
                    .collect::<String>(),
            }),
        }
    }

    pub(crate) fn get_mut(&mut self, path: &Path) -> Option<&mut Plugin> {
        self.plugins.get_mut(path).map(|p| &mut p.plugin)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Plugin> {
        self.plugins.values().map(|p| &p.plugin)
    }

    /// Calls every plugin's `shutdown()` (once: later calls do nothing).
    pub(crate) fn shutdown_all(&mut self) -> Vec<Error> {
        self.plugins
            .values_mut()
            .filter_map(|p| p.plugin.shutdown().err())
            .collect()
    }
}

fn load_one(
    host: &PluginHost,
    config: &Config,
    options: &EngineOptions,
    path: &Path,
    previous: &mut PluginSet,
) -> Result<LoadedPlugin> {
    let name = plugin_name(path);
    let settings = config.plugin_settings_for(path);
    let mut grants = settings
        .grants()
        .extend(options.grants.iter().copied())
        .extend(
            options
                .plugin_grants
                .get(&name)
                .into_iter()
                .flatten()
                .copied(),
        );
    let wasm = std::fs::read(path).map_err(|e| {
        Error::plugin_load(
            &name,
            format!(
                "cannot read {}: {e} (build it with `cargo build --target wasm32-wasip1 --release`, or fix the path)",
                path.display()
            ),
        )
    })?;
    let sha256: [u8; 32] = Sha256::digest(&wasm).into();
    let options_key = format!("{settings:?}|{grants:?}|{:?}", options.signature_policy);
    if let Some(old) = previous.plugins.remove(path) {
        if old.sha256 == sha256 && old.options_key == options_key {
            return Ok(old);
        }
    }
    let signature_policy = options
        .signature_policy
        .unwrap_or(config.plugins.defaults.signature_policy);
    let plugin_options = |grants: Grants| PluginOptions {
        limits: limits_of(&settings),
        grants,
        data_dir: None,
        name: Some(name.clone()),
        signature_policy,
        services: PluginServices {
            midi_out: options.callbacks.on_midi_out.clone(),
            host_request: options.callbacks.on_host_request.clone(),
            allowed_hosts: settings.allowed_hosts.clone(),
            ..PluginServices::default()
        },
    };
    let plugin = match host.load_file_bytes(path, &wasm, plugin_options(grants)) {
        Err(Error::CapabilityDenied { .. }) if options.callbacks.approve.is_some() => {
            let approve = options.callbacks.approve.as_ref().expect("checked");
            let info = host.inspect(path)?;
            let needed = info.capabilities.union(info.import_capabilities());
            for cap in grants.missing(needed).iter() {
                let request = ApprovalRequest {
                    plugin: name.clone(),
                    path: path.to_path_buf(),
                    capability: cap,
                };
                if approve(&request) {
                    grants = grants.with(cap);
                }
            }
            host.load_file_bytes(path, &wasm, plugin_options(grants))?
        }
        other => other?,
    };
    Ok(LoadedPlugin {
        plugin,
        sha256,
        options_key,
    })
}

fn limits_of(settings: &ResolvedPluginSettings) -> Limits {
    Limits {
        fuel: settings.fuel,
        memory_bytes: settings.memory_bytes,
        timeout: settings.timeout,
        ..Limits::default()
    }
}
