//! The trust store: the public keys whose signatures the user accepts.
//!
//! It is a TOML file, by default `~/.conductor/trusted_keys.toml`:
//!
//! ```toml
//! [[keys]]
//! name = "Your Name"
//! public_key = "<64 hex characters>"
//! added = 2025-01-31T12:00:00Z
//! ```
//!
//! The engine only reads it, here; `conductor-sign trust add|remove` edits it (with
//! `conductor_tools::signing::TrustStoreEditor`), and it can also be edited by hand
//! (`added` is optional).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::value::Datetime;

use super::signature::text_field_problem;
use super::PublicKey;
use crate::{Error, Result};

/// One trusted key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustedKey {
    /// A name for the key's owner, unique within the store.
    pub name: String,
    /// The key.
    pub public_key: PublicKey,
    /// When the key was added (UTC), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<Datetime>,
}

/// The file's layout.
#[derive(Debug, Default, Deserialize)]
struct TrustFile {
    #[serde(default)]
    keys: Vec<TrustedKey>,
}

/// The set of trusted keys, tied to the file it was loaded from.
///
/// ```
/// use conductor_core::plugin::signing::{PublicKey, TrustStore};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("trusted_keys.toml");
/// let key: PublicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".parse()?;
/// std::fs::write(&path, format!("[[keys]]\nname = \"Alice\"\npublic_key = \"{key}\"\n"))?;
///
/// let store = TrustStore::load(&path)?; // a missing file is an empty store
/// assert!(store.is_trusted(&key));
/// assert_eq!(store.list()[0].name, "Alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TrustStore {
    path: PathBuf,
    keys: Vec<TrustedKey>,
}

impl TrustStore {
    /// The default location, `~/.conductor/trusted_keys.toml`, or `None` when the home
    /// folder is unknown.
    pub fn default_path() -> Option<PathBuf> {
        dirs::home_dir().map(|home| home.join(".conductor").join("trusted_keys.toml"))
    }

    /// An empty store backed by no file (nothing is trusted).
    pub fn empty() -> Self {
        Self {
            path: PathBuf::new(),
            keys: Vec::new(),
        }
    }

    /// Loads the store at [`TrustStore::default_path`].
    pub fn load_default() -> Result<Self> {
        let path = Self::default_path().ok_or_else(|| {
            Error::InvalidArgument(
                "cannot find the home folder for ~/.conductor/trusted_keys.toml; give the \
                 trust store's path explicitly"
                    .into(),
            )
        })?;
        Self::load(path)
    }

    /// Loads the store at `path`. A missing file is an empty store; a malformed one is an
    /// [`Error::Config`] with its position, and one that other users may write to is
    /// refused.
    pub fn load(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(&path, e)),
        };
        if !text.is_empty() {
            check_not_open_to_others(&path)?;
        }
        let file: TrustFile = toml::from_str(&text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => line_column(&text, span.start),
                None => (None, None),
            };
            Error::Config {
                path: Some(path.clone()),
                line,
                column,
                message: format!(
                    "the trust store is malformed: {} (each entry is [[keys]] with `name` and \
                     `public_key`)",
                    e.message()
                ),
            }
        })?;
        let malformed = |message: String| Error::Config {
            path: Some(path.clone()),
            line: None,
            column: None,
            message: format!("the trust store is malformed: {message}"),
        };
        for (i, key) in file.keys.iter().enumerate() {
            if let Some(problem) = text_field_problem(&key.name) {
                return Err(malformed(format!(
                    "the name of key {} {problem}",
                    key.public_key
                )));
            }
            if let Some(earlier) = file.keys[..i].iter().find(|k| k.name == key.name) {
                return Err(malformed(format!(
                    "the name \"{}\" is used twice (keys {} and {}); names must be unique",
                    key.name, earlier.public_key, key.public_key
                )));
            }
            if file.keys[..i]
                .iter()
                .any(|k| k.public_key == key.public_key)
            {
                return Err(malformed(format!(
                    "key {} is listed twice; each key appears once",
                    key.public_key
                )));
            }
        }
        Ok(TrustStore {
            path,
            keys: file.keys,
        })
    }

    /// The file this store was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The trusted keys, in the order they were added.
    pub fn list(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Whether `key` is trusted.
    pub fn is_trusted(&self, key: &PublicKey) -> bool {
        self.get(key).is_some()
    }

    /// The entry for `key`, if it is trusted.
    pub fn get(&self, key: &PublicKey) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.public_key == *key)
    }
}

/// Refuses a store that another user could have edited: a file writable by its group
/// or by others or owned by another user (other than root), or a folder its group or
/// others may write into without the sticky bit (they could replace the file). Such a store
/// could trust any key, so it is not used at all.
fn check_not_open_to_others(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let refuse = |why: String| Error::Config {
            path: Some(path.to_path_buf()),
            line: None,
            column: None,
            message: format!(
                "the trust store is not used because {why}, so someone else could have \
                 added a key to it; fix it with `chmod go-w` (and check which keys it lists \
                 with `conductor-sign trust list`)"
            ),
        };
        let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        if meta.uid() != uid && meta.uid() != 0 {
            return Err(refuse(format!(
                "it is owned by another user (uid {})",
                meta.uid()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(refuse(format!(
                "other users may write to it (mode {:o})",
                meta.mode() & 0o777
            )));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(dir_meta) = fs::metadata(dir) {
            if dir_meta.mode() & 0o022 != 0 && dir_meta.mode() & 0o1000 == 0 {
                return Err(refuse(format!(
                    "its folder {} may be written by other users (mode {:o}), so the file \
                     can be replaced",
                    dir.display(),
                    dir_meta.mode() & 0o777
                )));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (Option<usize>, Option<usize>) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (Some(line), Some(column))
}
