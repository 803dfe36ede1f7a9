//! Compiled-module cache: in memory for the process, on disk across processes.
//!
//! Entries are keyed by the wasm's SHA-256 and by wasmtime's compatibility hash of
//! the engine configuration (wasmtime version, target, compiler settings), so a cache
//! written by a different build is never read back.
//!
//! A compiled module is native code, so the disk cache trusts nothing it has not
//! written itself: every entry carries an HMAC-SHA256 under a per-user key, checked
//! before wasmtime sees a byte of it, and a folder or key that other users could
//! change is not used (see [`DiskCache`]).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use wasmtime::{Engine, Module};

use crate::log::{self, LogLevel, SharedLogSink};

/// Where compiled modules are kept unless the embedding app says otherwise:
/// the per-OS cache folder (`~/.cache/conductor/modules` on Linux).
pub fn default_cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("conductor").join("modules"))
}

/// How a module was obtained, for logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleSource {
    /// Compiled from wasm bytes now.
    Compiled,
    /// Read back from the on-disk cache.
    DiskCache,
    /// Already loaded in this process.
    MemoryCache,
}

pub(crate) struct ModuleCache {
    dir: Option<PathBuf>,
    engine_tag: String,
    loaded: Mutex<HashMap<[u8; 32], Module>>,
    disk: OnceLock<Option<std::sync::Arc<DiskCache>>>,
    /// Where to say that the disk cache cannot be used.
    log_sink: SharedLogSink,
}

