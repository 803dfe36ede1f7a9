//! Hostile: `capabilities()` returns a pointer to bytes that are not JSON.
//!
//! Read as a Rust `Vec` header, the first twelve bytes give pointers and lengths far
//! outside linear memory; read as a C string, the bytes are not a JSON array. Whatever
//! way the host reads the result, the load must fail with an error naming the
//! `capabilities` export.

/// Garbage: out-of-range "pointers", invalid UTF-8, then text that is not JSON.
static GARBAGE: [u8; 30] =
    *b"\xef\xbe\xad\xde\xfe\xff\xff\xff\xbe\xba\xfe\xca\xff\xfenot json {{{ [[\0";

/// Returns a pointer to [`GARBAGE`].
#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    GARBAGE.as_ptr()
}

/// Would succeed, if the plugin ever loaded.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    0
}
