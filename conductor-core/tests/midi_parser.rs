//! The streaming parser and `parse_message`, message kind by message kind.

use conductor_core::midi::{parse_message, MidiMessage, MidiParser, ParseEvent, ParserStats};
use conductor_core::ErrorKind;

fn parse(bytes: &[u8]) -> Vec<MidiMessage> {
    MidiParser::new().parse(bytes)
}

#[test]
fn every_channel_message_kind() {
    let cases: Vec<(&[u8], MidiMessage)> = vec![
        (
            &[0x90, 60, 100],
            MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 100,
            },
        ),
        (
            &[0x8F, 61, 64],
            MidiMessage::NoteOff {
                channel: 15,
                note: 61,
                velocity: 64,
            },
        ),
        (
            &[0xA3, 62, 5],
            MidiMessage::PolyAftertouch {
                channel: 3,
                note: 62,
                pressure: 5,
            },
        ),
        (
            &[0xB9, 7, 127],
            MidiMessage::ControlChange {
                channel: 9,
                controller: 7,
                value: 127,
            },
        ),
        (
            &[0xC4, 12],
            MidiMessage::ProgramChange {
                channel: 4,
                program: 12,
            },
        ),
        (
            &[0xD5, 99],
            MidiMessage::ChannelAftertouch {
                channel: 5,
                pressure: 99,
            },
        ),
        (
            &[0xE0, 0x00, 0x40],
            MidiMessage::PitchBend {
                channel: 0,
                value: 8192,
            },
        ),
        (
            &[0xE1, 0x7F, 0x7F],
            MidiMessage::PitchBend {
                channel: 1,
                value: 16383,
            },
        ),
        (
            &[0xE2, 0x01, 0x00],
            MidiMessage::PitchBend {
                channel: 2,
                value: 1,
            },
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            parse(bytes),
            std::slice::from_ref(&expected),
            "stream {bytes:02X?}"
        );
        assert_eq!(
            parse_message(bytes).unwrap(),
            expected,
            "single {bytes:02X?}"
        );
    }
}

#[test]
fn note_on_with_velocity_zero_is_note_off() {
    assert_eq!(
        parse(&[0x93, 64, 0]),
        [MidiMessage::NoteOff {
            channel: 3,
            note: 64,
            velocity: 0
        }]
    );
    assert_eq!(
        parse_message(&[0x93, 64, 0]).unwrap(),
        MidiMessage::NoteOff {
            channel: 3,
            note: 64,
            velocity: 0
        }
    );
}

#[test]
fn system_common_and_realtime() {
    let cases: Vec<(&[u8], MidiMessage)> = vec![
        (&[0xF1, 0x35], MidiMessage::TimeCodeQuarterFrame(0x35)),
        (
            &[0xF2, 0x10, 0x02],
            MidiMessage::SongPosition(0x10 | (0x02 << 7)),
        ),
        (&[0xF3, 5], MidiMessage::SongSelect(5)),
        (&[0xF6], MidiMessage::TuneRequest),
        (&[0xF8], MidiMessage::Clock),
        (&[0xFA], MidiMessage::Start),
        (&[0xFB], MidiMessage::Continue),
        (&[0xFC], MidiMessage::Stop),
        (&[0xFE], MidiMessage::ActiveSensing),
        (&[0xFF], MidiMessage::Reset),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            parse(bytes),
            std::slice::from_ref(&expected),
            "stream {bytes:02X?}"
        );
        assert_eq!(
            parse_message(bytes).unwrap(),
            expected,
            "single {bytes:02X?}"
        );
    }
}

#[test]
fn running_status_reuses_the_last_channel_status() {
    let got = parse(&[0xB0, 1, 10, 1, 11, 2, 12, 0xC2, 5, 6]);
    assert_eq!(
        got,
        [
            MidiMessage::ControlChange {
                channel: 0,
                controller: 1,
                value: 10
            },
            MidiMessage::ControlChange {
                channel: 0,
                controller: 1,
                value: 11
            },
            MidiMessage::ControlChange {
                channel: 0,
                controller: 2,
                value: 12
            },
            MidiMessage::ProgramChange {
                channel: 2,
                program: 5
            },
            MidiMessage::ProgramChange {
                channel: 2,
                program: 6
            },
        ]
    );
}

#[test]
fn running_status_note_off_by_zero_velocity() {
    let got = parse(&[0x90, 60, 100, 60, 0, 62, 90, 62, 0]);
    assert_eq!(
        got,
        [
            MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 100
            },
            MidiMessage::NoteOff {
                channel: 0,
                note: 60,
                velocity: 0
            },
            MidiMessage::NoteOn {
                channel: 0,
                note: 62,
                velocity: 90
            },
            MidiMessage::NoteOff {
                channel: 0,
                note: 62,
                velocity: 0
            },
        ]
    );
}