impl ModuleCache {
    pub(crate) fn new(engine: &Engine, dir: Option<PathBuf>, log_sink: SharedLogSink) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Self {
            dir,
            engine_tag: format!("{:016x}", hasher.finish()),
            loaded: Mutex::new(HashMap::new()),
            disk: OnceLock::new(),
            log_sink,
        }
    }

    fn entry_path(&self, dir: &Path, sha256: &[u8; 32]) -> PathBuf {
        dir.join(format!("{}-{}.cwasm", hex::encode(sha256), self.engine_tag))
    }

    /// Returns the compiled module for `wasm`, compiling only on a miss.
    pub(crate) fn get_or_compile(
        &self,
        engine: &Engine,
        sha256: &[u8; 32],
        wasm: &[u8],
    ) -> wasmtime::Result<(Module, ModuleSource)> {
        if let Some(m) = self.lock().get(sha256) {
            return Ok((m.clone(), ModuleSource::MemoryCache));
        }
        let disk = self.disk();
        let entry = disk.as_ref().map(|d| (d, self.entry_path(&d.dir, sha256)));
        if let Some((disk, path)) = &entry {
            if let Some(serialized) = disk.read_entry(path, sha256, &self.engine_tag) {
                // SAFETY: wasmtime's contract for `Module::deserialize` is that the
                // bytes are exactly the unmodified output of `Module::serialize` (or
                // `Engine::precompile_module`): they are only lightly validated, and
                // other bytes can replace the compiled code with any code. Output of
                // another wasmtime version is refused safely. These bytes carry an
                // HMAC-SHA256, under a per-user key only this user can read, over the
                // wasm's hash, the engine tag and the bytes themselves; it was computed
                // when this host serialized them, and it was checked on this very
                // in-memory copy, so no later change to the file can reach wasmtime.
                // `deserialize` copies the bytes, so nothing depends on the file after.
                if let Ok(module) = unsafe { Module::deserialize(engine, &serialized) } {
                    self.lock().insert(*sha256, module.clone());
                    return Ok((module, ModuleSource::DiskCache));
                }
            }
        }
        let module = Module::new(engine, wasm)?;
        if let Some((disk, path)) = &entry {
            // A cache that cannot be written only costs time on the next start.
            let _ = disk.write_entry(path, sha256, &self.engine_tag, &module);
        }
        self.lock().insert(*sha256, module.clone());
        Ok((module, ModuleSource::Compiled))
    }

    /// The disk cache, when it has a folder and that folder and its key are safe to use
    /// (opened once, on first use).
    fn disk(&self) -> Option<std::sync::Arc<DiskCache>> {
        let dir = self.dir.as_ref()?;
        self.disk
            .get_or_init(|| match DiskCache::open(dir) {
                Ok(disk) => Some(std::sync::Arc::new(disk)),
                Err(e) => {
                    // Safe, only slower: say so once, with the way out.
                    log::host(
                        &*self.log_sink,
                        LogLevel::Warn,
                        &format!(
                            "the compiled-module cache is not used ({e}), so plugins are \
                             compiled again in every process; make the folder yours and \
                             private (chmod 700, key file chmod 600), or choose another \
                             folder with `[plugins] cache_dir`"
                        ),
                    );
                    None
                }
            })
            .clone()
    }

    /// Forgets the modules loaded in this process (the disk cache stays).
    pub(crate) fn clear_memory(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Module>> {
        self.loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The on-disk cache: a folder only its owner can write, and the key that
/// authenticates its entries.
///
/// A compiled module is native code that wasmtime runs without checking it, so an
/// entry is used only when its HMAC-SHA256 verifies under the per-user key in
/// [`KEY_FILE`] (32 random bytes, mode 0600, created on first use). An entry that was
/// swapped, patched or written by anyone without the key fails the check and the
/// module is compiled again. A folder or key that others could write is not used at
/// all: modules are then compiled in every process.
struct DiskCache {
    dir: PathBuf,
    key: [u8; 32],
}

/// The name of the key file inside the cache folder.
pub(crate) const KEY_FILE: &str = "cache-key";
/// What every tag starts with, so the key authenticates nothing but cache entries.
const TAG_DOMAIN: &[u8] = b"conductor-module-cache-v1\0";
const TAG_LEN: usize = 32;

impl DiskCache {
    fn open(dir: &Path) -> std::io::Result<DiskCache> {
        create_private_dir(dir)?;
        check_private(dir, true)?;
        let key_path = dir.join(KEY_FILE);
        let key = match read_key(&key_path) {
            Ok(key) => key,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key(&key_path)?,
            Err(e) => return Err(e),
        };
        Ok(DiskCache {
            dir: dir.to_path_buf(),
            key,
        })
    }

    /// HMAC-SHA256 under the cache key over everything an entry stands for.
    fn mac(&self, sha256: &[u8; 32], engine_tag: &str, serialized: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        for part in [TAG_DOMAIN, sha256, engine_tag.as_bytes(), b"\0", serialized] {
            mac.update(part);
        }
        mac
    }

    /// The serialized module in `path`, when its tag verifies.
    fn read_entry(&self, path: &Path, sha256: &[u8; 32], engine_tag: &str) -> Option<Vec<u8>> {
        debug_assert!(path.starts_with(&self.dir));
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.file_type().is_file() {
            return None;
        }
        let mut bytes = std::fs::read(path).ok()?;
        if bytes.len() < TAG_LEN {
            return None;
        }
        let serialized = bytes.split_off(TAG_LEN);
        // Constant time: the comparison reveals nothing about where a forgery differs.
        self.mac(sha256, engine_tag, &serialized)
            .verify_slice(&bytes)
            .is_ok()
            .then_some(serialized)
    }

    fn write_entry(
        &self,
        path: &Path,
        sha256: &[u8; 32],
        engine_tag: &str,
        module: &Module,
    ) -> std::io::Result<()> {
        let serialized = module.serialize().map_err(std::io::Error::other)?;
        let mut bytes = self
            .mac(sha256, engine_tag, &serialized)
            .finalize()
            .into_bytes()
            .to_vec();
        bytes.extend_from_slice(&serialized);
        write_atomically(path, &bytes)
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Refuses a folder or file that is not ours, or that others may write (a folder) or
/// read (the key), or a symlink in its place.
fn check_private(path: &Path, is_dir: bool) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    let refuse = |why: &str| {
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("{}: {why}", path.display()),
        ))
    };
    if meta.file_type().is_symlink() || meta.is_dir() != is_dir {
        return refuse("not a plain folder or file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        if meta.uid() != uid {
            return refuse("owned by another user");
        }
        let forbidden = if is_dir { 0o022 } else { 0o077 };
        if meta.mode() & forbidden != 0 {
            return refuse("other users may change or read it");
        }
    }
    Ok(())
}

fn read_key(path: &Path) -> std::io::Result<[u8; 32]> {
    check_private(path, false)?;
    let bytes = std::fs::read(path)?;
    bytes.as_slice().try_into().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the cache key is not 32 bytes",
        )
    })
}

fn create_key(path: &Path) -> std::io::Result<[u8; 32]> {
    use std::io::Write;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(&key)?;
            file.sync_all()?;
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
        Err(e) => Err(e),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
