//! Hostile modules against the sandbox's limits: each tries to get around one of them.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor_core::log::{LogRecord, LogSource};
use conductor_core::plugin::{HostConfig, Limits, Plugin, PluginHost, PluginOptions};
use conductor_core::{Error, ErrorKind};
use support::wat_module;

/// Every log line as (plugin name or "host", text).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<(String, String)>>>);

impl Captured {
    fn plugin_lines(&self, plugin: &str) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == plugin)
            .map(|(_, l)| l.clone())
            .collect()
    }
}

struct Fixture {
    host: PluginHost,
    log: Captured,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = support::temp_dir();
    let log = Captured::default();
    let sink = log.clone();
    let host = PluginHost::new(HostConfig {
        cache_dir: None,
        data_root: Some(dir.path().join("plugin-data")),
        log_sink: Arc::new(move |r: &LogRecord<'_>| {
            let who = match r.source {
                LogSource::Host => "host".to_string(),
                LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => p.to_string(),
            };
            sink.0.lock().unwrap().push((who, r.message.to_string()));
        }),
        trust_store: None,
    })
    .unwrap();
    Fixture {
        host,
        log,
        _dir: dir,
    }
}

fn load_wat(f: &Fixture, name: &str, wat: &str, options: PluginOptions) -> Result<Plugin, Error> {
    f.host.load_bytes(name, &wat_module(wat), options)
}

fn with_limits(limits: Limits) -> PluginOptions {
    PluginOptions {
        limits,
        ..PluginOptions::default()
    }
}

// ---- tables count against the memory limit ----

/// Grows a funcref table 1024 elements at a time, up to 1 Mi elements (16 MiB of
/// host memory at least). Returns 1 (an error) when a growth was refused before
/// 128 Ki elements (2 MiB at 16 bytes each, twice the 1 MiB limit the test sets), 0
/// when every growth succeeded.
const TABLE_GROW_WAT: &str = r#"
(module
  (memory (export "memory") 1)
  (table $t 0 funcref)
  (func (export "execute") (param i32 i32) (result i32)
    (local $total i32)
    (block $done
      (loop $grow
        (br_if $done (i32.eq (table.grow $t (ref.null func) (i32.const 1024)) (i32.const -1)))
        (local.set $total (i32.add (local.get $total) (i32.const 1024)))
        (br_if $grow (i32.lt_u (local.get $total) (i32.const 1048576)))))
    (if (result i32) (i32.lt_u (local.get $total) (i32.const 131072))
      (then (i32.const 1))
      (else (i32.const 0)))))
"#;

#[test]
fn table_growth_is_charged_against_the_memory_limit() {
    let f = fixture();
    let mut plugin = load_wat(
        &f,
        "table_grower",
        TABLE_GROW_WAT,
        with_limits(Limits {
            memory_bytes: 1024 * 1024,
            ..Limits::default()
        }),
    )
    .unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    // The guest saw table.grow fail early, and the host names the limit.
    assert_eq!(err.kind(), ErrorKind::MemoryLimit, "{err}");
}
