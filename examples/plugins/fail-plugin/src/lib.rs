//! Returns a non-zero error code so the host's error reporting can be tested.
//!
//! Params: `{"code": N}` returns `N` (any `i32`, including 0); missing or unreadable
//! params return the default code 7.

/// The code returned when the params do not name one.
const DEFAULT_CODE: i32 = 7;

/// Returns the `code` from the params, or 7.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let code = serde_json::from_slice::<serde_json::Value>(params_bytes)
        .ok()
        .and_then(|params| params.get("code").and_then(serde_json::Value::as_i64))
        .and_then(|code| i32::try_from(code).ok())
        .unwrap_or(DEFAULT_CODE);
    eprintln!("failing with code {code}");
    code
}
