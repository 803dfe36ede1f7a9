//! Requests for the embedding application's audio (capability `Audio`, granted
//! automatically): cues, levels, whatever the application offers.
//!
//! ```no_run
//! # fn main() -> Result<(), conductor_plugin::HostError> {
//! conductor_plugin::audio::request(&serde_json::json!({"cue": "click", "gain": 0.5}))?;
//! # Ok(()) }
//! ```

use serde::Serialize;

use crate::error::HostError;
use crate::host_request::send;
use crate::sys;

/// Hands `data` (as JSON) to the application and returns its answer; see
/// [`system::request`](crate::system::request) for the errors.
pub fn request<T: Serialize + ?Sized>(data: &T) -> Result<serde_json::Value, HostError> {
    send(data, |ptr, len| unsafe { sys::audio_request(ptr, len) })
}
