//! Live reload: while `conductor` runs, the config file and every plugin it uses are
//! watched; an edit is loaded into the running engine.
//!
//! Bursts of file events (an editor's save, a build writing a `.wasm` in steps) are
//! debounced into one reload. The reload is core's [`Engine::reload_file`]: plugins
//! whose file, signature and settings are unchanged keep their instances; a plugin
//! rebuilt at the same path is loaded afresh with the signature policy applied. An edit
//! that does not load (a syntax error, a missing or refused plugin) is reported with
//! its line and the running config stays. A reload that changes `[[devices]]` reopens
//! their ports ([`Devices::sync`]): the old ones get their `shutdown`, the new ones
//! their `init` and feedback.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use conductor_core::config::Config;
use conductor_core::engine::Devices;
use conductor_core::plugin::signing::signature_path;
use conductor_core::Engine;
use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};

use crate::logging::Log;

/// How long file events must pause before a reload: one save or one build is one
/// reload.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// The devices' open ports, shared by the listening loop (which closes them at the
/// end) and the watcher (which reopens them when a reload changes them).
pub type SharedDevices = Arc<Mutex<Option<Devices>>>;

/// Locks the devices, even after a panic elsewhere (they stay usable).
pub fn lock(devices: &SharedDevices) -> MutexGuard<'_, Option<Devices>> {
    devices.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Watches a running engine's config and plugins; stops when dropped.
pub struct ConfigWatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ConfigWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The files whose change means a reload: the config, each plugin and its signature.
fn watched_files(config_path: &Path, config: &Config) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::from([config_path.to_path_buf()]);
    for plugin in config.wasm_plugin_paths() {
        files.insert(signature_path(&plugin));
        files.insert(plugin);
    }
    files
}

/// Starts watching `config_path` (the file `engine` was loaded from) and the plugins
/// of the config running in `engine`. Folders are watched rather than files, so that a
/// file replaced by an editor's or a build's rename is still seen. With `devices`, a
/// reload that changes `[[devices]]` reopens their ports.
pub fn start(
    engine: Arc<Engine>,
    config_path: &Path,
    devices: Option<SharedDevices>,
    log: Log,
) -> Result<ConfigWatcher> {
    // Reloaded by the name the user gave, so errors name the file as they wrote it.
    let given_path = config_path.to_path_buf();
    let config_path = std::path::absolute(config_path)
        .with_context(|| format!("cannot resolve {}", config_path.display()))?;
    let (tx, events) = channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, tx).context("cannot watch the config file")?;
    let mut files = watched_files(&config_path, &engine.config());
    let mut folders = BTreeSet::new();
    watch_folders(&mut debouncer, &files, &mut folders, &log);
    log.info(&format!(
        "watching {} and its plugins; edits are loaded live",
        given_path.display()
    ));

    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("conductor-watch".into())
        .spawn(move || {
            while !stopped.load(Ordering::Acquire) {
                let batch = match events.recv_timeout(Duration::from_millis(100)) {
                    Ok(batch) => batch,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                let changed: Vec<PathBuf> = match batch {
                    Ok(events) => events
                        .into_iter()
                        .map(|e| e.path)
                        .filter(|p| files.contains(p))
                        .collect(),
                    Err(e) => {
                        log.warn(&format!("watching the config for changes: {e}"));
                        continue;
                    }
                };
                let Some(first) = changed.first() else {
                    continue;
                };
                let name = first
                    .file_name()
                    .unwrap_or(first.as_os_str())
                    .to_string_lossy();
                let what = if changed.len() == 1 {
                    name.into_owned()
                } else {
                    format!("{name} and {} more", changed.len() - 1)
                };
                match engine.reload_file(&given_path) {
                    Ok(()) => {
                        let config = engine.config();
                        let mappings = config.all_mappings().count();
                        log.info(&format!(
                            "{what} changed: reloaded {} ({mappings} mapping{})",
                            given_path.display(),
                            if mappings == 1 { "" } else { "s" }
                        ));
                        files = watched_files(&config_path, &config);
                        watch_folders(&mut debouncer, &files, &mut folders, &log);
                        if let Some(devices) = &devices {
                            follow_devices(&engine, devices, &log);
                        }
                    }
                    Err(e) => log.error(&format!(
                        "{what} changed but the config does not load, so the previous one \
                         keeps running: {e}"
                    )),
                }
            }
        })
        .context("cannot start the config watcher")?;
    Ok(ConfigWatcher {
        stop,
        thread: Some(thread),
    })
}

/// After a reload: reopens the devices' ports when the new config changed them, or opens
/// them when the config has devices for the first time.
fn follow_devices(engine: &Engine, devices: &SharedDevices, log: &Log) {
    let mut slot = lock(devices);
    let outcome = match slot.as_mut() {
        Some(open) => open.sync(),
        None if !engine.config().devices.is_empty() => engine
            .connect_devices()
            .map(|opened| *slot = Some(opened))
            .map(|()| true),
        None => Ok(false),
    };
    match outcome {
        Ok(true) => log.info("[[devices]] changed: their ports were reopened"),
        Ok(false) => {}
        Err(e) => log.error(&format!(
            "[[devices]] changed but their ports cannot be opened: {e}; the next reload \
             tries again"
        )),
    }
}

/// Adds a watch on each folder holding one of `files` not watched yet.
fn watch_folders(
    debouncer: &mut Debouncer<RecommendedWatcher>,
    files: &BTreeSet<PathBuf>,
    folders: &mut BTreeSet<PathBuf>,
    log: &Log,
) {
    for file in files {
        let Some(folder) = file.parent() else {
            continue;
        };
        if folders.contains(folder) || !folder.is_dir() {
            continue;
        }
        match debouncer
            .watcher()
            .watch(folder, RecursiveMode::NonRecursive)
        {
            Ok(()) => {
                folders.insert(folder.to_path_buf());
            }
            Err(e) => log.warn(&format!(
                "cannot watch {} for changes ({e}); edits there need a restart",
                folder.display()
            )),
        }
    }
}

/// What `conductor --config FILE` runs with: a watcher on `config_path`, unless
/// `--no-watch` is given or a file is replayed `--fast` (it is over before an edit).
pub fn for_run(
    args: &crate::args::RunArgs,
    engine: &Arc<Engine>,
    config_path: &Path,
    devices: Option<SharedDevices>,
    log: &Log,
) -> Result<Option<ConfigWatcher>> {
    if args.no_watch || args.fast {
        return Ok(None);
    }
    start(Arc::clone(engine), config_path, devices, log.clone()).map(Some)
}
