//! `scripts/package-c-api.sh` stages headers, libraries, `conductor.pc` and the CMake
//! package config; C projects then find and link the library the usual ways:
//! `pkg-config` and CMake's `find_package(Conductor)` (the CMake example in
//! `examples/cmake/`). Needs `pkg-config` and `cmake` (`scripts/setup.sh` installs both).

mod common;
use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{guide_project, include_dir, isolated, library_dir, repo_root, run};

/// Stages the C API under `prefix` from the freshly built library.
fn stage(prefix: &Path) {
    let script = repo_root().join("scripts/package-c-api.sh");
    let result = run(Command::new("sh")
        .arg(&script)
        .arg("--prefix")
        .arg(prefix)
        .arg("--lib-dir")
        .arg(library_dir()));
    result.assert_success("scripts/package-c-api.sh");
}

/// `pkg-config ARGS conductor` with the staged `.pc` file on the search path.
fn pkg_config(prefix: &Path, args: &[&str]) -> String {
    let result = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .args(args)
        .arg("conductor"));
    result.assert_success(&format!("pkg-config {} conductor", args.join(" ")));
    result.stdout.trim().to_string()
}

const VERSION_PROGRAM: &str = r#"
#include <conductor.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    char header[32];
    snprintf(header, sizeof header, "%d.%d.%d", CONDUCTOR_VERSION_MAJOR, CONDUCTOR_VERSION_MINOR,
             CONDUCTOR_VERSION_PATCH);
    printf("%s\n", conductor_version());
    return strcmp(header, conductor_version()) == 0 ? 0 : 1;
}
"#;

#[test]
fn pkg_config_finds_and_links_the_staged_library() {
    let dir = support::temp_dir();
    let prefix = dir.path().join("prefix");
    stage(&prefix);
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(pkg_config(&prefix, &["--modversion"]), version);
    let cflags = pkg_config(&prefix, &["--cflags"]);
    assert_eq!(cflags, format!("-I{}", prefix.join("include").display()));
    let libs = pkg_config(&prefix, &["--libs"]);
    let static_libs = pkg_config(&prefix, &["--static", "--libs"]);
    assert!(static_libs.contains("-lasound"), "{static_libs}");

    let source = dir.path().join("version.c");
    std::fs::write(&source, VERSION_PROGRAM).unwrap();
    // Shared: the flags pkg-config gives, plus an rpath so the program runs in place.
    let shared = dir.path().join("version-shared");
    let mut cc = Command::new("gcc");
    cc.args(["-std=c99", "-Wall", "-Wextra", "-Werror"])
        .args(cflags.split_whitespace())
        .arg(&source)
        .arg("-o")
        .arg(&shared)
        .args(libs.split_whitespace())
        .arg(format!("-Wl,-rpath,{}", prefix.join("lib").display()));
    run(&mut cc).assert_success("gcc with pkg-config --cflags --libs");
    let out = run(&mut Command::new(&shared));
    out.assert_success("the program linked through pkg-config");
    assert_eq!(out.stdout.trim(), version);

    // Static: the archive itself, then what `--static --libs` adds.
    let fixed = dir.path().join("version-static");
    let mut cc = Command::new("gcc");
    cc.args(["-std=c99", "-Wall", "-Wextra", "-Werror"])
        .args(cflags.split_whitespace())
        .arg(&source)
        .arg("-o")
        .arg(&fixed)
        .arg("-Wl,-Bstatic")
        .args(
            static_libs
                .split_whitespace()
                .filter(|f| *f == "-lconductor"),
        )
        .arg("-Wl,-Bdynamic")
        .args(
            static_libs
                .split_whitespace()
                .filter(|f| *f != "-lconductor"),
        );
    run(&mut cc).assert_success("gcc with pkg-config --static --libs");
    let out = run(&mut Command::new(&fixed));
    out.assert_success("the program linked statically through pkg-config");
    assert_eq!(out.stdout.trim(), version);
}

/// Configures and builds `examples/cmake` against `prefix` with `defines`, and returns
/// the build folder.
fn cmake_build(prefix: &Path, build: &Path, defines: &[&str]) -> PathBuf {
    let configure = run(Command::new("cmake")
        .arg("-S")
        .arg(repo_root().join("examples/cmake"))
        .arg("-B")
        .arg(build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .args(defines)
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")));
    configure.assert_success(&format!(
        "cmake configure {defines:?} (install cmake with scripts/setup.sh if it is missing)"
    ));
    run(Command::new("cmake").arg("--build").arg(build)).assert_success("cmake --build");
    build.to_path_buf()
}

#[test]
fn cmake_example_builds_with_find_package_and_with_pkg_config() {
    let dir = support::temp_dir();
    let prefix = dir.path().join("prefix");
    stage(&prefix);
    let plugin = support::plugin_wasm("my-midi-plugin");
    let config = guide_project(dir.path(), &plugin);
    for (name, defines) in [
        ("find-package-shared", &["-DCONDUCTOR_STATIC=OFF"][..]),
        (
            "pkg-config-static",
            &["-DCONDUCTOR_USE_PKG_CONFIG=ON", "-DCONDUCTOR_STATIC=ON"][..],
        ),
    ] {
        let build = cmake_build(&prefix, &dir.path().join(name), defines);
        for exe in ["conductor_example", "conductor_example_cpp"] {
            let out = run(isolated(build.join(exe), dir.path())
                .arg(&config)
                .arg(&plugin));
            out.assert_success(&format!("{exe} built by CMake ({name})"));
            assert!(
                out.stdout.ends_with("done\n"),
                "{exe} ({name}):\n{}",
                out.stdout
            );
        }
    }
    // The staged headers are the repository's.
    assert_eq!(
        std::fs::read(prefix.join("include/conductor.h")).unwrap(),
        std::fs::read(include_dir().join("conductor.h")).unwrap()
    );
}
