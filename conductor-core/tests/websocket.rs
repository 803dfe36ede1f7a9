//! The `websocket_exchange` host function (capability Network) through a plugin built
//! with the `conductor-plugin` SDK (`tests/fixtures/plugins/websocket-plugin`), against
//! WebSocket servers on 127.0.0.1 started by the tests: the same `allowed_hosts` rules
//! as HTTP, a deadline, a size cap, and a host that stays up whatever the server does.

use conductor_test_support as support;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use conductor_core::log::{LogRecord, LogSource};
use conductor_core::plugin::{
    HostConfig, Limits, Plugin, PluginHost, PluginOptions, PluginServices,
};
use conductor_core::Error;
use serde_json::{json, Value};
use support::plugin_wasm;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::Message;

/// Lines the plugin logged.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn has(&self, needle: &str) -> bool {
        self.0.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    fn dump(&self) -> String {
        format!("{:#?}", self.0.lock().unwrap())
    }
}

struct Fixture {
    host: PluginHost,
    log: Log,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = support::temp_dir();
    let log = Log::default();
    let lines = log.0.clone();
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(Some(dir.path().join("cache")))
            .with_data_root(Some(dir.path().join("data")))
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                if let LogSource::PluginStderr(_) | LogSource::PluginStdout(_) = r.source {
                    lines.lock().unwrap().push(r.message.to_string());
                }
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

fn load(f: &Fixture, services: PluginServices, limits: Limits) -> Plugin {
    f.host
        .load(
            plugin_wasm("websocket-plugin"),
            PluginOptions::default()
                .with_services(services)
                .with_limits(limits),
        )
        .unwrap()
}

fn run(plugin: &mut Plugin, params: Value) -> Result<(), Error> {
    plugin
        .execute(&serde_json::to_vec(&params).unwrap())
        .map(|_| ())
}

/// The fixture plugin returns 10 + |host error code|.
fn host_code(result: Result<(), Error>) -> i32 {
    match result {
        Err(Error::PluginReturned { code, .. }) => code - 10,
        other => panic!("expected the plugin to report a host error, got {other:?}"),
    }
}

/// A WebSocket server on 127.0.0.1 answering by path: `/echo` sends every data
/// message back, `/big` answers the first message with 5000 bytes of `x`, `/late`
/// answers every message with "late" after 3 s, `/silent` never sends anything, `/bye`
/// closes at once with the reason "bye".
struct Server {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (r, c) = (received.clone(), connections.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                thread::spawn(move || serve(stream, r));
            }
        });
        Server {
            port,
            received,
            connections,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    /// Services listing this server in `allowed_hosts` (loopback is reached only when
    /// it is listed explicitly) and a 1000-byte cap on answers.
    fn services(&self) -> PluginServices {
        PluginServices::default()
            .with_allowed_hosts(vec![format!("127.0.0.1:{}", self.port)])
            .with_max_response_bytes(1000)
    }
}

// The handshake callback's error type is tungstenite's own `ErrorResponse`.
#[allow(clippy::result_large_err)]
fn serve(stream: TcpStream, received: Arc<Mutex<Vec<String>>>) {
    let mut path = String::new();
    let Ok(mut ws) = tungstenite::accept_hdr(
        stream,
        |req: &tungstenite::handshake::server::Request, resp| {
            path = req.uri().path().to_string();
            Ok(resp)
        },
    ) else {
        return;
    };
    if path == "/bye" {
        let _ = ws.close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        }));
    }
    let mut answered = false;
    while let Ok(message) = ws.read() {
        if !message.is_text() && !message.is_binary() {
            continue;
        }
        received
            .lock()
            .unwrap()
            .push(message.to_text().unwrap_or("(binary)").to_string());
        let answer = match path.as_str() {
            "/echo" => Some(message),
            "/big" if !answered => Some(Message::text("x".repeat(5000))),
            "/late" => {
                thread::sleep(Duration::from_secs(3));
                Some(Message::text("late"))
            }
            _ => None,
        };
        answered = true;
        if let Some(answer) = answer {
            if ws.send(answer).is_err() {
                break;
            }
        }
    }
}

