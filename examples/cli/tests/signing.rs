//! The guide's "Signing Your Plugin" and "Distribution" sections with the real tools:
//! `conductor-sign generate-key / sign / verify / trust`, tampering caught with a precise
//! reason, the policy at load, and `conductor plugin info / install`.

mod common;
use conductor_test_support as support;

use std::fs;
use std::path::{Path, PathBuf};

use common::{config_with, middle_c_mid, Run, Sandbox};
use sha2::{Digest, Sha256};

/// A sandbox with a key pair at `~/.conductor/my-key` and the guide's HTTP plugin
/// (declares `["Network"]`) at `my_plugin.wasm`, signed as the guide shows.
struct Signed {
    sandbox: Sandbox,
    wasm: PathBuf,
    sig: PathBuf,
    key: PathBuf,
}

fn signed_plugin() -> Signed {
    let sandbox = Sandbox::new();
    let wasm = sandbox.copy(
        &support::plugin_wasm("http-request-plugin"),
        "my_plugin.wasm",
    );
    let key = sandbox.home().join(".conductor/my-key");
    Run::of(sandbox.conductor_sign().arg("generate-key").arg(&key)).success();
    Run::of(
        sandbox
            .conductor_sign()
            .args(["sign", "my_plugin.wasm"])
            .arg(&key)
            .args(["--name", "Your Name", "--email", "you@example.com"]),
    )
    .success()
    .stdout_has(&["signed my_plugin.wasm", "capabilities: Network"]);
    let sig = sandbox.join("my_plugin.wasm.sig");
    assert!(sig.is_file(), "sign must create my_plugin.wasm.sig");
    Signed {
        sandbox,
        wasm,
        sig,
        key,
    }
}

fn public_key(key: &Path) -> String {
    let mut pub_path = key.as_os_str().to_owned();
    pub_path.push(".pub");
    fs::read_to_string(pub_path).unwrap().trim().to_string()
}

fn verify(s: &Signed) -> Run {
    Run::of(
        s.sandbox
            .conductor_sign()
            .args(["verify", "my_plugin.wasm"]),
    )
}

/// Replaces the first `from` in the .sig with `to` (same length: one byte changes).
fn edit_sig(s: &Signed, from: &str, to: &str) {
    let text = fs::read_to_string(&s.sig).unwrap();
    assert!(
        text.contains(from),
        "the .sig should contain {from:?}:\n{text}"
    );
    fs::write(&s.sig, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn generate_key_writes_a_private_key_only_the_owner_can_read_and_never_overwrites() {
    let sandbox = Sandbox::new();
    let key = sandbox.home().join(".conductor/my-key");
    let run = Run::of(sandbox.conductor_sign().arg("generate-key").arg(&key));
    run.success();
    let public = public_key(&key);
    assert_eq!(public.len(), 64, "the public key is 64 hex characters");
    run.stdout_has(&[&public]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "private key mode is {mode:o}");
    }
    let private = fs::read(&key).unwrap();

    Run::of(sandbox.conductor_sign().arg("generate-key").arg(&key))
        .failure()
        .stderr_has(&["already exists", "--force"]);
    assert_eq!(
        fs::read(&key).unwrap(),
        private,
        "the key must be untouched"
    );

    Run::of(
        sandbox
            .conductor_sign()
            .arg("generate-key")
            .arg(&key)
            .arg("--force"),
    )
    .success();
    assert_ne!(fs::read(&key).unwrap(), private, "--force makes a new key");
}

#[test]
fn signed_plugin_verifies_and_trust_is_reported() {
    let s = signed_plugin();
    let sig: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&s.sig).unwrap()).unwrap();
    assert_eq!(sig["algorithm"], "Ed25519");
    assert_eq!(sig["developer_name"], "Your Name");
    assert_eq!(sig["developer_email"], "you@example.com");
    assert_eq!(sig["capabilities"], serde_json::json!(["Network"]));
    assert_eq!(sig["wasm_size"], fs::metadata(&s.wasm).unwrap().len());
    assert_eq!(sig["public_key"], public_key(&s.key));

    verify(&s).success().stdout_has(&[
        "valid signature",
        "signed by Your Name <you@example.com>",
        "untrusted key",
    ]);

    let key = public_key(&s.key);
    Run::of(
        s.sandbox
            .conductor_sign()
            .args(["trust", "add", &key, "--name", "Your Name"]),
    )
    .success();
    assert!(s
        .sandbox
        .home()
        .join(".conductor/trusted_keys.toml")
        .is_file());
    Run::of(s.sandbox.conductor_sign().args(["trust", "list"]))
        .success()
        .stdout_has(&[&key, "Your Name"]);
    verify(&s).success().stdout_has(&["(trusted)"]);

    Run::of(
        s.sandbox
            .conductor_sign()
            .args(["trust", "remove", "Your Name"]),
    )
    .success();
    Run::of(s.sandbox.conductor_sign().args(["trust", "list"]))
        .success()
        .stdout_has(&["no trusted keys"]);
    verify(&s).success().stdout_has(&["untrusted key"]);
}

