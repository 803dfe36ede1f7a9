//! `config_get(key_ptr, key_len) -> i32`: the plugin's static configuration (the
//! config's per-plugin `config` table, or
//! [`PluginServices::config`](crate::plugin::PluginServices::config)). Always
//! available; a plugin sees only its own table.

use super::{finish, read_capped, Failure, HostCaller, HostErrorCode};

/// Longest key `config_get`, `var_get` and `var_set` accept, in bytes.
pub(crate) const MAX_KEY_BYTES: usize = 256;

/// Puts the value of `key` in the result buffer and returns 1, or returns 0 (and an
/// empty buffer) when the table has no such key.
pub(super) fn config_get(
    mut caller: HostCaller<'_>,
    key_ptr: i32,
    key_len: i32,
) -> wasmtime::Result<i32> {
    let outcome = get(&mut caller, key_ptr, key_len);
    finish(&mut caller, "config_get", outcome)
}

fn get(caller: &mut HostCaller<'_>, ptr: i32, len: i32) -> Result<(i32, Vec<u8>), Failure> {
    let key = read_key(caller, "config_get", ptr, len)?;
    Ok(match caller.data().host.env.services.config.get(&key) {
        Some(value) => (1, value.as_bytes().to_vec()),
        None => (0, Vec::new()),
    })
}

/// Reads a key: 1 to [`MAX_KEY_BYTES`] bytes of UTF-8.
pub(super) fn read_key(
    caller: &mut HostCaller<'_>,
    function: &str,
    ptr: i32,
    len: i32,
) -> Result<String, Failure> {
    let bytes = read_capped(caller, "the key", ptr, len, MAX_KEY_BYTES)?;
    if bytes.is_empty() {
        return Err(Failure::new(
            HostErrorCode::Invalid,
            format!("{function} needs a key of 1 to {MAX_KEY_BYTES} bytes; the key is empty"),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            HostErrorCode::Invalid,
            format!("{function} needs a key of UTF-8 text; this key is not"),
        )
    })
}
