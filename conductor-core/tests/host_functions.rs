//! Host functions (`conductor.*` imports) through plugins built with the
//! `conductor-plugin` SDK, and through hand-written modules for what a Rust plugin
//! cannot express (out-of-bounds pointers, undeclared imports).

use conductor_test_support as support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use conductor_core::engine::{EngineCallbacks, HostRequest};
use conductor_core::log::{LogLevel, LogRecord, LogSource};
use conductor_core::plugin::{
    Capability, Grants, HostConfig, HostErrorCode, Plugin, PluginHost, PluginOptions,
    PluginServices,
};
use conductor_core::{Engine, EngineOptions, Error};
use serde_json::{json, Value};
use support::{plugin_wasm, wat_module};

/// Every log line as (plugin name or "host", level, text).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(String, LogLevel, String)>>>);

impl Log {
    fn sink(&self) -> conductor_core::log::SharedLogSink {
        let lines = self.0.clone();
        Arc::new(move |r: &LogRecord<'_>| {
            let who = match r.source {
                LogSource::Host => "host".to_string(),
                LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => p.to_string(),
            };
            lines
                .lock()
                .unwrap()
                .push((who, r.level, r.message.to_string()));
        })
    }

    fn plugin_lines(&self, plugin: &str) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _, _)| p == plugin)
            .map(|(_, _, l)| l.clone())
            .collect()
    }

    fn has(&self, plugin: &str, needle: &str) -> bool {
        self.plugin_lines(plugin).iter().any(|l| l.contains(needle))
    }

    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

struct Fixture {
    host: PluginHost,
    log: Log,
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = support::temp_dir();
    let log = Log::default();
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(Some(dir.path().join("cache")))
            .with_data_root(Some(dir.path().join("data")))
            .with_log_sink(log.sink())
            .with_trust_store(None),
    )
    .unwrap();
    Fixture { host, log, dir }
}

fn load(f: &Fixture, name: &str, options: PluginOptions) -> Result<Plugin, Error> {
    f.host.load(plugin_wasm(name), options)
}

fn with_services(services: PluginServices) -> PluginOptions {
    PluginOptions::default().with_services(services)
}

fn params(value: Value) -> Vec<u8> {
    serde_json::to_vec(&value).unwrap()
}

// ---------------------------------------------------------------------------------
// A loopback HTTP server

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// A tiny HTTP server on 127.0.0.1 answering by path:
/// `/hello` → "hello from the server", `/echo` → the request body,
/// `/slow` → waits 3 s first, `/big` → 5000 bytes of `x`.
struct Server {
    server: Arc<tiny_http::Server>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
    port: u16,
}

impl Server {
    /// Options that list this server in `allowed_hosts`: it is on loopback, which a
    /// plugin reaches only when it is listed explicitly.
    fn allowed(&self) -> PluginOptions {
        with_services(self.services())
    }

    fn services(&self) -> PluginServices {
        PluginServices::default().with_allowed_hosts(vec![format!("127.0.0.1:{}", self.port)])
    }