/// A TCP listener that accepts connections and never answers the handshake.
fn mute_listener() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            thread::spawn(move || {
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

#[test]
fn an_exchange_with_a_listed_local_server_sends_and_receives() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(&f, server.services(), Limits::default());
    run(
        &mut plugin,
        json!({"url": server.url("/echo"), "send": ["hello", "world"], "receive": 2}),
    )
    .unwrap();
    assert_eq!(*server.received.lock().unwrap(), vec!["hello", "world"]);
    assert!(f.log.has("received text: hello"), "{}", f.log.dump());
    assert!(f.log.has("received text: world"), "{}", f.log.dump());
    assert!(
        f.log.has("received 2 message(s), closed: false"),
        "{}",
        f.log.dump()
    );

    // A server that closes first: no messages, `closed` says so.
    run(
        &mut plugin,
        json!({"url": server.url("/bye"), "send": ["hi"]}),
    )
    .unwrap();
    assert!(
        f.log.has("received 0 message(s), closed: true"),
        "{}",
        f.log.dump()
    );
}

#[test]
fn a_host_not_in_allowed_hosts_is_refused_before_connecting() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(
        &f,
        PluginServices::default().with_allowed_hosts(vec!["example.com".into()]),
        Limits::default(),
    );
    let outcome = run(
        &mut plugin,
        json!({"url": server.url("/echo"), "send": ["x"]}),
    );
    assert_eq!(host_code(outcome), 3);
    assert!(
        f.log
            .has("the host 127.0.0.1 is not in the plugin's allowed_hosts"),
        "{}",
        f.log.dump()
    );

    // An empty list allows public hosts only: loopback must be listed explicitly.
    let mut open = load(&f, PluginServices::default(), Limits::default());
    let outcome = run(
        &mut open,
        json!({"url": server.url("/echo"), "send": ["x"]}),
    );
    assert_eq!(host_code(outcome), 3);
    assert!(f.log.has("a loopback address"), "{}", f.log.dump());

    // Only ws and wss.
    let mut listed = load(&f, server.services(), Limits::default());
    let http = format!("http://127.0.0.1:{}/echo", server.port);
    assert_eq!(host_code(run(&mut listed, json!({ "url": http }))), 3);
    assert!(
        f.log.has("only ws and wss URLs are allowed"),
        "{}",
        f.log.dump()
    );

    assert_eq!(server.connections.load(Ordering::SeqCst), 0);
}

#[test]
fn an_oversized_message_is_refused_and_the_plugin_keeps_working() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(&f, server.services(), Limits::default());
    let outcome = run(
        &mut plugin,
        json!({"url": server.url("/big"), "send": ["go"]}),
    );
    assert_eq!(host_code(outcome), 6);
    assert!(f.log.has("max_response_bytes"), "{}", f.log.dump());
    assert!(!f.log.has("received text: xxx"), "{}", f.log.dump());

    run(
        &mut plugin,
        json!({"url": server.url("/echo"), "send": ["after"]}),
    )
    .unwrap();
    assert!(f.log.has("received text: after"), "{}", f.log.dump());
}

