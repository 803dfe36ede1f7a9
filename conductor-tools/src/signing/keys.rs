//! Making Ed25519 key pairs, and the private key file.
//!
//! * The private key file (`PATH`, mode 0600 on unix) is a header line
//!   `conductor-ed25519-private-key-v1` followed by a line holding the 32-byte Ed25519
//!   seed in standard base64.
//! * The public key file (`PATH.pub`) is one line: the 32-byte public key as 64 lowercase
//!   hex characters — the same text that appears in `.sig` files, the trust store and
//!   `conductor-sign trust add`.
//!
//! The two encodings differ on purpose, so a private key can never be mistaken for a
//! public one. Parsing ignores blank lines, lines starting with `#` and surrounding
//! whitespace (including Windows line endings).

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use conductor_core::plugin::signing::{append_extension, PublicKey, PRIVATE_KEY_HEADER};
use conductor_core::{Error, Result};
use ed25519_dalek::{Signature, Signer as _, SigningKey};

use super::shorten;

/// Where the public half of the key at `private_key` is written: `PATH.pub`.
///
/// ```
/// use std::path::Path;
/// use conductor_tools::signing::public_key_path;
/// assert_eq!(public_key_path(Path::new("keys/my-key")), Path::new("keys/my-key.pub"));
/// ```
pub fn public_key_path(private_key: &Path) -> PathBuf {
    append_extension(private_key, "pub")
}

/// An Ed25519 private key. Its `Debug` output never shows the key material.
#[derive(Clone)]
pub struct PrivateKey(SigningKey);

impl PrivateKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| {
            Error::InvalidArgument(format!(
                "cannot generate a key: the operating system's random number generator \
                 failed ({e})"
            ))
        })?;
        Ok(PrivateKey(SigningKey::from_bytes(&seed)))
    }

    /// The key made from a 32-byte Ed25519 seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        PrivateKey(SigningKey::from_bytes(&seed))
    }

    /// The public half, to publish and to put in trust stores.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_bytes(self.0.verifying_key().to_bytes())
            .expect("the public half of a signing key is a point on the curve")
    }

    /// Reads a private key file written by [`generate_key`].
    ///
    /// On unix a key file that its group or others may read or write is refused, as
    /// ssh refuses one: the key may already have been copied, so signing with it proves
    /// nothing (fix with `chmod 600`, and consider a new key).
    pub fn load(path: &Path) -> Result<Self> {
        let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let key = Self::from_text(&text)
            .map_err(|why| Error::InvalidArgument(format!("{}: {why}", path.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
            if meta.mode() & 0o077 != 0 {
                return Err(Error::InvalidArgument(format!(
                    "{}: the private key is not used because other users may read or change \
                     it (mode {:o}); anyone who copied it can sign as you. Run `chmod 600 {}`, \
                     and make a new key if others may have read it",
                    path.display(),
                    meta.mode() & 0o777,
                    path.display()
                )));
            }
        }
        Ok(key)
    }

    /// Parses the contents of a private key file; the error says what is wrong.
    pub fn from_text(text: &str) -> std::result::Result<Self, String> {
        let mut lines = content_lines(text);
        let header = lines
            .next()
            .ok_or("the key file is empty; create a key with `conductor-sign generate-key PATH`")?;
        if header != PRIVATE_KEY_HEADER {
            if header.parse::<PublicKey>().is_ok() {
                return Err(
                    "this is a public key (a .pub file); sign with the private key, \
                            the file of the same name without .pub"
                        .into(),
                );
            }
            return Err(format!(
                "not a Conductor private key: the first line should be \
                 \"{PRIVATE_KEY_HEADER}\", found \"{}\"",
                shorten(header)
            ));
        }
        let encoded = lines
            .next()
            .ok_or("the key file ends after its header line; the base64 key line is missing")?;
        if let Some(extra) = lines.next() {
            return Err(format!(
                "unexpected extra line after the key: \"{}\"",
                shorten(extra)
            ));
        }
        let bytes = BASE64
            .decode(encoded)
            .map_err(|e| format!("the key line is not valid base64 ({e})"))?;
        let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            format!(
                "the key line decodes to {} bytes; an Ed25519 key is 32 bytes",
                bytes.len()
            )
        })?;
        Ok(Self::from_seed(seed))
    }

    /// The text of a private key file: the header line and the base64 seed line.
    pub fn to_text(&self) -> String {
        format!(
            "{PRIVATE_KEY_HEADER}\n{}\n",
            BASE64.encode(self.0.to_bytes())
        )
    }

    /// Signs `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.0.sign(message)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(public {})", self.public_key())
    }
}

/// What [`generate_key`] wrote.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// The private key file (mode 0600 on unix).
    pub private_path: PathBuf,
    /// The public key file, `private_path` + `.pub`.
    pub public_path: PathBuf,
    /// The new public key.
    pub public_key: PublicKey,
}

/// Creates a new key pair: the private key at `path` (readable only by its owner on
/// unix) and the public key at `path.pub`. Missing parent folders are created.
///
/// Refuses to replace an existing file at either path unless `force` is true, because a
/// replaced key is gone for good.
pub fn generate_key(path: &Path, force: bool) -> Result<GeneratedKey> {
    let public_path = public_key_path(path);
    if !force {
        for existing in [path, public_path.as_path()] {
            // A symlink counts, even a dangling one: it is never written through.
            if fs::symlink_metadata(existing).is_ok() {
                return Err(Error::io(
                    existing,
                    io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "a key file already exists here; choose another path, or overwrite \
                         it with `conductor-sign generate-key --force` (plugins signed with \
                         the old key will no longer match it)",
                    ),
                ));
            }
        }
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let key = PrivateKey::generate()?;
    write_private(path, &key.to_text(), force).map_err(|e| Error::io(path, e))?;
    let public_key = key.public_key();
    write_new(&public_path, &format!("{public_key}\n"), force, 0o644)
        .map_err(|e| Error::io(&public_path, e))?;
    Ok(GeneratedKey {
        private_path: path.to_path_buf(),
        public_path,
        public_key,
    })
}

/// Writes the private key so that it is never readable by others, not even briefly:
/// the file is created fresh with mode 0600 rather than created and then narrowed.
fn write_private(path: &Path, text: &str, force: bool) -> io::Result<()> {
    write_new(path, text, force, 0o600)
}

/// Writes a new file at `path` with `mode` (on unix). With `force` whatever is at `path`
/// is removed first (a symlink itself, never its target); the file is then created
/// exclusively, so it is never written through a symlink another user planted.
fn write_new(path: &Path, text: &str, force: bool, mode: u32) -> io::Result<()> {
    if force {
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// The lines of a key file that carry content: trimmed, without blanks and `#` comments.
fn content_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}
