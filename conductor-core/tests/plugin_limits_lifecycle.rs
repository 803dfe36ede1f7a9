//! Fuel, memory and the wall clock hold in every export the host calls, not only in
//! `execute`: a start function, `capabilities` (read in the sealed probe), `init`,
//! `alloc` and `shutdown`.
//!
//! Each hostile fixture is one small module whose `$hostile` function either spins
//! forever or grows its memory until the limiter refuses and then traps; the phase
//! decides where `$hostile` is called from. A start function and an export that
//! only loops cannot be written as a Rust plugin, so these are WebAssembly text turned
//! into binary modules here.

use conductor_test_support as support;

use std::time::Duration;

use conductor_core::plugin::{HostConfig, Limits, Plugin, PluginHost, PluginOptions};
use conductor_core::{Error, ErrorKind};
use support::wat_module;

/// Where the hostile code runs.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// The module's start function (runs while the instance is created).
    Start,
    /// `init()`, once after instantiation, during `load`.
    Init,
    /// `alloc(len)`, called to place the params of every `execute`.
    Alloc,
    /// `shutdown()`, once before unload.
    Shutdown,
    /// `capabilities()`, read in the sealed probe before anything is granted.
    Capabilities,
}

/// What the hostile code does.
#[derive(Debug, Clone, Copy)]
enum Attack {
    /// Loops forever (stopped by fuel, or by the deadline when fuel is unlimited).
    Spin,
    /// Grows memory one page at a time until refused, then traps.
    Grow,
}

/// A module that runs `attack` in `phase` and otherwise does nothing.
fn hostile_module(phase: Phase, attack: Attack) -> Vec<u8> {
    let body = match attack {
        Attack::Spin => "(loop $forever (br $forever))",
        Attack::Grow => {
            "(loop $more
               (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
             unreachable"
        }
    };
    let hook = match phase {
        Phase::Start => "(start $hostile)",
        Phase::Init => r#"(func (export "init") call $hostile)"#,
        Phase::Alloc => {
            r#"(func (export "alloc") (param i32) (result i32) call $hostile i32.const 0)"#
        }
        Phase::Shutdown => r#"(func (export "shutdown") call $hostile)"#,
        Phase::Capabilities => {
            r#"(func (export "capabilities") (result i32) call $hostile i32.const 0)"#
        }
    };
    wat_module(&format!(
        r#"(module
  (memory (export "memory") 1)
  (func $hostile {body})
  {hook}
  (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#
    ))
}

fn host(dir: &tempfile::TempDir) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.path().join("plugin-data")))
            .with_log_sink(std::sync::Arc::new(
                |_: &conductor_core::log::LogRecord<'_>| {},
            ))
            .with_trust_store(None),
    )
    .unwrap()
}

/// Limits that let fuel run out first: a small tank, a long deadline.
fn fuel_first() -> Limits {
    Limits::default()
        .with_fuel(1_000_000)
        .with_timeout(Duration::from_secs(60))
}

/// Limits that let the memory cap bite first: 2 MiB.
fn memory_first() -> Limits {
    Limits::default()
        .with_memory_bytes(2 * 1024 * 1024)
        .with_timeout(Duration::from_secs(60))
}

/// Limits that let the wall clock stop a spin: unlimited fuel, a 300 ms deadline.
fn clock_first() -> Limits {
    Limits::default()
        .with_fuel(u64::MAX)
        .with_timeout(Duration::from_millis(300))
}

fn load(
    phase: Phase,
    attack: Attack,
    limits: Limits,
) -> (tempfile::TempDir, Result<Plugin, Error>) {
    let dir = support::temp_dir();
    let plugin = host(&dir).load_bytes(
        &format!("hostile_{phase:?}_{attack:?}").to_lowercase(),
        &hostile_module(phase, attack),
        PluginOptions::default().with_limits(limits),
    );
    (dir, plugin)
}

/// The error of running `attack` in `phase` under `limits`: from `load` for the start
/// function and `init`, from `execute` for `alloc`, from `shutdown` for `shutdown`.
fn error_in(phase: Phase, attack: Attack, limits: Limits) -> Error {
    let what = format!("{attack:?} in {phase:?}");
    let (_dir, loaded) = load(phase, attack, limits);
    match phase {
        Phase::Start | Phase::Init | Phase::Capabilities => loaded.expect_err(&what),
        Phase::Alloc => loaded.unwrap().execute(b"{}").expect_err(&what),
        Phase::Shutdown => loaded.unwrap().shutdown().expect_err(&what),
    }
}

