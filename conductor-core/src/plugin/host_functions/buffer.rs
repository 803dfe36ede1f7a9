//! The return path: `result_len` and `result_read`. Every host function except `log`
//! replaces the instance's result buffer (with its answer, or a message after a
//! failure); the guest reads it into a buffer of its own, so it needs no allocator
//! export.

use super::{guest_range, memory, HostCaller, HostErrorCode};

/// `result_len() -> i32`: the length of the result buffer in bytes.
pub(super) fn result_len(caller: HostCaller<'_>) -> i32 {
    i32::try_from(caller.data().host.result.len()).unwrap_or(i32::MAX)
}

/// `result_read(ptr, len) -> i32`: copies the first `min(len, result_len)` bytes of
/// the result buffer to `ptr` and returns how many it copied, or
/// [`HostErrorCode::Memory`] when the destination lies outside the guest's memory. The
/// buffer is left as it is, so it can be read again.
pub(super) fn result_read(mut caller: HostCaller<'_>, ptr: i32, len: i32) -> i32 {
    let Ok(memory) = memory(&mut caller) else {
        return HostErrorCode::Memory.code();
    };
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let n = state
        .host
        .result
        .len()
        .min(usize::try_from(len).unwrap_or(0));
    if len < 0 {
        return HostErrorCode::Memory.code();
    }
    let Some(range) = guest_range(data.len(), ptr, n as i32) else {
        return HostErrorCode::Memory.code();
    };
    data[range].copy_from_slice(&state.host.result[..n]);
    n as i32
}
