//! [`Response`]: the answer to an HTTP request, apart from the code that makes requests
//! ([`http`](crate::http)) so that [`HostError`](crate::HostError) can carry a cut
//! response without the error module depending on the HTTP module.

use serde::Deserialize;

/// A response. Statuses such as 404 or 500 are responses too, not errors: check
/// [`Response::status`] or [`Response::is_success`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The URL that answered (after redirects).
    pub url: String,
    /// The body.
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 is replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}