#[test]
fn system_common_cancels_running_status() {
    let mut parser = MidiParser::new();
    let got = parser.parse(&[0x90, 60, 100, 0xF3, 1, 61, 100]);
    assert_eq!(
        got,
        [
            MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 100
            },
            MidiMessage::SongSelect(1)
        ]
    );
    assert_eq!(parser.stats().stray_data_bytes, 2);
}

#[test]
fn realtime_inside_a_channel_message_does_not_disturb_it() {
    let got = parse(&[0x90, 0xF8, 60, 0xFA, 100, 0xFC, 61, 0xFE, 101]);
    assert_eq!(
        got,
        [
            MidiMessage::Clock,
            MidiMessage::Start,
            MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 100
            },
            MidiMessage::Stop,
            MidiMessage::ActiveSensing,
            MidiMessage::NoteOn {
                channel: 0,
                note: 61,
                velocity: 101
            },
        ]
    );
}

#[test]
fn realtime_inside_sysex_is_emitted_at_once_and_sysex_survives() {
    let got = parse(&[0xF0, 0x7E, 0xF8, 0x01, 0xFB, 0x02, 0xF7]);
    assert_eq!(
        got,
        [
            MidiMessage::Clock,
            MidiMessage::Continue,
            MidiMessage::SysEx(vec![0x7E, 0x01, 0x02])
        ]
    );
}

#[test]
fn messages_split_across_feeds_are_reassembled() {
    let stream = [
        0x90, 60, 100, 0xF0, 1, 2, 3, 0xF7, 0xE5, 0x00, 0x40, 0x7F, 0x7F,
    ];
    let whole = parse(&stream);
    assert_eq!(whole.len(), 4);
    for split in 0..=stream.len() {
        let mut parser = MidiParser::new();
        let mut got = parser.parse(&stream[..split]);
        got.extend(parser.parse(&stream[split..]));
        assert_eq!(got, whole, "split at {split}");
    }
    let mut parser = MidiParser::new();
    let byte_by_byte: Vec<_> = stream.iter().flat_map(|b| parser.parse(&[*b])).collect();
    assert_eq!(byte_by_byte, whole);
}

#[test]
fn message_is_delivered_as_soon_as_its_last_byte_arrives() {
    let mut parser = MidiParser::new();
    assert!(parser.parse(&[0x90, 60]).is_empty());
    assert_eq!(parser.parse(&[100]).len(), 1);
    assert!(parser.parse(&[0xF0, 1, 2]).is_empty());
    assert_eq!(parser.parse(&[0xF7]), [MidiMessage::SysEx(vec![1, 2])]);
}

#[test]
fn stray_data_bytes_are_ignored_and_counted() {
    let mut parser = MidiParser::new();
    let got = parser.parse(&[1, 2, 3, 0x90, 60, 100]);
    assert_eq!(
        got,
        [MidiMessage::NoteOn {
            channel: 0,
            note: 60,
            velocity: 100
        }]
    );
    assert_eq!(parser.stats().stray_data_bytes, 3);
    assert_eq!(parser.stats().messages, 1);
}

#[test]
fn undefined_status_bytes_are_ignored_and_counted() {
    let mut parser = MidiParser::new();
    // F9 and FD are real-time-range: they do not disturb the note-on around them.
    let got = parser.parse(&[0x90, 0xF9, 60, 0xFD, 100, 0xF4, 0xF5]);
    assert_eq!(
        got,
        [MidiMessage::NoteOn {
            channel: 0,
            note: 60,
            velocity: 100
        }]
    );
    assert_eq!(parser.stats().ignored_status_bytes, 4);
    // F4/F5 cancel running status, so these data bytes are not read as a note.
    assert!(parser.parse(&[61, 100]).is_empty());
    assert_eq!(parser.stats().stray_data_bytes, 2);
}

#[test]
fn eox_without_sysex_is_ignored() {
    let mut parser = MidiParser::new();
    assert!(parser.parse(&[0xF7]).is_empty());
    assert_eq!(parser.stats().ignored_status_bytes, 1);
}

#[test]
fn a_new_status_interrupts_an_incomplete_message() {
    let mut parser = MidiParser::new();
    let got = parser.parse(&[0x90, 60, 0xB0, 7, 100]);
    assert_eq!(
        got,
        [MidiMessage::ControlChange {
            channel: 0,
            controller: 7,
            value: 100
        }]
    );
    assert_eq!(parser.stats().interrupted_messages, 1);
}

