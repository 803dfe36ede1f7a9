//! Hostile modules against the sandbox's limits: each tries to get around one of them.

use conductor_test_support as support;

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
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.path().join("plugin-data")))
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                let who = match r.source {
                    LogSource::Host => "host".to_string(),
                    LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => p.to_string(),
                };
                sink.0.lock().unwrap().push((who, r.message.to_string()));
            }))
            .with_trust_store(None),
    )
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
    PluginOptions::default().with_limits(limits)
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
        with_limits(Limits::default().with_memory_bytes(1024 * 1024)),
    )
    .unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    // The guest saw table.grow fail early, and the host names the limit.
    assert_eq!(err.kind(), ErrorKind::MemoryLimit, "{err}");
}

// ---- blocking WASI calls are bounded by the call's deadline ----

/// A module whose `$sleep(ns, flags)` makes one `poll_oneoff` with one monotonic clock
/// subscription (userdata 7), and whose `$sleep2(ns_a, ns_b)` polls two relative
/// clocks (userdata 1 and 2). `exports` adds the exported functions.
fn sleeper(exports: &str) -> String {
    format!(
        r#"
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $clock (param $at i32) (param $userdata i64) (param $ns i64) (param $flags i32)
    (i64.store (local.get $at) (local.get $userdata))
    (i32.store8 offset=8 (local.get $at) (i32.const 0))
    (i32.store offset=16 (local.get $at) (i32.const 1))
    (i64.store offset=24 (local.get $at) (local.get $ns))
    (i64.store offset=32 (local.get $at) (i64.const 0))
    (i32.store16 offset=40 (local.get $at) (local.get $flags)))
  (func $sleep (param $ns i64) (param $flags i32) (result i32)
    (call $clock (i32.const 0) (i64.const 7) (local.get $ns) (local.get $flags))
    (call $poll (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 512)))
  (func $sleep2 (param $a i64) (param $b i64) (result i32)
    (call $clock (i32.const 0) (i64.const 1) (local.get $a) (i32.const 0))
    (call $clock (i32.const 48) (i64.const 2) (local.get $b) (i32.const 0))
    (call $poll (i32.const 0) (i32.const 256) (i32.const 2) (i32.const 512)))
  {exports})
"#
    )
}

fn one_second() -> PluginOptions {
    with_limits(Limits::default().with_timeout(Duration::from_millis(1000)))
}

/// Runs `f`, asserts it failed with a timeout well before the sleep would have ended.
fn assert_cut_short<T: std::fmt::Debug>(what: &str, f: impl FnOnce() -> Result<T, Error>) {
    let started = Instant::now();
    let err = f().expect_err(what);
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{what}: {err}");
    assert!(took < Duration::from_secs(5), "{what} took {took:?}");
}

#[test]
fn a_long_wasi_sleep_in_execute_is_cut_at_the_deadline() {
    let f = fixture();
    // 15 s relative, 1e18 ns relative, 1e18 ns absolute (CLOCK_MONOTONIC, ABSTIME).
    for (ns, flags) in [
        (15_000_000_000u64, 0),
        (1_000_000_000_000_000_000, 0),
        (1_000_000_000_000_000_000, 1),
    ] {
        let wat = sleeper(&format!(
            r#"(func (export "execute") (param i32 i32) (result i32)
                 (drop (call $sleep (i64.const {ns}) (i32.const {flags})))
                 (i32.const 0))"#
        ));
        let mut plugin = load_wat(&f, "sleeper", &wat, one_second()).unwrap();
        assert_cut_short(&format!("sleep {ns} ns, flags {flags}"), || {
            plugin.execute(b"{}")
        });
    }
}

#[test]
fn a_long_wasi_sleep_in_init_or_shutdown_is_cut_at_the_deadline() {
    let f = fixture();
    let forever = r#"(drop (call $sleep (i64.const 1000000000000000000) (i32.const 0)))"#;
    let wat = sleeper(&format!(
        r#"(func (export "init") {forever})
           (func (export "execute") (param i32 i32) (result i32) (i32.const 0))"#
    ));
    assert_cut_short("init", || load_wat(&f, "sleepy_init", &wat, one_second()));

    let wat = sleeper(&format!(
        r#"(func (export "shutdown") {forever})
           (func (export "execute") (param i32 i32) (result i32) (i32.const 0))"#
    ));
    let mut plugin = load_wat(&f, "sleepy_shutdown", &wat, one_second()).unwrap();
    plugin.execute(b"{}").unwrap();
    assert_cut_short("shutdown", || plugin.shutdown());
}

