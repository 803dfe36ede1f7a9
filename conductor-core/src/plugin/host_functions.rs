//! Host functions plugins may import from the `conductor` module.

/// Names of the functions the `conductor` import module provides.
pub(crate) const NAMES: &[&str] = &[];
