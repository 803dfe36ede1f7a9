//! Example 1 of the plugin development guide, "HTTP Request Plugin", written with the
//! `conductor-plugin` SDK so that it really performs the request: the host makes it
//! for the plugin (WASI preview1 has no sockets), within the plugin's `allowed_hosts`.
//!
//! Params: `{"url": "...", "method": "GET"}`, optionally `"body"` (text),
//! `"headers"` (`{"name": "value"}`) and `"timeout_ms"`. It logs the status line and
//! the response body, and fails (return code 1, error logged) when the request fails.

use std::collections::BTreeMap;
use std::time::Duration;

use conductor_plugin::{http, log, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct HttpParams {
    url: String,
    method: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

fn execute(params: HttpParams) -> Result<()> {
    log::info(format!(
        "Making {} request to {}",
        params.method, params.url
    ));
    let mut request = http::Request::new(&params.method, &params.url);
    for (name, value) in &params.headers {
        request = request.header(name, value);
    }
    if let Some(body) = params.body {
        request = request.body(body);
    }
    if let Some(ms) = params.timeout_ms {
        request = request.timeout(Duration::from_millis(ms));
    }
    let response = request.send()?;
    log::info(format!("status: {}", response.status));
    if let Some(kind) = response.header("content-type") {
        log::info(format!("content-type: {kind}"));
    }
    log::info(format!("body: {}", response.text()));
    Ok(())
}

conductor_plugin::plugin! {
    capabilities: [Network],
    execute: execute,
}
