//! What every command that loads plugins shares: the log, the grants, the signature
//! policy and the trust store, turned into conductor-core's options.

use std::path::PathBuf;

use conductor_core::config::{Action, Config};
use conductor_core::engine::EngineCallbacks;
use conductor_core::plugin::signing::{SignaturePolicy, TrustStore};
use conductor_core::plugin::{HostConfig, HostSettings};
use conductor_core::EngineOptions;

use crate::args::CommonArgs;
use crate::grants::CliGrants;
use crate::logging::{self, Log};

/// The settings from the command line that apply to every command.
#[derive(Clone)]
pub struct Session {
    /// The log on stderr.
    pub log: Log,
    /// `--grant` arguments.
    pub grants: CliGrants,
    /// `--signature-policy`, when given.
    pub signature_policy: Option<SignaturePolicy>,
    /// The trust store: `--trust-store`, `CONDUCTOR_TRUST_STORE` or the default.
    pub trust_store: Option<PathBuf>,
}

impl Session {
    /// Reads the common arguments and the `DEBUG` variable.
    pub fn new(common: &CommonArgs) -> Self {
        let debug = std::env::var_os(logging::DEBUG_ENV);
        let level = logging::host_level(common.verbose, common.quiet, debug.as_deref());
        Session {
            log: Log::new(level),
            grants: CliGrants::new(&common.grant),
            signature_policy: common.signature_policy,
            trust_store: common.trust_store.clone().or_else(TrustStore::default_path),
        }
    }

    /// The plugin host's settings: default cache and data folders, this log, this
    /// trust store.
    pub fn host_config(&self) -> HostConfig {
        HostSettings {
            log_sink: Some(self.log.sink()),
            trust_store: self.trust_store.clone(),
            ..HostSettings::default()
        }
        .resolve()
    }

    /// The policy for commands that have no config (`plugin install`): the flag, else
    /// `warn`.
    pub fn policy_or_default(&self) -> SignaturePolicy {
        self.signature_policy.unwrap_or_default()
    }

    /// Engine options: grants from `--grant` (announced on the log, so that nothing
    /// that needs approval is granted unseen; the engine warns about grants naming a
    /// plugin the config does not use), the signature policy, and `callbacks`. No
    /// approval callback is set: a plugin asking for a capability that neither the
    /// config nor `--grant` approves does not load.
    pub fn engine_options(&self, callbacks: EngineCallbacks) -> EngineOptions {
        for line in self.grants.announcements() {
            self.log.info(&line);
        }
        EngineOptions::default()
            .with_host_config(self.host_config())
            .with_grants(self.grants.global.clone())
            .with_plugin_grants(self.grants.per_plugin.clone())
            .with_callbacks(callbacks)
            .with_signature_policy(self.signature_policy)
    }
}

/// Whether any mapping of `config` sends MIDI to the default output (a `SendMidi`
/// without a `port`, or any `SendMidi` when the config has no `[[devices]]`).
pub fn sends_midi(config: &Config) -> bool {
    let mut found = false;
    let no_devices = config.devices.is_empty();
    for (_, mapping) in config.all_mappings() {
        mapping.action.visit(&mut |a| {
            found |= matches!(a, Action::SendMidi(s) if s.port.is_none() || no_devices)
        });
    }
    found
}
