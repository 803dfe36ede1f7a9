//! # Conductor core
//!
//! An embeddable engine that turns MIDI input into actions, and runs third-party
//! WebAssembly plugins as actions inside a strict sandbox.
//!
//! The flow is `midi` (bytes → messages) → `mapping` (messages → fired mappings) →
//! `engine` (each mapping's action chain: MIDI out, mode changes and host callbacks
//! on the dispatcher, delays on its timer, plugin calls on the plugins' workers).
//! The `plugin` module is the sandboxed WebAssembly host and can be used on its own.

mod builder;
pub mod config;
pub mod engine;
pub mod error;
pub mod learn;
pub mod log;
pub mod mapping;
pub mod midi;
pub mod plugin;

pub use engine::{Engine, EngineOptions};
pub use error::{Error, ErrorKind, Result};

/// The README's Rust examples, compiled (and run where they are not `no_run`) as
/// doctests of this crate, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
