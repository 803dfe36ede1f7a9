//! `output_set(ptr, len) -> i32`: the bytes a call of `execute` / `execute_with_context`
//! returns to its caller ([`Plugin::invoke`](crate::plugin::Plugin::invoke), the C and
//! Python APIs, or the engine, which runs them as actions). Always available.

use super::{finish, read_capped, Failure, HostCaller};

/// Replaces the call's output with the bytes at `ptr..ptr+len` (length 0: no output).
/// Returns 0, or [`HostErrorCode::TooLarge`](super::HostErrorCode::TooLarge) when they
/// are more than the plugin's `max_output_bytes` (the output is then left as it was).
pub(super) fn output_set(mut caller: HostCaller<'_>, ptr: i32, len: i32) -> wasmtime::Result<i32> {
    let outcome = set(&mut caller, ptr, len);
    finish(&mut caller, "output_set", outcome)
}

fn set(caller: &mut HostCaller<'_>, ptr: i32, len: i32) -> Result<(i32, Vec<u8>), Failure> {
    let cap = caller.data().host.env.limits.max_output_bytes;
    let bytes = read_capped(
        caller,
        "the call's output (max_output_bytes)",
        ptr,
        len,
        cap,
    )?;
    caller.data_mut().host.returned = bytes;
    Ok((0, Vec::new()))
}
