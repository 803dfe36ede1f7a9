//! `http_request(head_ptr, head_len, body_ptr, body_len) -> i32` (capability Network):
//! an HTTP(S) request made by the host for the plugin, with the plugin's allow-list,
//! a timeout bounded by the plugin's own deadline and a cap on the response size.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use ureq::http::{self, Method, Request, Response};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use url::Url;

use super::{
    finish, framed, read_capped, require, Failure, HostCaller, HostErrorCode, PerPluginState,
    MAX_HEAD_BYTES,
};
use crate::plugin::Capability;

/// Redirects followed before giving up; each hop is checked against `allowed_hosts`.
const MAX_REDIRECTS: usize = 10;

/// The JSON head of a request: `{"method": "GET", "url": "...", "headers": {...},
/// "timeout_ms": 2000}`. `headers` may also be a list of `[name, value]` pairs.
#[derive(Deserialize)]
struct RequestHead {
    #[serde(default = "default_method")]
    method: String,
    url: String,
    #[serde(default)]
    headers: Headers,
    timeout_ms: Option<u64>,
}

fn default_method() -> String {
    "GET".into()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Headers {
    Pairs(Vec<(String, String)>),
    Map(BTreeMap<String, String>),
}

impl Default for Headers {
    fn default() -> Self {
        Headers::Pairs(Vec::new())
    }
}

impl Headers {
    fn into_pairs(self) -> Vec<(String, String)> {
        match self {
            Headers::Pairs(p) => p,
            Headers::Map(m) => m.into_iter().collect(),
        }
    }
}

/// Performs the request described by the JSON head at `head_ptr` with the body bytes
/// at `body_ptr`. On success returns the HTTP status (any status, 404 included) and
/// leaves `{"status", "headers", "url", "body_len", "truncated"}` + `\n` + body in the
/// result buffer. A body over the cap returns [`HostErrorCode::TooLarge`] with the same
/// layout, the body cut at the cap and an `"error"` field in the head.
pub(super) fn http_request(
    mut caller: HostCaller<'_>,
    head_ptr: i32,
    head_len: i32,
    body_ptr: i32,
    body_len: i32,
) -> wasmtime::Result<i32> {
    let outcome = request(&mut caller, head_ptr, head_len, body_ptr, body_len);
    finish(&mut caller, "http_request", outcome)
}

fn request(
    caller: &mut HostCaller<'_>,
    head_ptr: i32,
    head_len: i32,
    body_ptr: i32,
    body_len: i32,
) -> Result<(i32, Vec<u8>), Failure> {
    require(caller, "http_request", Capability::Network)?;
    let head = read_capped(
        caller,
        "the request head",
        head_ptr,
        head_len,
        MAX_HEAD_BYTES,
    )?;
    let cap = caller.data().host.env.services.max_response_bytes;
    let body = read_capped(caller, "the request body", body_ptr, body_len, cap)?;
    let head: RequestHead = serde_json::from_slice(&head).map_err(|e| {
        invalid(format!(
            "http_request needs a JSON head like {{\"method\": \"GET\", \"url\": \"https://...\"}}: {e}"
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
    perform(&env, head, body, deadline)
}

fn perform(
    env: &PerPluginState,
    head: RequestHead,
    body: Vec<u8>,
    deadline: Instant,
) -> Result<(i32, Vec<u8>), Failure> {
    let mut url =
        Url::parse(&head.url).map_err(|e| invalid(format!("bad URL {:?}: {e}", head.url)))?;
    let mut method = Method::from_bytes(head.method.trim().to_ascii_uppercase().as_bytes())
        .map_err(|_| invalid(format!("bad HTTP method {:?}", head.method)))?;
    let mut headers = head.headers.into_pairs();
    if let Some((name, _)) = headers
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
    {
        return Err(invalid(format!(
            "the {name:?} header cannot be set by a plugin: the host sends the URL's own \
             (a different one would reach another site behind the same address)"
        )));
    }
    let mut body = body;
    let agent = env
        .http_agent
        .get_or_init(|| new_agent(&env.services.allowed_hosts));
    let mut hops = 0;
    let mut response = loop {
        check_url(env, &url, ["http", "https"])?;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timeout(&method, &url));
        }
        let response = send(agent, &method, &url, &headers, &body, left)
            .map_err(|e| classify(e, &method, &url, deadline))?;
        let Some(next) = redirect_target(&response, &url) else {
            break response;
        };
        hops += 1;
        if hops > MAX_REDIRECTS {
            return Err(Failure::new(
                HostErrorCode::Io,
                format!("{method} {url}: more than {MAX_REDIRECTS} redirects"),
            ));
        }
        let status = response.status().as_u16();
        if status == 303 || ((status == 301 || status == 302) && method == Method::POST) {
            if method != Method::HEAD {
                method = Method::GET;
            }
            body.clear();
            headers.retain(|(k, _)| {
                !k.eq_ignore_ascii_case("content-type") && !k.eq_ignore_ascii_case("content-length")
            });
        }
        // Credentials stay with their origin: another scheme, host or port (the same
        // host on another port is another server) does not get them.
        if next.origin() != url.origin() {
            headers.retain(|(k, _)| {
                !["authorization", "proxy-authorization", "cookie"]
                    .iter()
                    .any(|c| k.eq_ignore_ascii_case(c))
            });
        }
        url = next;
    };
    let cap = env.services.max_response_bytes;
    let mut content = Vec::new();
    response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .reader()
        .take(cap as u64 + 1)
        .read_to_end(&mut content)
        .map_err(|e| {
            let code = if e.kind() == std::io::ErrorKind::TimedOut || Instant::now() >= deadline {
                HostErrorCode::Timeout
            } else {
                HostErrorCode::Io
            };
            Failure::new(
                code,
                format!("{method} {url}: reading the response body failed: {e}"),
            )
        })?;
    let truncated = content.len() > cap;
    content.truncate(cap);
    let status = response.status().as_u16();
    let mut head = json!({
        "status": status,
        "headers": response
            .headers()
            .iter()
            .map(|(k, v)| [k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()])
            .collect::<Vec<_>>(),
        "url": url.as_str(),
        "body_len": content.len(),
        "truncated": truncated,
    });
    if truncated {
        let message = format!(
            "{method} {url}: the response body is larger than the {cap}-byte limit and was cut at it"
        );
        head["error"] = message.clone().into();
        // The partial response is what the plugin reads; the code says it is partial.
        let partial = framed(&head, &[&content]);
        return Err(Failure::new(HostErrorCode::TooLarge, message).with_result(partial));
    }
    Ok((i32::from(status), framed(&head, &[&content])))
}

/// The plugin's agent: no redirects of its own (the host follows and checks them), no
/// proxy from the environment (it would resolve hosts where the address check cannot
/// see them), and a resolver that keeps plugins off internal addresses.
fn new_agent(allowed_hosts: &[String]) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .allow_non_standard_methods(true)
        .proxy(None)
        .user_agent(concat!("conductor/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        DefaultConnector::new(),
        PublicOnlyResolver {
            allowed_hosts: allowed_hosts.to_vec(),
        },
    )
}

/// Resolves like ureq's default resolver, then drops every address that is not on the
/// public internet (loopback, private, link-local, ...) unless `allowed_hosts` names
/// the host explicitly: an exact entry, not a wildcard and not an empty list. It runs
/// after DNS, so a public name that resolves to 127.0.0.1 is caught, and for every
/// redirect hop.
#[derive(Debug)]
struct PublicOnlyResolver {
    allowed_hosts: Vec<String>,
}

impl Resolver for PublicOnlyResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = DefaultResolver::default().resolve(uri, config, timeout)?;
        let host = uri
            .host()
            .unwrap_or("")
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = uri.port_u16().or_else(|| match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        if listed_explicitly(&self.allowed_hosts, &host, port) {
            return Ok(resolved);
        }
        let mut kept = self.empty();
        let mut refused = None;
        for &addr in resolved.iter() {
            match internal_range(addr.ip()) {
                Some(range) => refused = Some((addr.ip(), range)),
                None => kept.push(addr),
            }
        }
        match refused {
            Some((ip, range)) if kept.is_empty() => Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{host} resolves to {ip}, a {range} address; plugins reach loopback, \
                     private and link-local addresses only when `allowed_hosts` lists the \
                     host explicitly (e.g. \"{host}:{}\")",
                    port.unwrap_or(80)
                ),
            ))),
            _ => Ok(kept),
        }
    }
}

