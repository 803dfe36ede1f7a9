//! `websocket_exchange(head_ptr, head_len) -> i32` (capability Network): one short
//! WebSocket conversation made by the host for the plugin — connect, send the given
//! messages, receive up to a number of messages, close — within the plugin's call.
//!
//! The same rules as `http_request`: only the hosts of `allowed_hosts`, internal
//! addresses only when listed explicitly, a deadline bounded by the plugin's own
//! timeout, and `max_response_bytes` as the cap on every received message and on
//! their total.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use tungstenite::client::IntoClientRequest;
use tungstenite::error::CapacityError;
use tungstenite::http::{HeaderName, HeaderValue};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};
use url::Url;

use super::http::{check_url, internal_range, listed_explicitly};
use super::{
    finish, framed, read_capped, require, Failure, HostCaller, HostErrorCode, PerPluginState,
    MAX_HEAD_BYTES,
};
use crate::plugin::Capability;

/// Messages one exchange may ask to receive.
const MAX_RECEIVE: usize = 1024;

/// The JSON head: `{"url": "wss://...", "send": ["text", {"binary": [1, 2]}],
/// "receive": 1, "timeout_ms": 2000, "headers": {...}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeHead {
    url: String,
    #[serde(default)]
    send: Vec<Outgoing>,
    /// Data messages (text or binary) to wait for; default 1.
    #[serde(default = "one")]
    receive: usize,
    timeout_ms: Option<u64>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

fn one() -> usize {
    1
}

/// A message to send: a JSON string is a text message, `{"binary": [bytes]}` a binary
/// one.
#[derive(Deserialize)]
#[serde(untagged)]
enum Outgoing {
    Text(String),
    Binary { binary: Vec<u8> },
}

/// Runs the exchange described by the JSON head at `head_ptr`. On success returns how
/// many messages were received and leaves `{"url", "messages": [{"type", "len"}],
/// "closed", "close_reason"}` + `\n` + the messages' bytes, one after the other, in the
/// result buffer.
pub(super) fn websocket_exchange(
    mut caller: HostCaller<'_>,
    head_ptr: i32,
    head_len: i32,
) -> wasmtime::Result<i32> {
    let outcome = exchange_request(&mut caller, head_ptr, head_len);
    finish(&mut caller, "websocket_exchange", outcome)
}

fn exchange_request(
    caller: &mut HostCaller<'_>,
    head_ptr: i32,
    head_len: i32,
) -> Result<(i32, Vec<u8>), Failure> {
    require(caller, "websocket_exchange", Capability::Network)?;
    let head = read_capped(
        caller,
        "the exchange head",
        head_ptr,
        head_len,
        MAX_HEAD_BYTES,
    )?;
    let head: ExchangeHead = serde_json::from_slice(&head).map_err(|e| {
        invalid(format!(
            "websocket_exchange needs a JSON head like {{\"url\": \"wss://...\", \"send\": \
             [\"hello\"], \"receive\": 1}}: {e}"
        ))
    })?;
    let state = &caller.data().host;
    let limit = head
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(Duration::MAX)
        .min(state.remaining());
    let env = state.env.clone();
    let deadline = Instant::now() + limit;
    exchange(&env, head, deadline)
}