    fn start() -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (srv, log) = (server.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            for mut request in srv.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let entry = Seen {
                    method: request.method().to_string(),
                    url: request.url().to_string(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.to_string().to_ascii_lowercase(),
                                h.value.to_string(),
                            )
                        })
                        .collect(),
                    body: body.clone(),
                };
                log.lock().unwrap().push(entry);
                // Each answer on its own thread, so a slow one holds up nothing else.
                std::thread::spawn(move || {
                    // `/to/<port>/<path>`: a redirect to `<path>` on 127.0.0.1:<port>.
                    if let Some(rest) = request.url().strip_prefix("/to/") {
                        let (port, path) = rest.split_once('/').unwrap_or((rest, ""));
                        let location = format!("http://127.0.0.1:{port}/{path}");
                        let header = tiny_http::Header::from_bytes("Location", location).unwrap();
                        let _ = request.respond(
                            tiny_http::Response::from_string("")
                                .with_status_code(302)
                                .with_header(header),
                        );
                        return;
                    }
                    let text = match request.url() {
                        "/hello" => "hello from the server".to_string(),
                        "/echo" => format!("echo: {body}"),
                        "/slow" => {
                            std::thread::sleep(Duration::from_secs(3));
                            "finally".to_string()
                        }
                        "/big" => "x".repeat(5000),
                        _ => "not found".to_string(),
                    };
                    let header =
                        tiny_http::Header::from_bytes("Content-Type", "text/plain").unwrap();
                    let _ =
                        request.respond(tiny_http::Response::from_string(text).with_header(header));
                });
            }
        });
        Server {
            server,
            seen,
            thread: Some(thread),
            port,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------
// Network

#[test]
fn sdk_plugin_makes_get_and_post_requests_to_a_loopback_server() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(&f, "http-sdk-plugin", server.allowed()).unwrap();

    plugin
        .execute(&params(
            json!({"url": server.url("/hello"), "method": "GET"}),
        ))
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].url, "/hello");
    let lines = f.log.plugin_lines("http_sdk_plugin");
    assert!(
        lines.contains(&format!("Making GET request to {}", server.url("/hello"))),
        "{lines:?}"
    );
    assert!(lines.contains(&"status: 200".to_string()), "{lines:?}");
    assert!(
        lines.contains(&"content-type: text/plain".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"body: hello from the server".to_string()),
        "{lines:?}"
    );

    f.log.clear();
    plugin
        .execute(&params(json!({
            "url": server.url("/echo"),
            "method": "POST",
            "body": "{\"pressed\": 60}",
            "headers": {"Content-Type": "application/json", "X-Conductor-Test": "yes"},
        })))
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    let post = &seen[1];
    assert_eq!(post.method, "POST");
    assert_eq!(post.url, "/echo");
    assert_eq!(post.body, "{\"pressed\": 60}");
    assert!(
        post.headers
            .contains(&("content-type".into(), "application/json".into())),
        "{:?}",
        post.headers
    );
    assert!(
        post.headers
            .contains(&("x-conductor-test".into(), "yes".into())),
        "{:?}",
        post.headers
    );
    let lines = f.log.plugin_lines("http_sdk_plugin");
    assert!(
        lines.contains(&"body: echo: {\"pressed\": 60}".to_string()),
        "{lines:?}"
    );
}

