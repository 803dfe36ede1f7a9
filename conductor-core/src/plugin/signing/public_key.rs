//! Ed25519 public keys and the public key file that holds one.
//!
//! The public key file (`PATH.pub`) is one line: the 32-byte public key as 64 lowercase
//! hex characters — the same text that appears in `.sig` files, the trust store and
//! `conductor-sign trust add`. Private keys, which only signing needs, are
//! `conductor_tools::signing`'s; their files start with [`PRIVATE_KEY_HEADER`], so a
//! private key is never mistaken for a public one. Parsing ignores blank lines, lines
//! starting with `#` and surrounding whitespace (including Windows line endings).

use std::fmt;
use std::fs;
use std::path::Path;
use std::str::FromStr;

use ed25519_dalek::{Signature, VerifyingKey};

use super::shorten;
use crate::{Error, Result};

/// The first line of every private key file (the format is described in
/// `docs/signing.md`).
pub const PRIVATE_KEY_HEADER: &str = "conductor-ed25519-private-key-v1";

/// An Ed25519 public key (32 bytes, checked to be a valid curve point): what a signature
/// names and what the trust store lists.
///
/// Its text form (`Display`, `FromStr`, serde) is 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// The key with these 32 bytes, refused when they are not a point on the curve.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self> {
        VerifyingKey::from_bytes(&bytes)
            .map(|_| PublicKey(bytes))
            .map_err(|_| {
                Error::InvalidArgument(format!(
                    "\"{}\" is not a valid Ed25519 public key (it is not a point on the curve)",
                    hex::encode(bytes)
                ))
            })
    }

    /// The 32 raw bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The key as 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads a public key file (`PATH.pub`).
    pub fn load(path: &Path) -> Result<Self> {
        let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let line = content_lines(&text).next().unwrap_or("");
        line.parse().map_err(|e: Error| match e {
            Error::InvalidArgument(why) => {
                Error::InvalidArgument(format!("{}: {why}", path.display()))
            }
            other => other,
        })
    }

    /// Checks `signature` over `message` (strict Ed25519: rejects malleable signatures
    /// and weak keys).
    pub(crate) fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        // The bytes were checked to be a curve point when the key was made.
        VerifyingKey::from_bytes(&self.0)
            .is_ok_and(|key| key.verify_strict(message, signature).is_ok())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl FromStr for PublicKey {
    type Err = Error;

    /// Parses 64 hex characters (either case, surrounding whitespace ignored).
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.starts_with(PRIVATE_KEY_HEADER) {
            return Err(Error::InvalidArgument(
                "this is a private key, not a public key; use the key's .pub file (keep the \
                 private key to yourself)"
                    .into(),
            ));
        }
        let bytes: [u8; 32] = hex::decode(s)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "\"{}\" is not a public key: expected 64 hex characters, the contents of \
                     the key's .pub file",
                    shorten(s)
                ))
            })?;
        VerifyingKey::from_bytes(&bytes)
            .map(|_| PublicKey(bytes))
            .map_err(|_| {
                Error::InvalidArgument(format!(
                    "\"{s}\" is not a valid Ed25519 public key (it is not a point on the curve)"
                ))
            })
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The lines of a key file that carry content: trimmed, without blanks and `#` comments.
fn content_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}