fn exchange(
    env: &PerPluginState,
    head: ExchangeHead,
    deadline: Instant,
) -> Result<(i32, Vec<u8>), Failure> {
    let url = Url::parse(&head.url).map_err(|e| invalid(format!("bad URL {:?}: {e}", head.url)))?;
    check_url(env, &url, ["ws", "wss"])?;
    if head.receive > MAX_RECEIVE {
        return Err(invalid(format!(
            "`receive` is {}; an exchange receives at most {MAX_RECEIVE} messages",
            head.receive
        )));
    }
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| invalid(format!("{url}: {e}")))?;
    for (name, value) in &head.headers {
        let lower = name.trim().to_ascii_lowercase();
        if lower == "host"
            || lower.starts_with("sec-websocket-") && lower != "sec-websocket-protocol"
        {
            return Err(invalid(format!(
                "the {name:?} header cannot be set by a plugin: the host sends its own"
            )));
        }
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| invalid(format!("bad header name {name:?}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| invalid(format!("bad value for the header {name}")))?;
        request.headers_mut().insert(name, value);
    }

    let stream = connect(env, &url, deadline)?;
    // A second handle on the same socket, to move the read/write timeouts towards the
    // deadline while the WebSocket owns the stream.
    let control = stream
        .try_clone()
        .map_err(|e| Failure::new(HostErrorCode::Io, format!("{url}: {e}")))?;
    let cap = env.services.max_response_bytes;
    let config = WebSocketConfig::default()
        .max_message_size(Some(cap))
        .max_frame_size(Some(cap));
    set_timeouts(&control, deadline, &url)?;
    let (mut socket, _response) =
        tungstenite::client_tls_with_config(request, stream, Some(config), None).map_err(|e| {
            let (code, message) = match &e {
                tungstenite::HandshakeError::Failure(e) => classify(e, deadline),
                tungstenite::HandshakeError::Interrupted(_) => (
                    HostErrorCode::Timeout,
                    "the handshake did not finish".to_string(),
                ),
            };
            Failure::new(
                code,
                format!("{url}: opening the WebSocket failed: {message}"),
            )
        })?;

    let result = talk(
        &mut socket,
        &control,
        head.send,
        head.receive,
        cap,
        deadline,
        &url,
    );
    // Best effort: say goodbye, without waiting for the server's answer.
    if !matches!(result, Err(ref f) if f.code == HostErrorCode::Timeout) {
        let _ = control.set_write_timeout(Some(Duration::from_millis(100)));
        let _ = socket.close(None);
        let _ = socket.flush();
    }
    result
}

/// Sends `send`, then reads until `receive` data messages arrived, the server closed,
/// or the deadline.
fn talk(
    socket: &mut WebSocket<MaybeTlsStream<TcpStream>>,
    control: &TcpStream,
    send: Vec<Outgoing>,
    receive: usize,
    cap: usize,
    deadline: Instant,
    url: &Url,
) -> Result<(i32, Vec<u8>), Failure> {
    let fail = |e: tungstenite::Error, doing: &str| {
        let (code, message) = classify(&e, deadline);
        Failure::new(code, format!("{url}: {doing}: {message}"))
    };
    for message in send {
        set_timeouts(control, deadline, url)?;
        let message = match message {
            Outgoing::Text(text) => Message::text(text),
            Outgoing::Binary { binary } => Message::binary(binary),
        };
        socket
            .send(message)
            .map_err(|e| fail(e, "sending a message failed"))?;
    }
    let mut kinds = Vec::new();
    let mut payload: Vec<u8> = Vec::new();
    let mut closed = false;
    let mut close_reason = String::new();
    while kinds.len() < receive {
        set_timeouts(control, deadline, url)?;
        let message = match socket.read() {
            Ok(message) => message,
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                closed = true;
                break;
            }
            Err(e) => return Err(fail(e, "receiving a message failed")),
        };
        let (kind, bytes) = match message {
            Message::Text(text) => ("text", text.as_bytes().to_vec()),
            Message::Binary(bytes) => ("binary", bytes.to_vec()),
            Message::Close(frame) => {
                closed = true;
                if let Some(frame) = frame {
                    close_reason = frame.reason.to_string();
                }
                break;
            }
            // Pings are answered by tungstenite; pongs and raw frames carry no data.
            _ => continue,
        };
        if payload.len() + bytes.len() > cap {
            return Err(Failure::new(
                HostErrorCode::TooLarge,
                format!(
                    "{url}: the messages received add up to more than the {cap}-byte limit \
                     (max_response_bytes)"
                ),
            ));
        }
        kinds.push(json!({"type": kind, "len": bytes.len()}));
        payload.extend_from_slice(&bytes);
    }
    let received = kinds.len();
    let head = json!({
        "url": url.as_str(),
        "messages": kinds,
        "closed": closed,
        "close_reason": close_reason,
    });
    Ok((received as i32, framed(&head, &[&payload])))
}

