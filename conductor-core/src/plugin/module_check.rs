//! Checks made before a module is compiled or instantiated: is it wasm at all, what
//! does it import, does it export something to execute.

use wasmtime::{ExternType, Module, ValType};

/// The import module name under which Conductor's own host functions live.
pub const HOST_MODULE: &str = "conductor";
/// The WASI preview1 import module name.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

const WASM_MAGIC: &[u8] = b"\0asm";

/// Returns `None` when `bytes` look like a binary WebAssembly core module, otherwise a
/// description of what the file looks like instead. WebAssembly text is refused with
/// how to convert it.
pub(crate) fn describe_non_wasm(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(WASM_MAGIC) {
        if bytes.len() >= 8 && bytes[4..8] == [0x0d, 0x00, 0x01, 0x00] {
            return Some(
                "it is a WebAssembly component, but plugins are core modules: build with \
                 `cargo build --target wasm32-wasip1 --release`"
                    .into(),
            );
        }
        return None;
    }
    // Text is refused rather than compiled: plugins are what a toolchain produced, and
    // the host does not run a second parser over third-party files.
    let trimmed = bytes.trim_ascii_start();
    if trimmed.starts_with(b"(module") || trimmed.starts_with(b"(component") {
        return Some(
            "it is WebAssembly text (.wat), and plugins must be binary modules: convert it \
             with `wasm-tools parse plugin.wat -o plugin.wasm` (or `wat2wasm`), or build the \
             plugin with `cargo build --target wasm32-wasip1 --release`"
                .into(),
        );
    }
    let looks_like = if bytes.is_empty() {
        "an empty file".to_string()
    } else if bytes.starts_with(b"\x7fELF") {
        "a native ELF executable or library".to_string()
    } else if bytes.starts_with(b"MZ") {
        "a Windows executable".to_string()
    } else if bytes.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || bytes.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
    {
        "a macOS executable".to_string()
    } else if bytes.starts_with(b"!<arch>") {
        "a static library archive (.rlib/.a)".to_string()
    } else if bytes.starts_with(b"PK\x03\x04") {
        "a zip archive".to_string()
    } else if let Ok(text) = std::str::from_utf8(&bytes[..bytes.len().min(200)]) {
        let first = text.lines().next().unwrap_or("").trim();
        let first: String = first.chars().take(60).collect();
        format!("a text file starting with {first:?}")
    } else {
        format!(
            "binary data starting with {}",
            hex::encode(&bytes[..bytes.len().min(8)])
        )
    };
    Some(format!(
        "it is not a WebAssembly module (no \\0asm header); it looks like {looks_like}. \
         Build the plugin with `cargo build --target wasm32-wasip1 --release` and point \
         the config at target/wasm32-wasip1/release/<name>.wasm"
    ))
}

/// Refuses imports outside WASI preview1 and the host module, naming the first
/// offender. `host_functions` lists the names the host module provides.
pub(crate) fn check_imports(module: &Module, host_functions: &[&str]) -> Result<(), String> {
    for import in module.imports() {
        let (m, name) = (import.module(), import.name());
        match m {
            WASI_MODULE => {}
            HOST_MODULE if host_functions.contains(&name) => {}
            HOST_MODULE => {
                return Err(format!(
                    "it imports `{m}.{name}`, which the host does not provide (host functions: {})",
                    host_functions.join(", ")
                ))
            }
            _ => {
                return Err(format!(
                    "it imports `{m}.{name}`, but plugins may only import from \
                     `{WASI_MODULE}` and `{HOST_MODULE}`; build for wasm32-wasip1 and remove \
                     the dependency that needs `{m}`"
                ))
            }
        }
    }
    Ok(())
}

/// An ABI export: name, parameter types, and the result types it may have.
type ExportSignature = (
    &'static str,
    &'static [ValType],
    &'static [&'static [ValType]],
);

/// Checks that the exports the host calls have the signatures the ABI defines.
pub(crate) fn check_exports(module: &Module) -> Result<(), String> {
    use ValType::{I32, I64};
    let expected: &[ExportSignature] = &[
        ("init", &[], &[&[]]),
        ("shutdown", &[], &[&[]]),
        ("execute", &[I32, I32], &[&[I32]]),
        ("execute_with_context", &[I32, I32, I32, I32], &[&[I32]]),
        ("capabilities", &[], &[&[I32], &[I64]]),
        ("alloc", &[I32], &[&[I32]]),
        ("dealloc", &[I32, I32], &[&[]]),
    ];
    let mut has_execute = false;
    for (name, params, results) in expected {
        let Some(ExternType::Func(f)) = module.get_export(name) else {
            continue;
        };
        let got_params: Vec<ValType> = f.params().collect();
        let got_results: Vec<ValType> = f.results().collect();
        let params_ok = got_params.len() == params.len()
            && got_params
                .iter()
                .zip(params.iter())
                .all(|(a, b)| ValType::eq(a, b));
        let results_ok = results.iter().any(|r| {
            r.len() == got_results.len()
                && r.iter()
                    .zip(got_results.iter())
                    .all(|(a, b)| ValType::eq(a, b))
        });
        if !params_ok || !results_ok {
            return Err(format!(
                "its export `{name}` has signature ({}) -> ({}), but the ABI expects ({}) -> ({})",
                fmt_types(&got_params),
                fmt_types(&got_results),
                fmt_types(params),
                fmt_types(results[0])
            ));
        }
        if name.starts_with("execute") {
            has_execute = true;
        }
    }
    if !has_execute {
        return Err(
            "it exports neither `execute` nor `execute_with_context`; add \
             `#[no_mangle] pub extern \"C\" fn execute(params_ptr: *const u8, params_len: usize) -> i32`"
                .into(),
        );
    }
    Ok(())
}

fn fmt_types(types: &[ValType]) -> String {
    types
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
