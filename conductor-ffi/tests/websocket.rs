//! WebSocket under the Network capability through the C API: an engine built with
//! `conductor_engine_new_from_toml` runs a plugin whose exchange with a local server
//! works when the config lists the host in `allowed_hosts`, and is refused, without a
//! connection, when it does not; the engine keeps running after the refusal.

use std::ffi::{c_char, c_void, CStr};
use std::net::TcpListener;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use conductor::*;
use conductor_test_support as support;

/// Lines the plugins logged, per engine (the log callback's `user_data`).
type Lines = Mutex<Vec<String>>;

unsafe extern "C" fn collect(
    user: *mut c_void,
    _level: conductor_log_level_t,
    _source: conductor_log_source_t,
    _plugin: *const c_char,
    message: *const c_char,
) {
    // SAFETY: `user` is the `Lines` the test keeps alive past the engine; `message` is
    // a NUL-terminated string borrowed for the call.
    let (lines, message) = unsafe { (&*(user as *const Lines), CStr::from_ptr(message)) };
    lines
        .lock()
        .unwrap()
        .push(message.to_string_lossy().into_owned());
}

fn ok(status: conductor_status_t, error: *mut conductor_error_t) {
    if status != conductor_status_t::CONDUCTOR_OK {
        // SAFETY: the error the failed call stored.
        let message = unsafe { CStr::from_ptr(conductor_error_message(error, ptr::null_mut())) };
        panic!("{status:?}: {message:?}");
    }
}

/// A WebSocket server on 127.0.0.1 answering each connection's first message with
/// `echo: <text>`; returns its port and how many connections it accepted.
fn echo_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut socket) = tungstenite::accept(stream) {
                if let Ok(tungstenite::Message::Text(text)) = socket.read() {
                    let _ = socket.send(tungstenite::Message::text(format!("echo: {text}")));
                }
                let _ = socket.close(None);
                while socket.read().is_ok() {}
            }
        }
    });
    (port, accepted)
}

/// Runs the websocket plugin once, from note 60, in an engine whose config allows
/// `allowed`; returns what the plugin logged.
fn exchange_through_an_engine(port: u16, allowed: &str) -> Vec<String> {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("websocket-plugin");
    let config = format!(
        r#"
[plugins.settings."{wasm}"]
allowed_hosts = ["{allowed}"]

[[modes]]
name = "m"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = "{wasm}", params = {{ url = "ws://127.0.0.1:{port}/", send = ["hello"], receive = 1, timeout_ms = 5000 }} }} }}
"#,
        wasm = wasm.display()
    );
    let base = dir.path().to_str().unwrap();
    let lines: Lines = Mutex::new(Vec::new());
    let mut error: *mut conductor_error_t = ptr::null_mut();
    let host = conductor_host_config_new();
    let options = conductor_engine_options_new();
    let mut engine: *mut conductor_engine_t = ptr::null_mut();
    // SAFETY: live handles; `lines` outlives the engine, deleted below.
    unsafe {
        let data = dir.path().join("data");
        let data = data.to_str().unwrap();
        ok(
            conductor_host_config_set_data_root(host, data.as_ptr().cast(), data.len(), &mut error),
            error,
        );
        ok(
            conductor_host_config_set_log_callback(
                host,
                Some(collect),
                &lines as *const Lines as *mut c_void,
                None,
                &mut error,
            ),
            error,
        );
        ok(
            conductor_engine_options_set_host_config(options, host, &mut error),
            error,
        );
        ok(
            conductor_engine_new_from_toml(
                config.as_ptr().cast(),
                config.len(),
                base.as_ptr().cast(),
                base.len(),
                options,
                &mut engine,
                &mut error,
            ),
            error,
        );
        assert!(conductor_engine_push(
            engine,
            [0x90, 60, 100].as_ptr(),
            3,
            0
        ));
        let mut drained = false;
        ok(
            conductor_engine_wait_idle(engine, 30_000, &mut drained, &mut error),
            error,
        );
        assert!(drained);
        // The engine is still running: a second note is taken.
        assert!(conductor_engine_push(engine, [0x80, 60, 0].as_ptr(), 3, 1));
        conductor_engine_delete(engine);
        conductor_engine_options_delete(options);
        conductor_host_config_delete(host);
    }
    lines.into_inner().unwrap()
}

#[test]
fn an_allowed_host_is_reached_through_the_c_api() {
    let (port, accepted) = echo_server();
    let lines = exchange_through_an_engine(port, "127.0.0.1");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("received text: echo: hello")),
        "{lines:#?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn a_host_not_allowed_is_refused_without_a_connection_through_the_c_api() {
    let (port, accepted) = echo_server();
    let lines = exchange_through_an_engine(port, "example.com");
    assert!(
        lines.iter().any(|l| l.contains("exchange failed")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("received text")),
        "{lines:#?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}
