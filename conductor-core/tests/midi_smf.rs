//! Standard MIDI Files: microsecond times under tempo maps, PPQ and SMPTE timing, track
//! merging, and the writer round trip.

use conductor_core::midi::{MidiMessage, SmfEvents, SmfTiming, TimedMessage};
use conductor_core::ErrorKind;
use conductor_tools::smf::{write_smf, SmfWriter, WRITE_PPQ};
use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Fps, Header, MetaMessage, Smf, Timing, TrackEvent, TrackEventKind};

fn on(channel: u8, note: u8) -> MidiMessage {
    MidiMessage::NoteOn {
        channel,
        note,
        velocity: 100,
    }
}

fn ev(delta: u32, kind: TrackEventKind<'static>) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind,
    }
}

fn note_on(channel: u8, key: u8, vel: u8) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(channel),
        message: midly::MidiMessage::NoteOn {
            key: u7::new(key),
            vel: u7::new(vel),
        },
    }
}

fn tempo(us_per_beat: u32) -> TrackEventKind<'static> {
    TrackEventKind::Meta(MetaMessage::Tempo(u24::new(us_per_beat)))
}

fn end() -> TrackEventKind<'static> {
    TrackEventKind::Meta(MetaMessage::EndOfTrack)
}

fn encode(format: Format, timing: Timing, tracks: Vec<Vec<TrackEvent<'static>>>) -> Vec<u8> {
    let mut smf = Smf::new(Header::new(format, timing));
    smf.tracks = tracks;
    let mut out = Vec::new();
    smf.write_std(&mut out).unwrap();
    out
}

fn times(events: &SmfEvents) -> Vec<(u64, MidiMessage, usize)> {
    events
        .events()
        .iter()
        .map(|e| (e.time_us, e.message.clone(), e.track))
        .collect()
}

#[test]
fn writer_round_trip_with_tempo_changes_keeps_microsecond_times() {
    let sysex = MidiMessage::SysEx(vec![0x7E, 0x7F, 0x06, 0x01]);
    let mut writer = SmfWriter::new();
    writer
        .tempo(0, 500_000) // 120 bpm: 20 µs per tick
        .tempo(1_000_000, 250_000) // 240 bpm: 10 µs per tick
        .tempo(2_000_000, 1_000_000) // 60 bpm: 40 µs per tick
        .message(0, on(0, 60))
        .message(
            500_000,
            MidiMessage::ControlChange {
                channel: 1,
                controller: 7,
                value: 90,
            },
        )
        .message(1_000_000, on(0, 61))
        .message(1_250_010, sysex.clone())
        .message(1_999_990, MidiMessage::Clock)
        .message(2_000_000, MidiMessage::SongPosition(1000))
        .message(
            3_000_040,
            MidiMessage::NoteOff {
                channel: 0,
                note: 60,
                velocity: 64,
            },
        )
        .message(
            3_000_040,
            MidiMessage::PitchBend {
                channel: 15,
                value: 16383,
            },
        );
    let bytes = writer.to_bytes().unwrap();
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    assert_eq!(read.timing(), SmfTiming::Metrical { ppq: WRITE_PPQ });
    assert_eq!(read.track_count(), 1);
    let expected = vec![
        (0, on(0, 60), 0),
        (
            500_000,
            MidiMessage::ControlChange {
                channel: 1,
                controller: 7,
                value: 90,
            },
            0,
        ),
        (1_000_000, on(0, 61), 0),
        (1_250_010, sysex, 0),
        (1_999_990, MidiMessage::Clock, 0),
        (2_000_000, MidiMessage::SongPosition(1000), 0),
        (
            3_000_040,
            MidiMessage::NoteOff {
                channel: 0,
                note: 60,
                velocity: 64,
            },
            0,
        ),
        (
            3_000_040,
            MidiMessage::PitchBend {
                channel: 15,
                value: 16383,
            },
            0,
        ),
    ];
    assert_eq!(times(&read), expected);
    assert_eq!(read.duration_us(), 3_000_040);
}

#[test]
fn writer_rounds_to_the_nearest_tick() {
    let bytes = SmfWriter::new()
        .message(1_000_009, on(0, 1))
        .message(1_000_011, on(0, 2))
        .to_bytes()
        .unwrap();
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    let t: Vec<u64> = read.events().iter().map(|e| e.time_us).collect();
    assert_eq!(t, [1_000_000, 1_000_020]);
}

