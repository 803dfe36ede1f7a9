//! Encoding messages to wire bytes, `channel()` and `Display`.

use conductor_core::midi::MidiMessage;

#[test]
fn encode_writes_full_status_bytes() {
    let messages = [
        MidiMessage::NoteOn {
            channel: 0,
            note: 60,
            velocity: 100,
        },
        MidiMessage::NoteOn {
            channel: 0,
            note: 62,
            velocity: 100,
        },
        MidiMessage::SysEx(vec![1, 2]),
        MidiMessage::Clock,
        MidiMessage::SongPosition(300),
    ];
    let mut out = Vec::new();
    for m in &messages {
        m.encode(&mut out);
    }
    assert_eq!(
        out,
        [
            0x90,
            60,
            100,
            0x90,
            62,
            100,
            0xF0,
            1,
            2,
            0xF7,
            0xF8,
            0xF2,
            (300 & 0x7F) as u8,
            (300 >> 7) as u8
        ]
    );
}

#[test]
fn every_kind_encodes_to_its_wire_form() {
    let cases: Vec<(MidiMessage, Vec<u8>)> = vec![
        (
            MidiMessage::NoteOff {
                channel: 1,
                note: 2,
                velocity: 3,
            },
            vec![0x81, 2, 3],
        ),
        (
            MidiMessage::NoteOn {
                channel: 15,
                note: 127,
                velocity: 1,
            },
            vec![0x9F, 127, 1],
        ),
        (
            MidiMessage::PolyAftertouch {
                channel: 2,
                note: 4,
                pressure: 5,
            },
            vec![0xA2, 4, 5],
        ),
        (
            MidiMessage::ControlChange {
                channel: 3,
                controller: 64,
                value: 0,
            },
            vec![0xB3, 64, 0],
        ),
        (
            MidiMessage::ProgramChange {
                channel: 4,
                program: 9,
            },
            vec![0xC4, 9],
        ),
        (
            MidiMessage::ChannelAftertouch {
                channel: 5,
                pressure: 6,
            },
            vec![0xD5, 6],
        ),
        (
            MidiMessage::PitchBend {
                channel: 6,
                value: 0,
            },
            vec![0xE6, 0, 0],
        ),
        (
            MidiMessage::PitchBend {
                channel: 6,
                value: 16383,
            },
            vec![0xE6, 0x7F, 0x7F],
        ),
        (MidiMessage::SysEx(vec![]), vec![0xF0, 0xF7]),
        (MidiMessage::TimeCodeQuarterFrame(0x71), vec![0xF1, 0x71]),
        (MidiMessage::SongSelect(3), vec![0xF3, 3]),
        (MidiMessage::TuneRequest, vec![0xF6]),
        (MidiMessage::Start, vec![0xFA]),
        (MidiMessage::Continue, vec![0xFB]),
        (MidiMessage::Stop, vec![0xFC]),
        (MidiMessage::ActiveSensing, vec![0xFE]),
        (MidiMessage::Reset, vec![0xFF]),
    ];
    for (message, bytes) in cases {
        assert_eq!(message.to_bytes(), bytes, "{message:?}");
        assert_eq!(message.encoded_len(), bytes.len(), "{message:?}");
        match message.encode_short() {
            Some((short, len)) => assert_eq!(&short[..len], &bytes[..], "{message:?}"),
            None => assert!(matches!(message, MidiMessage::SysEx(_))),
        }
    }
}

#[test]
fn out_of_range_fields_are_masked_so_the_stream_stays_valid() {
    let bad = MidiMessage::NoteOn {
        channel: 17,
        note: 200,
        velocity: 255,
    };
    assert_eq!(bad.to_bytes(), [0x91, 200 & 0x7F, 0x7F]);
    let bend = MidiMessage::PitchBend {
        channel: 0,
        value: 0xFFFF,
    };
    assert_eq!(bend.to_bytes(), [0xE0, 0x7F, 0x7F]);
    assert_eq!(
        MidiMessage::SysEx(vec![0xF7, 0x01]).to_bytes(),
        [0xF0, 0x77, 0x01, 0xF7]
    );
}

#[test]
fn channel_is_reported_for_channel_messages_only() {
    assert_eq!(
        MidiMessage::PitchBend {
            channel: 7,
            value: 1
        }
        .channel(),
        Some(7)
    );
    assert_eq!(
        MidiMessage::ProgramChange {
            channel: 0,
            program: 1
        }
        .channel(),
        Some(0)
    );
    assert_eq!(MidiMessage::SysEx(vec![]).channel(), None);
    assert_eq!(MidiMessage::SongSelect(1).channel(), None);
    assert!(MidiMessage::Clock.is_realtime());
    assert!(!MidiMessage::TuneRequest.is_realtime());
}

#[test]
fn display_uses_one_based_channels() {
    let cc = MidiMessage::ControlChange {
        channel: 15,
        controller: 7,
        value: 127,
    };
    assert_eq!(cc.to_string(), "cc ch=16 controller=7 value=127");
    assert_eq!(
        MidiMessage::SysEx(vec![0x7E, 0x01]).to_string(),
        "sysex len=2 data=7E 01"
    );
    assert_eq!(MidiMessage::Clock.to_string(), "clock");
}
