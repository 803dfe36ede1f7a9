//! Hostile: declares a capability that does not exist, `["Network", "Teleport"]`.
//!
//! The load must fail with an error naming `Teleport` (and the capabilities that do
//! exist).

/// Declares `Network` and the unknown `Teleport`, the guide's way.
#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    let caps = vec!["Network", "Teleport"];
    let json = serde_json::to_string(&caps).unwrap();
    let boxed = Box::new(json.into_bytes());
    Box::into_raw(boxed) as *const u8
}

/// Would succeed, if the plugin ever loaded.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    0
}