#[test]
fn a_server_that_never_answers_hits_the_deadline() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(&f, server.services(), Limits::default());

    // The exchange's own timeout: the plugin gets the timeout code and carries on.
    let outcome = run(
        &mut plugin,
        json!({"url": server.url("/silent"), "send": ["anyone?"], "timeout_ms": 300}),
    );
    assert_eq!(host_code(outcome), 4);
    assert!(f.log.has("timed out"), "{}", f.log.dump());

    // A listener that never finishes the handshake.
    let mute = mute_listener();
    let mut mute_plugin = load(
        &f,
        PluginServices::default().with_allowed_hosts(vec![format!("127.0.0.1:{mute}")]),
        Limits::default(),
    );
    let outcome = run(
        &mut mute_plugin,
        json!({"url": format!("ws://127.0.0.1:{mute}/"), "timeout_ms": 300}),
    );
    assert_eq!(host_code(outcome), 4);

    // An exchange asking for a minute, in a plugin with half a second: the plugin's
    // per-call timeout ends it before the server's late answer (3 s) arrives, as the
    // call's timeout or as the timeout code the plugin reports.
    let mut bounded = load(
        &f,
        server.services(),
        Limits::default().with_timeout(Duration::from_millis(500)),
    );
    let outcome = run(
        &mut bounded,
        json!({"url": server.url("/late"), "send": ["anyone?"], "timeout_ms": 60_000}),
    );
    match outcome {
        Err(Error::Timeout { .. }) => {}
        other => assert_eq!(host_code(other), 4),
    }
    assert!(!f.log.has("received text: late"), "{}", f.log.dump());

    // The host is still up: the same plugins exchange again.
    run(
        &mut bounded,
        json!({"url": server.url("/echo"), "send": ["again"]}),
    )
    .unwrap();
    run(
        &mut plugin,
        json!({"url": server.url("/echo"), "send": ["still"]}),
    )
    .unwrap();
    assert!(f.log.has("received text: again"), "{}", f.log.dump());
    assert!(f.log.has("received text: still"), "{}", f.log.dump());
}

#[test]
fn wss_to_a_server_without_tls_is_an_io_error_not_a_crash() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(&f, server.services(), Limits::default());
    let wss = format!("wss://127.0.0.1:{}/echo", server.port);
    let outcome = run(
        &mut plugin,
        json!({"url": wss, "send": ["x"], "timeout_ms": 2000}),
    );
    assert_eq!(host_code(outcome), 5);
    assert!(
        f.log.has("opening the WebSocket failed"),
        "{}",
        f.log.dump()
    );
    run(
        &mut plugin,
        json!({"url": server.url("/echo"), "send": ["fine"]}),
    )
    .unwrap();
    assert!(f.log.has("received text: fine"), "{}", f.log.dump());
}

/// The C example `ws-notify-c` (examples/plugins-c), built once with
/// scripts/build-c-plugins.sh.
fn c_ws_plugin() -> std::path::PathBuf {
    static BUILD: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILD.get_or_init(|| {
        let script = support::repo_root().join("scripts/build-c-plugins.sh");
        let output = std::process::Command::new(&script)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            output.status.success(),
            "{} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    });
    support::repo_root().join("examples/plugins-c/target/ws_notify_c.wasm")
}

#[test]
fn a_c_plugin_exchanges_through_the_header_and_is_held_to_the_same_rules() {
    let f = fixture();
    let server = Server::start();
    let options = |services| PluginOptions::default().with_services(services);
    let mut plugin = f
        .host
        .load(c_ws_plugin(), options(server.services()))
        .unwrap();
    let ctx = serde_json::to_vec(&json!({"note": 60, "velocity": 90})).unwrap();
    let params = serde_json::to_vec(&json!({"url": server.url("/echo")})).unwrap();
    plugin.execute_with_context(&params, &ctx).unwrap();
    assert_eq!(
        *server.received.lock().unwrap(),
        vec![r#"{"note": 60, "velocity": 90}"#]
    );
    assert!(
        f.log
            .has(r#"1 message(s) back: {"note": 60, "velocity": 90}"#),
        "{}",
        f.log.dump()
    );

    let mut elsewhere = f
        .host
        .load(
            c_ws_plugin(),
            options(PluginServices::default().with_allowed_hosts(vec!["example.com".into()])),
        )
        .unwrap();
    let err = elsewhere.execute_with_context(&params, &ctx).unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 3, .. }),
        "{err}"
    );
    assert!(f.log.has("failed (code -3)"), "{}", f.log.dump());
    assert_eq!(server.received.lock().unwrap().len(), 1);
}
