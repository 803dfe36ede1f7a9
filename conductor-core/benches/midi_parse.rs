//! MIDI parsing and encoding costs: one 3-byte note-on, running-status streams, a stream
//! with interleaved clock bytes, and encoding.
//!
//! Run: `cargo bench -p conductor-midi-core --bench midi_parse`.
// criterion's macros generate the undocumented `benches` and `main`.
#![allow(missing_docs)]

use conductor_core::midi::{parse_message, MidiMessage, MidiParser};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// `n` CC messages on one channel, sent with running status (one status byte, then
/// data pairs), as a fader sweep arrives from a controller.
fn running_status_stream(n: usize) -> Vec<u8> {
    let mut bytes = vec![0xB0];
    for i in 0..n {
        bytes.extend_from_slice(&[1, (i % 128) as u8]);
    }
    bytes
}

/// `n` note-ons with full status bytes and a clock byte after every message.
fn clocked_stream(n: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(n * 4);
    for i in 0..n {
        bytes.extend_from_slice(&[0x90 | (i % 16) as u8, (i % 128) as u8, 100, 0xF8]);
    }
    bytes
}

fn parse(c: &mut Criterion) {
    let note_on = [0x90u8, 60, 100];

    c.bench_function("feed 3-byte note-on", |b| {
        let mut parser = MidiParser::new();
        b.iter(|| {
            let mut count = 0u32;
            parser.feed(black_box(&note_on), |m| {
                black_box(m);
                count += 1;
            });
            count
        })
    });

    c.bench_function("parse_message 3-byte note-on", |b| {
        b.iter(|| parse_message(black_box(&note_on)).unwrap())
    });

    let mut group = c.benchmark_group("running status CC stream");
    for n in [16usize, 1024] {
        let stream = running_status_stream(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &stream, |b, stream| {
            let mut parser = MidiParser::new();
            b.iter(|| {
                let mut count = 0u32;
                parser.feed(black_box(stream), |m| {
                    black_box(m);
                    count += 1;
                });
                // Each iteration starts with the status byte again.
                count
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("note-on stream with clock bytes");
    let n = 1024;
    let stream = clocked_stream(n);
    group.throughput(Throughput::Elements(2 * n as u64));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        let mut parser = MidiParser::new();
        b.iter(|| {
            let mut count = 0u32;
            parser.feed(black_box(&stream), |m| {
                black_box(m);
                count += 1;
            });
            count
        })
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let message = MidiMessage::NoteOn {
        channel: 3,
        note: 60,
        velocity: 100,
    };
    c.bench_function("encode_short note-on", |b| {
        b.iter(|| black_box(&message).encode_short())
    });
}

criterion_group!(benches, parse, encode);
criterion_main!(benches);
