//! The plugins a config uses: loaded once per path, kept across reloads when the file
//! and settings are unchanged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::callbacks::ApprovalRequest;
use super::worker::PluginWorker;
use super::EngineOptions;
use crate::config::{Config, ResolvedPluginSettings};
use crate::plugin::signing::{signature_path, SignaturePolicy};
use crate::plugin::{plugin_name, Grants, PluginHost, PluginOptions, PluginServices};
use crate::{Error, Result};

#[derive(Clone)]
pub(crate) struct LoadedPlugin {
    worker: Arc<PluginWorker>,
    reuse: ReuseKey,
}

/// What decides whether a plugin loaded for the previous config serves the next one
/// as it is: the same bytes and the same signature file, loaded with the same settings,
/// grants and signature policy. Anything else loads it afresh (and `init` runs again):
/// a plugin rebuilt at the same path, or signed anew, is checked against the signature
/// policy again and gets a new instance.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReuseKey {
    sha256: [u8; 32],
    /// SHA-256 of the `.wasm.sig` beside the plugin; `None` when there is none.
    signature_sha256: Option<[u8; 32]>,
    settings: ResolvedPluginSettings,
    grants: Grants,
    signature_policy: Option<SignaturePolicy>,
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
        previous: &PluginSet,
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

    /// The worker running the plugin at `path`.
    pub(crate) fn worker(&self, path: &Path) -> Option<Arc<PluginWorker>> {
        self.plugins.get(path).map(|p| p.worker.clone())
    }

    pub(crate) fn workers(&self) -> impl Iterator<Item = &Arc<PluginWorker>> {
        self.plugins.values().map(|p| &p.worker)
    }

    /// The workers of `self` that `next` does not use.
    pub(crate) fn dropped_by(&self, next: &PluginSet) -> Vec<Arc<PluginWorker>> {
        self.workers()
            .filter(|w| !next.workers().any(|n| Arc::ptr_eq(w, n)))
            .cloned()
            .collect()
    }

    /// Tells every worker to finish its queued calls and call the plugin's
    /// `shutdown()`, without waiting.
    pub(crate) fn stop_all(&self) {
        self.workers().for_each(|w| w.stop());
    }

    /// Stops every worker and waits for them; returns the `shutdown()` errors.
    pub(crate) fn shutdown_all(&self) -> Vec<Error> {
        self.stop_all();
        self.workers().filter_map(|w| w.join().err()).collect()
    }
}

fn load_one(
    host: &PluginHost,
    config: &Config,
    options: &EngineOptions,
    path: &Path,
    previous: &PluginSet,
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
    let signature_sha256 = std::fs::read(signature_path(path))
        .ok()
        .map(|sig| Sha256::digest(&sig).into());
    let reuse = ReuseKey {
        sha256,
        signature_sha256,
        settings: settings.clone(),
        grants,
        signature_policy: options.signature_policy,
    };
    if let Some(old) = previous.plugins.get(path) {
        if old.reuse == reuse {
            return Ok(old.clone());
        }
    }
    let signature_policy = options
        .signature_policy
        .unwrap_or(config.plugins.defaults.signature_policy);
    // MIDI a plugin sends carries the time of the event its call serves.
    let event_time = Arc::new(AtomicU64::new(0));
    let midi_out = options.callbacks.on_midi_out.clone().map(|out| {
        let event_time = event_time.clone();
        Arc::new(move |bytes: &[u8]| out(bytes, event_time.load(Ordering::Relaxed)))
            as crate::plugin::MidiSink
    });
    let plugin_options = |grants: Grants| PluginOptions {
        limits: settings.limits,
        grants,
        data_dir: None,
        name: Some(name.clone()),
        signature_policy,
        services: PluginServices {
            midi_out: midi_out.clone(),
            host_request: options.callbacks.on_host_request.clone(),
            allowed_hosts: settings.allowed_hosts.clone(),
            config: settings.config.clone(),
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
        worker: Arc::new(PluginWorker::start(plugin, event_time)?),
        reuse,
    })
}
