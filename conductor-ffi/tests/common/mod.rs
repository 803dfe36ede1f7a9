//! Helpers for the C ABI tests: where the freshly built library is, compiling C and C++
//! programs against it (shared and static), running them, and the example plugins.
//!
//! Each test file uses only some of these, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

#[path = "../../../examples/cli/tests/common/child.rs"]
mod child;

use child::{output_within, wait_within, CHILD_LIMIT};

/// How long a program under valgrind may take (it runs many times slower).
const VALGRIND_LIMIT: Duration = Duration::from_secs(1200);

/// How long building libconductor may take (it may wait for another build's lock).
const BUILD_LIMIT: Duration = Duration::from_secs(3600);

/// The valgrind suppressions for reports that are not libconductor's (see the file).
pub fn valgrind_suppressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp")
}

/// The repository root (the parent of `conductor-ffi/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("conductor-ffi lives inside the repository")
        .to_path_buf()
}

/// The public headers, `include/`.
pub fn include_dir() -> PathBuf {
    repo_root().join("include")
}

/// The profile directory this test binary was built into (`target/release`), where
/// cargo also puts `libconductor.so` and `libconductor.a`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/release/deps/<test binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("test binaries live in <target>/<profile>/deps")
        .to_path_buf()
}

/// The directory holding the freshly built `libconductor.so` and `libconductor.a`.
///
/// `cargo test` builds the package's cdylib and staticlib into `<profile>/deps/` (only
/// `cargo build` copies them up to `<profile>/`), so that is where the library under
/// test is. If they are missing, `cargo build --release -p conductor-ffi` makes them.
pub fn library_dir() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let has_both = |dir: &Path| {
                dir.join("libconductor.so").is_file() && dir.join("libconductor.a").is_file()
            };
            let deps = profile_dir().join("deps");
            if has_both(&deps) {
                return Ok(deps);
            }
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let output = output_within(
                Command::new(cargo)
                    .args(["build", "--release", "-p", "conductor-ffi"])
                    .current_dir(repo_root())
                    .stdin(Stdio::null()),
                BUILD_LIMIT,
            );
            if !output.status.success() {
                return Err(format!(
                    "cargo build --release -p conductor-ffi failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            Ok(profile_dir())
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The system libraries a program linking `libconductor.a` needs on Linux (what
/// `rustc --print native-static-libs` reports, plus ALSA for MIDI ports). The same list
/// is in `Libs.private` of `conductor.pc`.
pub const STATIC_LIBS: &[&str] = &[
    "-lasound",
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// How a program links libconductor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linkage {
    /// `-lconductor` against `libconductor.so`, found at run time through an rpath.
    Shared,
    /// `libconductor.a` plus the system libraries Rust's standard library needs.
    Static,
}

/// The language a program is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// C99, compiled with gcc.
    C,
    /// C++17, compiled with g++.
    Cpp,
}

/// Runs `compiler` on `source` (given on stdin) with `args` and `-c`, failing the test
/// with the compiler's diagnostics if it reports anything.
pub fn compiler_check(compiler: &str, args: &[&str], source: &str) {
    use std::io::Write;
    let mut child = Command::new(compiler)
        .args(args)
        .arg("-I")
        .arg(include_dir())
        .args(["-c", "-o", "/dev/null", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}; install gcc and g++"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(source.as_bytes())
        .expect("the compiler reads its source");
    let output = wait_within(child, compiler, CHILD_LIMIT);
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{compiler} {} rejected the source:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Compiles and links `sources` into `out_dir/name`, with warnings as errors, and
/// returns the executable's path.
pub fn build_program(
    lang: Lang,
    linkage: Linkage,
    sources: &[PathBuf],
    out_dir: &Path,
    name: &str,
) -> PathBuf {
    let lib = library_dir();
    let exe = out_dir.join(name);
    let (compiler, std) = match lang {
        Lang::C => ("gcc", "-std=c99"),
        Lang::Cpp => ("g++", "-std=c++17"),
    };
    let mut cmd = Command::new(compiler);
    cmd.args([std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-O1"])
        .arg("-I")
        .arg(include_dir())
        .args(sources)
        .arg("-o")
        .arg(&exe);
    match linkage {
        Linkage::Shared => {
            cmd.arg("-L")
                .arg(&lib)
                .arg(format!("-Wl,-rpath,{}", lib.display()))
                .args(["-lconductor", "-lpthread"]);
        }
        Linkage::Static => {
            cmd.arg(lib.join("libconductor.a")).args(STATIC_LIBS);
        }
    }
    if which(compiler).is_none() {
        panic!("cannot run {compiler}; install gcc and g++");
    }
    let output = output_within(cmd.stdin(Stdio::null()), CHILD_LIMIT);
    assert!(
        output.status.success(),
        "building {name} ({lang:?}, {linkage:?}) failed:\n{cmd:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

/// A program's result, with its output as text.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Fails the test, showing the output, unless the program exited with 0.
    pub fn assert_success(&self, what: &str) {
        assert_eq!(
            self.code,
            Some(0),
            "{what} failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
    }

    /// Fails the test unless one check of a C test program (`tests/c/check.h`) ran to
    /// its end with every expectation met.
    pub fn assert_check_passed(&self, check: &str) {
        self.assert_success(check);
        assert!(
            self.stdout.contains(&format!("{check}: 0 failure(s)")),
            "{check} did not finish:\n{}",
            self.stdout
        );
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A command for `program` whose caches and plugin data live under `home`, not the
/// user's directories.
pub fn isolated(program: impl AsRef<std::ffi::OsStr>, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("CONDUCTOR_PLUGIN_DATA_DIR");
    cmd
}

/// Runs `cmd` to completion.
///
/// Without `LD_LIBRARY_PATH`: cargo sets it for tests (listing `target/release`, where
/// another build may have left an older `libconductor.so`), and it takes precedence
/// over a program's rpath, so the program could load a library other than the one it
/// was linked against and is meant to test.
///
/// A program still running after [`CHILD_LIMIT`] (under valgrind: 20 minutes) is killed
/// and fails the test with what it printed.
pub fn run(cmd: &mut Command) -> Run {
    let limit = if Path::new(cmd.get_program()).file_name() == Some("valgrind".as_ref()) {
        VALGRIND_LIMIT
    } else {
        CHILD_LIMIT
    };
    output_within(
        cmd.env_remove("LD_LIBRARY_PATH").stdin(Stdio::null()),
        limit,
    )
    .into()
}

/// The full path of `program` on PATH, if it is there.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// The plugin development guide's `test_config.toml`, as shipped in
/// `examples/configs/guide_test_config.toml`.
pub fn guide_config_text() -> String {
    let path = repo_root().join("examples/configs/guide_test_config.toml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Lays out the guide's project in `dir`: `test_config.toml` next to
/// `target/wasm32-wasip1/release/my_midi_plugin.wasm`, as the guide's steps leave it.
/// Returns the config's path.
pub fn guide_project(dir: &Path, my_midi_plugin: &Path) -> PathBuf {
    let release = dir.join("target/wasm32-wasip1/release");
    std::fs::create_dir_all(&release).expect("can create the guide project");
    std::fs::copy(my_midi_plugin, release.join("my_midi_plugin.wasm"))
        .expect("can copy the guide's plugin");
    let config = dir.join("test_config.toml");
    std::fs::write(&config, guide_config_text()).expect("can write the guide's config");
    config
}

/// The misuse program (`tests/c/misuse.c`), built once per test process, linked
/// against the shared library.
pub fn misuse_program() -> &'static Path {
    static PROGRAM: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, exe) = PROGRAM.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("conductor-misuse-")
            .tempdir()
            .expect("cannot create a temporary directory");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/misuse.c");
        let exe = build_program(Lang::C, Linkage::Shared, &[source], dir.path(), "misuse");
        (dir, exe)
    });
    exe
}

/// A command running `program` (the misuse program, possibly under valgrind) for the
/// check `name`, with the plugins and scratch folder it expects in its environment.
pub fn misuse_command(
    program: impl AsRef<std::ffi::OsStr>,
    work: &Path,
    plugins: &MisusePlugins,
) -> Command {
    let mut cmd = isolated(program, work);
    cmd.env("WORK_DIR", work)
        .env("FAIL_PLUGIN", &plugins.fail)
        .env("MY_MIDI_PLUGIN", &plugins.my_midi)
        .env("FILE_LOGGER_PLUGIN", &plugins.file_logger);
    cmd
}

/// The plugins the misuse program uses.
pub struct MisusePlugins {
    /// `fail-plugin`: returns the code in its params (default 7).
    pub fail: PathBuf,
    /// The guide's `my-midi-plugin`.
    pub my_midi: PathBuf,
    /// The guide's `file-logger-plugin`, which declares Filesystem.
    pub file_logger: PathBuf,
}

/// The callbacks program (`tests/c/callbacks.c`), built once per test process, linked
/// against the shared library.
pub fn callbacks_program() -> &'static Path {
    static PROGRAM: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, exe) = PROGRAM.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("conductor-callbacks-")
            .tempdir()
            .expect("cannot create a temporary directory");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/callbacks.c");
        let exe = build_program(Lang::C, Linkage::Shared, &[source], dir.path(), "callbacks");
        (dir, exe)
    });
    exe
}

/// The plugins the callbacks program uses.
pub struct CallbackPlugins {
    /// The guide's `my-midi-plugin` (prints "Plugin shutting down" from `shutdown`).
    pub my_midi: PathBuf,
    /// `sleep-plugin`: sleeps `{"ms": N}` then prints `woke TAG`.
    pub sleep: PathBuf,
    /// `sdk-midi-plugin`: sends the MIDI bytes in its params (needs Midi).
    pub sdk_midi: PathBuf,
}

/// A command running `program` (the callbacks program, possibly under valgrind) with
/// the plugins and scratch folder it expects in its environment.
pub fn callbacks_command(
    program: impl AsRef<std::ffi::OsStr>,
    work: &Path,
    plugins: &CallbackPlugins,
) -> Command {
    let mut cmd = isolated(program, work);
    cmd.env("WORK_DIR", work)
        .env("MY_MIDI_PLUGIN", &plugins.my_midi)
        .env("SLEEP_PLUGIN", &plugins.sleep)
        .env("SDK_MIDI_PLUGIN", &plugins.sdk_midi);
    cmd
}
