//! The signature policy and the one check the host runs when it loads a plugin.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::{plugin_label, PluginSignature, PublicKey, TrustStore, VerifiedSignature};
use crate::plugin::CapabilitySet;
use crate::{Error, Result};

/// What the host does with plugins that are unsigned or signed by an untrusted key.
///
/// A signature that is present but invalid (tampered wasm, edited `.sig`, capabilities
/// that differ from the signed ones) refuses the load under every policy.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SignaturePolicy {
    /// Unsigned plugins and untrusted keys load silently.
    Allow,
    /// Unsigned plugins and untrusted keys load, with a warning
    /// ([`SignatureStatus::warning`]).
    #[default]
    Warn,
    /// Only plugins signed by a key in the trust store load.
    Require,
}

impl SignaturePolicy {
    /// The policy's name as written in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SignaturePolicy::Allow => "allow",
            SignaturePolicy::Warn => "warn",
            SignaturePolicy::Require => "require",
        }
    }
}

impl fmt::Display for SignaturePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SignaturePolicy {
    type Err = Error;

    /// Parses `allow`, `warn` or `require` (any letter case).
    ///
    /// ```
    /// use conductor_core::plugin::signing::SignaturePolicy;
    /// assert_eq!("Require".parse::<SignaturePolicy>().unwrap(), SignaturePolicy::Require);
    /// assert!("strict".parse::<SignaturePolicy>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        [
            SignaturePolicy::Allow,
            SignaturePolicy::Warn,
            SignaturePolicy::Require,
        ]
        .into_iter()
        .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "unknown signature policy \"{s}\" (valid: allow, warn, require)"
            ))
        })
    }
}

/// The outcome of [`check_plugin`] for a plugin that may load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// There is no `.sig` file beside the plugin.
    Unsigned,
    /// The signature is valid for this wasm and its declared capabilities.
    Signed {
        /// The developer's name from the signature.
        developer_name: String,
        /// The developer's email from the signature.
        developer_email: String,
        /// The signing key.
        public_key: PublicKey,
        /// Whether the key is in the trust store.
        trusted: bool,
    },
}

impl SignatureStatus {
    /// The warning the host should show under `policy`, if any: under
    /// [`SignaturePolicy::Warn`], for an unsigned plugin or an untrusted key.
    pub fn warning(&self, policy: SignaturePolicy) -> Option<String> {
        if policy != SignaturePolicy::Warn {
            return None;
        }
        match self {
            SignatureStatus::Unsigned => Some(
                "the plugin is unsigned, so where it came from cannot be checked (ask its \
                 developer to sign it with conductor-sign; set the signature policy to \
                 `allow` to hide this warning, or `require` to refuse unsigned plugins)"
                    .into(),
            ),
            SignatureStatus::Signed {
                developer_name,
                developer_email,
                public_key,
                trusted: false,
            } => Some(format!(
                "the plugin is signed by {developer_name} <{developer_email}> with a key that \
                 is not trusted; {}",
                trust_hint(public_key, developer_name)
            )),
            SignatureStatus::Signed { trusted: true, .. } => None,
        }
    }
}

impl fmt::Display for SignatureStatus {
    /// One line for `conductor check`: `unsigned`, `signed by Name <email> (trusted)` or
    /// `signed by Name <email> (untrusted key <hex>)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureStatus::Unsigned => f.write_str("unsigned"),
            SignatureStatus::Signed {
                developer_name,
                developer_email,
                public_key,
                trusted,
            } => {
                write!(f, "signed by {developer_name} <{developer_email}> ")?;
                if *trusted {
                    f.write_str("(trusted)")
                } else {
                    write!(f, "(untrusted key {public_key})")
                }
            }
        }
    }
}