#[test]
fn a_host_outside_allowed_hosts_is_refused_and_a_listed_one_is_reached() {
    let f = fixture();
    let server = Server::start();
    let request = params(json!({"url": server.url("/hello"), "method": "GET"}));

    let mut fenced = load(
        &f,
        "http-sdk-plugin",
        with_services(PluginServices::default().with_allowed_hosts(vec!["api.example.com".into()])),
    )
    .unwrap();
    let err = fenced.execute(&request).unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    assert!(
        f.log
            .has("http_sdk_plugin", "not in the plugin's allowed_hosts"),
        "{:?}",
        f.log.plugin_lines("http_sdk_plugin")
    );
    assert!(
        server.seen().is_empty(),
        "the refused request must not reach the server"
    );

    let mut listed = load(
        &f,
        "http-sdk-plugin",
        with_services(
            PluginServices::default()
                .with_allowed_hosts(vec![format!("127.0.0.1:{}", server.port)]),
        ),
    )
    .unwrap();
    listed.execute(&request).unwrap();
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn loopback_is_refused_unless_listed_even_through_a_name() {
    let f = fixture();
    let server = Server::start();
    let by_name = format!("http://localhost:{}/hello", server.port);
    // No allow-list: neither the address nor a name resolving to it is reached.
    let mut plugin = load(&f, "http-sdk-plugin", PluginOptions::default()).unwrap();
    for url in [server.url("/hello"), by_name.clone()] {
        f.log.clear();
        let err = plugin
            .execute(&params(json!({"url": url, "method": "GET"})))
            .unwrap_err();
        assert!(
            matches!(err, Error::PluginReturned { code: 1, .. }),
            "{err}"
        );
        assert!(
            f.log.has("http_sdk_plugin", "a loopback address"),
            "{url}: {:?}",
            f.log.plugin_lines("http_sdk_plugin")
        );
    }
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    // Listed explicitly, by name and port: reached.
    let mut plugin = load(
        &f,
        "http-sdk-plugin",
        with_services(
            PluginServices::default()
                .with_allowed_hosts(vec![format!("localhost:{}", server.port)]),
        ),
    )
    .unwrap();
    plugin
        .execute(&params(json!({"url": by_name, "method": "GET"})))
        .unwrap();
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_port_of_the_same_host() {
    let f = fixture();
    let (first, second) = (Server::start(), Server::start());
    let mut plugin = load(
        &f,
        "http-sdk-plugin",
        with_services(PluginServices::default().with_allowed_hosts(vec![
            format!("127.0.0.1:{}", first.port),
            format!("127.0.0.1:{}", second.port),
        ])),
    )
    .unwrap();
    plugin
        .execute(&params(json!({
            "url": first.url(&format!("/to/{}/hello", second.port)),
            "method": "GET",
            "headers": {"Authorization": "Bearer secret", "Cookie": "session=secret", "X-Other": "kept"},
        })))
        .unwrap();
    let first_saw = &first.seen()[0];
    assert!(first_saw
        .headers
        .contains(&("authorization".into(), "Bearer secret".into())));
    let second_saw = second.seen();
    assert_eq!(second_saw.len(), 1, "the redirect was followed");
    let names: Vec<&str> = second_saw[0]
        .headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert!(!names.contains(&"authorization"), "{names:?}");
    assert!(!names.contains(&"cookie"), "{names:?}");
    assert!(names.contains(&"x-other"), "{names:?}");
}

#[test]
fn a_plugin_cannot_set_the_host_header() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(&f, "http-sdk-plugin", server.allowed()).unwrap();
    let err = plugin
        .execute(&params(json!({
            "url": server.url("/hello"),
            "method": "GET",
            "headers": {"host": "internal.example"},
        })))
        .unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    assert!(
        f.log.has("http_sdk_plugin", "cannot be set by a plugin"),
        "{:?}",
        f.log.plugin_lines("http_sdk_plugin")
    );
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

#[test]
fn only_http_and_https_urls_are_allowed() {
    let f = fixture();
    let mut plugin = load(&f, "http-sdk-plugin", PluginOptions::default()).unwrap();
    let err = plugin
        .execute(&params(
            json!({"url": "file:///etc/passwd", "method": "GET"}),
        ))
        .unwrap_err();
    assert!(matches!(err, Error::PluginReturned { .. }), "{err}");
    assert!(f
        .log
        .has("http_sdk_plugin", "only http and https URLs are allowed"));
}

#[test]
fn a_slow_server_hits_the_request_timeout() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(&f, "http-sdk-plugin", server.allowed()).unwrap();
    let err = plugin
        .execute(&params(
            json!({"url": server.url("/slow"), "method": "GET", "timeout_ms": 300}),
        ))
        .unwrap_err();
    // The request failed inside the plugin, which reported it; the plugin itself did
    // not run out of time.
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    assert!(
        f.log.has("http_sdk_plugin", "timed out"),
        "{:?}",
        f.log.plugin_lines("http_sdk_plugin")
    );
    assert!(!f.log.has("http_sdk_plugin", "finally"));
}

#[test]
fn an_oversized_response_is_cut_at_the_cap_with_an_error() {
    let f = fixture();
    let server = Server::start();
    let mut plugin = load(
        &f,
        "http-sdk-plugin",
        with_services(server.services().with_max_response_bytes(1000)),
    )
    .unwrap();
    let err = plugin
        .execute(&params(json!({"url": server.url("/big"), "method": "GET"})))
        .unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    assert!(
        f.log.has(
            "http_sdk_plugin",
            "larger than the host's limit and was cut at 1000 bytes"
        ),
        "{:?}",
        f.log.plugin_lines("http_sdk_plugin")
    );
}

#[test]
fn the_engine_feeds_allowed_hosts_from_the_config() {
    let f = fixture();
    let server = Server::start();
    let wasm = plugin_wasm("http-sdk-plugin");
    let config = format!(
        "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = {path:?}, allowed_hosts = [\"api.example.com\"], \
         params = {{ url = {url:?}, method = \"GET\" }} }} }}\n\n[[modes.mappings]]\n\
         trigger = {{ Note = {{ note = 62 }} }}\naction = {{ WasmPlugin = {{ path = {path2:?}, \
         allowed_hosts = [\"127.0.0.1:{port}\"], params = {{ url = {url:?}, method = \"GET\" }} }} }}\n",
        path = wasm.display().to_string(),
        path2 = copy_plugin(&wasm, f.dir.path(), "open_http.wasm").display().to_string(),
        url = server.url("/hello"),
        port = server.port,
    );
    let engine = Engine::from_toml(
        &config,
        f.dir.path(),
        engine_options(&f, EngineCallbacks::default()),
    )
    .unwrap();
    let fired = engine.process(&[0x90, 60, 100], 0).unwrap();
    assert!(
        fired[0].outcomes[0].result.is_err(),
        "the fenced plugin must fail"
    );
    assert!(f
        .log
        .has("http_sdk_plugin", "not in the plugin's allowed_hosts"));
    assert!(server.seen().is_empty());
    let fired = engine.process(&[0x90, 62, 100], 0).unwrap();
    assert!(
        fired[0].outcomes[0].result.is_ok(),
        "{:?}",
        fired[0].outcomes[0].result
    );
    assert!(f.log.has("open_http", "body: hello from the server"));
    assert_eq!(server.seen().len(), 1);
}

fn copy_plugin(wasm: &Path, dir: &Path, name: &str) -> std::path::PathBuf {
    let to = dir.join(name);
    std::fs::copy(wasm, &to).unwrap();
    to
}

fn engine_options(f: &Fixture, callbacks: EngineCallbacks) -> EngineOptions {
    EngineOptions::default()
        .with_host(Some(f.host.clone()))
        .with_callbacks(callbacks)
}

// ---------------------------------------------------------------------------------
// Midi

type Captured = Arc<Mutex<Vec<Vec<u8>>>>;

fn midi_sink(captured: &Captured) -> conductor_core::plugin::MidiSink {
    let captured = captured.clone();
    Arc::new(move |b: &[u8]| captured.lock().unwrap().push(b.to_vec()))
}

#[test]
fn midi_send_reaches_the_midi_output_of_a_standalone_plugin() {
    let f = fixture();
    let captured = Captured::default();
    let mut plugin = load(
        &f,
        "sdk-midi-plugin",
        with_services(PluginServices::default().with_midi_out(Some(midi_sink(&captured)))),
    )
    .unwrap();
    plugin
        .execute(&params(json!({"bytes": [0xB0, 7, 100]})))
        .unwrap();
    assert_eq!(*captured.lock().unwrap(), vec![vec![0xB0, 7, 100]]);

    // Not one complete message: refused, nothing sent, the reason logged.
    let err = plugin
        .execute(&params(json!({"bytes": [0x90, 60]})))
        .unwrap_err();
    assert!(matches!(err, Error::PluginReturned { .. }), "{err}");
    assert!(f
        .log
        .has("sdk_midi_plugin", "exactly one complete MIDI message"));
    assert_eq!(captured.lock().unwrap().len(), 1);
}

#[test]
fn midi_send_without_an_output_reports_unavailable() {
    let f = fixture();
    let mut plugin = load(&f, "sdk-midi-plugin", PluginOptions::default()).unwrap();
    let err = plugin
        .execute(&params(json!({"bytes": [0x90, 60, 1]})))
        .unwrap_err();
    assert!(matches!(err, Error::PluginReturned { .. }), "{err}");
    assert!(f.log.has("sdk_midi_plugin", "no MIDI output is open"));
}

#[test]
fn midi_send_reaches_the_engines_on_midi_out() {
    let f = fixture();
    let captured = Captured::default();
    let config = format!(
        "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = {:?} }} }}\n",
        plugin_wasm("sdk-midi-plugin").display().to_string()
    );
    let times = Arc::new(Mutex::new(Vec::new()));
    let callbacks = EngineCallbacks::default().with_on_midi_out(Some({
        let (captured, times) = (captured.clone(), times.clone());
        Arc::new(move |b: &[u8], t: u64| {
            captured.lock().unwrap().push(b.to_vec());
            times.lock().unwrap().push(t);
        })
    }));
    let engine = Engine::from_toml(&config, f.dir.path(), engine_options(&f, callbacks)).unwrap();
    // Note 60 on channel 3 (0-based 2), velocity 99: echoed an octave up, stamped with
    // the time of the event the plugin call served.
    let fired = engine.process(&[0x92, 60, 99], 1_234).unwrap();
    assert!(
        fired[0].outcomes[0].result.is_ok(),
        "{:?}",
        fired[0].outcomes[0].result
    );
    assert_eq!(*captured.lock().unwrap(), vec![vec![0x92, 72, 99]]);
    assert_eq!(*times.lock().unwrap(), vec![1_234]);
}

// ---------------------------------------------------------------------------------
// Subprocess

#[test]
fn subprocess_without_approval_is_refused_at_load() {
    let f = fixture();
    let err = load(&f, "sdk-process-plugin", PluginOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::CapabilityDenied { .. }), "{message}");
    assert!(message.contains("Subprocess"), "{message}");
    assert!(message.contains("grant"), "{message}");
}

