//! What every MIDI backend shares: a port as listed, its direction, the input
//! callback, and the error for a MIDI system that cannot be reached.

use std::fmt;

use crate::error::Error;

/// What an input connection calls for each incoming packet: the backend's timestamp in
/// microseconds (from an arbitrary origin that stays fixed while the connection is open)
/// and the packet's bytes, usually one complete message.
pub type InputCallback = Box<dyn FnMut(u64, &[u8]) + Send + 'static>;

/// Which way a port carries MIDI, from Conductor's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortDirection {
    /// Conductor receives from it (a keyboard, a controller).
    Input,
    /// Conductor sends to it (a synth, a DAW).
    Output,
}

impl PortDirection {
    pub(super) fn noun(self) -> &'static str {
        match self {
            PortDirection::Input => "input",
            PortDirection::Output => "output",
        }
    }
}

/// One port as the backend lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortInfo {
    /// 0-based position in the current list; what [`PortSelector::Index`](super::PortSelector::Index) refers to.
    pub index: usize,
    /// The name the backend shows (for ALSA `client:port client-id:port-id`, for JACK
    /// `client:port`).
    pub name: String,
    /// The backend's identifier for the port (opaque).
    pub id: String,
}

impl fmt::Display for PortInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.index, self.name)
    }
}

/// The error for a MIDI system that cannot be reached at all, with what to do instead.
pub(crate) fn backend_unavailable(detail: &str) -> Error {
    #[cfg(feature = "jack")]
    let problem = "cannot connect to the JACK server: is jackd running? (start it with \
                   e.g. `jackd -d alsa`, or `jackd -d dummy` on a machine without sound \
                   hardware)";
    #[cfg(all(target_os = "linux", not(feature = "jack")))]
    let problem = "cannot open the ALSA sequencer (/dev/snd/seq): this machine has no ALSA \
                   MIDI (load the snd-seq kernel module), or use a build with the `jack` \
                   feature to go through a JACK server";
    #[cfg(all(not(target_os = "linux"), not(feature = "jack")))]
    let problem = "the operating system's MIDI service is not available";
    Error::Midi(format!(
        "{problem} ({detail}). Without MIDI ports you can still replay a .mid file \
         (--replay) or feed bytes from your own code"
    ))
}
