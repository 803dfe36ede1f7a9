//! What [`system::request`](crate::system::request) and
//! [`audio::request`](crate::audio::request) share.

use serde::Serialize;

use crate::error::{HostError, HostErrorKind};
use crate::result;

/// Serialises `data`, calls `function` with it and reads the JSON answer.
pub(crate) fn send<T: Serialize + ?Sized>(
    data: &T,
    function: impl FnOnce(*const u8, usize) -> i32,
) -> Result<serde_json::Value, HostError> {
    let json = serde_json::to_vec(data).map_err(|e| {
        HostError::new(
            HostErrorKind::Invalid,
            format!("the request is not JSON: {e}"),
        )
    })?;
    result::check(function(json.as_ptr(), json.len()))?;
    let answer = result::take();
    if answer.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&answer).map_err(|e| {
        HostError::new(
            HostErrorKind::Invalid,
            format!("the application's answer is not JSON: {e}"),
        )
    })
}