#[test]
fn messages_added_out_of_order_come_back_sorted() {
    let bytes = SmfWriter::new()
        .message(2_000_000, on(0, 2))
        .message(0, on(0, 0))
        .message(1_000_000, on(0, 1))
        .to_bytes()
        .unwrap();
    let notes: Vec<_> = SmfEvents::from_bytes(&bytes)
        .unwrap()
        .into_iter()
        .map(|e| (e.time_us, e.message))
        .collect();
    assert_eq!(
        notes,
        [(0, on(0, 0)), (1_000_000, on(0, 1)), (2_000_000, on(0, 2))]
    );
}

#[test]
fn write_smf_to_a_file_and_read_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("take.mid");
    write_smf(
        &path,
        &[(0, on(0, 60)), (250_000, on(0, 61)), (500_000, on(0, 60))],
    )
    .unwrap();
    let read = SmfEvents::from_file(&path).unwrap();
    let got: Vec<_> = read
        .events()
        .iter()
        .map(|e| (e.time_us, e.message.clone()))
        .collect();
    assert_eq!(
        got,
        [(0, on(0, 60)), (250_000, on(0, 61)), (500_000, on(0, 60))]
    );
}

#[test]
fn format_1_tempo_track_applies_to_all_tracks_and_tracks_merge_in_time_order() {
    let ppq = Timing::Metrical(u15::new(480));
    let conductor = vec![
        ev(0, tempo(500_000)),
        ev(960, tempo(250_000)), // at 1 s: 240 bpm
        ev(0, end()),
    ];
    let piano = vec![
        ev(480, note_on(0, 60, 100)), // 0.5 s
        ev(960, note_on(0, 62, 100)), // tick 1440: 1 s + 480 ticks at 240 bpm = 1.25 s
        ev(0, end()),
    ];
    let drums = vec![
        ev(0, note_on(9, 36, 127)),  // 0 s
        ev(960, note_on(9, 38, 0)),  // tick 960 = 1 s, velocity 0 = note-off
        ev(960, note_on(9, 42, 80)), // tick 1920 = 1.5 s
        ev(0, end()),
    ];
    let bytes = encode(Format::Parallel, ppq, vec![conductor, piano, drums]);
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    assert_eq!(read.track_count(), 3);
    assert_eq!(
        times(&read),
        [
            (0, on(9, 36).with_velocity(127), 2),
            (500_000, on(0, 60), 1),
            (
                1_000_000,
                MidiMessage::NoteOff {
                    channel: 9,
                    note: 38,
                    velocity: 0
                },
                2
            ),
            (1_250_000, on(0, 62), 1),
            (1_500_000, on(9, 42).with_velocity(80), 2),
        ]
    );
}

trait WithVelocity {
    fn with_velocity(self, v: u8) -> MidiMessage;
}

impl WithVelocity for MidiMessage {
    fn with_velocity(self, v: u8) -> MidiMessage {
        match self {
            MidiMessage::NoteOn { channel, note, .. } => MidiMessage::NoteOn {
                channel,
                note,
                velocity: v,
            },
            other => other,
        }
    }
}

#[test]
fn without_a_tempo_event_the_tempo_is_120_bpm() {
    let bytes = encode(
        Format::SingleTrack,
        Timing::Metrical(u15::new(96)),
        vec![vec![
            ev(96, note_on(0, 60, 1)),
            ev(192, note_on(0, 61, 1)),
            ev(0, end()),
        ]],
    );
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    let t: Vec<u64> = read.events().iter().map(|e| e.time_us).collect();
    assert_eq!(t, [500_000, 1_500_000]);
}

#[test]
fn tempo_change_in_the_middle_of_a_gap_is_honoured() {
    // Tempo halves at tick 48, between notes at 0 and 96 (ppq 96).
    let bytes = encode(
        Format::SingleTrack,
        Timing::Metrical(u15::new(96)),
        vec![vec![
            ev(0, note_on(0, 60, 1)),
            ev(48, tempo(1_000_000)),
            ev(48, note_on(0, 61, 1)),
            ev(0, end()),
        ]],
    );
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    let t: Vec<u64> = read.events().iter().map(|e| e.time_us).collect();
    assert_eq!(t, [0, 250_000 + 500_000]);
}

