//! MIDI messages, parsing, encoding, Standard MIDI Files and ports.

mod encode;
mod message;
mod parser;
mod status;

pub use message::MidiMessage;
pub use parser::{parse_message, MidiParser, ParseEvent, ParserStats, DEFAULT_MAX_SYSEX};