#[test]
fn short_wasi_sleeps_still_fire_the_earliest_clock() {
    let f = fixture();
    // Returns 0 when a 10 ms sleep reports one event with userdata 7, and when a poll
    // of a 10 ms and a never-firing clock reports only the first (userdata 1).
    let wat = sleeper(
        r#"(func (export "execute") (param i32 i32) (result i32)
             (if (call $sleep (i64.const 10000000) (i32.const 0)) (then (return (i32.const 1))))
             (if (i32.ne (i32.load (i32.const 512)) (i32.const 1)) (then (return (i32.const 2))))
             (if (i64.ne (i64.load (i32.const 256)) (i64.const 7)) (then (return (i32.const 3))))
             (if (call $sleep2 (i64.const 10000000) (i64.const 1000000000000000000))
               (then (return (i32.const 4))))
             (if (i32.ne (i32.load (i32.const 512)) (i32.const 1)) (then (return (i32.const 5))))
             (if (i64.ne (i64.load (i32.const 256)) (i64.const 1)) (then (return (i32.const 6))))
             (i32.const 0))"#,
    );
    let mut plugin = load_wat(&f, "napper", &wat, one_second()).unwrap();
    plugin.execute(b"{}").unwrap();
    plugin.execute(b"{}").unwrap();
}

// ---- one output budget per call; capped requests; host work inside the deadline ----

/// Fills 1 MiB at 64 KiB with lines of 63 `x`, then sends 48 KiB of it to stdout
/// (`fd_write`) and the whole 1 MiB through `conductor.log`.
const OUTPUT_FLOOD_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "conductor" "log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 20)
  (func (export "execute") (param i32 i32) (result i32)
    (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 0x78) (i32.const 1048576))
    (loop $nl
      (i32.store8 (i32.add (i32.const 65599) (local.get $i)) (i32.const 10))
      (local.set $i (i32.add (local.get $i) (i32.const 64)))
      (br_if $nl (i32.lt_u (local.get $i) (i32.const 1048576))))
    (i32.store (i32.const 0) (i32.const 65536))
    (i32.store (i32.const 4) (i32.const 49152))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $log (i32.const 1) (i32.const 65536) (i32.const 1048576)))
    (i32.const 0)))
"#;

#[test]
fn stdout_and_conductor_log_share_one_output_budget_per_call() {
    let f = fixture();
    let mut plugin = load_wat(&f, "flood", OUTPUT_FLOOD_WAT, PluginOptions::default()).unwrap();
    for _ in 0..2 {
        plugin.execute(b"{}").unwrap();
        let lines = f.log.plugin_lines("flood");
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        assert!(bytes <= 64 * 1024 + 200, "forwarded {bytes} bytes");
        let markers = lines
            .iter()
            .filter(|l| l.contains("output truncated"))
            .count();
        assert_eq!(markers, 1, "{:?}", &lines[lines.len() - 3..]);
        f.log.0.lock().unwrap().clear();
    }
}

/// `audio_request` with a JSON array of `$n` bytes (`[0,0,...,0]`) built at 64 KiB.
const BIG_REQUEST_WAT: &str = r#"
(module
  (import "conductor" "audio_request" (func $audio (param i32 i32) (result i32)))
  (memory (export "memory") 40)
  (func (export "execute") (param i32 i32) (result i32)
    (local $i i32)
    (local $n i32)
    (local.set $n (i32.const 2097152))
    (i32.store8 (i32.const 65536) (i32.const 0x5b))
    (local.set $i (i32.const 1))
    (loop $fill
      (i32.store16 (i32.add (i32.const 65536) (local.get $i)) (i32.const 0x2c30))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.sub (local.get $n) (i32.const 2)))))
    (i32.store8 (i32.add (i32.const 65536) (i32.sub (local.get $n) (i32.const 1))) (i32.const 0x5d))
    (i32.store8 (i32.add (i32.const 65536) (i32.sub (local.get $n) (i32.const 2))) (i32.const 0x30))
    (call $audio (i32.const 65536) (local.get $n))))