fn assert_stopped(phase: Phase, attack: Attack, limits: Limits, kind: ErrorKind, says: &str) {
    let err = error_in(phase, attack, limits);
    assert_eq!(err.kind(), kind, "{attack:?} in {phase:?}: {err}");
    let message = err.to_string();
    assert!(
        message.contains(says),
        "{attack:?} in {phase:?}: the error should say {says:?}: {message}"
    );
}

const RUNTIME_PHASES: [Phase; 4] = [Phase::Start, Phase::Init, Phase::Alloc, Phase::Shutdown];

#[test]
fn fuel_runs_out_in_the_start_function_init_alloc_and_shutdown() {
    for phase in RUNTIME_PHASES {
        assert_stopped(
            phase,
            Attack::Spin,
            fuel_first(),
            ErrorKind::OutOfFuel,
            "out of fuel",
        );
    }
}

#[test]
fn the_memory_limit_holds_in_the_start_function_init_alloc_and_shutdown() {
    for phase in RUNTIME_PHASES {
        assert_stopped(
            phase,
            Attack::Grow,
            memory_first(),
            ErrorKind::MemoryLimit,
            "memory limit of 2 MiB",
        );
    }
}

#[test]
fn the_deadline_stops_the_start_function_init_alloc_and_shutdown() {
    for phase in RUNTIME_PHASES {
        assert_stopped(
            phase,
            Attack::Spin,
            clock_first(),
            ErrorKind::Timeout,
            "timed out after 300 ms",
        );
    }
}

#[test]
fn a_spinning_capabilities_export_is_stopped_by_the_probe_whatever_the_plugin_limits() {
    // The probe has its own tight fuel, so even unlimited plugin fuel does not let
    // `capabilities()` run on.
    for limits in [fuel_first(), clock_first()] {
        let err = error_in(Phase::Capabilities, Attack::Spin, limits);
        assert_eq!(err.kind(), ErrorKind::PluginLoad, "{err}");
        let message = err.to_string();
        assert!(message.contains("`capabilities`"), "{message}");
        assert!(message.contains("out of fuel"), "{message}");
    }
}

#[test]
fn a_capabilities_export_that_grows_memory_is_refused_by_the_probe() {
    // The probe caps memory at 64 MiB whatever the plugin's limit; the growth is
    // refused, the guest traps and the load fails naming the export.
    let generous = Limits::default().with_memory_bytes(1 << 30);
    let err = error_in(Phase::Capabilities, Attack::Grow, generous);
    assert_eq!(err.kind(), ErrorKind::PluginLoad, "{err}");
    assert!(err.to_string().contains("`capabilities`"), "{err}");
}

#[test]
fn a_spinning_start_function_is_stopped_in_the_probe_when_capabilities_are_exported() {
    // With a `capabilities` export the start function first runs in the probe.
    let module = wat_module(
        r#"(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "capabilities") (result i32) i32.const 0)
  (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#,
    );
    let dir = support::temp_dir();
    let err = host(&dir)
        .load_bytes(
            "spinning_start",
            &module,
            PluginOptions::default().with_limits(clock_first()),
        )
        .expect_err("a start function that never returns");
    assert_eq!(err.kind(), ErrorKind::PluginLoad, "{err}");
    let message = err.to_string();
    assert!(message.contains("instantiating"), "{message}");
    assert!(message.contains("out of fuel"), "{message}");
}

#[test]
fn out_of_fuel_in_init_names_the_plugin_and_its_limit_and_no_plugin_is_handed_out() {
    let (_dir, loaded) = load(Phase::Init, Attack::Spin, fuel_first());
    let err = loaded.expect_err("init never returns");
    assert!(
        matches!(&err, Error::OutOfFuel { plugin, limit: 1_000_000 } if plugin == "hostile_init_spin"),
        "{err:?}"
    );
}

#[test]
fn an_alloc_that_returns_0_for_a_non_empty_request_is_a_memory_limit_error() {
    // docs/plugin-abi.md: "`alloc` returning 0 for a non-empty request is reported as a
    // memory-limit error". The guest's own memory is fine; its allocator gave up.
    let module = wat_module(
        r#"(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) i32.const 0)
  (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#,
    );
    let dir = support::temp_dir();
    let mut plugin = host(&dir)
        .load_bytes("no_room", &module, PluginOptions::default())
        .unwrap();
    let err = plugin.execute(b"{}").expect_err("alloc found no room");
    assert!(
        matches!(&err, Error::MemoryLimit { plugin, .. } if plugin == "no_room"),
        "{err:?}"
    );
}
