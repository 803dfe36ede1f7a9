//! Hand-written WebAssembly modules for cases a Rust plugin cannot express.

use std::path::{Path, PathBuf};

use crate::files::write_file;

/// The first four bytes of every WebAssembly binary module.
pub const WASM_MAGIC: &[u8; 4] = b"\0asm";

/// A module with memory and `init` but neither `execute` nor `execute_with_context`.
/// Loading it must fail with an error naming the missing export.
pub const NO_EXECUTE_WAT: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "init")))
"#;

/// A module that imports `env.evil_function`, which the host does not provide. Loading
/// it must fail with an error naming that import.
pub const EVIL_IMPORT_WAT: &str = r#"
(module
  (import "env" "evil_function" (func $evil))
  (memory (export "memory") 1)
  (func (export "execute") (param i32 i32) (result i32)
    call $evil
    i32.const 0))
"#;

/// A module with no imports at all (as `wasm32-unknown-unknown` produces) exporting
/// memory and an `execute` that returns 0. It must load and run.
pub const BARE_EXECUTE_WAT: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "execute") (param i32 i32) (result i32)
    i32.const 0))
"#;

/// A module whose `execute` has the wrong signature (no params). Loading it must fail
/// with an error naming `execute` and the expected signature.
pub const WRONG_SIGNATURE_WAT: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "execute") (result i32)
    i32.const 0))
"#;

/// Compiles WebAssembly text to a binary module, panicking with the parse error (line
/// and column) if the text is invalid.
pub fn wat_module(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("invalid WAT in a test: {e}"))
}

/// Compiles `text` with [`wat_module`] and writes it to `dir/file_name`.
pub fn wat_file(dir: &Path, file_name: &str, text: &str) -> PathBuf {
    write_file(dir, file_name, &wat_module(text))
}