/// Whether an exact (non-wildcard) entry of `allowed` names `host` (and its port).
pub(crate) fn listed_explicitly(allowed: &[String], host: &str, port: Option<u16>) -> bool {
    allowed
        .iter()
        .filter(|entry| !entry.trim().starts_with("*."))
        .any(|entry| entry_matches(entry, host, port))
}

/// The kind of non-public range `ip` lies in, if any.
pub(crate) fn internal_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
                Some("link-local")
            } else if first & 0xff00 == 0xff00 {
                Some("multicast")
            } else if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
                || v6.segments()[..6] == [0; 6]
            {
                // NAT64 and IPv4-compatible addresses carry an IPv4 address.
                let o = v6.octets();
                internal_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
            } else {
                None
            }
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 0 {
        Some("unspecified")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_broadcast() || ip.is_multicast() || a >= 240 {
        Some("multicast or reserved")
    } else {
        None
    }
}

fn send(
    agent: &ureq::Agent,
    method: &Method,
    url: &Url,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<Response<ureq::Body>, ureq::Error> {
    let mut builder = Request::builder().method(method.clone()).uri(url.as_str());
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if body.is_empty() {
        let request = agent
            .configure_request(builder.body(())?)
            .timeout_global(Some(timeout))
            .build();
        agent.run(request)
    } else {
        let request = agent
            .configure_request(builder.body(body)?)
            .timeout_global(Some(timeout))
            .build();
        agent.run(request)
    }
}

/// The next URL when `response` is a redirect with a usable `Location`.
fn redirect_target(response: &Response<ureq::Body>, base: &Url) -> Option<Url> {
    if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response
        .headers()
        .get(http::header::LOCATION)?
        .to_str()
        .ok()?;
    base.join(location).ok()
}

/// Refuses schemes other than `schemes` (plain, then secure: `["http", "https"]`) and
/// hosts outside the allow-list. Shared by HTTP and WebSocket.
pub(super) fn check_url(
    env: &PerPluginState,
    url: &Url,
    schemes: [&str; 2],
) -> Result<(), Failure> {
    if !schemes.contains(&url.scheme()) {
        return Err(Failure::new(
            HostErrorCode::Denied,
            format!(
                "{url}: only {} and {} URLs are allowed",
                schemes[0], schemes[1]
            ),
        ));
    }
    let allowed = &env.services.allowed_hosts;
    if !host_allowed(allowed, url) {
        return Err(Failure::new(
            HostErrorCode::Denied,
            format!(
                "{url}: the host {} is not in the plugin's allowed_hosts ({}); add it to \
                 `allowed_hosts` in the plugin's settings",
                url.host_str().unwrap_or("(none)"),
                allowed.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Whether `url`'s host (and port) matches an entry of `allowed`; an empty list allows
/// every host.
fn host_allowed(allowed: &[String], url: &Url) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = url.port_or_known_default();
    allowed
        .iter()
        .any(|entry| entry_matches(entry, &host, port))
}

fn entry_matches(entry: &str, host: &str, port: Option<u16>) -> bool {
    let entry = entry.trim().to_ascii_lowercase();
    let (name, entry_port) = split_host_port(&entry);
    match entry_port {
        Some(Ok(p)) if Some(p) != port => return false,
        Some(Err(())) => return false,
        _ => {}
    }
    match name.strip_prefix("*.") {
        Some(domain) => {
            host.len() > domain.len() + 1
                && host.ends_with(domain)
                && host[..host.len() - domain.len()].ends_with('.')
        }
        None => host == name,
    }
}

/// Splits `host[:port]`, `[v6][:port]` or a bare IPv6 address.
fn split_host_port(entry: &str) -> (&str, Option<Result<u16, ()>>) {
    if let Some(rest) = entry.strip_prefix('[') {
        let Some((name, after)) = rest.split_once(']') else {
            return (entry, None);
        };
        return match after.strip_prefix(':') {
            Some(p) => (name, Some(p.parse().map_err(|_| ()))),
            None => (name, None),
        };
    }
    match entry.split_once(':') {
        Some((name, p)) if !p.contains(':') => (name, Some(p.parse().map_err(|_| ()))),
        _ => (entry, None),
    }
}

fn classify(error: ureq::Error, method: &Method, url: &Url, deadline: Instant) -> Failure {
    let code = match &error {
        ureq::Error::Timeout(_) => HostErrorCode::Timeout,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => HostErrorCode::Timeout,
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => HostErrorCode::Invalid,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            HostErrorCode::Denied
        }
        _ if Instant::now() >= deadline => HostErrorCode::Timeout,
        _ => HostErrorCode::Io,
    };
    if code == HostErrorCode::Timeout {
        return timeout(method, url);
    }
    Failure::new(code, format!("{method} {url}: {error}"))
}

fn timeout(method: &Method, url: &Url) -> Failure {
    Failure::new(
        HostErrorCode::Timeout,
        format!(
            "{method} {url}: timed out (the request's `timeout_ms`, or what was left of the \
             plugin's own timeout)"
        ),
    )
}

fn invalid(message: String) -> Failure {
    Failure::new(HostErrorCode::Invalid, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(list: &[&str], url: &str) -> bool {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        host_allowed(&list, &Url::parse(url).unwrap())
    }

    #[test]
    fn internal_ranges_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(
                internal_range(internal.parse().unwrap()).is_some(),
                "{internal}"
            );
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert_eq!(internal_range(public.parse().unwrap()), None, "{public}");
        }
        let list = vec!["*.example.com".to_string(), "intranet:8080".to_string()];
        assert!(listed_explicitly(&list, "intranet", Some(8080)));
        assert!(!listed_explicitly(&list, "a.example.com", Some(443)));
        assert!(!listed_explicitly(&[], "localhost", Some(80)));
    }

    #[test]
    fn allow_list_matches_hosts_ports_and_subdomains() {
        assert!(allowed(&[], "https://anything.example/"));
        assert!(allowed(&["api.example.com"], "https://API.example.com/x"));
        assert!(!allowed(
            &["api.example.com"],
            "https://evil.com/api.example.com"
        ));
        assert!(allowed(&["*.example.com"], "https://a.b.example.com/"));
        assert!(!allowed(&["*.example.com"], "https://example.com/"));
        assert!(!allowed(&["*.example.com"], "https://badexample.com/"));
        assert!(allowed(&["localhost:8080"], "http://localhost:8080/"));
        assert!(!allowed(&["localhost:8080"], "http://localhost:9090/"));
        assert!(allowed(&["127.0.0.1"], "http://127.0.0.1:1234/"));
        assert!(allowed(&["[::1]:80"], "http://[::1]/"));
        assert!(allowed(&["::1"], "http://[::1]:5/"));
        assert!(!allowed(&["localhost:http"], "http://localhost/"));
    }
}
