//! Compiled-module cache: in memory for the process, on disk across processes.
//!
//! Entries are keyed by the wasm's SHA-256 and by wasmtime's compatibility hash of
//! the engine configuration (wasmtime version, target, compiler settings), so a cache
//! written by a different build is never read back.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use wasmtime::{Engine, Module};

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
}

impl ModuleCache {
    pub(crate) fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Self {
            dir,
            engine_tag: format!("{:016x}", hasher.finish()),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    fn entry_path(&self, sha256: &[u8; 32]) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(dir.join(format!("{}-{}.cwasm", hex::encode(sha256), self.engine_tag)))
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
        let entry = self.entry_path(sha256);
        if let Some(path) = entry.as_deref().filter(|p| p.is_file()) {
            // SAFETY: the file was written by `Module::serialize` of an engine with the
            // same compatibility hash (it is part of the file name), into the user's
            // own cache folder. A damaged file makes deserialization fail, and we
            // fall back to compiling.
            if let Ok(module) = unsafe { Module::deserialize_file(engine, path) } {
                self.lock().insert(*sha256, module.clone());
                return Ok((module, ModuleSource::DiskCache));
            }
        }
        let module = Module::new(engine, wasm)?;
        if let Some(path) = entry {
            // A cache that cannot be written only costs time on the next start.
            let _ = write_atomically(&path, &module);
        }
        self.lock().insert(*sha256, module.clone());
        Ok((module, ModuleSource::Compiled))
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

fn write_atomically(path: &Path, module: &Module) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let bytes = module.serialize().map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
