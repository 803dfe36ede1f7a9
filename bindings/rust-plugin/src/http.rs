//! HTTP(S) requests, made by the host on the plugin's behalf (capability `Network`,
//! granted automatically; the user may restrict hosts with `allowed_hosts`).
//!
//! ```no_run
//! use conductor_plugin::http;
//! # fn main() -> Result<(), conductor_plugin::HostError> {
//! let response = http::get("https://example.com/status")?;
//! conductor_plugin::log::info(format!("{} {}", response.status, response.text()));
//!
//! let response = http::Request::post("https://example.com/events")
//!     .header("Content-Type", "application/json")
//!     .body(r#"{"pressed": 60}"#)
//!     .timeout(std::time::Duration::from_secs(2))
//!     .send()?;
//! # let _ = response; Ok(()) }
//! ```

use std::time::Duration;

use serde::Serialize;

use crate::error::{HostError, HostErrorKind};
pub use crate::response::Response;
use crate::{result, sys};

/// An HTTP request to send with [`Request::send`] or [`request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method (`GET`, `POST`, ...).
    pub method: String,
    /// The URL; only `http` and `https` are allowed.
    pub url: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty: none).
    pub body: Vec<u8>,
    /// How long the whole request may take. The host never waits past the plugin's
    /// own timeout, whatever this says.
    pub timeout: Option<Duration>,
}

impl Request {
    /// A request with `method` to `url`, no headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: None,
        }
    }

    /// A `GET` request.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    /// A `POST` request.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and the `Content-Type: application/json` header.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_vec(value)?;
        Ok(self.header("Content-Type", "application/json").body(body))
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request; see [`request`].
    pub fn send(self) -> Result<Response, HostError> {
        request(&self)
    }
}

/// `GET url`.
pub fn get(url: &str) -> Result<Response, HostError> {
    request(&Request::get(url))
}

/// `POST url` with `body`.
pub fn post(url: &str, body: impl Into<Vec<u8>>) -> Result<Response, HostError> {
    request(&Request::post(url).body(body))
}

#[derive(Serialize)]
struct Head<'a> {
    method: &'a str,
    url: &'a str,
    headers: &'a [(String, String)],
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
}

/// Sends `req`. Fails with [`HostErrorKind::Denied`] for a host outside the plugin's
/// `allowed_hosts` or a scheme other than http/https, [`HostErrorKind::Timeout`],
/// [`HostErrorKind::Io`] for DNS/connection/TLS failures, and
/// [`HostErrorKind::TooLarge`] when the body exceeds the host's cap (the cut response
/// is in [`HostError::partial`]).
pub fn request(req: &Request) -> Result<Response, HostError> {
    let head = Head {
        method: &req.method,
        url: &req.url,
        headers: &req.headers,
        timeout_ms: req
            .timeout
            .map(|t| t.as_millis().min(u64::MAX as u128) as u64),
    };
    let head = serde_json::to_vec(&head).expect("the request head serialises");
    // SAFETY: both pointer/length pairs describe live buffers for the call.
    let code =
        unsafe { sys::http_request(head.as_ptr(), head.len(), req.body.as_ptr(), req.body.len()) };
    if code == HostErrorKind::TooLarge.code() {
        let mut partial = response_from(&result::take())?;
        let message = format!(
            "{} {}: the response body is larger than the host's limit and was cut at {} bytes",
            req.method,
            req.url,
            partial.body.len()
        );
        partial.url = if partial.url.is_empty() {
            req.url.clone()
        } else {
            partial.url
        };
        let mut error = HostError::new(HostErrorKind::TooLarge, message);
        error.partial = Some(Box::new(partial));
        return Err(error);
    }
    result::check(code)?;
    response_from(&result::take())
}

fn response_from(bytes: &[u8]) -> Result<Response, HostError> {
    let (mut response, body): (Response, &[u8]) = result::split_framed(bytes)?;
    response.body = body.to_vec();
    Ok(response)
}
