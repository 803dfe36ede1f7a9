//! Choosing a MIDI port by position or by name, as a config file or a command line says it.
//!
//! Lives apart from the port backend so the config schema can name a port even when
//! conductor-core is built without MIDI I/O.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A MIDI port, by position in the port list or by (part of) its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSelector {
    /// 0-based index into the list of input ports (`port = 2`).
    Index(usize),
    /// A port whose name contains this text (`port = "Mikro"`).
    Name(String),
}

/// Parses a port selector from the command line or an environment variable: all digits
/// is an index, anything else is (part of) a port name.
///
/// ```
/// use conductor_core::midi::PortSelector;
/// assert_eq!("2".parse::<PortSelector>().unwrap(), PortSelector::Index(2));
/// assert_eq!(
///     "Launchpad".parse::<PortSelector>().unwrap(),
///     PortSelector::Name("Launchpad".into())
/// );
/// ```
impl FromStr for PortSelector {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::InvalidArgument(
                "empty MIDI port: give a port index (0, 1, …) or part of a port name".into(),
            ));
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse()
                .map(PortSelector::Index)
                .map_err(|_| Error::InvalidArgument(format!("MIDI port index {s} is too large")))
        } else {
            Ok(PortSelector::Name(s.to_string()))
        }
    }
}

impl fmt::Display for PortSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSelector::Index(i) => write!(f, "#{i}"),
            PortSelector::Name(name) => write!(f, "\"{name}\""),
        }
    }
}