#[test]
fn smpte_timing_ignores_tempo() {
    // 25 fps × 40 ticks per frame = 1000 ticks per second.
    let bytes = encode(
        Format::SingleTrack,
        Timing::Timecode(Fps::Fps25, 40),
        vec![vec![
            ev(0, tempo(100_000)),
            ev(1500, note_on(0, 60, 1)),
            ev(0, end()),
        ]],
    );
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    assert_eq!(
        read.timing(),
        SmfTiming::Timecode {
            fps: 25,
            ticks_per_frame: 40
        }
    );
    assert_eq!(read.events()[0].time_us, 1_500_000);
}

#[test]
fn smpte_29_97_drop_frame() {
    // 29.97 fps × 100 ticks per frame: 2997 ticks are 0.999999 s.
    let bytes = encode(
        Format::SingleTrack,
        Timing::Timecode(Fps::Fps29, 100),
        vec![vec![ev(2997, note_on(0, 60, 1)), ev(0, end())]],
    );
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    assert_eq!(read.events()[0].time_us, 999_999);
}

#[test]
fn format_2_tracks_have_their_own_tempo() {
    let ppq = Timing::Metrical(u15::new(100));
    let slow = vec![
        ev(0, tempo(1_000_000)),
        ev(100, note_on(0, 1, 1)),
        ev(0, end()),
    ];
    let fast = vec![
        ev(0, tempo(250_000)),
        ev(100, note_on(1, 2, 1)),
        ev(0, end()),
    ];
    let read = SmfEvents::from_bytes(&encode(Format::Sequential, ppq, vec![slow, fast])).unwrap();
    assert_eq!(
        times(&read),
        [
            (250_000, on(1, 2).with_velocity(1), 1),
            (1_000_000, on(0, 1).with_velocity(1), 0)
        ]
    );
}

#[test]
fn split_sysex_packets_are_joined_and_escapes_are_parsed() {
    let bytes = encode(
        Format::SingleTrack,
        Timing::Metrical(u15::new(480)),
        vec![vec![
            ev(0, TrackEventKind::SysEx(&[0x43, 0x12])),
            ev(0, TrackEventKind::Escape(&[0x00, 0x01])),
            ev(480, TrackEventKind::Escape(&[0x02, 0xF7])),
            ev(0, TrackEventKind::Escape(&[0xF8, 0xFA])),
            ev(0, end()),
        ]],
    );
    let read = SmfEvents::from_bytes(&bytes).unwrap();
    assert_eq!(
        read.events(),
        [
            TimedMessage {
                time_us: 500_000,
                message: MidiMessage::SysEx(vec![0x43, 0x12, 0x00, 0x01, 0x02]),
                track: 0
            },
            TimedMessage {
                time_us: 500_000,
                message: MidiMessage::Clock,
                track: 0
            },
            TimedMessage {
                time_us: 500_000,
                message: MidiMessage::Start,
                track: 0
            },
        ]
    );
}

#[test]
fn a_file_that_is_not_midi_is_a_midi_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello").unwrap();
    let err = SmfEvents::from_file(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Midi);
    let text = err.to_string();
    assert!(
        text.contains("notes.txt") && text.contains("not a valid Standard MIDI File"),
        "{text}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_the_file() {
    let err = SmfEvents::from_file("/nonexistent/take.mid").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("/nonexistent/take.mid"));
}

#[test]
fn writer_rejects_bad_settings_with_the_valid_range() {
    let err = SmfWriter::new().ppq(0).to_bytes().unwrap_err();
    assert!(err.to_string().contains("1..=32767"), "{err}");
    let err = SmfWriter::new().tempo(0, 0).to_bytes().unwrap_err();
    assert!(err.to_string().contains("1..=16777215"), "{err}");
}

/// A header chunk (format 0, `tracks` tracks, 96 PPQ) followed by `rest`.
fn smf_with(tracks: u16, rest: &[u8]) -> Vec<u8> {
    let mut bytes = b"MThd\0\0\0\x06\0\0".to_vec();
    bytes.extend_from_slice(&tracks.to_be_bytes());
    bytes.extend_from_slice(&96u16.to_be_bytes());
    bytes.extend_from_slice(rest);
    bytes
}

/// A track chunk holding `events` (its length written correctly).
fn track(events: &[u8]) -> Vec<u8> {
    let mut bytes = b"MTrk".to_vec();
    bytes.extend_from_slice(&(events.len() as u32).to_be_bytes());
    bytes.extend_from_slice(events);
    bytes
}

