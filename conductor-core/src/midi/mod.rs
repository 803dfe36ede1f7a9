//! MIDI messages, parsing, encoding, Standard MIDI Files and (with the default
//! `midi-io` feature) ports.

#[cfg(any(feature = "jack", test))]
mod byte_queue;
mod cc14;
mod encode;
#[cfg(feature = "jack")]
mod jack;
mod message;
mod parser;
mod pattern;
#[cfg(feature = "midi-io")]
mod port_info;
mod port_selector;
#[cfg(feature = "midi-io")]
mod ports;
#[cfg(feature = "midi-io")]
mod reconnect;
mod smf;
mod status;

pub use cc14::{Cc14, Cc14Pairing, ParameterChange, ParameterNumbers};
pub use message::MidiMessage;
pub use parser::{parse_message, MidiParser, ParseEvent, ParserStats, DEFAULT_MAX_SYSEX};
pub use pattern::BytePattern;
pub use port_selector::PortSelector;
#[cfg(all(unix, feature = "midi-io"))]
pub use ports::{create_virtual_input, create_virtual_output};
#[cfg(feature = "midi-io")]
pub use ports::{
    input_ports, open_input, open_output, output_ports, InputCallback, InputConnection,
    OutputConnection, PortDirection, PortInfo, DEFAULT_CLIENT_NAME,
};
#[cfg(feature = "midi-io")]
pub use reconnect::{PortEvent, ReconnectingInput, DEFAULT_POLL_INTERVAL};
pub use smf::{SmfEvents, SmfTiming, TimedMessage, DEFAULT_TEMPO_US_PER_BEAT};
#[cfg(feature = "midi-io")]
pub(crate) use {ports::pick_port, reconnect::strip_alsa_address};