/// Resolves the URL's host, keeps only public addresses unless `allowed_hosts` names
/// the host explicitly (as `http_request` does), and connects to the first that
/// answers before the deadline.
fn connect(env: &PerPluginState, url: &Url, deadline: Instant) -> Result<TcpStream, Failure> {
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = url.port_or_known_default().unwrap_or(80);
    // The system resolver has no timeout of its own: it runs on a thread of its own,
    // and the call stops waiting for it at the deadline.
    let (sender, answer) = std::sync::mpsc::channel();
    let target = (host.clone(), port);
    std::thread::spawn(move || {
        let _ = sender.send(
            target
                .to_socket_addrs()
                .map(|addrs| addrs.collect::<Vec<SocketAddr>>()),
        );
    });
    let addrs = match answer.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(resolved) => resolved.map_err(|e| {
            Failure::new(
                HostErrorCode::Io,
                format!("{url}: cannot resolve {host}: {e}"),
            )
        })?,
        Err(_) => return Err(timed_out(url)),
    };
    let explicit = listed_explicitly(&env.services.allowed_hosts, &host, Some(port));
    let mut refused = None;
    let kept: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|a| match internal_range(a.ip()) {
            Some(range) if !explicit => {
                refused = Some((a.ip(), range));
                false
            }
            _ => true,
        })
        .collect();
    if kept.is_empty() {
        return Err(match refused {
            Some((ip, range)) => Failure::new(
                HostErrorCode::Denied,
                format!(
                    "{url}: {host} resolves to {ip}, a {range} address; plugins reach \
                     loopback, private and link-local addresses only when `allowed_hosts` \
                     lists the host explicitly (e.g. \"{host}:{port}\")"
                ),
            ),
            None => Failure::new(HostErrorCode::Io, format!("{url}: {host} has no address")),
        });
    }
    let mut last = None;
    for addr in kept {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out(url));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    let e = last.expect("at least one address was tried");
    if e.kind() == ErrorKind::TimedOut || Instant::now() >= deadline {
        return Err(timed_out(url));
    }
    Err(Failure::new(
        HostErrorCode::Io,
        format!("{url}: cannot connect: {e}"),
    ))
}

/// Sets the socket's read and write timeouts to what is left until `deadline`.
fn set_timeouts(control: &TcpStream, deadline: Instant, url: &Url) -> Result<(), Failure> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(timed_out(url));
    }
    control
        .set_read_timeout(Some(left))
        .and_then(|()| control.set_write_timeout(Some(left)))
        .map_err(|e| Failure::new(HostErrorCode::Io, format!("{url}: {e}")))
}

/// The code and message for a tungstenite error.
fn classify(error: &tungstenite::Error, deadline: Instant) -> (HostErrorCode, String) {
    let code = match error {
        tungstenite::Error::Io(e)
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
                || Instant::now() >= deadline =>
        {
            HostErrorCode::Timeout
        }
        tungstenite::Error::Capacity(CapacityError::MessageTooLong { .. }) => {
            HostErrorCode::TooLarge
        }
        tungstenite::Error::Url(_) => HostErrorCode::Invalid,
        _ if Instant::now() >= deadline => HostErrorCode::Timeout,
        _ => HostErrorCode::Io,
    };
    let message = match code {
        HostErrorCode::Timeout => "timed out (the exchange's `timeout_ms`, or what was left of \
                                   the plugin's own timeout)"
            .to_string(),
        HostErrorCode::TooLarge => format!("{error} (the limit is max_response_bytes)"),
        _ => error.to_string(),
    };
    (code, message)
}

fn timed_out(url: &Url) -> Failure {
    Failure::new(
        HostErrorCode::Timeout,
        format!(
            "{url}: timed out (the exchange's `timeout_ms`, or what was left of the plugin's \
             own timeout)"
        ),
    )
}

fn invalid(message: String) -> Failure {
    Failure::new(HostErrorCode::Invalid, message)
}