fn approved_process_plugin(f: &Fixture) -> Plugin {
    let options = PluginOptions::default().with_grants(Grants::none().with(Capability::Subprocess));
    load(f, "sdk-process-plugin", options).unwrap()
}

#[test]
fn subprocess_with_approval_runs_a_command_and_returns_its_output() {
    let f = fixture();
    let mut plugin = approved_process_plugin(&f);
    plugin
        .execute(&params(json!({"argv": ["echo", "hello from echo"]})))
        .unwrap();
    let lines = f.log.plugin_lines("sdk_process_plugin");
    assert!(lines.contains(&"exit: Some(0)".to_string()), "{lines:?}");
    assert!(
        lines.contains(&"stdout: hello from echo".to_string()),
        "{lines:?}"
    );

    // stdin goes in, a non-zero exit comes back as data, not as an error.
    f.log.clear();
    plugin
        .execute(&params(
            json!({"argv": ["sh", "-c", "cat; echo oops >&2; exit 3"], "stdin": "piped in"}),
        ))
        .unwrap();
    let lines = f.log.plugin_lines("sdk_process_plugin");
    assert!(lines.contains(&"exit: Some(3)".to_string()), "{lines:?}");
    assert!(lines.contains(&"stdout: piped in".to_string()), "{lines:?}");
    assert!(lines.contains(&"stderr: oops".to_string()), "{lines:?}");
}

