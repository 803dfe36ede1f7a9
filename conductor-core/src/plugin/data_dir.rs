//! Where each plugin keeps its files: the per-OS data root and, under it, one folder
//! per plugin named after its identity (see [`plugin_data_dir`]). The sandbox mounts
//! that folder; host-kept variables are stored beside it.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Environment variable that overrides the plugin data root.
pub const DATA_DIR_ENV: &str = "CONDUCTOR_PLUGIN_DATA_DIR";

/// The per-OS root under which each plugin gets its own folder:
///
/// | OS | root |
/// |---|---|
/// | Linux | `$XDG_DATA_HOME/conductor/plugin-data` or `~/.local/share/conductor/plugin-data` |
/// | macOS | `~/Library/Application Support/conductor/plugin-data` |
/// | Windows | `%APPDATA%\conductor\plugin-data` |
///
/// `CONDUCTOR_PLUGIN_DATA_DIR` overrides it; an embedding app overrides both through
/// [`HostConfig::data_root`](super::HostConfig::data_root).
pub fn default_data_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    dirs::data_dir().map(|d| d.join("conductor").join("plugin-data"))
}

/// Longest plugin-name part of a data folder's name, in bytes.
const MAX_FOLDER_NAME: usize = 64;

/// Hex digits of the identity hash in a data folder's name (64 bits).
const FOLDER_HASH_HEX: usize = 16;

/// The folder mounted at `/` for `plugin`, created if needed:
/// `<root>/<name>-<hash>`, where `<name>` is the plugin's name with every character
/// other than ASCII letters, digits, `-` and `_` replaced by `_` (at most 64 bytes), and
/// `<hash>` the first 16 hex digits of the SHA-256 of the plugin's identity: its
/// canonical file path, or for a plugin loaded from memory its name. The name part
/// only makes the folder recognisable; the hash keeps plugins apart, so two plugins
/// never share a folder because their names sanitize alike (`victim plugin.wasm` and
/// `victim_plugin.wasm`, `.x.wasm` and `x.wasm`) or because they have the same file name
/// in two folders. The same file always gets the same folder, however its path is
/// spelled (relative, through a symlink).
pub(crate) fn plugin_data_dir(root: &Path, plugin: &str, path: Option<&Path>) -> Result<PathBuf> {
    let dir = root.join(data_folder_name(plugin, path));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// The name of a plugin's folder under the data root (see [`plugin_data_dir`]).
pub(crate) fn data_folder_name(plugin: &str, path: Option<&Path>) -> String {
    let mut hasher = Sha256::new();
    match path {
        Some(path) => {
            let canonical = std::fs::canonicalize(path)
                .or_else(|_| std::path::absolute(path))
                .unwrap_or_else(|_| path.to_path_buf());
            hasher.update(b"file\0");
            hasher.update(canonical.as_os_str().as_encoded_bytes());
        }
        None => {
            hasher.update(b"memory\0");
            hasher.update(plugin.as_bytes());
        }
    }
    let hash = hex::encode(hasher.finalize());
    let mut safe: String = plugin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_FOLDER_NAME)
        .collect();
    if safe.is_empty() {
        safe.push_str("plugin");
    }
    format!("{safe}-{}", &hash[..FOLDER_HASH_HEX])
}
