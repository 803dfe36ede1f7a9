//! The guide's "Capability Declaration" example, verbatim: declares `Network` and
//! `Filesystem` through `capabilities()`, plus an `execute` that only says it ran.

#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    let caps = vec!["Network", "Filesystem"];
    let json = serde_json::to_string(&caps).unwrap();
    let boxed = Box::new(json.into_bytes());
    Box::into_raw(boxed) as *const u8
}

/// Succeeds without looking at its params.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    eprintln!("capabilities-plugin executed");
    0
}
