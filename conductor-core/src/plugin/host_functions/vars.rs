//! Host-kept variables: `var_get(key_ptr, key_len) -> i32` and
//! `var_set(key_ptr, key_len, value_ptr, value_len) -> i32`. Always available.
//!
//! The host keeps each plugin's variables, so they outlive the instance (a trap
//! replaces it), a reload and a restart. They are written to
//! `<data root>/.vars/<plugin folder name>.json` (the folder name of
//! [`plugin_data_dir`](crate::plugin::data_dir), so each plugin has its own namespace)
//! after every change, atomically: a temporary file in the same folder, flushed to
//! disk, then renamed over the old one. The folder is outside every plugin's mount
//! (folder names never start with `.`), so a plugin with the Filesystem grant cannot
//! edit them past the cap. Keys are opaque text, never paths.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use base64::Engine as _;

use super::config::read_key;
use super::{finish, read_capped, Failure, HostCaller, HostErrorCode};
use crate::plugin::data_dir::data_folder_name;

/// The folder under the data root that holds every plugin's variables file.
pub(crate) const VARS_FOLDER: &str = ".vars";

/// `var_get(key_ptr, key_len)`: puts the value of `key` in the result buffer and
/// returns 1, or returns 0 (and an empty buffer) when the plugin has no such variable.
pub(super) fn var_get(
    mut caller: HostCaller<'_>,
    key_ptr: i32,
    key_len: i32,
) -> wasmtime::Result<i32> {
    let outcome = get(&mut caller, key_ptr, key_len);
    finish(&mut caller, "var_get", outcome)
}

/// `var_set(key_ptr, key_len, value_ptr, value_len)`: sets `key` to the value bytes and
/// saves the plugin's variables; an empty value removes the variable. Returns 0, or
/// [`HostErrorCode::TooLarge`] when the variables would take more than the plugin's
/// `max_var_bytes` (keys and values together; nothing is changed).
pub(super) fn var_set(
    mut caller: HostCaller<'_>,
    key_ptr: i32,
    key_len: i32,
    value_ptr: i32,
    value_len: i32,
) -> wasmtime::Result<i32> {
    let outcome = set(&mut caller, key_ptr, key_len, value_ptr, value_len);
    finish(&mut caller, "var_set", outcome)
}

fn get(caller: &mut HostCaller<'_>, ptr: i32, len: i32) -> Result<(i32, Vec<u8>), Failure> {
    let key = read_key(caller, "var_get", ptr, len)?;
    let store = caller.data().host.env.vars.clone();
    store.with(|vars| {
        Ok(match vars.get(&key) {
            Some(value) => (1, value.clone()),
            None => (0, Vec::new()),
        })
    })
}

fn set(
    caller: &mut HostCaller<'_>,
    key_ptr: i32,
    key_len: i32,
    value_ptr: i32,
    value_len: i32,
) -> Result<(i32, Vec<u8>), Failure> {
    let key = read_key(caller, "var_set", key_ptr, key_len)?;
    let cap = caller.data().host.env.limits.max_var_bytes;
    let value = read_capped(
        caller,
        "the variable's value (max_var_bytes)",
        value_ptr,
        value_len,
        cap,
    )?;
    let store = caller.data().host.env.vars.clone();
    store.update(&key, value, cap)?;
    Ok((0, Vec::new()))
}

/// The stores in use, by file: a plugin loaded again while its store is alive (a
/// reload, an instance replaced after a trap) shares it. A store leaves the map when
/// its last user drops it, so nothing of it outlives the plugins.
fn open_stores() -> MutexGuard<'static, HashMap<PathBuf, Weak<VarStore>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Weak<VarStore>>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

impl Drop for VarStore {
    fn drop(&mut self) {
        let Some(file) = &self.file else {
            return;
        };
        let mut open = open_stores();
        // The entry may already be a newer store for the same file, opened after this
        // one's last user let go: leave that one.
        if open.get(file).is_some_and(|w| w.strong_count() == 0) {
            open.remove(file);
        }
        if open.is_empty() {
            open.shrink_to_fit();
        }
    }
}

/// One plugin's variables, loaded from disk on first use and shared by every
/// [`Plugin`](crate::plugin::Plugin) of the same identity in the process (a reloaded
/// plugin and the one it replaces see the same values).
pub(crate) struct VarStore {
    /// The variables file; `None` when no data root is known.
    file: Option<PathBuf>,
    /// `None` until first read.
    vars: Mutex<Option<BTreeMap<String, Vec<u8>>>>,
}