#[test]
fn one_flipped_byte_in_the_wasm_is_refused() {
    let s = signed_plugin();
    let mut bytes = fs::read(&s.wasm).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(&s.wasm, bytes).unwrap();
    verify(&s).failure().stderr_has(&[
        "my_plugin.wasm",
        "SHA-256 does not match",
        "modified after signing",
    ]);
}

#[test]
fn one_flipped_byte_in_the_developer_name_is_refused() {
    let s = signed_plugin();
    edit_sig(&s, "\"Your Name\"", "\"Your Nane\"");
    verify(&s)
        .failure()
        .stderr_has(&["does not match its signed fields", "developer name"]);
}

#[test]
fn one_flipped_byte_in_the_capabilities_is_refused() {
    let s = signed_plugin();
    // "Network" → "Metwork": no longer a capability at all.
    edit_sig(&s, "\"Network\"", "\"Metwork\"");
    verify(&s).failure().stderr_has(&["Metwork"]);
}

#[test]
fn capabilities_edited_in_the_signature_are_refused() {
    let s = signed_plugin();
    // Claiming the plugin was signed for another capability set.
    edit_sig(&s, "\"Network\"", "\"Midi\"");
    verify(&s)
        .failure()
        .stderr_has(&["does not match its signed fields", "capabilities"]);
}

#[test]
fn tampered_plugin_does_not_load_and_require_refuses_untrusted_keys() {
    let s = signed_plugin();
    s.sandbox.write(
        "config.toml",
        &config_with(&[(
            60,
            r#"{ WasmPlugin = { path = "my_plugin.wasm", params = { url = "https://example.com", method = "GET" } } }"#,
        )]),
    );
    middle_c_mid(&s.sandbox);
    let replay = |extra: &[&str]| {
        Run::of(
            s.sandbox
                .conductor()
                .args(["--config", "config.toml", "--replay", "demo.mid", "--fast"])
                .args(extra),
        )
    };

    // Valid but untrusted: loads under the default policy, with a warning.
    replay(&[])
        .success()
        .stderr_has(&["Making GET request to https://example.com", "not trusted"]);
    // ... and is refused under `require`, with the command that would trust it.
    replay(&["--signature-policy", "require"])
        .failure()
        .stderr_has(&["not in the trust store", "conductor-sign trust add"])
        .stderr_lacks("Making GET request");
    // Trusted: loads under `require`.
    let key = public_key(&s.key);
    Run::of(
        s.sandbox
            .conductor_sign()
            .args(["trust", "add", &key, "--name", "Your Name"]),
    )
    .success();
    replay(&["--signature-policy", "require"])
        .success()
        .stderr_has(&["Making GET request"]);
    Run::of(
        s.sandbox
            .conductor()
            .args(["check", "config.toml", "--signature-policy", "require"]),
    )
    .success()
    .stdout_has(&["signature:    signed by Your Name <you@example.com> (trusted)"]);

    // Tampered: refused under every policy, naming what does not match.
    edit_sig(&s, "you@example.com", "me@example.com!");
    for policy in ["allow", "warn", "require"] {
        replay(&["--signature-policy", policy])
            .failure()
            .stderr_has(&["my_plugin.wasm", "does not match its signed fields"])
            .stderr_lacks("Making GET request");
    }
}

