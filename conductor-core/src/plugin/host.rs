//! [`PluginHost`]: the shared wasmtime engine, linker, module cache and epoch clock
//! that every plugin runs on.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine, Linker, Module};

use super::data_dir::default_data_root;
use super::epoch::EpochTicker;
use super::host_functions::PerInstanceState;
use super::module_cache::{default_cache_dir, ModuleCache, ModuleSource};
use super::module_check::{check_exports, check_imports, describe_non_wasm};
use super::services::PluginServices;
use super::signing::{SignaturePolicy, TrustStore};
use super::{CapabilitySet, Grants, Limits};
use crate::log::{self, default_sink, LogLevel, SharedLogSink};
use crate::{Error, Result};

/// Settings shared by every plugin a host loads.
#[derive(Clone)]
#[non_exhaustive]
pub struct HostConfig {
    /// Where compiled modules are cached on disk. `None` disables the disk cache.
    /// Default: [`default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Root of the per-plugin data folders mounted for Filesystem-granted plugins.
    /// Default: [`default_data_root`](super::default_data_root).
    pub data_root: Option<PathBuf>,
    /// Where host and plugin log lines go. Default: stderr.
    pub log_sink: SharedLogSink,
    /// The trust store consulted for signed plugins. Default:
    /// `~/.conductor/trusted_keys.toml` ([`TrustStore::default_path`]); read at each
    /// load, so keys added with `conductor-sign trust add` apply at once.
    pub trust_store: Option<PathBuf>,
}

crate::builder::with_methods!(HostConfig {
    with_cache_dir => cache_dir: Option<PathBuf>,
    with_data_root => data_root: Option<PathBuf>,
    with_log_sink => log_sink: SharedLogSink,
    with_trust_store => trust_store: Option<PathBuf>,
});

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            cache_dir: default_cache_dir(),
            data_root: default_data_root(),
            log_sink: default_sink(),
            trust_store: TrustStore::default_path(),
        }
    }
}

impl std::fmt::Debug for HostConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConfig")
            .field("cache_dir", &self.cache_dir)
            .field("data_root", &self.data_root)
            .field("trust_store", &self.trust_store)
            .finish_non_exhaustive()
    }
}

/// Options for loading one plugin.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PluginOptions {
    /// Resource limits per call.
    pub limits: Limits,
    /// Approved medium- and high-risk capabilities.
    pub grants: Grants,
    /// The folder mounted at `/` when Filesystem is granted. Default: the plugin's
    /// own folder under the host's data root.
    pub data_dir: Option<PathBuf>,
    /// The name used in log lines and errors. Default: the file stem.
    pub name: Option<String>,
    /// What to do with unsigned plugins and untrusted keys. A present but invalid
    /// signature refuses the load under every policy.
    pub signature_policy: SignaturePolicy,
    /// What the plugin's host functions reach: the MIDI output, the handler for
    /// SystemControl and Audio requests, the network allow-list. Default: none of
    /// them, any host.
    pub services: PluginServices,
}

crate::builder::with_methods!(PluginOptions {
    with_limits => limits: Limits,
    with_grants => grants: Grants,
    with_data_dir => data_dir: Option<PathBuf>,
    with_name => name: Option<String>,
    with_signature_policy => signature_policy: SignaturePolicy,
    with_services => services: PluginServices,
});

/// What [`PluginHost::inspect`] finds out about a plugin without running `init`.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    /// Name (file stem).
    pub name: String,
    /// Size of the wasm in bytes.
    pub size: u64,
    /// SHA-256 of the wasm.
    pub sha256: [u8; 32],
    /// The capabilities the plugin asks for: [`PluginInfo::declared`] plus what its
    /// imports of host functions need ([`PluginInfo::import_capabilities`]). This is
    /// what a signature covers and what its grants must allow.
    pub capabilities: CapabilitySet,
    /// Capabilities the plugin declares through `capabilities()`.
    pub declared: CapabilitySet,
    /// Names of the ABI functions it exports.
    pub exports: Vec<String>,
    /// Its imports as `module.name`.
    pub imports: Vec<String>,
}

pub(crate) struct HostInner {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<PerInstanceState>,
    pub(crate) cache: ModuleCache,
    pub(crate) config: HostConfig,
    /// Epoch ticks since the host started; host functions measure a call's elapsed
    /// time with it (a relaxed load, cheaper than reading the clock on every call).
    pub(crate) epoch_ticks: Arc<AtomicU64>,
    _ticker: EpochTicker,
}

/// The plugin host. Cheap to clone; all clones share one wasmtime engine, one module
/// cache and one epoch clock.
///
/// ```no_run
/// use conductor_core::plugin::{PluginHost, PluginOptions};
/// let host = PluginHost::new(Default::default())?;
/// let mut plugin = host.load("my_midi_plugin.wasm", PluginOptions::default())?;
/// plugin.execute(br#"{"message": "Hello from MIDI!"}"#)?;
/// # Ok::<(), conductor_core::Error>(())
/// ```
#[derive(Clone)]
pub struct PluginHost {
    pub(crate) inner: Arc<HostInner>,
}

