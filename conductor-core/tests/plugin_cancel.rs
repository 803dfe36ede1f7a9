//! Cancelling a running plugin call from another thread: the call ends with its own
//! error kind, [`ErrorKind::Cancelled`] (not a crash), the next call gets a fresh
//! instance, a real trap is still [`ErrorKind::PluginTrap`], and a cancel with no call
//! running does nothing. The engine cancels a busy plugin's call when it shuts down or
//! reloads without it, and logs the step as cancelled (a warning), not as a failure.

use conductor_test_support as support;

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor_core::log::{LogLevel, LogRecord, LogSource, SharedLogSink};
use conductor_core::plugin::{HostConfig, Limits, PluginHost, PluginOptions};
use conductor_core::{Engine, EngineOptions, Error, ErrorKind};

/// A log sink that reports when the plugin starts spinning (it prints `spinning`).
fn spinning_signal() -> (SharedLogSink, Receiver<()>) {
    let (sink, spinning, _) = signals();
    (sink, spinning)
}

/// A log sink reporting when the plugin starts spinning, and the host's log lines that
/// say a call was cancelled, with their level.
fn signals() -> (SharedLogSink, Receiver<()>, Receiver<(LogLevel, String)>) {
    let (tx, rx) = mpsc::channel();
    let (cancelled_tx, cancelled_rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let cancelled_tx = Mutex::new(cancelled_tx);
    let sink: SharedLogSink = Arc::new(move |r: &LogRecord<'_>| {
        if matches!(r.source, LogSource::PluginStderr(_)) && r.message.contains("spinning") {
            let _ = tx.lock().unwrap().send(());
        }
        if matches!(r.source, LogSource::Host) && r.message.contains("cancelled") {
            let _ = cancelled_tx
                .lock()
                .unwrap()
                .send((r.level, r.message.to_string()));
        }
    });
    (sink, rx, cancelled_rx)
}

fn host_config(dir: &std::path::Path, log_sink: SharedLogSink) -> HostConfig {
    HostConfig::default()
        .with_cache_dir(None)
        .with_data_root(Some(dir.join("data")))
        .with_log_sink(log_sink)
        .with_trust_store(None)
}

/// An engine whose note 60 runs the results plugin's endless `spin` (under limits only a
/// cancel ends within the test's life), with note 60 pushed and the plugin spinning;
/// also the host's log lines saying a call was cancelled.
fn engine_with_a_spinning_plugin(dir: &std::path::Path) -> (Engine, Receiver<(LogLevel, String)>) {
    let toml = format!(
        r#"
[plugins]
fuel = 18446744073709551615
timeout_ms = 600000
[[modes]]
name = "Play"
[[modes.mappings]]
description = "spin"
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = {path:?}, params = {{ op = "spin" }} }} }}
"#,
        path = support::plugin_wasm("results-plugin").display().to_string()
    );
    let (sink, spinning, cancelled) = signals();
    let engine = Engine::from_toml(
        &toml,
        dir,
        EngineOptions::default().with_host_config(host_config(dir, sink)),
    )
    .unwrap();
    assert!(engine.push(&[0x90, 60, 100], 0));
    spinning.recv().unwrap();
    (engine, cancelled)
}

/// Limits under which only a cancel can stop a spinning call within the test's life.
fn patient() -> PluginOptions {
    PluginOptions::default().with_limits(
        Limits::default()
            .with_fuel(u64::MAX)
            .with_timeout(Duration::from_secs(600)),
    )
}

#[test]
fn a_busy_plugin_stops_when_cancelled_from_another_thread() {
    let dir = support::temp_dir();
    let (sink, spinning) = spinning_signal();
    let mut plugin = PluginHost::new(host_config(dir.path(), sink))
        .unwrap()
        .load(support::plugin_wasm("results-plugin"), patient())
        .unwrap();
    // A cancel with no call running is not kept for the next call.
    plugin.canceller().cancel();
    assert_eq!(
        plugin
            .invoke(br#"{"op": "echo", "value": 1}"#, None)
            .unwrap(),
        b"1"
    );

    let canceller = plugin.canceller();
    let cancelling = std::thread::spawn(move || {
        spinning.recv().unwrap();
        let at = Instant::now();
        canceller.cancel();
        at
    });
    let err = plugin.execute(br#"{"op": "spin"}"#).unwrap_err();
    let stopped = Instant::now();
    let cancelled_at = cancelling.join().unwrap();
    // A measurement for the record, not an assertion.
    eprintln!(
        "the call ended {:?} after the cancel",
        stopped.saturating_duration_since(cancelled_at)
    );
    // Its own kind, which a caller can tell apart from a crash.
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(
        matches!(&err, Error::Cancelled { plugin } if plugin == "results_plugin"),
        "{err:?}"
    );
    assert!(err.to_string().contains("its call was cancelled"), "{err}");
    assert!(!err.to_string().contains("crashed"), "{err}");
    // The next call runs in a fresh instance.
    assert_eq!(
        plugin
            .invoke(br#"{"op": "echo", "value": 2}"#, None)
            .unwrap(),
        b"2"
    );
    // A real trap is still a trap, and the plugin works after it too.
    let trap = plugin.execute(br#"{"op": "trap"}"#).unwrap_err();
    assert_eq!(trap.kind(), ErrorKind::PluginTrap, "{trap}");
    assert_eq!(
        plugin
            .invoke(br#"{"op": "echo", "value": 3}"#, None)
            .unwrap(),
        b"3"
    );
}

#[test]
fn engine_shutdown_cancels_a_busy_plugins_call() {
    let dir = support::temp_dir();
    let (engine, cancelled) = engine_with_a_spinning_plugin(dir.path());
    // Without the cancel, shutdown would wait for the call's ten-minute deadline (and
    // the test would hang); with it, shutdown returns.
    engine.shutdown().unwrap();
    // Whatever the engine reported about the step it cancelled is a warning saying
    // so, never an error calling it a crash.
    for (level, line) in cancelled.try_iter() {
        eprintln!("after shutdown: {level}: {line}");
        assert!(!line.contains("crashed"), "{line}");
        if line.contains("WasmPlugin action") {
            assert_eq!(level, LogLevel::Warn, "{line}");
            assert!(line.contains("action cancelled"), "{line}");
        }
    }
}

#[test]
fn a_reload_that_drops_a_busy_plugin_cancels_its_call() {
    let dir = support::temp_dir();
    let (engine, cancelled) = engine_with_a_spinning_plugin(dir.path());
    engine
        .reload_from_toml("[[modes]]\nname = \"Play\"\n", dir.path())
        .unwrap();
    // The dropped plugin's call ends as cancelled (without the cancel it would spin
    // for ten minutes and this would wait). The mapping reports its plugin step as
    // cancelled by the engine, as a warning: not as a failed action or a crash.
    let (level, line) = cancelled
        .iter()
        .find(|(_, l)| l.contains("WasmPlugin action"))
        .unwrap();
    assert!(
        line.starts_with("spin: WasmPlugin action cancelled (plugin results_plugin)"),
        "{line}"
    );
    assert!(line.contains("a reload dropped or replaced"), "{line}");
    assert!(!line.contains("crashed"), "{line}");
    assert_eq!(level, LogLevel::Warn, "{line}");
    engine.shutdown().unwrap();
}
