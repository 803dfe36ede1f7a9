//! Requests for the embedding application's system actions (capability
//! `SystemControl`: the user must approve it explicitly): keystrokes, volume, app
//! launching. What the JSON means is agreed between the plugin and the application.
//!
//! ```no_run
//! # fn main() -> Result<(), conductor_plugin::HostError> {
//! let answer = conductor_plugin::system::request(&serde_json::json!({"action": "volume", "level": 40}))?;
//! # let _ = answer; Ok(()) }
//! ```

use serde::Serialize;

use crate::error::HostError;
use crate::host_request::send;
use crate::sys;

/// Hands `data` (as JSON) to the application and returns its answer. Fails with
/// [`HostErrorKind::Unavailable`](crate::HostErrorKind::Unavailable) when the
/// application handles no such requests and
/// [`HostErrorKind::Rejected`](crate::HostErrorKind::Rejected) when it refuses.
pub fn request<T: Serialize + ?Sized>(data: &T) -> Result<serde_json::Value, HostError> {
    send(data, |ptr, len| unsafe { sys::system_request(ptr, len) })
}
