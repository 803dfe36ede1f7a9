//! A corrupt `.mid` file is refused with an error saying what is wrong and a non-zero
//! exit, never replayed as "0 messages".

mod common;

use common::{Run, Sandbox};

fn header(tracks: u16) -> Vec<u8> {
    let mut bytes = b"MThd\0\0\0\x06\0\0".to_vec();
    bytes.extend_from_slice(&tracks.to_be_bytes());
    bytes.extend_from_slice(&96u16.to_be_bytes());
    bytes
}

fn with_track(mut bytes: Vec<u8>, declared_len: u32, events: &[u8]) -> Vec<u8> {
    bytes.extend_from_slice(b"MTrk");
    bytes.extend_from_slice(&declared_len.to_be_bytes());
    bytes.extend_from_slice(events);
    bytes
}

#[test]
fn corrupt_midi_files_fail_the_replay() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 } }\n\
         action = { SendMidi = { bytes = [0x90, 64, 100] } }\n",
    );
    let note = b"\0\x90\x3c\x64\0\xff\x2f\0";
    let mut huge_header = with_track(header(1), note.len() as u32, note);
    huge_header[4..8].copy_from_slice(&0x7fff_0000u32.to_be_bytes());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("header.mid", huge_header, "the header says it is"),
        (
            "track.mid",
            with_track(header(1), 0x7fff_ffff, note),
            "says it is 2147483647 bytes long",
        ),
        (
            "meta.mid",
            with_track(header(1), 9, b"\0\xff\x01\xff\xff\xff\x7f\0\0"),
            "says its data is 268435455 bytes long",
        ),
        (
            "vlq.mid",
            with_track(
                header(1),
                12,
                b"\x81\x81\x81\x81\x00\x90\x3c\x64\0\xff\x2f\0",
            ),
            "longer than 4 bytes",
        ),
    ];
    for (name, bytes, reason) in cases {
        std::fs::write(sandbox.join(name), bytes).unwrap();
        Run::of(
            sandbox
                .conductor()
                .args(["--config", "config.toml", "--replay", name, "--fast"]),
        )
        .failure()
        .stderr_has(&[name, "corrupt Standard MIDI File", reason])
        .stderr_lacks("0 messages");
    }
}
