//! Plugin signatures end to end: key files, signing, verification, tampering, the trust
//! store and the load-time policy check. Arbitrary bytes stand in for the wasm: signing
//! does not look inside the module.

use std::fs;
use std::path::{Path, PathBuf};

use conductor_core::plugin::signing::{
    self, check_plugin, signature_path, PublicKey, SignaturePolicy, SignatureStatus, TrustStore,
};
use conductor_core::plugin::{Capability, CapabilitySet};
use conductor_core::{Error, ErrorKind};
use conductor_tools::signing::{generate_key, sign, sign_bytes, PrivateKey, TrustStoreEditor};
use tempfile::TempDir;

const NAME: &str = "Your Name";
const EMAIL: &str = "you@example.com";

/// A folder with a fake plugin, a key pair, and the plugin signed with it.
struct Signed {
    dir: TempDir,
    wasm: PathBuf,
    key: PathBuf,
    public_key: PublicKey,
    caps: CapabilitySet,
}

impl Signed {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("my_plugin.wasm");
        fs::write(&wasm, b"\0asm\x01\0\0\0 pretend this is a plugin").unwrap();
        let key = dir.path().join("keys").join("my-key");
        let generated = generate_key(&key, false).unwrap();
        let caps: CapabilitySet = [Capability::Network, Capability::Filesystem]
            .into_iter()
            .collect();
        sign(&wasm, &key, NAME, EMAIL, caps).unwrap();
        Signed {
            dir,
            wasm,
            key,
            public_key: generated.public_key,
            caps,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        fs::read(&self.wasm).unwrap()
    }

    fn sig_json(&self) -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(signature_path(&self.wasm)).unwrap()).unwrap()
    }

    fn write_sig_json(&self, value: &serde_json::Value) {
        fs::write(signature_path(&self.wasm), value.to_string()).unwrap();
    }

    fn empty_trust(&self) -> TrustStore {
        TrustStore::load(self.dir.path().join("trusted_keys.toml")).unwrap()
    }

    /// The trust store after `conductor-sign trust add KEY --name NAME`.
    fn trusting(&self, key: PublicKey, name: &str) -> TrustStore {
        let path = self.dir.path().join("trusted_keys.toml");
        let mut editor = TrustStoreEditor::load(&path).unwrap();
        editor.add(key, name).unwrap();
        editor.save().unwrap();
        TrustStore::load(&path).unwrap()
    }

    fn check(
        &self,
        policy: SignaturePolicy,
        trust: &TrustStore,
    ) -> conductor_core::Result<SignatureStatus> {
        check_plugin(&self.wasm, &self.bytes(), self.caps, policy, trust)
    }
}

/// The reason of an [`Error::Signature`], failing the test on any other outcome.
fn signature_reason<T: std::fmt::Debug>(result: conductor_core::Result<T>) -> String {
    match result {
        Err(Error::Signature { reason, .. }) => reason,
        other => panic!("expected a signature error, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn generated_private_key_is_readable_only_by_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("my-key");
    let generated = generate_key(&key, false).unwrap();
    let mode = fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "private key mode is {mode:o}");
    assert_eq!(generated.public_path, dir.path().join("my-key.pub"));
}

#[test]
fn generated_key_files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("my-key");
    let generated = generate_key(&key, false).unwrap();

    let private = PrivateKey::load(&key).unwrap();
    assert_eq!(private.public_key(), generated.public_key);
    let public = PublicKey::load(&generated.public_path).unwrap();
    assert_eq!(public, generated.public_key);

    let pub_text = fs::read_to_string(&generated.public_path).unwrap();
    assert_eq!(
        pub_text.trim().len(),
        64,
        "public key file is one hex line: {pub_text:?}"
    );
    assert_eq!(pub_text.trim().parse::<PublicKey>().unwrap(), public);
}

#[test]
fn generate_refuses_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("my-key");
    let first = generate_key(&key, false).unwrap();

    let err = generate_key(&key, false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(
        PrivateKey::load(&key).unwrap().public_key(),
        first.public_key
    );

    let second = generate_key(&key, true).unwrap();
    assert_ne!(second.public_key, first.public_key);
    assert_eq!(
        PrivateKey::load(&key).unwrap().public_key(),
        second.public_key
    );
    assert_eq!(
        PublicKey::load(&second.public_path).unwrap(),
        second.public_key
    );
}