impl PluginHost {
    /// Creates a host with its own wasmtime engine.
    pub fn new(config: HostConfig) -> Result<Self> {
        let mut wasm_config = Config::new();
        wasm_config.consume_fuel(true).epoch_interruption(true);
        let engine = Engine::new(&wasm_config)
            .map_err(|e| Error::Runtime(format!("cannot create the wasm engine: {e}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut PerInstanceState| &mut s.wasi)
            .map_err(|e| Error::Runtime(format!("cannot link WASI: {e}")))?;
        super::host_functions::add_to_linker(&mut linker)
            .map_err(|e| Error::Runtime(format!("cannot link the host functions: {e}")))?;
        let cache = ModuleCache::new(&engine, config.cache_dir.clone(), config.log_sink.clone());
        let epoch_ticks = Arc::new(AtomicU64::new(0));
        // Without the ticker no wall-clock limit would hold: fail rather than run
        // plugins unbounded.
        let ticker = EpochTicker::start(engine.clone(), epoch_ticks.clone()).map_err(|e| {
            Error::InvalidArgument(format!(
                "cannot start the epoch thread that enforces plugin time limits: {e}"
            ))
        })?;
        Ok(Self {
            inner: Arc::new(HostInner {
                engine,
                linker,
                cache,
                config,
                epoch_ticks,
                _ticker: ticker,
            }),
        })
    }

    /// The host's settings.
    pub fn config(&self) -> &HostConfig {
        &self.inner.config
    }

    /// The log sink plugins and the host write to.
    pub fn log_sink(&self) -> &SharedLogSink {
        &self.inner.config.log_sink
    }

    /// Compiles (or fetches from the cache) and checks a module.
    pub(crate) fn compile(
        &self,
        name: &str,
        wasm: &[u8],
    ) -> Result<(Module, [u8; 32], ModuleSource)> {
        if let Some(what) = describe_non_wasm(wasm) {
            return Err(Error::plugin_load(name, what));
        }
        let sha256: [u8; 32] = Sha256::digest(wasm).into();
        let (module, source) = self
            .inner
            .cache
            .get_or_compile(&self.inner.engine, &sha256, wasm)
            .map_err(|e| {
                Error::plugin_load(name, format!("it is not a valid WebAssembly module: {e:#}"))
            })?;
        check_imports(&module, &super::host_functions::names())
            .map_err(|e| Error::plugin_load(name, e))?;
        check_exports(&module).map_err(|e| Error::plugin_load(name, e))?;
        Ok((module, sha256, source))
    }

    /// Compiles `path` and reports whether the module came from a cache. Used by
    /// benchmarks and the CLI's `plugin info`.
    pub fn precompile(&self, path: impl AsRef<Path>) -> Result<ModuleSource> {
        let path = path.as_ref();
        let name = plugin_name(path);
        let wasm = read_wasm(path, &name)?;
        Ok(self.compile(&name, &wasm)?.2)
    }

    /// Loads the trust store named in the config (an empty one when there is none).
    pub fn trust_store(&self) -> Result<TrustStore> {
        match &self.inner.config.trust_store {
            Some(path) => TrustStore::load(path.clone()),
            None => Ok(TrustStore::empty()),
        }
    }

    /// The trust store for judging a signed plugin under `policy`. A store that cannot
    /// be used (malformed, or open to other users) refuses the load under `require`;
    /// under `allow` and `warn` no key is trusted and a warning says why, so a broken
    /// store never blocks a plugin those policies accept.
    pub fn trust_store_for(&self, policy: SignaturePolicy) -> Result<TrustStore> {
        match self.trust_store() {
            Err(e) if policy != SignaturePolicy::Require => {
                log::host(
                    self.log_sink().as_ref(),
                    LogLevel::Warn,
                    &format!("no key is trusted: {e}"),
                );
                Ok(TrustStore::empty())
            }
            other => other,
        }
    }

    /// Forgets modules compiled in this process, so the next load reads the disk
    /// cache (or compiles). Benchmarks use it to measure cache hits.
    pub fn clear_memory_cache(&self) {
        self.inner.cache.clear_memory();
    }
}

impl PluginInfo {
    /// What is known of a plugin without compiling it: name, size and hash.
    pub fn uninspected(name: String, wasm: &[u8]) -> Self {
        PluginInfo {
            name,
            size: wasm.len() as u64,
            sha256: Sha256::digest(wasm).into(),
            capabilities: CapabilitySet::EMPTY,
            declared: CapabilitySet::EMPTY,
            exports: Vec::new(),
            imports: Vec::new(),
        }
    }

    /// The capabilities its imports of host functions need (`conductor.process_run`
    /// needs Subprocess). A plugin whose grants do not allow one of them is refused at
    /// load, even when it does not declare it.
    pub fn import_capabilities(&self) -> CapabilitySet {
        self.imports
            .iter()
            .filter_map(|i| {
                i.strip_prefix(super::module_check::HOST_MODULE)?
                    .strip_prefix('.')
            })
            .filter_map(super::host_functions::capability_of)
            .collect()
    }
}

/// What the module's imports of host functions need.
pub(super) fn import_capabilities(module: &Module) -> CapabilitySet {
    super::host_functions::capability_imports(module)
        .map(|(_, cap)| cap)
        .collect()
}

/// The name a plugin is known by: its file stem.
pub fn plugin_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

pub(super) fn read_wasm(path: &Path, name: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            " (build it with `cargo build --target wasm32-wasip1 --release`, or fix the path)"
        } else {
            ""
        };
        Error::plugin_load(name, format!("cannot read {}: {e}{hint}", path.display()))
    })
}
