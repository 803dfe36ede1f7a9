//! The capabilities a plugin declares.

use std::fmt;

/// A capability, named as in the plugin guide. Network, Audio and Midi are granted
/// automatically; Filesystem needs approval; Subprocess and SystemControl need
/// explicit approval by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// HTTP requests ([`http`](crate::http)).
    Network,
    /// Audio requests to the application ([`audio`](crate::audio)).
    Audio,
    /// MIDI output ([`midi`](crate::midi)).
    Midi,
    /// The plugin's own folder, mounted at `/` (use `std::fs`).
    Filesystem,
    /// Running commands ([`process`](crate::process)).
    Subprocess,
    /// System actions through the application ([`system`](crate::system)).
    SystemControl,
}

impl Capability {
    /// The name the host reads.
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
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