#[test]
fn a_command_that_cannot_start_is_an_error_not_a_crash() {
    let f = fixture();
    let mut plugin = approved_process_plugin(&f);
    let err = plugin
        .execute(&params(
            json!({"argv": ["/nonexistent/conductor-test-program"]}),
        ))
        .unwrap_err();
    assert!(matches!(err, Error::PluginReturned { .. }), "{err}");
    assert!(f.log.has(
        "sdk_process_plugin",
        "cannot run `/nonexistent/conductor-test-program`"
    ));
}

#[test]
fn a_hanging_command_is_killed_at_the_timeout() {
    let f = fixture();
    let mut plugin = approved_process_plugin(&f);
    let err = plugin
        .execute(&params(json!({"argv": ["sleep", "30"], "timeout_ms": 300})))
        .unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    assert!(
        f.log.has(
            "sdk_process_plugin",
            "`sleep 30` did not finish within 300 ms and was killed"
        ),
        "{:?}",
        f.log.plugin_lines("sdk_process_plugin")
    );
    // The plugin carries on.
    plugin
        .execute(&params(json!({"argv": ["echo", "after"]})))
        .unwrap();
    assert!(f.log.has("sdk_process_plugin", "stdout: after"));
}

// ---------------------------------------------------------------------------------
// SystemControl and Audio

