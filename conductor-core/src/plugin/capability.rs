//! Capabilities a plugin declares and the grants that allow them.

use std::fmt;
use std::str::FromStr;

/// A power a plugin asks for through its `capabilities()` export.
///
/// The names are exactly the strings the plugin author's guide uses, so the JSON
/// array `["Network", "Filesystem"]` maps one to one onto this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// HTTP requests and WebSockets. Low risk, granted automatically.
    Network,
    /// Audio device access. Low risk, granted automatically.
    Audio,
    /// MIDI device access. Low risk, granted automatically.
    Midi,
    /// File read/write inside the plugin's own sandbox folder. Needs approval.
    Filesystem,
    /// Running commands. Needs explicit approval.
    Subprocess,
    /// System-level operations (keystrokes, volume, launching apps). Needs explicit approval.
    SystemControl,
}

/// How much trust a capability needs before it is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskLevel {
    /// Granted automatically.
    Low,
    /// Granted only when the user approves it.
    Medium,
    /// Granted only when the user approves it explicitly, by name.
    High,
}

impl Capability {
    /// Every capability, in declaration order.
    pub const ALL: [Capability; 6] = [
        Capability::Network,
        Capability::Audio,
        Capability::Midi,
        Capability::Filesystem,
        Capability::Subprocess,
        Capability::SystemControl,
    ];

    /// The name used in `capabilities()` output, configs and grants.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Network => "Network",
            Capability::Audio => "Audio",
            Capability::Midi => "Midi",
            Capability::Filesystem => "Filesystem",
            Capability::Subprocess => "Subprocess",
            Capability::SystemControl => "SystemControl",
        }
    }

    /// The risk level that decides whether the capability needs approval.
    pub fn risk(self) -> RiskLevel {
        match self {
            Capability::Network | Capability::Audio | Capability::Midi => RiskLevel::Low,
            Capability::Filesystem => RiskLevel::Medium,
            Capability::Subprocess | Capability::SystemControl => RiskLevel::High,
        }
    }

    /// The valid names, comma separated, for error messages.
    pub fn valid_names() -> String {
        Self::ALL.map(Capability::name).join(", ")
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a capability name that is not one of [`Capability::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCapability(pub String);

impl fmt::Display for UnknownCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown capability \"{}\" (valid names: {})",
            self.0,
            Capability::valid_names()
        )
    }
}

impl std::error::Error for UnknownCapability {}

impl FromStr for Capability {
    type Err = UnknownCapability;

    /// Parses a capability name exactly as the guide writes it (`"Network"`), also
    /// accepting any letter case (`"filesystem"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownCapability(s.to_string()))
    }
}

impl serde::Serialize for Capability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Capability {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A small set of capabilities (a bit set; copying it is free).
///
/// ```
/// use conductor_core::plugin::{Capability, CapabilitySet};
/// let set: CapabilitySet = [Capability::Network, Capability::Filesystem].into_iter().collect();
/// assert!(set.contains(Capability::Network));
/// assert!(!set.contains(Capability::Subprocess));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CapabilitySet(u8);

impl CapabilitySet {
    /// The empty set.
    pub const EMPTY: CapabilitySet = CapabilitySet(0);

    /// Whether `cap` is in the set.
    pub fn contains(self, cap: Capability) -> bool {
        self.0 & cap.bit() != 0
    }

    /// Adds `cap` to the set.
    pub fn insert(&mut self, cap: Capability) {
        self.0 |= cap.bit();
    }

    /// The capabilities in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Union of two sets.
    pub fn union(self, other: CapabilitySet) -> CapabilitySet {
        CapabilitySet(self.0 | other.0)
    }

    /// The names as a JSON-style list, e.g. `["Network", "Filesystem"]`.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Capability::name).collect()
    }
}

impl FromIterator<Capability> for CapabilitySet {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        let mut set = CapabilitySet::EMPTY;
        for c in iter {
            set.insert(c);
        }
        set
    }
}

impl fmt::Display for CapabilitySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        f.write_str(&self.names().join(", "))
    }
}

/// The capabilities the user has approved for a plugin, beyond the low-risk ones that
/// are always granted.
///
/// This is the plain type that the config file, the CLI's `--grant`, the C API and the
/// Python API all feed.
///
/// ```
/// use conductor_core::plugin::{Capability, Grants};
/// let grants = Grants::none().with(Capability::Filesystem);
/// assert!(grants.allows(Capability::Network)); // low risk: automatic
/// assert!(grants.allows(Capability::Filesystem));
/// assert!(!grants.allows(Capability::Subprocess));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grants {
    approved: CapabilitySet,
}

impl Grants {
    /// Only the automatic, low-risk capabilities.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds an approval.
    pub fn with(mut self, cap: Capability) -> Self {
        self.approved.insert(cap);
        self
    }

    /// Adds approvals from any iterator of capabilities.
    pub fn extend(mut self, caps: impl IntoIterator<Item = Capability>) -> Self {
        for cap in caps {
            self.approved.insert(cap);
        }
        self
    }

    /// The explicitly approved capabilities.
    pub fn approved(self) -> CapabilitySet {
        self.approved
    }

    /// Whether a plugin holding these grants may use `cap`.
    pub fn allows(self, cap: Capability) -> bool {
        cap.risk() == RiskLevel::Low || self.approved.contains(cap)
    }

    /// The declared capabilities these grants do not allow.
    pub fn missing(self, declared: CapabilitySet) -> CapabilitySet {
        declared.iter().filter(|c| !self.allows(*c)).collect()
    }

    /// The effective set for a plugin that declared `declared`.
    pub fn effective(self, declared: CapabilitySet) -> CapabilitySet {
        declared.iter().filter(|c| self.allows(*c)).collect()
    }
}

impl FromIterator<Capability> for Grants {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        Grants::none().extend(iter)
    }
}
