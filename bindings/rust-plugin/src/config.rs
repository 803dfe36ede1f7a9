//! The plugin's static configuration: the `config` table its settings give it in the
//! config file (`[plugins.settings."x.wasm"] config = { api_url = "..." }`) or through
//! the API, so keys and secrets change without rebuilding. Values are text. Always
//! available.
//!
//! ```no_run
//! fn execute(_: ()) -> conductor_plugin::Result<()> {
//!     let url = conductor_plugin::config::get("api_url")?.unwrap_or_default();
//!     conductor_plugin::log::info(format!("posting to {url}"));
//!     Ok(())
//! }
//! conductor_plugin::plugin! { execute: execute }
//! # fn main() {}
//! ```

use crate::error::HostError;
use crate::{result, sys};

/// The value of `key`, or `None` when the plugin's config has no such key.
pub fn get(key: &str) -> Result<Option<String>, HostError> {
    // SAFETY: the pointer and length describe `key`, alive for the call.
    let code = unsafe { sys::config_get(key.as_ptr(), key.len()) };
    Ok((result::check(code)? == 1).then(|| String::from_utf8_lossy(&result::take()).into_owned()))
}