#[test]
fn sysex_ended_by_another_status_byte_is_delivered() {
    let got = parse(&[0xF0, 0x43, 0x10, 0x90, 60, 100]);
    assert_eq!(
        got,
        [
            MidiMessage::SysEx(vec![0x43, 0x10]),
            MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 100
            }
        ]
    );
}

#[test]
fn empty_sysex() {
    assert_eq!(parse(&[0xF0, 0xF7]), [MidiMessage::SysEx(vec![])]);
}

#[test]
fn sysex_at_the_limit_is_kept_and_one_byte_over_is_dropped_and_reported() {
    let mut parser = MidiParser::with_max_sysex(4);
    assert_eq!(parser.max_sysex(), 4);
    assert_eq!(
        parser.parse(&[0xF0, 1, 2, 3, 4, 0xF7]),
        [MidiMessage::SysEx(vec![1, 2, 3, 4])]
    );

    let mut events = Vec::new();
    parser.feed_events(&[0xF0, 1, 2, 3, 4, 5, 6, 0xF7, 0x90, 60, 1], |e| {
        events.push(e)
    });
    assert_eq!(
        events,
        [
            ParseEvent::SysExDropped { size: 6, limit: 4 },
            ParseEvent::Message(MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 1
            }),
        ]
    );
    assert_eq!(parser.stats().sysex_dropped, 1);
    // The parser carries on normally after the drop.
    assert_eq!(
        parser.parse(&[0xF0, 9, 0xF7]),
        [MidiMessage::SysEx(vec![9])]
    );
}

#[test]
fn huge_sysex_uses_bounded_memory_and_is_dropped() {
    let mut parser = MidiParser::new();
    let mut got = parser.parse(&[0xF0]);
    let chunk = vec![0x55u8; 4096];
    for _ in 0..1024 {
        // 4 MiB of SysEx payload, far past the 64 KiB default.
        got.extend(parser.parse(&chunk));
    }
    got.extend(parser.parse(&[0xF7, 0xF8]));
    assert_eq!(got, [MidiMessage::Clock]);
    assert_eq!(parser.stats().sysex_dropped, 1);
}

#[test]
fn default_limit_is_64_kib() {
    let mut parser = MidiParser::new();
    let mut stream = vec![0xF0];
    stream.extend(std::iter::repeat_n(0x11, 64 * 1024));
    stream.push(0xF7);
    let got = parser.parse(&stream);
    assert!(matches!(&got[..], [MidiMessage::SysEx(d)] if d.len() == 64 * 1024));
    stream.insert(1, 0x11);
    assert!(parser.parse(&stream).is_empty());
    assert_eq!(parser.stats().sysex_dropped, 1);
}

#[test]
fn reset_forgets_running_status_and_counts() {
    let mut parser = MidiParser::new();
    parser.parse(&[0x90, 60, 100, 1]);
    parser.reset();
    assert_eq!(parser.stats(), ParserStats::default());
    assert!(parser.parse(&[100]).is_empty());
}

#[test]
fn parse_message_errors_name_the_problem() {
    let cases: Vec<(&[u8], &str)> = vec![
        (&[], "empty input"),
        (&[60, 100], "starts with data byte 0x3C"),
        (
            &[0x90, 60],
            "note-on needs 2 data bytes after the status byte, got 1",
        ),
        (&[0xC0], "program change needs 1 data bytes"),
        (&[0x90, 60, 0x80], "byte 2 of the note-on message is 0x80"),
        (
            &[0x90, 60, 100, 61],
            "note-on is 3 bytes long but 4 bytes were given",
        ),
        (&[0xF8, 0xF8], "clock is 1 bytes long but 2 bytes"),
        (&[0xF4], "0xF4 is an undefined status byte"),
        (&[0xFD], "0xFD is an undefined status byte"),
        (&[0xF7], "no SysEx was started"),
        (&[0xF0, 1, 2], "not terminated: it must end with 0xF7"),
        (
            &[0xF0, 1, 0xF8, 0xF7],
            "byte 2 of the SysEx message is 0xF8",
        ),
        (
            &[0xF0, 1, 0xF7, 0xF8],
            "1 bytes follow the SysEx's closing 0xF7",
        ),
    ];
    for (bytes, expected) in cases {
        let err = parse_message(bytes).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Midi);
        let text = err.to_string();
        assert!(
            text.contains(expected),
            "{bytes:02X?}: {text:?} lacks {expected:?}"
        );
    }
}

#[test]
fn parse_message_sysex() {
    assert_eq!(
        parse_message(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7]).unwrap(),
        MidiMessage::SysEx(vec![0x7E, 0x7F, 0x06, 0x01])
    );
}