#[test]
fn generate_refuses_when_only_the_public_file_exists() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("my-key");
    fs::write(dir.path().join("my-key.pub"), "something\n").unwrap();
    assert!(generate_key(&key, false).is_err());
    assert!(!key.exists());
}

#[test]
fn key_files_tolerate_comments_and_crlf_and_explain_mistakes() {
    let key = PrivateKey::generate().unwrap();
    let crlf = format!(
        "# my signing key\r\n{}",
        key.to_text().replace('\n', "\r\n")
    );
    let reparsed = PrivateKey::from_text(&crlf).unwrap();
    assert_eq!(reparsed.public_key(), key.public_key());

    let dir = tempfile::tempdir().unwrap();
    let generated = generate_key(&dir.path().join("k"), false).unwrap();
    let err = PrivateKey::load(&generated.public_path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("public key"), "{err}");

    let err = PrivateKey::from_text("").unwrap_err();
    assert!(err.contains("empty"), "{err}");
    let err = PrivateKey::from_text("hello\n").unwrap_err();
    assert!(err.contains("not a Conductor private key"), "{err}");

    let err = key.to_text().parse::<PublicKey>().unwrap_err().to_string();
    assert!(err.contains("private key"), "{err}");
    let err = "abc".parse::<PublicKey>().unwrap_err().to_string();
    assert!(err.contains("64 hex characters"), "{err}");
}

#[test]
fn sign_writes_sig_beside_the_wasm_and_it_verifies() {
    let s = Signed::new();
    let sig = s.dir.path().join("my_plugin.wasm.sig");
    assert!(sig.exists());

    let json = s.sig_json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["algorithm"], "Ed25519");
    assert_eq!(json["developer_name"], NAME);
    assert_eq!(json["developer_email"], EMAIL);
    assert_eq!(json["public_key"], s.public_key.to_hex());
    assert_eq!(json["wasm_size"], s.bytes().len());
    assert_eq!(
        json["capabilities"],
        serde_json::json!(["Network", "Filesystem"])
    );
    let signed_at = json["signed_at"].as_str().unwrap();
    assert!(
        signed_at.ends_with('Z') && signed_at.contains('T'),
        "{signed_at}"
    );

    let verified = signing::verify(&s.wasm).unwrap();
    assert_eq!(verified.public_key(), s.public_key);
    assert_eq!(verified.signature().developer_name, NAME);
    assert_eq!(verified.signature().developer_email, EMAIL);
    assert_eq!(verified.signature().capabilities, s.caps);
    verified.check_capabilities(s.caps).unwrap();
}

#[test]
fn payload_is_the_documented_text() {
    let key = PrivateKey::from_seed([7; 32]);
    let caps: CapabilitySet = [Capability::Subprocess, Capability::Network]
        .into_iter()
        .collect();
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let sig = sign_bytes(b"abc", &key, NAME, EMAIL, caps, time).unwrap();
    let expected = format!(
        "conductor-plugin-signature-v1\n\
         algorithm:Ed25519\n\
         wasm_sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n\
         wasm_size:3\n\
         public_key:{}\n\
         developer_name:Your Name\n\
         developer_email:you@example.com\n\
         signed_at:2023-11-14T22:13:20Z\n\
         capabilities:Network,Subprocess\n",
        key.public_key()
    );
    assert_eq!(sig.payload(), expected);
}

#[test]
fn sign_rejects_names_that_would_break_the_payload() {
    let key = PrivateKey::generate().unwrap();
    let now = std::time::SystemTime::now();
    let err = sign_bytes(b"x", &key, "Eve\nemail:x", EMAIL, CapabilitySet::EMPTY, now).unwrap_err();
    assert!(err.to_string().contains("control characters"), "{err}");
    let err = sign_bytes(b"x", &key, NAME, "  ", CapabilitySet::EMPTY, now).unwrap_err();
    assert!(err.to_string().contains("email must not be empty"), "{err}");
}

