//! Property tests: every valid message survives encode → parse, and no byte soup can make
//! the parser panic or hold more SysEx than its limit.

use conductor_core::midi::{parse_message, MidiMessage, MidiParser, ParseEvent};
use proptest::prelude::*;

fn data() -> impl Strategy<Value = u8> {
    0u8..=127
}

fn channel() -> impl Strategy<Value = u8> {
    0u8..=15
}

/// Every valid message: 7-bit data, 4-bit channels, note-on velocity 1..=127.
fn message() -> impl Strategy<Value = MidiMessage> {
    prop_oneof![
        (channel(), data(), 1u8..=127).prop_map(|(channel, note, velocity)| MidiMessage::NoteOn {
            channel,
            note,
            velocity
        }),
        (channel(), data(), data()).prop_map(|(channel, note, velocity)| MidiMessage::NoteOff {
            channel,
            note,
            velocity
        }),
        (channel(), data(), data()).prop_map(|(channel, note, pressure)| {
            MidiMessage::PolyAftertouch {
                channel,
                note,
                pressure,
            }
        }),
        (channel(), data(), data()).prop_map(|(channel, controller, value)| {
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            }
        }),
        (channel(), data())
            .prop_map(|(channel, program)| MidiMessage::ProgramChange { channel, program }),
        (channel(), data())
            .prop_map(|(channel, pressure)| MidiMessage::ChannelAftertouch { channel, pressure }),
        (channel(), 0u16..=16383)
            .prop_map(|(channel, value)| MidiMessage::PitchBend { channel, value }),
        proptest::collection::vec(data(), 0..300).prop_map(MidiMessage::SysEx),
        data().prop_map(MidiMessage::TimeCodeQuarterFrame),
        (0u16..=16383).prop_map(MidiMessage::SongPosition),
        data().prop_map(MidiMessage::SongSelect),
        Just(MidiMessage::TuneRequest),
        Just(MidiMessage::Clock),
        Just(MidiMessage::Start),
        Just(MidiMessage::Continue),
        Just(MidiMessage::Stop),
        Just(MidiMessage::ActiveSensing),
        Just(MidiMessage::Reset),
    ]
}

proptest! {
    #[test]
    fn encode_then_parse_message_gives_the_same_message(m in message()) {
        let bytes = m.to_bytes();
        prop_assert_eq!(parse_message(&bytes).unwrap(), m);
    }

    #[test]
    fn a_stream_of_encoded_messages_parses_back_in_order(
        messages in proptest::collection::vec(message(), 0..40),
        split in any::<prop::sample::Index>(),
    ) {
        let mut stream = Vec::new();
        for m in &messages {
            m.encode(&mut stream);
        }
        let cut = split.index(stream.len() + 1);
        let mut parser = MidiParser::new();
        let mut got = parser.parse(&stream[..cut]);
        got.extend(parser.parse(&stream[cut..]));
        prop_assert_eq!(got, messages);
        let stats = parser.stats();
        prop_assert_eq!(stats.stray_data_bytes + stats.ignored_status_bytes, 0);
    }

    #[test]
    fn realtime_bytes_sprinkled_anywhere_change_nothing_else(
        messages in proptest::collection::vec(message(), 1..20),
        positions in proptest::collection::vec(any::<prop::sample::Index>(), 1..10),
    ) {
        let mut stream = Vec::new();
        for m in &messages {
            m.encode(&mut stream);
        }
        let mut inserts: Vec<usize> = positions.iter().map(|p| p.index(stream.len() + 1)).collect();
        inserts.sort_unstable_by(|a, b| b.cmp(a));
        for &at in &inserts {
            stream.insert(at, 0xF8);
        }
        let got = MidiParser::new().parse(&stream);
        let clocks = got.iter().filter(|m| **m == MidiMessage::Clock).count();
        let expected_clocks =
            messages.iter().filter(|m| **m == MidiMessage::Clock).count() + inserts.len();
        prop_assert_eq!(clocks, expected_clocks);
        let others: Vec<_> = got.into_iter().filter(|m| *m != MidiMessage::Clock).collect();
        let expected: Vec<_> =
            messages.into_iter().filter(|m| *m != MidiMessage::Clock).collect();
        prop_assert_eq!(others, expected);
    }

    #[test]
    fn byte_soup_never_panics_and_sysex_stays_bounded(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..32),
        limit in 0usize..40,
    ) {
        let mut parser = MidiParser::with_max_sysex(limit);
        for chunk in &chunks {
            parser.feed_events(chunk, |event| {
                if let ParseEvent::Message(MidiMessage::SysEx(data)) = &event {
                    assert!(data.len() <= limit);
                    assert!(data.iter().all(|b| *b < 0x80));
                }
                if let ParseEvent::Message(m) = &event {
                    // Whatever the parser emits is a valid message that round-trips.
                    assert_eq!(&parse_message(&m.to_bytes()).unwrap(), m);
                }
            });
        }
        let _ = parse_message(&chunks.concat());
    }

    #[test]
    fn splitting_byte_soup_anywhere_gives_the_same_events_and_counts(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
        cut in any::<prop::sample::Index>(),
        limit in 0usize..16,
    ) {
        let cut = cut.index(bytes.len() + 1);
        let mut whole = Vec::new();
        let mut parser = MidiParser::with_max_sysex(limit);
        parser.feed_events(&bytes, |e| whole.push(e));
        let mut split = Vec::new();
        let mut parser_split = MidiParser::with_max_sysex(limit);
        parser_split.feed_events(&bytes[..cut], |e| split.push(e));
        parser_split.feed_events(&bytes[cut..], |e| split.push(e));
        prop_assert_eq!(whole, split);
        prop_assert_eq!(parser.stats(), parser_split.stats());
    }
}
