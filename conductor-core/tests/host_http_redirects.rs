//! HTTP redirects followed for a plugin: every hop is checked against the plugin's
//! `allowed_hosts` before it is requested, and credentials are dropped when a redirect
//! leads to another host.

use conductor_test_support as support;

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use conductor_core::log::{LogRecord, LogSource};
use conductor_core::plugin::{HostConfig, Plugin, PluginHost, PluginOptions, PluginServices};
use conductor_core::Error;
use serde_json::json;

/// What the server saw of one request: its path, and its headers as lower-case names
/// with their values.
type Seen = (String, Vec<(String, String)>);

/// A loopback server: `/go/<url>` answers 302 with `Location: <url>`, anything else
/// answers 200 "hello". It records the path and lower-cased header names and values of
/// every request it receives.
struct Server {
    server: Arc<tiny_http::Server>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (srv, log) = (server.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            for mut request in srv.incoming_requests() {
                let _ = request.as_reader().read_to_end(&mut Vec::new());
                let headers = request
                    .headers()
                    .iter()
                    .map(|h| {
                        (
                            h.field.to_string().to_ascii_lowercase(),
                            h.value.to_string(),
                        )
                    })
                    .collect();
                log.lock()
                    .unwrap()
                    .push((request.url().to_string(), headers));
                let response = match request.url().strip_prefix("/go/") {
                    Some(location) => tiny_http::Response::from_string("")
                        .with_status_code(302)
                        .with_header(tiny_http::Header::from_bytes("Location", location).unwrap()),
                    None => tiny_http::Response::from_string("hello"),
                };
                let _ = request.respond(response);
            }
        });
        Server {
            server,
            seen,
            thread: Some(thread),
            port,
        }
    }

    /// This server's URL for `path`, with `host` as the host name.
    fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port)
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

struct Fixture {
    host: PluginHost,
    lines: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = support::temp_dir();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.path().join("data")))
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                if let LogSource::PluginStdout(_) | LogSource::PluginStderr(_) = r.source {
                    sink.lock().unwrap().push(r.message.to_string());
                }
            }))
            .with_trust_store(None),
    )
    .unwrap();
    Fixture {
        host,
        lines,
        _dir: dir,
    }
}

/// The SDK's HTTP plugin, allowed to reach exactly `allowed_hosts`.
fn http_plugin(f: &Fixture, allowed_hosts: Vec<String>) -> Plugin {
    let options = PluginOptions::default()
        .with_services(PluginServices::default().with_allowed_hosts(allowed_hosts));
    f.host
        .load(support::plugin_wasm("http-sdk-plugin"), options)
        .unwrap()
}

fn get(plugin: &mut Plugin, url: &str, headers: serde_json::Value) -> Result<(), Error> {
    let params = json!({"url": url, "method": "GET", "headers": headers});
    plugin.execute(&serde_json::to_vec(&params).unwrap())
}

fn output(f: &Fixture) -> String {
    f.lines.lock().unwrap().join("\n")
}

#[test]
fn a_redirect_to_a_host_outside_allowed_hosts_is_refused_before_it_is_requested() {
    let f = fixture();
    let (listed, unlisted) = (Server::start(), Server::start());
    let mut plugin = http_plugin(&f, vec![format!("127.0.0.1:{}", listed.port)]);
    let target = unlisted.url("127.0.0.1", "/hello");
    let err = get(
        &mut plugin,
        &listed.url("127.0.0.1", &format!("/go/{target}")),
        json!({}),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    assert_eq!(listed.seen().len(), 1, "the first hop was requested");
    assert!(
        unlisted.seen().is_empty(),
        "the unlisted hop was requested: {:?}",
        unlisted.seen()
    );
    let out = output(&f);
    assert!(
        out.contains(&format!(
            "{target}: the host 127.0.0.1 is not in the plugin's allowed_hosts"
        )),
        "{out}"
    );
}

#[test]
fn every_hop_of_a_redirect_chain_is_checked_not_only_the_first() {
    let f = fixture();
    let (first, second, third) = (Server::start(), Server::start(), Server::start());
    let mut plugin = http_plugin(
        &f,
        vec![
            format!("127.0.0.1:{}", first.port),
            format!("127.0.0.1:{}", second.port),
        ],
    );
    // first -> second (listed) -> third (not listed).
    let to_third = third.url("127.0.0.1", "/hello");
    let to_second = second.url("127.0.0.1", &format!("/go/{to_third}"));
    let err = get(
        &mut plugin,
        &first.url("127.0.0.1", &format!("/go/{to_second}")),
        json!({}),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::PluginReturned { code: 1, .. }),
        "{err}"
    );
    assert_eq!(first.seen().len(), 1);
    assert_eq!(second.seen().len(), 1, "the listed second hop was followed");
    assert!(third.seen().is_empty(), "{:?}", third.seen());
    assert!(output(&f).contains("not in the plugin's allowed_hosts"));
}

#[test]
fn credentials_are_dropped_when_a_redirect_changes_the_host() {
    let f = fixture();
    let (origin, other) = (Server::start(), Server::start());
    // Both servers listed; the second by another name for the loopback address.
    let mut plugin = http_plugin(
        &f,
        vec![
            format!("127.0.0.1:{}", origin.port),
            format!("localhost:{}", other.port),
        ],
    );
    let target = other.url("localhost", "/hello");
    get(
        &mut plugin,
        &origin.url("127.0.0.1", &format!("/go/{target}")),
        json!({
            "Authorization": "Bearer secret",
            "Proxy-Authorization": "Basic c2VjcmV0",
            "Cookie": "session=secret",
            "X-Trace": "kept",
        }),
    )
    .unwrap();
    let first = &origin.seen()[0].1;
    assert!(
        first.contains(&("authorization".into(), "Bearer secret".into())),
        "the origin gets the credentials: {first:?}"
    );
    let followed = other.seen();
    assert_eq!(followed.len(), 1, "the redirect was followed");
    let names: Vec<&str> = followed[0].1.iter().map(|(k, _)| k.as_str()).collect();
    for secret in ["authorization", "proxy-authorization", "cookie"] {
        assert!(
            !names.contains(&secret),
            "{secret} reached the other host: {names:?}"
        );
    }
    assert!(names.contains(&"x-trace"), "{names:?}");
    assert!(output(&f).contains("body: hello"), "{}", output(&f));
}

#[test]
fn credentials_stay_on_a_redirect_within_the_same_origin() {
    // The control for the test above: the header is sent when the origin is kept.
    let f = fixture();
    let server = Server::start();
    let mut plugin = http_plugin(&f, vec![format!("127.0.0.1:{}", server.port)]);
    let target = server.url("127.0.0.1", "/hello");
    get(
        &mut plugin,
        &server.url("127.0.0.1", &format!("/go/{target}")),
        json!({"Authorization": "Bearer secret"}),
    )
    .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1]
        .1
        .contains(&("authorization".into(), "Bearer secret".into())));
}
