//! Checks the shared test helpers themselves: the example plugins build and the
//! hand-written WAT modules parse.

use conductor_test_support as support;

use support::*;

#[test]
fn example_plugins_build_to_wasm_modules() {
    for name in ["noop-plugin", "my-midi-plugin"] {
        let bytes = plugin_bytes(name);
        assert!(
            bytes.starts_with(WASM_MAGIC),
            "{name} does not start with the WebAssembly magic bytes"
        );
    }
}

#[test]
#[should_panic(expected = "is `no-such-plugin` listed in the members")]
fn unknown_plugin_name_is_reported() {
    plugin_wasm("no-such-plugin");
}

#[test]
fn wat_fixtures_compile() {
    for (name, text) in [
        ("NO_EXECUTE_WAT", NO_EXECUTE_WAT),
        ("EVIL_IMPORT_WAT", EVIL_IMPORT_WAT),
        ("BARE_EXECUTE_WAT", BARE_EXECUTE_WAT),
        ("WRONG_SIGNATURE_WAT", WRONG_SIGNATURE_WAT),
    ] {
        let bytes = wat::parse_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(bytes.starts_with(WASM_MAGIC), "{name}");
    }
}

#[test]
fn plain_file_fixtures_are_not_wasm() {
    for file in ["not-wasm.wasm", "empty.wasm"] {
        let bytes = std::fs::read(fixture(file)).unwrap();
        assert!(!bytes.starts_with(WASM_MAGIC), "{file} looks like wasm");
    }
}
