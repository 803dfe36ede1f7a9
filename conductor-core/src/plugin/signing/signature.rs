//! The `.wasm.sig` file: its JSON form and the canonical payload that is signed.
//!
//! The file is a JSON object:
//!
//! ```json
//! {
//!   "version": 1,
//!   "algorithm": "Ed25519",
//!   "wasm_sha256": "<64 hex>",
//!   "wasm_size": 1234,
//!   "public_key": "<64 hex>",
//!   "developer_name": "Your Name",
//!   "developer_email": "you@example.com",
//!   "signed_at": "2025-01-31T12:00:00Z",
//!   "capabilities": ["Network"],
//!   "signature": "<128 hex>"
//! }
//! ```
//!
//! The signature is Ed25519 over [`PluginSignature::payload`], a fixed-order UTF-8 text
//! built from every other field, so editing any of them breaks the signature. Unknown
//! fields are ignored (they are not signed, so nothing may rely on them).

use std::fs;
use std::io;
use std::path::Path;

use ed25519_dalek::Signature;
use serde_json::{Map, Value};

use super::{shorten, signature_path, PublicKey};
use crate::plugin::{Capability, CapabilitySet};
use crate::{Error, Result};

/// The `.sig` format version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// The only signature algorithm: the value of the `algorithm` field.
pub const ALGORITHM: &str = "Ed25519";

/// The largest `.sig` file that is read; a real one is well under 1 KiB (names and
/// emails are not limited otherwise, but nobody needs 64 KiB of them).
pub const MAX_SIGNATURE_FILE: u64 = 64 * 1024;

/// The first line of the signed payload; it names the format and its version.
pub const PAYLOAD_HEADER: &str = "conductor-plugin-signature-v1";

/// The contents of a `.wasm.sig` file, parsed and checked for shape — but not yet
/// verified; [`PluginSignature::verify`] does that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSignature {
    /// SHA-256 of the whole wasm file.
    pub wasm_sha256: [u8; 32],
    /// Size of the wasm file in bytes.
    pub wasm_size: u64,
    /// The key that made the signature.
    pub public_key: PublicKey,
    /// The developer's name, as given to `conductor-sign sign --name`.
    pub developer_name: String,
    /// The developer's email, as given to `conductor-sign sign --email`.
    pub developer_email: String,
    /// When the plugin was signed, RFC 3339 in UTC (`2025-01-31T12:00:00Z`), exactly as
    /// written in the file (the payload signs these characters).
    pub signed_at: String,
    /// The capabilities the plugin declared when it was signed.
    pub capabilities: CapabilitySet,
    /// The 64-byte Ed25519 signature over [`PluginSignature::payload`].
    pub signature: [u8; 64],
}

impl PluginSignature {
    /// The exact bytes that are signed: UTF-8 text, one `field:value` per line in this
    /// fixed order, every line (the last one too) ending in `\n`:
    ///
    /// ```text
    /// conductor-plugin-signature-v1
    /// algorithm:Ed25519
    /// wasm_sha256:<64 lowercase hex>
    /// wasm_size:<decimal, no leading zeros>
    /// public_key:<64 lowercase hex>
    /// developer_name:<name>
    /// developer_email:<email>
    /// signed_at:<RFC 3339 as in the file>
    /// capabilities:<names in the order Network,Audio,Midi,Filesystem,Subprocess,SystemControl, comma separated, empty when none>
    /// ```
    ///
    /// Names and emails may not contain control characters (so no line breaks), which
    /// keeps the text unambiguous.
    pub fn payload(&self) -> String {
        payload_text(
            &self.wasm_sha256,
            self.wasm_size,
            &self.public_key,
            &self.developer_name,
            &self.developer_email,
            &self.signed_at,
            self.capabilities,
        )
    }

