//! The device, timing, engine and logging sections.

use std::path::PathBuf;
use std::time::Duration;

/// `[device]`: which MIDI input to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSettings {
    /// Human-readable device name; input ports whose name contains it are preferred.
    pub name: Option<String>,
    /// Connect at startup (default `true`).
    pub auto_connect: bool,
    /// Reconnect after the device disappears (default `true`).
    pub auto_reconnect: bool,
    /// An explicit port, overriding the name match.
    pub port: Option<PortSelector>,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            name: None,
            auto_connect: true,
            auto_reconnect: true,
            port: None,
        }
    }
}

/// A MIDI port, by position in the port list or by (part of) its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSelector {
    /// 0-based index into the list of input ports (`port = 2`).
    Index(usize),
    /// A port whose name contains this text (`port = "Mikro"`).
    Name(String),
}

/// The gesture timing windows, from `[engine]` or Conductor's `[advanced_settings]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimingSettings {
    /// Window in which all notes of a chord must arrive (default 50 ms).
    pub chord: Duration,
    /// Longest gap between the two presses of a double tap (default 300 ms).
    pub double_tap: Duration,
    /// How long a note must be held to count as a long press (default 500 ms).
    pub hold: Duration,
}

impl TimingSettings {
    /// Default chord window.
    pub const DEFAULT_CHORD: Duration = Duration::from_millis(50);
    /// Default double-tap window.
    pub const DEFAULT_DOUBLE_TAP: Duration = Duration::from_millis(300);
    /// Default hold threshold.
    pub const DEFAULT_HOLD: Duration = Duration::from_millis(500);
}

impl Default for TimingSettings {
    fn default() -> Self {
        TimingSettings {
            chord: Self::DEFAULT_CHORD,
            double_tap: Self::DEFAULT_DOUBLE_TAP,
            hold: Self::DEFAULT_HOLD,
        }
    }
}

/// `[engine]`: settings of the engine thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSettings {
    /// Capacity of the input queue between MIDI callbacks and the engine thread
    /// (default 1024); a full queue drops and counts.
    pub queue_capacity: usize,
}

impl EngineSettings {
    /// Default input queue capacity.
    pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            queue_capacity: Self::DEFAULT_QUEUE_CAPACITY,
        }
    }
}

/// `[logging]`, accepted leniently: `level` and `file` are read, anything else is kept
/// in `other` for the embedding application.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoggingSettings {
    /// Log level as written (`"off"`, `"error"`, `"warn"`, `"info"`, `"debug"`, `"trace"`).
    pub level: Option<String>,
    /// Log file, resolved against the config's folder.
    pub file: Option<PathBuf>,
    /// Every other key of the section, as JSON.
    pub other: serde_json::Map<String, serde_json::Value>,
}
