//! `conductor plugin info` reads the plugin file exactly once, so what it reports (size,
//! hash, exports, capabilities, signature) all describe the same bytes even if the file
//! is swapped while it runs. The file here is a FIFO that delivers the module once: a
//! second read would see an empty file or block forever.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;

#[test]
fn plugin_info_reads_the_file_once() {
    let sandbox = Sandbox::new();
    let wasm = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#,
    )
    .unwrap();
    let fifo = sandbox.join("once.wasm");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());

    let mut child = sandbox
        .conductor()
        .args(["plugin", "info", "once.wasm"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn conductor");
    // Opening a FIFO for writing waits for the reader: this is conductor's first read.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .unwrap()
        .write_all(&wasm)
        .unwrap();

    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("plugin info is still waiting: it opened the file a second time");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("size:         {} bytes", wasm.len())),
        "{stdout}"
    );
    assert!(stdout.contains("exports:      memory, execute"), "{stdout}");
}
