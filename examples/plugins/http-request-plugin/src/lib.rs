//! Example 1 of the plugin development guide: an HTTP request plugin.
//!
//! Params: `{"url": "...", "method": "GET"}`. The guide's version only announces the
//! request ("real implementation would use reqwest"); it declares the `Network`
//! capability with the guide's `capabilities()` export.

// The guide imports `Serialize` as well; this example does not use it.
#[allow(unused_imports)]
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct HttpParams {
    url: String,
    method: String,
}

#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };

    let params: HttpParams = serde_json::from_slice(params_bytes).expect("Invalid params");

    // Note: Requires Network capability
    // This is a simplified example - real implementation would use reqwest
    eprintln!("Making {} request to {}", params.method, params.url);

    0
}

/// Declares the capabilities this plugin needs (Required Capability: Network).
#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    let caps = vec!["Network"];
    let json = serde_json::to_string(&caps).unwrap();
    let boxed = Box::new(json.into_bytes());
    Box::into_raw(boxed) as *const u8
}