type Requests = Arc<Mutex<Vec<HostRequest>>>;

fn request_handler(requests: &Requests) -> conductor_core::plugin::HostRequestHandler {
    let requests = requests.clone();
    Arc::new(move |r: &HostRequest| {
        requests.lock().unwrap().push(r.clone());
        if r.data.get("refuse").is_some() {
            return Err("volume is locked".to_string());
        }
        Ok(json!({"handled": r.capability.name()}))
    })
}

#[test]
fn system_and_audio_requests_reach_the_handler_with_their_data() {
    let f = fixture();
    let requests = Requests::default();
    let options = PluginOptions::default()
        .with_grants(Grants::none().with(Capability::SystemControl))
        .with_services(
            PluginServices::default().with_host_request(Some(request_handler(&requests))),
        );
    let mut plugin = load(&f, "sdk-system-plugin", options).unwrap();
    plugin
        .execute(&params(json!({
            "system": {"action": "volume", "level": 40},
            "audio": {"cue": "click", "gain": 0.5},
        })))
        .unwrap();
    let seen = requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].plugin, "sdk_system_plugin");
    assert_eq!(seen[0].capability, Capability::SystemControl);
    assert_eq!(seen[0].data, json!({"action": "volume", "level": 40}));
    assert_eq!(seen[1].capability, Capability::Audio);
    assert_eq!(seen[1].data, json!({"cue": "click", "gain": 0.5}));
    let lines = f.log.plugin_lines("sdk_system_plugin");
    assert!(
        lines.contains(&r#"system answer: {"handled":"SystemControl"}"#.to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&r#"audio answer: {"handled":"Audio"}"#.to_string()),
        "{lines:?}"
    );

    // A refusal reaches the plugin as an error with the handler's message.
    let err = plugin
        .execute(&params(json!({"system": {"refuse": true}})))
        .unwrap_err();
    assert!(matches!(err, Error::PluginReturned { .. }), "{err}");
    assert!(f.log.has("sdk_system_plugin", "volume is locked"));
}

#[test]
fn system_control_without_approval_is_refused_at_load() {
    let f = fixture();
    let err = load(&f, "sdk-system-plugin", PluginOptions::default()).unwrap_err();
    assert!(matches!(err, Error::CapabilityDenied { .. }), "{err}");
    assert!(err.to_string().contains("SystemControl"), "{err}");
}

#[test]
fn the_engine_hands_host_requests_to_on_host_request() {
    let f = fixture();
    let requests = Requests::default();
    let config = format!(
        "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = {:?}, grant = [\"SystemControl\"], \
         params = {{ system = {{ keystroke = \"cmd+space\" }} }} }} }}\n",
        plugin_wasm("sdk-system-plugin").display().to_string()
    );
    let callbacks =
        EngineCallbacks::default().with_on_host_request(Some(request_handler(&requests)));
    let engine = Engine::from_toml(&config, f.dir.path(), engine_options(&f, callbacks)).unwrap();
    let fired = engine.process(&[0x90, 60, 100], 0).unwrap();
    assert!(
        fired[0].outcomes[0].result.is_ok(),
        "{:?}",
        fired[0].outcomes[0].result
    );
    let seen = requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].capability, Capability::SystemControl);
    assert_eq!(seen[0].data, json!({"keystroke": "cmd+space"}));
}