#[test]
fn plugin_info_shows_what_the_plugin_is_and_who_signed_it() {
    let s = signed_plugin();
    let sha = hex::encode(Sha256::digest(fs::read(&s.wasm).unwrap()));
    Run::of(
        s.sandbox
            .conductor()
            .args(["plugin", "info", "my_plugin.wasm"]),
    )
    .success()
    .stdout_has(&[
        "plugin:       my_plugin\n",
        &format!(
            "size:         {} bytes",
            fs::metadata(&s.wasm).unwrap().len()
        ),
        &format!("sha256:       {sha}"),
        "exports:      memory, capabilities, execute",
        "wasi_snapshot_preview1.fd_write",
        "capabilities: Network\n",
        "signature:    signed by Your Name <you@example.com> (untrusted key",
    ]);

    edit_sig(&s, "\"Your Name\"", "\"Your Nane\"");
    Run::of(
        s.sandbox
            .conductor()
            .args(["plugin", "info", "my_plugin.wasm"]),
    )
    .failure()
    .stdout_has(&["signature:    INVALID"])
    .stderr_has(&["does not match its signed fields"]);
}

#[test]
fn plugin_install_copies_the_verified_plugin_and_signature_into_home() {
    let s = signed_plugin();
    let dest = s.sandbox.home().join(".conductor/wasm-plugins");
    Run::of(
        s.sandbox
            .conductor()
            .args(["plugin", "install", "my_plugin.wasm"]),
    )
    .success()
    .stdout_has(&[
        "installed",
        "my_plugin.wasm",
        "~/.conductor/wasm-plugins/my_plugin.wasm",
    ]);
    assert_eq!(
        fs::read(dest.join("my_plugin.wasm")).unwrap(),
        fs::read(&s.wasm).unwrap()
    );
    assert_eq!(
        fs::read(dest.join("my_plugin.wasm.sig")).unwrap(),
        fs::read(&s.sig).unwrap()
    );

    // A config in the guide's README template style finds it through `~`.
    s.sandbox.write(
        "installed.toml",
        &config_with(&[(
            60,
            r#"{ WasmPlugin = { path = "~/.conductor/wasm-plugins/my_plugin.wasm", params = { url = "u", method = "GET" } } }"#,
        )]),
    );
    middle_c_mid(&s.sandbox);
    Run::of(s.sandbox.conductor().args([
        "--config",
        "installed.toml",
        "--replay",
        "demo.mid",
        "--fast",
    ]))
    .success()
    .stderr_has(&["Making GET request to u"]);

    // A tampered copy is refused and the installed one is left alone.
    let mut bytes = fs::read(&s.wasm).unwrap();
    bytes[100] ^= 0x01;
    fs::write(&s.wasm, &bytes).unwrap();
    Run::of(
        s.sandbox
            .conductor()
            .args(["plugin", "install", "my_plugin.wasm"]),
    )
    .failure()
    .stderr_has(&["my_plugin.wasm", "does not match"]);
    assert_ne!(fs::read(dest.join("my_plugin.wasm")).unwrap(), bytes);
    let entries = fs::read_dir(&dest).unwrap().count();
    assert_eq!(
        entries,
        2,
        "nothing but the plugin and its signature in {}",
        dest.display()
    );
}

#[test]
fn capabilities_needed_by_imports_are_shown_and_signed() {
    // Imports `conductor.process_run` but declares nothing.
    let sandbox = Sandbox::new();
    support::wat_file(
        sandbox.path(),
        "quiet.wasm",
        r#"(module
             (import "conductor" "process_run" (func (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#,
    );
    Run::of(sandbox.conductor().args(["plugin", "info", "quiet.wasm"]))
        .success()
        .stdout_has(&[
            "capabilities: Subprocess\n",
            "Subprocess not declared by capabilities(), but its imports need it",
            "needs approval: Subprocess",
        ]);
    let key = sandbox.home().join(".conductor/my-key");
    Run::of(sandbox.conductor_sign().arg("generate-key").arg(&key)).success();
    Run::of(
        sandbox
            .conductor_sign()
            .args(["sign", "quiet.wasm"])
            .arg(&key)
            .args(["--name", "Your Name", "--email", "you@example.com"]),
    )
    .success()
    .stdout_has(&["capabilities: Subprocess"]);
    let sig = fs::read_to_string(sandbox.join("quiet.wasm.sig")).unwrap();
    assert!(sig.contains("\"Subprocess\""), "{sig}");
    Run::of(sandbox.conductor_sign().args(["verify", "quiet.wasm"])).success();
}
