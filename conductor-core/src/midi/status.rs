//! Status-byte facts shared by the parser, `parse_message` and the encoder.

/// Start of System Exclusive.
pub(crate) const SYSEX_START: u8 = 0xF0;
/// End of System Exclusive (EOX).
pub(crate) const SYSEX_END: u8 = 0xF7;
/// MTC quarter frame.
pub(crate) const TIME_CODE: u8 = 0xF1;
/// Song position pointer.
pub(crate) const SONG_POSITION: u8 = 0xF2;
/// Song select.
pub(crate) const SONG_SELECT: u8 = 0xF3;
/// Tune request.
pub(crate) const TUNE_REQUEST: u8 = 0xF6;
/// Timing clock.
pub(crate) const CLOCK: u8 = 0xF8;
/// Start.
pub(crate) const START: u8 = 0xFA;
/// Continue.
pub(crate) const CONTINUE: u8 = 0xFB;
/// Stop.
pub(crate) const STOP: u8 = 0xFC;
/// Active sensing.
pub(crate) const ACTIVE_SENSING: u8 = 0xFE;
/// System reset.
pub(crate) const RESET: u8 = 0xFF;

/// Whether `byte` is a status byte (high bit set) rather than a data byte.
#[inline]
pub(crate) const fn is_status(byte: u8) -> bool {
    byte & 0x80 != 0
}

/// Whether `byte` is a System Real-Time status (`F8`..=`FF`, defined or not).
///
/// Real-time bytes may appear anywhere in the stream, even between the data bytes of
/// another message, and never change the state of the message being assembled.
#[inline]
pub(crate) const fn is_realtime(byte: u8) -> bool {
    byte >= 0xF8
}

/// Whether `byte` is one of the status bytes the MIDI 1.0 specification leaves undefined
/// (`F4`, `F5`, `F9`, `FD`). Receivers ignore them.
#[inline]
pub(crate) const fn is_undefined(byte: u8) -> bool {
    matches!(byte, 0xF4 | 0xF5 | 0xF9 | 0xFD)
}

/// How many data bytes follow `status` in a fixed-length message, or `None` for SysEx,
/// EOX and undefined statuses.
#[inline]
pub(crate) const fn data_len(status: u8) -> Option<usize> {
    match status {
        0x80..=0xBF | 0xE0..=0xEF => Some(2),
        0xC0..=0xDF => Some(1),
        TIME_CODE | SONG_SELECT => Some(1),
        SONG_POSITION => Some(2),
        TUNE_REQUEST | CLOCK | START | CONTINUE | STOP | ACTIVE_SENSING | RESET => Some(0),
        _ => None,
    }
}

/// A human name for the message kind `status` starts, for error messages.
pub(crate) fn kind_name(status: u8) -> &'static str {
    match status {
        0x80..=0x8F => "note-off",
        0x90..=0x9F => "note-on",
        0xA0..=0xAF => "poly aftertouch",
        0xB0..=0xBF => "control change",
        0xC0..=0xCF => "program change",
        0xD0..=0xDF => "channel aftertouch",
        0xE0..=0xEF => "pitch bend",
        SYSEX_START => "SysEx",
        TIME_CODE => "MTC quarter frame",
        SONG_POSITION => "song position",
        SONG_SELECT => "song select",
        TUNE_REQUEST => "tune request",
        SYSEX_END => "end of SysEx",
        CLOCK => "clock",
        START => "start",
        CONTINUE => "continue",
        STOP => "stop",
        ACTIVE_SENSING => "active sensing",
        RESET => "reset",
        0xF4 | 0xF5 | 0xF9 | 0xFD => "undefined status",
        _ => "data byte",
    }
}