    /// The signature as the `.sig` file's JSON text (pretty-printed, ending in a newline).
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "version": FORMAT_VERSION,
            "algorithm": ALGORITHM,
            "wasm_sha256": hex::encode(self.wasm_sha256),
            "wasm_size": self.wasm_size,
            "public_key": self.public_key.to_hex(),
            "developer_name": self.developer_name,
            "developer_email": self.developer_email,
            "signed_at": self.signed_at,
            "capabilities": self.capabilities.names(),
            "signature": hex::encode(self.signature),
        });
        let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serializes");
        text.push('\n');
        text
    }

    /// Parses the `.sig` file's JSON text. The error names the field that is missing or
    /// malformed, or the unsupported version or algorithm.
    pub fn from_json(text: &str) -> std::result::Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            format!(
                "it is not valid JSON (line {}, column {}: {e})",
                e.line(),
                e.column()
            )
        })?;
        let Value::Object(obj) = value else {
            return Err("it must hold a JSON object".into());
        };
        let fields = Fields(&obj);

        let version = fields.u64("version")?;
        if version != FORMAT_VERSION {
            return Err(format!(
                "unsupported signature format version {version} (this version of Conductor \
                 reads version {FORMAT_VERSION}; update Conductor, or sign the plugin again)"
            ));
        }
        let algorithm = fields.str("algorithm")?;
        if algorithm != ALGORITHM {
            return Err(format!(
                "unsupported signature algorithm \"{}\" (only {ALGORITHM} is supported)",
                shorten(algorithm)
            ));
        }
        let wasm_sha256 = fields.hex_bytes::<32>("wasm_sha256", "a SHA-256 hash")?;
        let wasm_size = fields.u64("wasm_size")?;
        let public_key = fields
            .str("public_key")?
            .parse::<PublicKey>()
            .map_err(|e| format!("field `public_key` is malformed: {}", strip_kind(&e)))?;
        let developer_name = fields.text("developer_name")?;
        let developer_email = fields.text("developer_email")?;
        let signed_at = fields.str("signed_at")?;
        humantime::parse_rfc3339(signed_at).map_err(|e| {
            format!(
                "field `signed_at` must be an RFC 3339 time in UTC such as \
                 2025-01-31T12:00:00Z, found \"{}\" ({e})",
                shorten(signed_at)
            )
        })?;
        let capabilities = fields.capabilities("capabilities")?;
        let signature = fields.hex_bytes::<64>("signature", "an Ed25519 signature")?;
        Ok(PluginSignature {
            wasm_sha256,
            wasm_size,
            public_key,
            developer_name,
            developer_email,
            signed_at: signed_at.to_string(),
            capabilities,
            signature,
        })
    }

    /// Reads the signature beside `wasm` (`<wasm>.sig`): `Ok(None)` when there is none,
    /// [`Error::Signature`] naming the problem when it is malformed.
    pub fn read(wasm: &Path) -> Result<Option<Self>> {
        let sig_path = signature_path(wasm);
        let file = match fs::File::open(&sig_path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&sig_path, e)),
        };
        // Read at most one byte past the cap, whatever the file claims to hold.
        let mut text = Vec::new();
        io::Read::read_to_end(&mut io::Read::take(file, MAX_SIGNATURE_FILE + 1), &mut text)
            .map_err(|e| Error::io(&sig_path, e))?;
        if text.len() as u64 > MAX_SIGNATURE_FILE {
            return Err(Error::Signature {
                plugin: super::plugin_label(wasm),
                reason: format!(
                    "the signature file {} is larger than {MAX_SIGNATURE_FILE} bytes, so it is \
                     not a signature (a real one is under 1 KiB)",
                    sig_path.display()
                ),
            });
        }
        let parsed = std::str::from_utf8(&text)
            .map_err(|_| "it is not UTF-8 text".to_string())
            .and_then(Self::from_json);
        parsed.map(Some).map_err(|why| Error::Signature {
            plugin: super::plugin_label(wasm),
            reason: format!(
                "the signature file {} is malformed: {why}",
                sig_path.display()
            ),
        })
    }

    /// Whether [`PluginSignature::signature`] is a valid signature of the payload by
    /// [`PluginSignature::public_key`].
    pub(super) fn signature_matches_payload(&self) -> bool {
        let signature = Signature::from_bytes(&self.signature);
        self.public_key
            .verify(self.payload().as_bytes(), &signature)
    }
}