#[test]
fn flipping_one_byte_of_the_wasm_is_refused_by_hash() {
    let s = Signed::new();
    let mut bytes = s.bytes();
    bytes[10] ^= 0x01;
    fs::write(&s.wasm, &bytes).unwrap();

    let reason = signature_reason(signing::verify(&s.wasm));
    assert!(
        reason.contains(
            "the wasm's SHA-256 does not match the signature (the file was modified after signing)"
        ),
        "{reason}"
    );
    // Every policy refuses a tampered plugin, even the most lenient.
    for policy in [
        SignaturePolicy::Allow,
        SignaturePolicy::Warn,
        SignaturePolicy::Require,
    ] {
        let reason = signature_reason(s.check(policy, &s.empty_trust()));
        assert!(reason.contains("SHA-256"), "{policy}: {reason}");
    }
}

#[test]
fn appending_to_the_wasm_is_refused_by_size() {
    let s = Signed::new();
    let mut bytes = s.bytes();
    bytes.push(0);
    fs::write(&s.wasm, &bytes).unwrap();
    let reason = signature_reason(signing::verify(&s.wasm));
    assert!(reason.contains("size"), "{reason}");
    assert!(reason.contains("modified after signing"), "{reason}");
}

#[test]
fn editing_the_name_in_the_sig_is_refused_by_signed_fields() {
    let s = Signed::new();
    let mut json = s.sig_json();
    json["developer_name"] = "Someone Famous".into();
    s.write_sig_json(&json);

    let reason = signature_reason(signing::verify(&s.wasm));
    assert!(
        reason.contains("the signature does not match its signed fields"),
        "{reason}"
    );
    let reason = signature_reason(s.check(SignaturePolicy::Allow, &s.empty_trust()));
    assert!(reason.contains("signed fields"), "{reason}");
}

#[test]
fn editing_the_capabilities_in_the_sig_is_refused() {
    let s = Signed::new();
    let mut json = s.sig_json();
    json["capabilities"] = serde_json::json!(["Network", "Filesystem", "Subprocess"]);
    s.write_sig_json(&json);
    let reason = signature_reason(signing::verify(&s.wasm));
    assert!(reason.contains("signed fields"), "{reason}");
}

#[test]
fn editing_email_or_time_in_the_sig_is_refused() {
    for (field, value) in [
        ("developer_email", "attacker@example.com"),
        ("signed_at", "2001-01-01T00:00:00Z"),
    ] {
        let s = Signed::new();
        let mut json = s.sig_json();
        json[field] = value.into();
        s.write_sig_json(&json);
        let reason = signature_reason(signing::verify(&s.wasm));
        assert!(reason.contains("signed fields"), "{field}: {reason}");
    }
}

#[test]
fn declared_capabilities_that_differ_from_the_signed_ones_are_refused() {
    let s = Signed::new();
    let verified = signing::verify(&s.wasm).unwrap();
    let more = s
        .caps
        .union([Capability::SystemControl].into_iter().collect());
    let err = verified.check_capabilities(more).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature);
    let text = err.to_string();
    assert!(text.contains("also asks for SystemControl"), "{text}");

    let fewer: CapabilitySet = [Capability::Network].into_iter().collect();
    let text = verified.check_capabilities(fewer).unwrap_err().to_string();
    assert!(text.contains("no longer asks for Filesystem"), "{text}");

    let reason = signature_reason(check_plugin(
        &s.wasm,
        &s.bytes(),
        more,
        SignaturePolicy::Allow,
        &s.empty_trust(),
    ));
    assert!(reason.contains("SystemControl"), "{reason}");
}

#[test]
fn untrusted_key_under_require_is_refused_naming_trust_add() {
    let s = Signed::new();
    let err = s
        .check(SignaturePolicy::Require, &s.empty_trust())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature);
    let text = err.to_string();
    assert!(text.contains("my_plugin.wasm"), "{text}");
    assert!(
        text.contains(&format!(
            "conductor-sign trust add {} --name 'Your Name'",
            s.public_key
        )),
        "{text}"
    );
}

#[test]
fn trusted_key_under_require_is_accepted() {
    let s = Signed::new();
    let trust = s.trusting(s.public_key, NAME);
    let status = s.check(SignaturePolicy::Require, &trust).unwrap();
    assert_eq!(
        status,
        SignatureStatus::Signed {
            developer_name: NAME.into(),
            developer_email: EMAIL.into(),
            public_key: s.public_key,
            trusted: true,
        }
    );
    assert_eq!(
        status.to_string(),
        "signed by Your Name <you@example.com> (trusted)"
    );
    assert_eq!(status.warning(SignaturePolicy::Warn), None);
}

