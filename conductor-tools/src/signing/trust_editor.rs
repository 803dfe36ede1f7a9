//! Editing the trust store: what `conductor-sign trust add|remove` does.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use conductor_core::plugin::signing::{text_field_problem, PublicKey, TrustStore, TrustedKey};
use conductor_core::{Error, Result};
use serde::Serialize;

/// The file's layout, as [`TrustStore::load`] reads it.
#[derive(Serialize)]
struct TrustFile<'a> {
    keys: &'a [TrustedKey],
}

/// A trust store open for editing: changes stay in memory until
/// [`TrustStoreEditor::save`].
///
/// It is loaded with [`TrustStore::load`], so it refuses the same malformed stores and
/// stores that other users may write to.
///
/// ```
/// use conductor_core::plugin::signing::TrustStore;
/// use conductor_tools::signing::{PrivateKey, TrustStoreEditor};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("trusted_keys.toml");
/// let key = PrivateKey::generate()?.public_key();
///
/// let mut store = TrustStoreEditor::load(&path)?; // a missing file is an empty store
/// store.add(key, "Alice")?;
/// store.save()?;
/// assert!(TrustStore::load(&path)?.is_trusted(&key));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TrustStoreEditor {
    path: PathBuf,
    keys: Vec<TrustedKey>,
}

impl TrustStoreEditor {
    /// Loads the store at `path` for editing (a missing file is an empty store).
    pub fn load(path: impl Into<PathBuf>) -> Result<Self> {
        let store = TrustStore::load(path)?;
        Ok(Self {
            path: store.path().to_path_buf(),
            keys: store.list().to_vec(),
        })
    }

    /// The file this store was loaded from and saves to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The trusted keys, in the order they were added.
    pub fn list(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Trusts `key` under `name` (in memory; call [`TrustStoreEditor::save`] to keep it).
    ///
    /// Adding a key that is already trusted under the same name changes nothing. A key
    /// trusted under another name, or a name already used by another key, is refused, so
    /// that names stay unique for [`TrustStoreEditor::remove`].
    pub fn add(&mut self, key: PublicKey, name: &str) -> Result<&TrustedKey> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::InvalidArgument(
                "a trusted key needs a name (pass --name NAME)".into(),
            ));
        }
        if let Some(problem) = text_field_problem(name) {
            return Err(Error::InvalidArgument(format!(
                "the name of a trusted key {problem}"
            )));
        }
        if let Some(i) = self.keys.iter().position(|k| k.public_key == key) {
            if self.keys[i].name == name {
                return Ok(&self.keys[i]);
            }
            return Err(Error::InvalidArgument(format!(
                "key {key} is already trusted as \"{}\"; remove it first to rename it",
                self.keys[i].name
            )));
        }
        if let Some(other) = self.keys.iter().find(|k| k.name == name) {
            return Err(Error::InvalidArgument(format!(
                "the name \"{name}\" is already used for key {}; choose another name",
                other.public_key
            )));
        }
        let added = humantime::format_rfc3339_seconds(SystemTime::now())
            .to_string()
            .parse()
            .ok();
        self.keys.push(TrustedKey {
            name: name.to_string(),
            public_key: key,
            added,
        });
        Ok(self.keys.last().expect("just pushed"))
    }

    /// Stops trusting the key whose name or hex public key is `name_or_key` (in memory;
    /// call [`TrustStoreEditor::save`] to keep it). Returns the removed entry.
    pub fn remove(&mut self, name_or_key: &str) -> Result<TrustedKey> {
        let wanted = name_or_key.trim();
        let as_key = wanted.parse::<PublicKey>().ok();
        let position =
            self.keys.iter().position(|k| k.name == wanted).or_else(|| {
                as_key.and_then(|key| self.keys.iter().position(|k| k.public_key == key))
            });
        match position {
            Some(i) => Ok(self.keys.remove(i)),
            None => Err(Error::InvalidArgument(format!(
                "no trusted key is named \"{wanted}\" or has that public key in {} (see \
                 `conductor-sign trust list`)",
                self.path.display()
            ))),
        }
    }

    /// Writes the store to its file atomically (a temporary file in the same folder,
    /// then a rename), creating the folder if needed.
    pub fn save(&self) -> Result<()> {
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // Folders it creates are the user's alone whatever the umask: the store is not
        // used from a folder others may write into.
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| Error::io(dir, e))?;
        let body = toml::to_string(&TrustFile { keys: &self.keys })
            .map_err(|e| Error::InvalidArgument(format!("cannot write the trust store: {e}")))?;
        let text = format!(
            "# Public keys whose plugin signatures Conductor trusts.\n\
             # Manage with `conductor-sign trust add|remove|list`.\n\n{body}"
        );
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
        temp.write_all(text.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|e| Error::io(temp.path(), e))?;
        temp.persist(&self.path)
            .map_err(|e| Error::io(&self.path, e.error))?;
        Ok(())
    }
}