#[test]
fn without_a_handler_host_requests_report_unavailable() {
    let f = fixture();
    let options =
        PluginOptions::default().with_grants(Grants::none().with(Capability::SystemControl));
    let mut plugin = load(&f, "sdk-system-plugin", options).unwrap();
    let err = plugin
        .execute(&params(json!({"audio": {"cue": "x"}})))
        .unwrap_err();
    assert!(matches!(err, Error::PluginReturned { .. }), "{err}");
    assert!(f
        .log
        .has("sdk_system_plugin", "no handler for Audio requests"));
}

// ---------------------------------------------------------------------------------
// Import checks and hostile arguments, with hand-written modules

/// Imports `conductor.process_run` but declares no capabilities.
const UNDECLARED_SUBPROCESS_WAT: &str = r#"
(module
  (import "conductor" "process_run" (func $run (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "execute") (param i32 i32) (result i32)
    i32.const 0))
"#;

#[test]
fn an_import_whose_capability_is_neither_declared_nor_granted_refuses_the_load() {
    let f = fixture();
    let wasm = wat_module(UNDECLARED_SUBPROCESS_WAT);
    let err = f
        .host
        .load_bytes("sneaky", &wasm, PluginOptions::default())
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::CapabilityDenied { .. }), "{message}");
    assert!(message.contains("conductor.process_run"), "{message}");
    assert!(message.contains("Subprocess"), "{message}");

    // Granted, the same module loads.
    let options = PluginOptions::default().with_grants(Grants::none().with(Capability::Subprocess));
    f.host.load_bytes("sneaky", &wasm, options).unwrap();
}

#[test]
fn the_engine_asks_for_approval_of_an_imported_capability() {
    let f = fixture();
    let path = support::write_file(
        f.dir.path(),
        "sneaky.wasm",
        &wat_module(UNDECLARED_SUBPROCESS_WAT),
    );
    let config = format!(
        "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = {:?} }} }}\n",
        path.display().to_string()
    );
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    let callbacks = EngineCallbacks::default().with_approve(Some(Arc::new(
        move |r: &conductor_core::engine::ApprovalRequest| {
            record.lock().unwrap().push(r.capability);
            true
        },
    )));
    Engine::from_toml(&config, f.dir.path(), engine_options(&f, callbacks)).unwrap();
    assert_eq!(*asked.lock().unwrap(), vec![Capability::Subprocess]);
}

