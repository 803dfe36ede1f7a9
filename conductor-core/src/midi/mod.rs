//! MIDI messages, parsing, encoding, Standard MIDI Files and ports.

mod encode;
mod message;
mod parser;
mod smf;
mod status;

pub use message::MidiMessage;
pub use parser::{parse_message, MidiParser, ParseEvent, ParserStats, DEFAULT_MAX_SYSEX};
pub use smf::{
    write_smf, SmfEvents, SmfTiming, SmfWriter, TimedMessage, DEFAULT_TEMPO_US_PER_BEAT, WRITE_PPQ,
};
