//! Variables the host keeps for the plugin: they survive the instance being replaced
//! after a trap, a reload of the config and a restart of the application. Each plugin
//! has its own; together (keys and values) they may take at most the host's
//! `max_var_bytes` (1 MiB unless configured). Always available.
//!
//! ```no_run
//! use conductor_plugin::{vars, Result};
//!
//! fn execute(_: ()) -> Result<()> {
//!     let count: u64 = vars::get_json("presses")?.unwrap_or(0);
//!     vars::set_json("presses", &(count + 1))?;
//!     Ok(())
//! }
//! conductor_plugin::plugin! { execute: execute }
//! # fn main() {}
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{HostError, HostErrorKind};
use crate::{result, sys};

/// The value of `key`, or `None` when it is not set.
pub fn get(key: &str) -> Result<Option<Vec<u8>>, HostError> {
    // SAFETY: the pointer and length describe `key`, alive for the call.
    let code = unsafe { sys::var_get(key.as_ptr(), key.len()) };
    Ok((result::check(code)? == 1).then(result::take))
}

/// Sets `key` to `value`; the host saves it at once. An empty value removes it. Fails
/// with [`HostErrorKind::TooLarge`] past `max_var_bytes`.
pub fn set(key: &str, value: &[u8]) -> Result<(), HostError> {
    // SAFETY: the pointers and lengths describe `key` and `value`, alive for the call.
    let code = unsafe { sys::var_set(key.as_ptr(), key.len(), value.as_ptr(), value.len()) };
    result::check(code).map(drop)
}

/// Removes `key`.
pub fn remove(key: &str) -> Result<(), HostError> {
    set(key, &[])
}

/// The value of `key` read as JSON, or `None` when it is not set.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, HostError> {
    get(key)?
        .map(|bytes| {
            serde_json::from_slice(&bytes).map_err(|e| {
                HostError::new(
                    HostErrorKind::Invalid,
                    format!("variable {key} is not the JSON expected: {e}"),
                )
            })
        })
        .transpose()
}

/// Sets `key` to `value` serialised as JSON.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), HostError> {
    let bytes = serde_json::to_vec(value).map_err(|e| {
        HostError::new(
            HostErrorKind::Invalid,
            format!("variable {key} does not serialise as JSON: {e}"),
        )
    })?;
    set(key, &bytes)
}