#[test]
fn untrusted_key_under_warn_loads_with_a_warning() {
    let s = Signed::new();
    let status = s.check(SignaturePolicy::Warn, &s.empty_trust()).unwrap();
    assert_eq!(
        status.to_string(),
        format!(
            "signed by Your Name <you@example.com> (untrusted key {})",
            s.public_key
        )
    );
    let warning = status.warning(SignaturePolicy::Warn).unwrap();
    assert!(warning.contains("trust add"), "{warning}");
    assert_eq!(status.warning(SignaturePolicy::Allow), None);
}

#[test]
fn unsigned_under_warn_and_allow_is_unsigned() {
    let s = Signed::new();
    fs::remove_file(signature_path(&s.wasm)).unwrap();
    for policy in [SignaturePolicy::Warn, SignaturePolicy::Allow] {
        let status = s.check(policy, &s.empty_trust()).unwrap();
        assert_eq!(status, SignatureStatus::Unsigned);
        assert_eq!(status.to_string(), "unsigned");
    }
    assert!(SignatureStatus::Unsigned
        .warning(SignaturePolicy::Warn)
        .is_some());
    assert!(SignatureStatus::Unsigned
        .warning(SignaturePolicy::Allow)
        .is_none());
}

#[test]
fn unsigned_under_require_is_refused_saying_how_to_sign() {
    let s = Signed::new();
    fs::remove_file(signature_path(&s.wasm)).unwrap();
    let reason = signature_reason(s.check(SignaturePolicy::Require, &s.empty_trust()));
    assert!(reason.contains("unsigned"), "{reason}");
    assert!(reason.contains("conductor-sign sign"), "{reason}");

    let reason = signature_reason(signing::verify(&s.wasm));
    assert!(reason.contains("not signed"), "{reason}");
}

#[test]
fn malformed_sig_names_the_problem() {
    let s = Signed::new();
    let original = s.sig_json();
    use serde_json::{json, Value};
    // (field, new value or None to remove it, what the error must say)
    let cases: [(&str, Option<Value>, &str); 10] = [
        ("wasm_sha256", None, "field `wasm_sha256` is missing"),
        (
            "wasm_sha256",
            Some(json!("xyz")),
            "field `wasm_sha256` must be a SHA-256 hash",
        ),
        (
            "wasm_size",
            Some(json!("12")),
            "field `wasm_size` must be a whole number",
        ),
        (
            "public_key",
            Some(json!("00")),
            "field `public_key` is malformed",
        ),
        (
            "signature",
            Some(json!(5)),
            "field `signature` must be a string",
        ),
        (
            "signed_at",
            Some(json!("yesterday")),
            "field `signed_at` must be an RFC 3339 time",
        ),
        (
            "capabilities",
            Some(json!(["Teleport"])),
            "unknown capability \"Teleport\"",
        ),
        (
            "developer_name",
            Some(json!("")),
            "field `developer_name` must not be empty",
        ),
        (
            "version",
            Some(json!(2)),
            "unsupported signature format version 2",
        ),
        (
            "algorithm",
            Some(json!("RSA")),
            "unsupported signature algorithm \"RSA\"",
        ),
    ];
    for (field, value, expected) in cases {
        let mut json = original.clone();
        let fields = json.as_object_mut().unwrap();
        match value {
            Some(value) => fields.insert(field.to_string(), value),
            None => fields.remove(field),
        };
        s.write_sig_json(&json);
        let reason = signature_reason(signing::verify(&s.wasm));
        assert!(reason.contains("malformed"), "{reason}");
        assert!(
            reason.contains(expected),
            "expected {expected:?} in {reason:?}"
        );
        // A malformed signature refuses the load whatever the policy.
        signature_reason(s.check(SignaturePolicy::Allow, &s.empty_trust()));
    }

    fs::write(signature_path(&s.wasm), "{ not json").unwrap();
    let reason = signature_reason(signing::verify(&s.wasm));
    assert!(reason.contains("not valid JSON"), "{reason}");
    assert!(reason.contains("my_plugin.wasm.sig"), "{reason}");
}