fn corrupt(bytes: &[u8], expected: &str) {
    let err = SmfEvents::from_bytes(bytes).expect_err("a corrupt file must be refused");
    let text = err.to_string();
    assert!(text.contains("corrupt Standard MIDI File"), "{text}");
    assert!(text.contains(expected), "{text}");
}

#[test]
fn a_well_formed_hand_written_file_still_reads() {
    // Note on, running-status note on, program change, end of track.
    let bytes = smf_with(
        1,
        &track(b"\0\x90\x3c\x64\x10\x3e\x64\0\xc0\x05\0\xff\x2f\0"),
    );
    let smf = SmfEvents::from_bytes(&bytes).unwrap();
    assert_eq!(smf.events().len(), 3);
}

#[test]
fn a_huge_header_length_is_refused() {
    let mut bytes = smf_with(1, &track(b"\0\x90\x3c\x64\0\xff\x2f\0"));
    bytes[4..8].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
    corrupt(&bytes, "the header says it is 4294967280 bytes long");
}

#[test]
fn a_huge_track_length_is_refused() {
    let mut bytes = smf_with(1, &track(b"\0\x90\x3c\x64\0\xff\x2f\0"));
    bytes[18..22].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    corrupt(&bytes, "track 0) says it is 2147483647 bytes long");
}

#[test]
fn a_huge_meta_length_is_refused() {
    // A text meta event claiming 0x0fffffff bytes, in a track that holds 8.
    let bytes = smf_with(1, &track(b"\0\x90\x3c\x64\0\xff\x01\xff\xff\xff\x7f"));
    corrupt(&bytes, "says its data is 268435455 bytes long");
}

#[test]
fn a_huge_sysex_length_is_refused() {
    let bytes = smf_with(1, &track(b"\0\xf0\x8f\xff\xff\x7f\x01\xf7"));
    corrupt(&bytes, "says its data is");
}

#[test]
fn an_over_long_variable_length_number_is_refused() {
    let bytes = smf_with(1, &track(b"\x81\x81\x81\x81\x00\x90\x3c\x64\0\xff\x2f\0"));
    corrupt(&bytes, "longer than 4 bytes");
}

#[test]
fn fewer_tracks_than_announced_is_refused() {
    let bytes = smf_with(3, &track(b"\0\x90\x3c\x64\0\xff\x2f\0"));
    corrupt(&bytes, "announces 3 tracks but the file holds 1");
}

#[test]
fn a_data_byte_without_a_status_is_refused() {
    let bytes = smf_with(1, &track(b"\0\x3c\x64\0\xff\x2f\0"));
    corrupt(&bytes, "has no status byte before it");
}

#[test]
fn a_cut_short_message_is_refused() {
    let bytes = smf_with(1, &track(b"\0\x90\x3c"));
    corrupt(&bytes, "cut short");
}

#[test]
fn an_invalid_smpte_frame_rate_is_refused() {
    // 0x80 is -128 frames per second: not a rate, and negating it overflows.
    let mut bytes = smf_with(1, &track(b"\0\x90\x3c\x64\0\xff\x2f\0"));
    bytes[12] = 0x80;
    corrupt(&bytes, "SMPTE frame rate byte 0x80");
    bytes[12] = 0xe7; // -25: a valid rate
    SmfEvents::from_bytes(&bytes).unwrap();
}

#[test]
fn an_invalid_smpte_frame_rate_inside_a_riff_file_is_refused() {
    let mut smf = smf_with(1, &track(b"\0\x90\x3c\x64\0\xff\x2f\0"));
    smf[12] = 0x80;
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&((smf.len() + 12) as u32).to_le_bytes());
    riff.extend_from_slice(b"RMIDdata");
    riff.extend_from_slice(&(smf.len() as u32).to_le_bytes());
    riff.extend_from_slice(&smf);
    corrupt(&riff, "SMPTE frame rate byte 0x80");
}

#[test]
fn a_second_header_is_refused() {
    let mut bytes = smf_with(1, &track(b"\0\x90\x3c\x64\0\xff\x2f\0"));
    bytes.extend_from_slice(b"MThd\0\0\0\x06\0\0\0\x01\x80\x61");
    corrupt(&bytes, "a second MThd header at offset 30");
}
