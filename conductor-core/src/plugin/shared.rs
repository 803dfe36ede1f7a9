//! [`SharedPlugin`]: a loaded plugin that any thread may call, closed once.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{CapabilitySet, Plugin, PluginCanceller};
use crate::{Error, Result};

/// A [`Plugin`] behind a lock, for front ends that hand one plugin to many threads
/// (the C ABI's `conductor_plugin_t`, Python's `conductor.Plugin`).
///
/// Calls are serialised: a second caller waits until the first returns. What does not
/// change while the plugin lives (name, path, capabilities, hash) is kept outside the
/// lock, so reading it never waits for a running call and still works after
/// [`SharedPlugin::shutdown`].
pub struct SharedPlugin {
    /// `None` once shut down.
    plugin: Mutex<Option<Plugin>>,
    name: String,
    path: Option<PathBuf>,
    capabilities: CapabilitySet,
    sha256: [u8; 32],
    accepts_context: bool,
    canceller: PluginCanceller,
}

impl SharedPlugin {
    /// Wraps a loaded plugin.
    pub fn new(plugin: Plugin) -> Self {
        SharedPlugin {
            name: plugin.name().to_string(),
            path: plugin.path().map(Path::to_path_buf),
            capabilities: plugin.capabilities(),
            sha256: plugin.sha256(),
            accepts_context: plugin.accepts_context(),
            canceller: plugin.canceller(),
            plugin: Mutex::new(Some(plugin)),
        }
    }

    /// The name used in log lines and errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file the plugin was loaded from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The capabilities the plugin declares.
    pub fn capabilities(&self) -> CapabilitySet {
        self.capabilities
    }

    /// SHA-256 of the wasm bytes.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }

    /// Whether the plugin exports `execute_with_context`.
    pub fn accepts_context(&self) -> bool {
        self.accepts_context
    }

    /// Whether [`SharedPlugin::shutdown`] has run.
    pub fn is_shut_down(&self) -> bool {
        self.lock().is_none()
    }

    /// Runs `f` on the plugin, waiting for a call running on another thread. Fails
    /// once the plugin has been shut down, saying so.
    pub fn with<R>(&self, f: impl FnOnce(&mut Plugin) -> Result<R>) -> Result<R> {
        match self.lock().as_mut() {
            Some(plugin) => f(plugin),
            None => Err(Error::InvalidArgument(format!(
                "plugin {} is closed: it has been shut down; load it again to call it",
                self.name
            ))),
        }
    }

    /// Calls the plugin's `execute`; see [`Plugin::execute`].
    pub fn execute(&self, params: &[u8]) -> Result<()> {
        self.with(|p| p.execute(params))
    }

    /// Calls the plugin's `execute_with_context`; see [`Plugin::execute_with_context`].
    pub fn execute_with_context(&self, params: &[u8], context: &[u8]) -> Result<()> {
        self.with(|p| p.execute_with_context(params, context))
    }

    /// Cancels the call running on another thread, without waiting for the lock; see
    /// [`PluginCanceller::cancel`].
    pub fn cancel(&self) {
        self.canceller.cancel();
    }

    /// Calls the plugin and returns its output; see [`Plugin::invoke`].
    pub fn invoke(&self, params: &[u8], context: Option<&[u8]>) -> Result<Vec<u8>> {
        self.with(|p| p.invoke(params, context))
    }

    /// Calls the plugin's `shutdown()` once and drops its instance; later calls do
    /// nothing and return `Ok`. Afterwards every call fails.
    pub fn shutdown(&self) -> Result<()> {
        let plugin = self.lock().take();
        // The lock is released before `shutdown()` runs: its output may reach a log
        // sink that reads this plugin's name.
        plugin.map_or(Ok(()), |mut p| p.shutdown())
    }

    /// Takes the plugin out, as [`SharedPlugin::shutdown`] does, without running its
    /// `shutdown()` here: dropping the returned plugin runs it and logs any error.
    /// For destructors, which have nowhere to return the error.
    pub fn take(&self) -> Option<Plugin> {
        self.lock().take()
    }

    fn lock(&self) -> MutexGuard<'_, Option<Plugin>> {
        self.plugin.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for SharedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedPlugin")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