"#;

fn counting_handler(calls: &Arc<Mutex<usize>>, delay: Duration) -> PluginOptions {
    let calls = calls.clone();
    PluginOptions::default()
        .with_services(
            conductor_core::plugin::PluginServices::default().with_host_request(Some(Arc::new(
                move |_request| {
                    *calls.lock().unwrap() += 1;
                    std::thread::sleep(delay);
                    Ok(serde_json::Value::Null)
                },
            ))),
        )
        .with_limits(Limits::default().with_timeout(Duration::from_millis(1000)))
}

#[test]
fn an_oversized_host_request_is_refused_before_it_is_parsed() {
    let f = fixture();
    let calls = Arc::new(Mutex::new(0));
    let mut plugin = load_wat(
        &f,
        "big_request",
        BIG_REQUEST_WAT,
        counting_handler(&calls, Duration::ZERO),
    )
    .unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    // The plugin returns the host's code: -6, too large.
    assert!(
        matches!(err, Error::PluginReturned { code: -6, .. }),
        "{err}"
    );
    assert_eq!(*calls.lock().unwrap(), 0);
}

#[test]
fn host_work_past_the_deadline_ends_the_call_as_a_timeout() {
    let f = fixture();
    let calls = Arc::new(Mutex::new(0));
    let wat = r#"
(module
  (import "conductor" "audio_request" (func $audio (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{}")
  (func (export "execute") (param i32 i32) (result i32)
    (drop (call $audio (i32.const 16) (i32.const 2)))
    (i32.const 0)))
"#;
    let mut plugin = load_wat(
        &f,
        "slow_host",
        wat,
        counting_handler(&calls, Duration::from_millis(1500)),
    )
    .unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(*calls.lock().unwrap(), 1);
}

// ---- the params pointer is never 0 ----

#[test]
fn a_module_with_no_initial_memory_gets_a_non_zero_params_pointer() {
    let f = fixture();
    // Returns 1 when the params pointer is 0, 2 when the params are not there.
    let wat = r#"
(module
  (memory (export "memory") 0)
  (func (export "execute") (param $ptr i32) (param $len i32) (result i32)
    (if (i32.eqz (local.get $ptr)) (then (return (i32.const 1))))
    (if (i32.ne (i32.load8_u (local.get $ptr)) (i32.const 0x7b)) (then (return (i32.const 2))))
    (i32.const 0)))
"#;
    let mut plugin = load_wat(&f, "no_pages", wat, PluginOptions::default()).unwrap();
    plugin.execute(b"{}").unwrap();
    plugin.execute(br#"{"again": true}"#).unwrap();
}

// ---- terminal escape sequences in plugin output ----

#[test]
fn escape_sequences_in_plugin_output_are_neutralised() {
    let f = fixture();
    // The same hostile line through stdout and conductor.log: a title change, a
    // screen clear, a carriage return over a forged host line, a C1 CSI, a bidi
    // override.
    let line = "\x1b]0;pwned\x07\x1b[2J\r[host] forged\u{9b}31m\u{202e}gnp.exe\n";
    let escaped: String = line.bytes().map(|b| format!("\\{b:02x}")).collect();
    let wat = format!(
        r#"
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "conductor" "log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{escaped}")
  (func (export "execute") (param i32 i32) (result i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const {len}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $log (i32.const 2) (i32.const 1024) (i32.const {len})))
    (i32.const 0)))
"#,
        len = line.len()
    );
    let mut plugin = load_wat(&f, "ansi", &wat, PluginOptions::default()).unwrap();
    plugin.execute(b"{}").unwrap();
    let lines = f.log.plugin_lines("ansi");
    assert_eq!(lines.len(), 3, "{lines:?}");
    for l in &lines {
        assert!(
            !l.chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{l:?}"
        );
        assert!(l.contains("[host] forged"), "{l:?}");
    }
}
