//! Non-fatal findings made while loading a config.

use std::fmt;

/// Something in the config that was accepted but should be written differently.
///
/// The library never prints warnings; [`Config::warnings`](super::Config::warnings)
/// hands them to the caller, which shows them however suits it (the CLI prints them to
/// stderr, the C API and Python return them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// 1-based line the warning is about.
    pub line: usize,
    /// What was accepted and how to write it canonically.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}
