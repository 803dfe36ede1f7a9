//! [`HostSettings`]: the plugin host's settings as a front end receives them, merged
//! with the defaults in one place.

use std::path::{Path, PathBuf};

use super::signing::TrustStore;
use super::{default_cache_dir, default_data_root, HostConfig};
use crate::log::{default_sink, SharedLogSink};

/// Host settings an application, a script or a command line may give, each optional:
/// the input form of [`HostConfig`]. The CLI, the Python module and the C ABI's engine
/// builders all turn theirs into a [`HostConfig`] with [`HostSettings::resolve`], so a
/// folder left out means the same default everywhere.
///
/// ```
/// use conductor_core::plugin::{HostConfig, HostSettings};
/// let config = HostSettings { cache_dir: Some("/tmp/c".into()), ..HostSettings::default() }
///     .resolve();
/// assert_eq!(config.cache_dir.as_deref(), Some(std::path::Path::new("/tmp/c")));
/// assert_eq!(config.data_root, HostConfig::default().data_root);
/// ```
#[derive(Clone, Default)]
pub struct HostSettings {
    /// Where compiled modules are cached; `None`: the per-OS cache folder.
    pub cache_dir: Option<PathBuf>,
    /// Root of the plugins' data folders; `None`: `CONDUCTOR_PLUGIN_DATA_DIR` or the
    /// per-OS data folder.
    pub data_root: Option<PathBuf>,
    /// The trust store file; `None`: `~/.conductor/trusted_keys.toml`.
    pub trust_store: Option<PathBuf>,
    /// Where log lines go; `None`: stderr.
    pub log_sink: Option<SharedLogSink>,
}

impl HostSettings {
    /// The host config: each setting given here, else its default. (An engine then
    /// lets the config's `[plugins] data_dir` and `cache_dir` replace folders left at
    /// their defaults.)
    pub fn resolve(self) -> HostConfig {
        HostConfig {
            cache_dir: self.cache_dir.or_else(default_cache_dir),
            data_root: self.data_root.or_else(default_data_root),
            trust_store: self.trust_store.or_else(TrustStore::default_path),
            log_sink: self.log_sink.unwrap_or_else(default_sink),
        }
    }
}

impl HostConfig {
    /// This config with the folders a config file names (`[plugins] data_dir` and
    /// `cache_dir`) in place of those left at their defaults: a folder the application
    /// set wins, a config's folder wins over `CONDUCTOR_PLUGIN_DATA_DIR` and the per-OS
    /// defaults. The one merge of host folders, used when an engine is built.
    pub fn with_config_folders(
        &self,
        data_dir: Option<&Path>,
        cache_dir: Option<&Path>,
    ) -> HostConfig {
        let pick = |set: &Option<PathBuf>, default: Option<PathBuf>, from_config: Option<&Path>| {
            match from_config {
                Some(dir) if *set == default => Some(dir.to_path_buf()),
                _ => set.clone(),
            }
        };
        HostConfig {
            data_root: pick(&self.data_root, default_data_root(), data_dir),
            cache_dir: pick(&self.cache_dir, default_cache_dir(), cache_dir),
            ..self.clone()
        }
    }
}

impl std::fmt::Debug for HostSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostSettings")
            .field("cache_dir", &self.cache_dir)
            .field("data_root", &self.data_root)
            .field("trust_store", &self.trust_store)
            .field("log_sink", &self.log_sink.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_folder_replaces_a_default_but_not_a_folder_the_application_set() {
        let from_config = Path::new("/config/data");
        let defaults = HostSettings::default().resolve();
        let merged = defaults.with_config_folders(Some(from_config), None);
        assert_eq!(merged.data_root.as_deref(), Some(from_config));
        assert_eq!(merged.cache_dir, defaults.cache_dir);

        let set = HostSettings {
            data_root: Some("/app/data".into()),
            ..HostSettings::default()
        }
        .resolve();
        let merged = set.with_config_folders(Some(from_config), None);
        assert_eq!(merged.data_root.as_deref(), Some(Path::new("/app/data")));
    }
}