#[test]
fn signing_again_with_another_key_replaces_the_signature() {
    let s = Signed::new();
    let other = s.dir.path().join("other-key");
    let other_pub = generate_key(&other, false).unwrap().public_key;
    sign(&s.wasm, &other, "Other", "other@example.com", s.caps).unwrap();
    assert_eq!(signing::verify(&s.wasm).unwrap().public_key(), other_pub);
    assert_ne!(other_pub, s.public_key);
    assert!(s.key.exists());
}

#[test]
fn trust_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conductor").join("trusted_keys.toml");
    let alice = PrivateKey::generate().unwrap().public_key();
    let bob = PrivateKey::generate().unwrap().public_key();

    let mut store = TrustStoreEditor::load(&path).unwrap();
    assert!(store.list().is_empty());
    store.add(alice, "Alice").unwrap();
    store.add(bob, "Bob Smith").unwrap();
    assert!(
        !TrustStore::load(&path).unwrap().is_trusted(&alice),
        "not saved yet"
    );
    store.save().unwrap();

    let read = TrustStore::load(&path).unwrap();
    let names: Vec<&str> = read.list().iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["Alice", "Bob Smith"]);
    assert!(read.is_trusted(&alice) && read.is_trusted(&bob));
    assert!(read.list()[0].added.is_some());

    let mut reloaded = TrustStoreEditor::load(&path).unwrap();

    // Remove one by name and one by key.
    assert_eq!(reloaded.remove("Alice").unwrap().public_key, alice);
    assert_eq!(reloaded.remove(&bob.to_hex()).unwrap().name, "Bob Smith");
    let err = reloaded.remove("Carol").unwrap_err().to_string();
    assert!(err.contains("Carol") && err.contains("trust list"), "{err}");
    reloaded.save().unwrap();

    let empty = TrustStore::load(&path).unwrap();
    assert!(!empty.is_trusted(&alice) && !empty.is_trusted(&bob));
    assert!(empty.list().is_empty());
    let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "the atomic save leaves only the store behind"
    );
}

#[test]
fn trust_store_keeps_names_and_keys_unique() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TrustStoreEditor::load(dir.path().join("t.toml")).unwrap();
    let alice = PrivateKey::generate().unwrap().public_key();
    let other = PrivateKey::generate().unwrap().public_key();
    store.add(alice, "Alice").unwrap();
    store.add(alice, "Alice").unwrap();
    assert_eq!(store.list().len(), 1);
    assert!(store
        .add(alice, "Alicia")
        .unwrap_err()
        .to_string()
        .contains("already trusted"));
    assert!(store
        .add(other, "Alice")
        .unwrap_err()
        .to_string()
        .contains("already used"));
}

#[test]
fn trust_store_accepts_hand_written_entries_and_locates_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trusted_keys.toml");
    let key = PrivateKey::generate().unwrap().public_key();
    fs::write(
        &path,
        format!("[[keys]]\nname = \"Alice\"\npublic_key = \"{key}\"\n"),
    )
    .unwrap();
    let store = TrustStore::load(&path).unwrap();
    assert!(store.is_trusted(&key));
    assert_eq!(store.list()[0].added, None);

    fs::write(&path, "[[keys]]\nname = \"Alice\"\npublic_key = \"nope\"\n").unwrap();
    match TrustStore::load(&path).unwrap_err() {
        Error::Config {
            path: Some(p),
            line,
            message,
            ..
        } => {
            assert_eq!(p, path);
            assert_eq!(line, Some(3));
            assert!(message.contains("64 hex characters"), "{message}");
        }
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn policy_parses_from_its_names() {
    assert_eq!(
        "allow".parse::<SignaturePolicy>().unwrap(),
        SignaturePolicy::Allow
    );
    assert_eq!(
        "warn".parse::<SignaturePolicy>().unwrap(),
        SignaturePolicy::Warn
    );
    assert_eq!(
        "REQUIRE".parse::<SignaturePolicy>().unwrap(),
        SignaturePolicy::Require
    );
    assert_eq!(SignaturePolicy::default(), SignaturePolicy::Warn);
    let err = "strict".parse::<SignaturePolicy>().unwrap_err().to_string();
    assert!(err.contains("allow, warn, require"), "{err}");
}

#[test]
fn sig_path_is_the_wasm_path_plus_sig() {
    assert_eq!(
        signature_path(Path::new("dir/my_plugin.wasm")),
        Path::new("dir/my_plugin.wasm.sig")
    );
}