/// `execute` picks a host call by the first params byte and returns its code:
/// `0` log, `1` http_request, `2` result_read, `3` midi_send, `4` log with a negative
/// length, `5` an unknown log level, `6` system_request — each with a pointer past the
/// end of memory (which is a few pages: the host's scratch region for params grows it). `7` calls midi_send with a valid but wrong message, reads the
/// message from the result buffer into its own memory and logs it.
const OUT_OF_BOUNDS_WAT: &str = r#"
(module
  (import "conductor" "log" (func $log (param i32 i32 i32) (result i32)))
  (import "conductor" "http_request" (func $http (param i32 i32 i32 i32) (result i32)))
  (import "conductor" "result_len" (func $result_len (result i32)))
  (import "conductor" "result_read" (func $result_read (param i32 i32) (result i32)))
  (import "conductor" "midi_send" (func $midi (param i32 i32) (result i32)))
  (import "conductor" "system_request" (func $system (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\90\3c")
  (func (export "execute") (param $p i32) (param $len i32) (result i32)
    (local $op i32) (local $n i32)
    (local.set $op (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
    (if (i32.eq (local.get $op) (i32.const 0))
      (then (return (call $log (i32.const 1) (i32.const 0x7fff0000) (i32.const 100)))))
    (if (i32.eq (local.get $op) (i32.const 1))
      (then (return (call $http (i32.const 0x7fffffff) (i32.const 10) (i32.const 0) (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 2))
      (then
        (drop (call $midi (i32.const 16) (i32.const 2)))
        (return (call $result_read (i32.const 0x7fff0000) (i32.const 8)))))
    (if (i32.eq (local.get $op) (i32.const 3))
      (then (return (call $midi (i32.const -5) (i32.const 3)))))
    (if (i32.eq (local.get $op) (i32.const 4))
      (then (return (call $log (i32.const 1) (i32.const 0) (i32.const -1)))))
    (if (i32.eq (local.get $op) (i32.const 5))
      (then (return (call $log (i32.const 9) (i32.const 16) (i32.const 1)))))
    (if (i32.eq (local.get $op) (i32.const 6))
      (then (return (call $system (i32.const 0x7fffffff) (i32.const 2)))))
    (if (i32.eq (local.get $op) (i32.const 7))
      (then
        (drop (call $midi (i32.const 16) (i32.const 2)))
        (local.set $n (call $result_read (i32.const 1024) (call $result_len)))
        (drop (call $log (i32.const 2) (i32.const 1024) (local.get $n)))
        (return (i32.const 0))))
    (i32.const 0)))
"#;

#[test]
fn out_of_bounds_pointers_return_error_codes_and_never_trap() {
    let f = fixture();
    let wasm = wat_module(OUT_OF_BOUNDS_WAT);
    let options =
        PluginOptions::default().with_grants(Grants::none().with(Capability::SystemControl));
    let mut plugin = f.host.load_bytes("oob", &wasm, options).unwrap();
    let code = |plugin: &mut Plugin, op: &str| match plugin.execute(op.as_bytes()) {
        Ok(()) => 0,
        Err(Error::PluginReturned { code, .. }) => code,
        Err(other) => panic!("op {op}: expected a returned code, got {other}"),
    };
    let memory = HostErrorCode::Memory.code();
    assert_eq!(code(&mut plugin, "0"), memory, "log past the end");
    assert_eq!(
        code(&mut plugin, "1"),
        memory,
        "http_request head past the end"
    );
    assert_eq!(
        code(&mut plugin, "2"),
        memory,
        "result_read into memory past the end"
    );
    assert_eq!(
        code(&mut plugin, "3"),
        memory,
        "midi_send from a negative pointer"
    );
    assert_eq!(code(&mut plugin, "4"), memory, "log with a negative length");
    assert_eq!(
        code(&mut plugin, "5"),
        HostErrorCode::Invalid.code(),
        "unknown log level"
    );
    assert_eq!(
        code(&mut plugin, "6"),
        memory,
        "system_request at the last addressable byte"
    );
    // The same instance keeps working, and the result buffer carries the message.
    assert_eq!(code(&mut plugin, "7"), 0);
    assert!(
        f.log
            .has("oob", "midi_send needs exactly one complete MIDI message"),
        "{:?}",
        f.log.plugin_lines("oob")
    );
}

/// A plugin with no allocator and no SDK: logs through `conductor.log` at each level.
const LOG_LEVELS_WAT: &str = r#"
(module
  (import "conductor" "log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "debug line" "info line" "warn line" "error line")
  (func (export "execute") (param i32 i32) (result i32)
    (drop (call $log (i32.const 0) (i32.const 0) (i32.const 10)))
    (drop (call $log (i32.const 1) (i32.const 10) (i32.const 9)))
    (drop (call $log (i32.const 2) (i32.const 19) (i32.const 9)))
    (call $log (i32.const 3) (i32.const 28) (i32.const 10))))
"#;

#[test]
fn log_writes_at_the_requested_level_under_the_plugin_name() {
    let f = fixture();
    let mut plugin = f
        .host
        .load_bytes(
            "levels",
            &wat_module(LOG_LEVELS_WAT),
            PluginOptions::default(),
        )
        .unwrap();
    plugin.execute(b"{}").unwrap();
    let lines: Vec<(LogLevel, String)> = f
        .log
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _, _)| p == "levels")
        .map(|(_, level, l)| (*level, l.clone()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (LogLevel::Debug, "debug line".to_string()),
            (LogLevel::Info, "info line".to_string()),
            (LogLevel::Warn, "warn line".to_string()),
            (LogLevel::Error, "error line".to_string()),
        ]
    );
}
