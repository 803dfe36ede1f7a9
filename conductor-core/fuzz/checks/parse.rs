//! Arbitrary bytes into the streaming MIDI parser, whole and split in two.
//!
//! Shared by the fuzz target and the corpus replay test
//! (`conductor-core/tests/fuzz_corpus.rs`). Run: `cargo +nightly fuzz run parse` from `conductor-core/`.
//!
//! Checks, beyond "no panic": SysEx never exceeds the limit, everything emitted is a
//! valid message that survives encode → `parse_message`, and splitting the input anywhere
//! gives the same events.
use conductor_core::midi::{parse_message, MidiMessage, MidiParser, ParseEvent};

/// Panics when the input breaks a property above.
pub fn check(data: &[u8]) {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    // A small limit so the fuzzer reaches the oversize path easily.
    let limit = usize::from(control % 32);
    let cut = if bytes.is_empty() {
        0
    } else {
        usize::from(control) % (bytes.len() + 1)
    };

    let mut whole = Vec::new();
    let mut parser = MidiParser::with_max_sysex(limit);
    parser.feed_events(bytes, |event| whole.push(event));

    let mut split = Vec::new();
    let mut parser_split = MidiParser::with_max_sysex(limit);
    parser_split.feed_events(&bytes[..cut], |event| split.push(event));
    parser_split.feed_events(&bytes[cut..], |event| split.push(event));
    assert_eq!(
        whole, split,
        "splitting the input at {cut} changed the result"
    );
    assert_eq!(parser.stats(), parser_split.stats());

    for event in &whole {
        match event {
            ParseEvent::Message(message) => {
                if let MidiMessage::SysEx(payload) = message {
                    assert!(payload.len() <= limit);
                }
                let round_trip =
                    parse_message(&message.to_bytes()).expect("emitted message re-parses");
                assert_eq!(&round_trip, message);
            }
            ParseEvent::SysExDropped { size, limit: l } => {
                assert_eq!(*l, limit);
                assert!(*size > limit);
            }
        }
    }

    // The strict single-message parser must never panic either.
    let _ = parse_message(bytes);
}
