//! Reading the host's result buffer: the answer of the last host call, or its error
//! message.

use crate::error::{HostError, HostErrorKind};
use crate::sys;

/// Copies the whole result buffer into a new vector.
pub(crate) fn take() -> Vec<u8> {
    // SAFETY: result_len takes no arguments.
    let len = unsafe { sys::result_len() };
    let Ok(len) = usize::try_from(len) else {
        return Vec::new();
    };
    let mut buf = vec![0u8; len];
    // SAFETY: `buf` has room for exactly `len` bytes.
    let got = unsafe { sys::result_read(buf.as_mut_ptr(), len) };
    buf.truncate(usize::try_from(got).unwrap_or(0));
    buf
}

/// Turns a host function's return value into `Ok(value)` or the error it reports,
/// with the message from the result buffer.
pub(crate) fn check(code: i32) -> Result<i32, HostError> {
    if code >= 0 {
        return Ok(code);
    }
    let message = String::from_utf8_lossy(&take()).into_owned();
    Err(HostError::new(HostErrorKind::from_code(code), message))
}

/// Splits a framed result (`head JSON` `\n` payload) into its head and payload.
pub(crate) fn split_framed<H: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<(H, &[u8]), HostError> {
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let head = serde_json::from_slice(&bytes[..newline]).map_err(|e| {
        HostError::new(
            HostErrorKind::Invalid,
            format!("the host's answer has an unreadable head: {e}"),
        )
    })?;
    Ok((head, bytes.get(newline + 1..).unwrap_or(&[])))
}
