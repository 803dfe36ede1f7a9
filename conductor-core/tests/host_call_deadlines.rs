//! Blocking host calls end with the plugin's deadline: an HTTP request's timeout is
//! capped by what is left of the call's time, and a subprocess is killed at its
//! timeout together with everything it started (its whole process group).
//!
//! The checks are about order, not speed: a server or command that would finish only
//! 30 seconds later must not have finished when the plugin call returns.

use conductor_test_support as support;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use conductor_core::log::LogRecord;
use conductor_core::plugin::{
    Capability, Grants, HostConfig, Limits, Plugin, PluginHost, PluginOptions, PluginServices,
};
use conductor_core::{Error, ErrorKind};
use serde_json::json;

/// How long the slow server and the slow commands would take: far longer than any
/// deadline in this file.
const SLOW: Duration = Duration::from_secs(30);

fn host(dir: &tempfile::TempDir) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.path().join("data")))
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(None),
    )
    .unwrap()
}

fn params(value: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&value).unwrap()
}

/// A loopback server whose every answer takes [`SLOW`]; `answered` turns true once one
/// has been sent.
struct SlowServer {
    server: Arc<tiny_http::Server>,
    answered: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    port: u16,
}

impl SlowServer {
    fn start() -> SlowServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let answered = Arc::new(AtomicBool::new(false));
        let (srv, flag) = (server.clone(), answered.clone());
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let flag = flag.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(SLOW);
                    flag.store(true, Ordering::SeqCst);
                    let _ = request.respond(tiny_http::Response::from_string("finally"));
                });
            }
        });
        SlowServer {
            server,
            answered,
            thread: Some(thread),
            port,
        }
    }
}

impl Drop for SlowServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn an_http_request_timeout_longer_than_the_plugins_deadline_is_cut_at_the_deadline() {
    let dir = support::temp_dir();
    let server = SlowServer::start();
    let options = PluginOptions::default()
        .with_limits(Limits::default().with_timeout(Duration::from_millis(500)))
        .with_services(
            PluginServices::default()
                .with_allowed_hosts(vec![format!("127.0.0.1:{}", server.port)]),
        );
    let mut plugin = host(&dir)
        .load(support::plugin_wasm("http-sdk-plugin"), options)
        .unwrap();
    // The request asks for a full minute; the plugin has half a second.
    let err = plugin
        .execute(&params(json!({
            "url": format!("http://127.0.0.1:{}/slow", server.port),
            "method": "GET",
            "timeout_ms": 60_000,
        })))
        .unwrap_err();
    assert!(
        !server.answered.load(Ordering::SeqCst),
        "the call waited for the server's answer instead of ending at its deadline ({err})"
    );
    assert!(
        matches!(err.kind(), ErrorKind::Timeout | ErrorKind::PluginReturned),
        "{err}"
    );
}

fn process_plugin(dir: &tempfile::TempDir, timeout: Duration) -> Plugin {
    let options = PluginOptions::default()
        .with_grants(Grants::none().with(Capability::Subprocess))
        .with_limits(Limits::default().with_timeout(timeout));
    host(dir)
        .load(support::plugin_wasm("sdk-process-plugin"), options)
        .unwrap()
}

/// Whether process `pid` has ended (gone, or a zombie nobody reaped yet), waiting up
/// to 10 s for a SIGKILL already sent to be delivered.
fn ended(pid: u32) -> bool {
    let stat = format!("/proc/{pid}/stat");
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        match std::fs::read_to_string(&stat) {
            Err(_) => return true,
            // The state follows the parenthesised command name.
            Ok(text)
                if text
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                return true
            }
            Ok(_) if Instant::now() >= give_up => return false,
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn read_pid(path: &Path) -> u32 {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the command did not write {}: {e}", path.display()));
    text.trim().parse().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_subprocess_killed_at_its_timeout_takes_its_whole_process_group_with_it() {
    let dir = support::temp_dir();
    let mut plugin = process_plugin(&dir, Duration::from_secs(20));
    let pid_file = dir.path().join("grandchild.pid");
    let done_file = dir.path().join("grandchild.done");
    // The shell starts a grandchild and waits for it; the timeout kills the shell.
    let script = format!(
        "(sleep {secs}; touch '{done}') & echo $! > '{pid}'; wait",
        secs = SLOW.as_secs(),
        done = done_file.display(),
        pid = pid_file.display(),
    );
    let err = plugin
        .execute(&params(
            json!({"argv": ["sh", "-c", script], "timeout_ms": 500}),
        ))
        .unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    let grandchild = read_pid(&pid_file);
    assert!(
        ended(grandchild),
        "process {grandchild}, started by the timed-out command, is still running"
    );
    assert!(!done_file.exists());
}

#[cfg(target_os = "linux")]
#[test]
fn a_subprocess_without_its_own_timeout_is_killed_at_the_plugins_deadline() {
    let dir = support::temp_dir();
    let mut plugin = process_plugin(&dir, Duration::from_millis(500));
    let pid_file = dir.path().join("command.pid");
    let done_file = dir.path().join("command.done");
    let script = format!(
        "echo $$ > '{pid}'; sleep {secs}; touch '{done}'",
        secs = SLOW.as_secs(),
        done = done_file.display(),
        pid = pid_file.display(),
    );
    let err = plugin
        .execute(&params(json!({"argv": ["sh", "-c", script]})))
        .unwrap_err();
    assert!(
        !done_file.exists(),
        "the command ran to its end past the plugin's deadline ({err})"
    );
    assert!(
        matches!(err.kind(), ErrorKind::Timeout | ErrorKind::PluginReturned),
        "{err}"
    );
    let command = read_pid(&pid_file);
    assert!(
        ended(command),
        "process {command} outlived the plugin's deadline"
    );
}
