//! WebSocket exchanges, made by the host on the plugin's behalf (capability `Network`,
//! granted automatically; the user may restrict hosts with `allowed_hosts`).
//!
//! One call is one short conversation: connect, send some messages, receive up to a
//! number of messages, close — all within the plugin's call, so an action can notify
//! a WebSocket service or ask it one question.
//!
//! ```no_run
//! use conductor_plugin::websocket;
//! # fn main() -> Result<(), conductor_plugin::HostError> {
//! // Send one text message and wait for one answer.
//! let reply = websocket::request("wss://example.com/socket", "hello")?;
//! conductor_plugin::log::info(format!("server said {reply}"));
//!
//! // Send two messages, binary included, and read nothing back.
//! websocket::Exchange::new("wss://example.com/socket")
//!     .text("note-on 60")
//!     .binary(vec![0x90, 60, 100])
//!     .receive(0)
//!     .timeout(std::time::Duration::from_millis(500))
//!     .run()?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{HostError, HostErrorKind};
use crate::result;

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "conductor")]
unsafe extern "C" {
    /// The raw host function: a JSON head at `head_ptr`; returns how many messages
    /// were received, or a negative error code.
    #[link_name = "websocket_exchange"]
    fn websocket_exchange(head_ptr: *const u8, head_len: usize) -> i32;
}

/// Outside WebAssembly there is no host: "unavailable", so plugin crates can run unit
/// tests natively.
#[cfg(not(target_arch = "wasm32"))]
unsafe fn websocket_exchange(_head_ptr: *const u8, _head_len: usize) -> i32 {
    HostErrorKind::Unavailable.code()
}

/// A message sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl Message {
    /// The message's bytes (a text message's UTF-8).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(t) => t.as_bytes(),
            Message::Binary(b) => b,
        }
    }
}

/// What an exchange brought back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// The data messages received, in order (at most what was asked for).
    pub messages: Vec<Message>,
    /// Whether the server closed the connection before that many arrived.
    pub closed: bool,
    /// The reason in the server's close frame, if it sent one.
    pub close_reason: String,
}

/// A WebSocket exchange to run with [`Exchange::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The URL; only `ws` and `wss` are allowed.
    pub url: String,
    /// The messages to send, in order, once connected.
    pub send: Vec<Message>,
    /// How many data messages to wait for after sending (default 1; 0: none).
    pub receive: usize,
    /// Extra headers for the opening handshake (e.g. `Authorization`).
    pub headers: Vec<(String, String)>,
    /// How long the whole exchange may take. The host never waits past the plugin's
    /// own timeout, whatever this says.
    pub timeout: Option<Duration>,
}

impl Exchange {
    /// An exchange with `url` that sends nothing and waits for one message.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            send: Vec::new(),
            receive: 1,
            headers: Vec::new(),
            timeout: None,
        }
    }

    /// Adds a text message to send.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.send.push(Message::Text(text.into()));
        self
    }

    /// Adds a binary message to send.
    pub fn binary(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.send.push(Message::Binary(bytes.into()));
        self
    }

    /// Sets how many messages to wait for.
    pub fn receive(mut self, count: usize) -> Self {
        self.receive = count;
        self
    }

    /// Adds a header to the opening handshake.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs the exchange; see [`exchange`].
    pub fn run(&self) -> Result<Reply, HostError> {
        exchange(self)
    }
}

/// Sends one text message to `url` and returns the first message that comes back, as
/// text (a binary answer is read as UTF-8, invalid sequences replaced). Fails with
/// [`HostErrorKind::Io`] when the server closes without answering.
pub fn request(url: &str, text: &str) -> Result<String, HostError> {
    let reply = Exchange::new(url).text(text).run()?;
    match reply.messages.into_iter().next() {
        Some(Message::Text(t)) => Ok(t),
        Some(Message::Binary(b)) => Ok(String::from_utf8_lossy(&b).into_owned()),
        None => Err(HostError::new(
            HostErrorKind::Io,
            format!(
                "{url}: the server closed the connection without answering ({})",
                reply.close_reason
            ),
        )),
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Outgoing<'a> {
    Text(&'a str),
    Binary { binary: &'a [u8] },
}

#[derive(Serialize)]
struct Head<'a> {
    url: &'a str,
    send: Vec<Outgoing<'a>>,
    receive: usize,
    headers: std::collections::BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
}

#[derive(Deserialize)]
struct AnswerHead {
    messages: Vec<Received>,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    close_reason: String,
}

#[derive(Deserialize)]
struct Received {
    #[serde(rename = "type")]
    kind: String,
    len: usize,
}

/// Runs `exchange`. Fails with [`HostErrorKind::Denied`] for a host outside the
/// plugin's `allowed_hosts` or a scheme other than ws/wss, [`HostErrorKind::Timeout`]
/// when the server does not answer in time, [`HostErrorKind::TooLarge`] when a
/// message (or all of them) is larger than the host's cap, and [`HostErrorKind::Io`]
/// for DNS, connection, TLS and handshake failures.
pub fn exchange(exchange: &Exchange) -> Result<Reply, HostError> {
    let head = Head {
        url: &exchange.url,
        send: exchange
            .send
            .iter()
            .map(|m| match m {
                Message::Text(t) => Outgoing::Text(t),
                Message::Binary(b) => Outgoing::Binary { binary: b },
            })
            .collect(),
        receive: exchange.receive,
        headers: exchange
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        timeout_ms: exchange
            .timeout
            .map(|t| t.as_millis().min(u64::MAX as u128) as u64),
    };
    let head = serde_json::to_vec(&head).expect("the exchange head serialises");
    // SAFETY: the pointer/length pair describes a live buffer for the call.
    let code = unsafe { websocket_exchange(head.as_ptr(), head.len()) };
    result::check(code)?;
    let bytes = result::take();
    let (answer, mut payload): (AnswerHead, &[u8]) = result::split_framed(&bytes)?;
    let mut messages = Vec::with_capacity(answer.messages.len());
    for received in answer.messages {
        let Some((body, rest)) = payload.split_at_checked(received.len) else {
            return Err(HostError::new(
                HostErrorKind::Invalid,
                "the host's answer is shorter than its head says",
            ));
        };
        payload = rest;
        messages.push(if received.kind == "text" {
            Message::Text(String::from_utf8_lossy(body).into_owned())
        } else {
            Message::Binary(body.to_vec())
        });
    }
    Ok(Reply {
        messages,
        closed: answer.closed,
        close_reason: answer.close_reason,
    })
}