/// The check the host runs before loading the plugin at `wasm_path`.
///
/// `wasm_bytes` are the bytes it is about to compile (the `.sig` is read from beside
/// `wasm_path`), and `declared` the capabilities the plugin asks for (what it declares
/// plus what its imports of host functions need). A signature that is present but
/// malformed, does not match the wasm, or was made for other capabilities is an
/// [`Error::Signature`] under every policy. Under [`SignaturePolicy::Require`],
/// unsigned plugins and keys missing from `trust` are refused too, and the error says
/// how to sign or trust.
pub fn check_plugin(
    wasm_path: &Path,
    wasm_bytes: &[u8],
    declared: CapabilitySet,
    policy: SignaturePolicy,
    trust: &TrustStore,
) -> Result<SignatureStatus> {
    let checked = check_bytes(wasm_path, wasm_bytes, policy, || Ok(trust.clone()))?;
    checked.check_capabilities(declared)?;
    Ok(checked.status)
}

/// What [`check_bytes`] found: everything but the capabilities, which need the module.
#[derive(Debug)]
pub struct CheckedBytes {
    /// The status the plugin loads with when its capabilities match.
    pub status: SignatureStatus,
    verified: Option<VerifiedSignature>,
}

impl CheckedBytes {
    /// Nothing to check: a plugin loaded from memory.
    pub(crate) fn unsigned() -> Self {
        Self {
            status: SignatureStatus::Unsigned,
            verified: None,
        }
    }

    /// Checks that `capabilities` are the signed ones (nothing to check when unsigned).
    pub fn check_capabilities(&self, capabilities: CapabilitySet) -> Result<()> {
        match &self.verified {
            Some(v) => v.check_capabilities(capabilities),
            None => Ok(()),
        }
    }
}

/// The part of [`check_plugin`] that needs only the wasm's bytes, run before the module
/// is compiled or instantiated: the `.sig` parses, its signature matches its fields,
/// the bytes are the signed ones, and under `require` the plugin is signed by a
/// trusted key. `trust` is loaded only when a signature is there to be judged.
///
/// This is the check a load makes before compiling anything; tools that judge a file
/// without loading it (`conductor plugin info`, `conductor plugin install`) make it too,
/// then compare the module's capabilities with [`CheckedBytes::check_capabilities`].
pub fn check_bytes(
    wasm_path: &Path,
    wasm_bytes: &[u8],
    policy: SignaturePolicy,
    trust: impl FnOnce() -> Result<TrustStore>,
) -> Result<CheckedBytes> {
    let refuse = |reason: String| Error::Signature {
        plugin: plugin_label(wasm_path),
        reason,
    };
    let Some(signature) = PluginSignature::read(wasm_path)? else {
        if policy == SignaturePolicy::Require {
            return Err(refuse(format!(
                "the plugin is unsigned and the signature policy is `require`; sign it with \
                 `conductor-sign sign {} KEY --name NAME --email EMAIL` and trust that key, \
                 or change the policy to `warn`",
                wasm_path.display()
            )));
        }
        return Ok(CheckedBytes {
            status: SignatureStatus::Unsigned,
            verified: None,
        });
    };
    let verified = signature.verify(wasm_path, wasm_bytes)?;
    let signature = verified.signature();
    let trust = trust()?;
    let trusted = trust.is_trusted(&signature.public_key);
    if policy == SignaturePolicy::Require && !trusted {
        return Err(refuse(format!(
            "it is signed by {} <{}>, but that key is not in the trust store {} and the \
             signature policy is `require`; {}",
            signature.developer_name,
            signature.developer_email,
            trust.path().display(),
            trust_hint(&signature.public_key, &signature.developer_name)
        )));
    }
    Ok(CheckedBytes {
        status: SignatureStatus::Signed {
            developer_name: signature.developer_name.clone(),
            developer_email: signature.developer_email.clone(),
            public_key: signature.public_key,
            trusted,
        },
        verified: Some(verified),
    })
}

/// How to trust `key`: the exact command.
fn trust_hint(key: &PublicKey, name: &str) -> String {
    format!(
        "if you trust this developer, run `conductor-sign trust add {key} --name {}`",
        // Names never hold NUL (control characters are refused), so quoting succeeds.
        shlex::try_quote(name).unwrap_or(std::borrow::Cow::Borrowed(name))
    )
}