/// Builds the payload described on [`PluginSignature::payload`].
pub(super) fn payload_text(
    wasm_sha256: &[u8; 32],
    wasm_size: u64,
    public_key: &PublicKey,
    developer_name: &str,
    developer_email: &str,
    signed_at: &str,
    capabilities: CapabilitySet,
) -> String {
    format!(
        "{PAYLOAD_HEADER}\n\
         algorithm:{ALGORITHM}\n\
         wasm_sha256:{}\n\
         wasm_size:{wasm_size}\n\
         public_key:{}\n\
         developer_name:{developer_name}\n\
         developer_email:{developer_email}\n\
         signed_at:{signed_at}\n\
         capabilities:{}\n",
        hex::encode(wasm_sha256),
        public_key.to_hex(),
        capabilities.names().join(","),
    )
}

/// Why `value` cannot be a developer name or email (or a trusted key's name), if it
/// cannot: it is empty or holds control characters, which would make the signed
/// payload ambiguous.
///
/// ```
/// use conductor_core::plugin::signing::text_field_problem;
/// assert_eq!(text_field_problem("Ada"), None);
/// assert!(text_field_problem("Ada\nLovelace").is_some());
/// ```
pub fn text_field_problem(value: &str) -> Option<&'static str> {
    if value.trim().is_empty() {
        Some("must not be empty")
    } else if value.chars().any(char::is_control) {
        Some("must not contain line breaks, tabs or other control characters")
    } else {
        None
    }
}

/// The message of an [`Error::InvalidArgument`] without its "invalid argument: " prefix.
fn strip_kind(e: &Error) -> String {
    match e {
        Error::InvalidArgument(why) => why.clone(),
        other => other.to_string(),
    }
}

/// Typed access to the fields of the `.sig` object, with errors that name the field.
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> std::result::Result<&'a Value, String> {
        self.0
            .get(name)
            .ok_or_else(|| format!("field `{name}` is missing"))
    }

    fn str(&self, name: &str) -> std::result::Result<&'a str, String> {
        self.get(name)?
            .as_str()
            .ok_or_else(|| format!("field `{name}` must be a string"))
    }

    fn u64(&self, name: &str) -> std::result::Result<u64, String> {
        self.get(name)?
            .as_u64()
            .ok_or_else(|| format!("field `{name}` must be a whole number"))
    }

    fn text(&self, name: &str) -> std::result::Result<String, String> {
        let value = self.str(name)?;
        match text_field_problem(value) {
            Some(problem) => Err(format!("field `{name}` {problem}")),
            None => Ok(value.to_string()),
        }
    }

    fn hex_bytes<const N: usize>(
        &self,
        name: &str,
        what: &str,
    ) -> std::result::Result<[u8; N], String> {
        let value = self.str(name)?;
        hex::decode(value)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                format!(
                    "field `{name}` must be {what}: {} hex characters, found \"{}\"",
                    N * 2,
                    shorten(value)
                )
            })
    }

    fn capabilities(&self, name: &str) -> std::result::Result<CapabilitySet, String> {
        let items = self.get(name)?.as_array().ok_or_else(|| {
            format!("field `{name}` must be a list of capability names such as [\"Network\"]")
        })?;
        items
            .iter()
            .map(|item| {
                let text = item.as_str().ok_or_else(|| {
                    format!("field `{name}` must hold only strings, found {item}")
                })?;
                text.parse::<Capability>()
                    .map_err(|e| format!("field `{name}` holds an {e}"))
            })
            .collect()
    }
}
