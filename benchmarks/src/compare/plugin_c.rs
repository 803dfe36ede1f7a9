//! Comparison 3: a plugin call from C through libconductor versus the same call from
//! Rust. The C program (`benchmarks/c/bench_worker.c`) is compiled here against
//! `include/conductor.h` and `target/release/libconductor.so`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};
use conductor_core::plugin::PluginOptions;

use crate::harness::Harness;
use crate::interleave::{run_interleaved, Contender, Plan, TimedFn};
use crate::report::{format_ratio, Section};
use crate::worker::{Started, Worker};
use crate::workload::PluginWork;

const FULL: Plan = Plan {
    warmup: 500,
    rounds: 20,
    calls_per_round: 1000,
};

/// The Rust series' name.
pub const RUST: &str = "Rust: Plugin::execute";
/// The C series' name.
pub const C: &str = "C: conductor_plugin_execute (libconductor.so)";

/// Runs the no-op and JSON workloads.
pub fn run(h: &Harness) -> Vec<Section> {
    [PluginWork::Noop, PluginWork::JsonParams]
        .into_iter()
        .map(|w| workload(h, w))
        .collect()
}

/// Compiles the C worker if it is missing or older than its source or the library, and
/// returns its path. Errors say what is missing.
pub fn c_program(h: &Harness) -> anyhow::Result<PathBuf> {
    compile_c(h, "bench_worker.c", "conductor-bench-c")
}

/// Compiles `benchmarks/c/<source>` against `include/conductor.h` and
/// `target/release/libconductor.so` into `<out>/bin/<exe>`, unless that is newer than
/// all three, and returns its path. Errors say what is missing.
pub fn compile_c(h: &Harness, source: &str, exe: &str) -> anyhow::Result<PathBuf> {
    let lib = libconductor(h)?;
    let source = h.root.join("benchmarks/c").join(source);
    let header = h.root.join("include/conductor.h");
    let exe = h.out.join("bin").join(exe);
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (
        modified(&exe),
        modified(&source),
        modified(&lib),
        modified(&header),
    ) {
        (Some(e), Some(s), Some(l), Some(i)) => e >= s && e >= l && e >= i,
        _ => false,
    };
    if fresh {
        return Ok(exe);
    }
    std::fs::create_dir_all(exe.parent().expect("has a parent"))?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let lib_dir = lib.parent().expect("has a parent");
    let output = Command::new(&cc)
        .args(["-O2", "-std=c11", "-Wall"])
        .arg("-I")
        .arg(h.root.join("include"))
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .arg("-L")
        .arg(lib_dir)
        .arg("-lconductor")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .output()
        .with_context(|| format!("cannot run the C compiler `{cc}` (set CC to another)"))?;
    if !output.status.success() {
        bail!(
            "compiling {} failed:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(exe)
}

/// `libconductor.so` of this workspace's release build: `target/release`, else the
/// copy `cargo test` leaves in `target/release/deps`, else built now with
/// `cargo build --release -p conductor-ffi`.
fn libconductor(h: &Harness) -> anyhow::Result<PathBuf> {
    let lib = h.release_artifact("libconductor.so");
    if lib.is_file() {
        return Ok(lib);
    }
    let deps = h.release_artifact("deps/libconductor.so");
    if deps.is_file() {
        return Ok(deps);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(["build", "--release", "-p", "conductor-ffi"])
        .current_dir(&h.root)
        .output()
        .context("cannot run cargo to build libconductor")?;
    if !output.status.success() || !lib.is_file() {
        bail!(
            "`cargo build --release -p conductor-ffi` did not build {}:\n{}",
            lib.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(lib)
}

/// A command running the C program `exe` with the library it was linked against.
/// Without `LD_LIBRARY_PATH`: `cargo test` sets it (listing `target/release/deps`,
/// where another build may have left a different libconductor.so), and it takes
/// precedence over the program's rpath.
pub fn c_command(exe: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.env_remove("LD_LIBRARY_PATH");
    cmd
}

/// Starts the C worker with `args`; a failure is recorded in `section`.
pub fn c_worker(h: &Harness, section: &mut Section, name: &str, args: &[String]) -> Option<Worker> {
    let exe = match c_program(h) {
        Ok(exe) => exe,
        Err(e) => {
            section.fail(name, format!("{e:#}"));
            return None;
        }
    };
    let mut cmd = c_command(&exe);
    cmd.args(args);
    match Worker::start(name, cmd, &h.log_path(&format!("{}-c", section.id))) {
        Ok(Started::Ready(w)) => Some(w),
        // The C worker needs nothing this harness does not build: no skip is valid.
        Ok(Started::Skipped(reason)) => {
            section.fail(name, format!("the C worker skipped itself: {reason}"));
            None
        }
        Err(e) => {
            section.fail(name, format!("{e:#}"));
            None
        }
    }
}

fn workload(h: &Harness, work: PluginWork) -> Section {
    let mut section = Section::new(
        &format!("plugin-c-{}", work.id()),
        &format!("3. Plugin call from C versus Rust: {}", work.label()),
    );
    let wasm = or_fail!(section, "all", h.plugin(work.crate_name()));
    let scratch = or_fail!(section, "all", h.scratch("plugin-c"));
    let params_file = scratch.join(format!("{}.json", work.id()));
    or_fail!(section, "all", std::fs::write(&params_file, work.params()));
    let host = or_fail!(section, RUST, h.quiet_host(None));
    let mut plugin = or_fail!(section, RUST, host.load(&wasm, PluginOptions::default()));
    let params = work.params();

    let mut contenders: Vec<Box<dyn Contender + '_>> =
        vec![Box::new(TimedFn::new(RUST, || Ok(plugin.execute(params)?)))];
    let args = [
        "plugin".to_string(),
        wasm.display().to_string(),
        params_file.display().to_string(),
    ];
    if let Some(w) = c_worker(h, &mut section, C, &args) {
        contenders.push(Box::new(w));
    }
    run_interleaved(&mut section, &mut contenders, h.plan(FULL));
    drop(contenders);
    if let Some(r) = section.series_named(C).and_then(|c| section.ratio(c)) {
        section.fact(
            "C / Rust (median)",
            format!(
                "{} (target within 10%: {})",
                format_ratio(r),
                super::plugin_rust::verdict(r <= 1.10)
            ),
        );
    }
    section
}