impl VarStore {
    /// The store of the plugin `name` (loaded from `path`, if any) under `data_root`.
    pub(crate) fn open(data_root: Option<&Path>, name: &str, path: Option<&Path>) -> Arc<VarStore> {
        let Some(root) = data_root else {
            return Arc::new(VarStore {
                file: None,
                vars: Mutex::new(None),
            });
        };
        let file = root
            .join(VARS_FOLDER)
            .join(format!("{}.json", data_folder_name(name, path)));
        let mut open = open_stores();
        if let Some(store) = open.get(&file).and_then(Weak::upgrade) {
            return store;
        }
        let store = Arc::new(VarStore {
            file: Some(file.clone()),
            vars: Mutex::new(None),
        });
        open.insert(file, Arc::downgrade(&store));
        store
    }

    /// The variables file, when a data root is known.
    pub(crate) fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Runs `f` on the variables, reading them from disk first if needed.
    fn with<R>(
        &self,
        f: impl FnOnce(&mut BTreeMap<String, Vec<u8>>) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let Some(file) = &self.file else {
            return Err(Failure::new(
                HostErrorCode::Unavailable,
                "no plugin data folder is known on this system, so the host cannot keep \
                 variables; set CONDUCTOR_PLUGIN_DATA_DIR or the host's data root",
            ));
        };
        let mut vars = self.vars.lock().unwrap_or_else(PoisonError::into_inner);
        if vars.is_none() {
            *vars = Some(load(file)?);
        }
        f(vars.as_mut().expect("loaded above"))
    }

    /// Sets (or, for an empty value, removes) `key` and saves, unless the variables
    /// would then take more than `cap` bytes.
    fn update(&self, key: &str, value: Vec<u8>, cap: usize) -> Result<(), Failure> {
        let file = self.file.clone();
        self.with(|vars| {
            let old = vars.get(key).map_or(0, |v| key.len() + v.len());
            let new = if value.is_empty() {
                0
            } else {
                key.len() + value.len()
            };
            let total = size(vars) - old + new;
            if new > old && total > cap {
                return Err(Failure::new(
                    HostErrorCode::TooLarge,
                    format!(
                        "the plugin's variables would take {total} bytes (keys and values); \
                         the limit is max_var_bytes = {cap}; remove some (an empty value \
                         removes a variable) or raise the limit"
                    ),
                ));
            }
            let previous = if value.is_empty() {
                vars.remove(key)
            } else {
                vars.insert(key.to_string(), value)
            };
            if let Err(e) = save(file.as_deref().expect("checked by with"), vars) {
                // Keep memory and disk alike: undo the change.
                match previous {
                    Some(v) => vars.insert(key.to_string(), v),
                    None => vars.remove(key),
                };
                return Err(e);
            }
            Ok(())
        })
    }
}

/// Bytes the variables take: keys and values together.
fn size(vars: &BTreeMap<String, Vec<u8>>) -> usize {
    vars.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// Reads the variables file: a JSON object of keys to base64 values. A missing file
/// is no variables.
fn load(file: &Path) -> Result<BTreeMap<String, Vec<u8>>, Failure> {
    let text = match std::fs::read(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => {
            return Err(Failure::new(
                HostErrorCode::Io,
                format!(
                    "cannot read the plugin's variables from {}: {e}",
                    file.display()
                ),
            ))
        }
    };
    let unreadable = |why: String| {
        Failure::new(
            HostErrorCode::Io,
            format!(
                "the plugin's variables file {} is damaged ({why}); move it away to start \
                 with no variables",
                file.display()
            ),
        )
    };
    let encoded: BTreeMap<String, String> =
        serde_json::from_slice(&text).map_err(|e| unreadable(e.to_string()))?;
    encoded
        .into_iter()
        .map(|(k, v)| {
            base64::engine::general_purpose::STANDARD
                .decode(v)
                .map(|v| (k, v))
                .map_err(|e| unreadable(e.to_string()))
        })
        .collect()
}

/// Writes the variables atomically: a temporary file in the same folder, flushed,
/// then renamed over the old file.
fn save(file: &Path, vars: &BTreeMap<String, Vec<u8>>) -> Result<(), Failure> {
    let failed = |e: std::io::Error| {
        Failure::new(
            HostErrorCode::Io,
            format!(
                "cannot save the plugin's variables to {}: {e}",
                file.display()
            ),
        )
    };
    let dir = file.parent().expect("the file is under the data root");
    std::fs::create_dir_all(dir).map_err(failed)?;
    let encoded: BTreeMap<&str, String> = vars
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                base64::engine::general_purpose::STANDARD.encode(v),
            )
        })
        .collect();
    let json = serde_json::to_vec(&encoded).expect("strings serialise");
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    temp.write_all(&json).map_err(failed)?;
    temp.as_file().sync_all().map_err(failed)?;
    temp.persist(file).map_err(|e| failed(e.error))?;
    Ok(())
}
