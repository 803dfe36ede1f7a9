//! The mapping table's memory grows with what is mapped, not with the number of modes,
//! measured in allocated bytes (deterministic, unlike RSS); and routing across many
//! modes keeps its order: the active mode's mappings first, then the global ones, each
//! in file order.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write;
use std::path::Path;

use conductor_core::config::Config;
use conductor_core::mapping::{MappingId, MappingTable};
use conductor_core::midi::MidiMessage;

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Bytes allocated minus bytes freed by this thread while counting.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The highest `LIVE` reached.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    if COUNTING.with(Cell::get) {
        let live = LIVE.with(|l| {
            l.set(l.get() + delta);
            l.get()
        });
        PEAK.with(|p| p.set(p.get().max(live)));
    }
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: forwarded unchanged from the caller of `alloc`.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: forwarded unchanged from the caller of `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded unchanged from the caller of `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// What `f` allocated on this thread.
#[derive(Debug, Clone, Copy)]
struct Bytes {
    /// Still allocated when `f` returned (its result included).
    retained: usize,
    /// The most that was allocated at any point while `f` ran.
    peak: usize,
}

fn bytes_of<T>(f: impl FnOnce() -> T) -> (T, Bytes) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    let bytes = Bytes {
        retained: LIVE.with(Cell::get).max(0) as usize,
        peak: PEAK.with(Cell::get).max(0) as usize,
    };
    (out, bytes)
}

const MB: usize = 1 << 20;

fn load(text: &str) -> Config {
    Config::from_toml_str(text, Path::new("/cfg")).unwrap_or_else(|e| panic!("{e}"))
}

/// `modes` modes of `per_mode` mappings each; `trigger(mode, i)` is the inline TOML of
/// the `i`-th mapping of mode `mode`. Each mapping's description is `m<mode>.<i>`.
fn modes_toml(modes: usize, per_mode: usize, trigger: impl Fn(usize, usize) -> String) -> String {
    let mut toml = String::new();
    for mode in 0..modes {
        writeln!(toml, "[[modes]]\nname = \"Mode {mode}\"").unwrap();
        for i in 0..per_mode {
            writeln!(
                toml,
                "[[modes.mappings]]\ndescription = \"m{mode}.{i}\"\ntrigger = {}\n\
                 action = {{ Host = {{ name = \"a\" }} }}",
                trigger(mode, i)
            )
            .unwrap();
        }
    }
    toml
}

/// The mix of a real config: mostly notes and CCs without a channel, some on one.
fn typical_trigger(n: usize) -> String {
    let number = n % 128;
    match n % 4 {
        0 | 1 => format!("{{ Note = {{ note = {number} }} }}"),
        2 => format!("{{ CC = {{ cc = {number} }} }}"),
        _ => format!("{{ Note = {{ note = {number}, channel = {} }} }}", n % 16),
    }
}

#[test]
fn a_thousand_modes_of_one_mapping_cost_what_one_mode_of_a_thousand_costs() {
    let many_modes = load(&modes_toml(1000, 1, |mode, _| typical_trigger(mode)));
    let one_mode = load(&modes_toml(1, 1000, |_, i| typical_trigger(i)));
    let (table, many) = bytes_of(|| MappingTable::new(&many_modes));
    assert_eq!(table.len(), 1000);
    let (table, one) = bytes_of(|| MappingTable::new(&one_mode));
    assert_eq!(table.len(), 1000);
    // A table of per-mode slots costs hundreds of KB per mode (~290 MB here).
    assert!(
        many.retained < MB && many.peak < 2 * MB,
        "1,000 modes × 1 mapping: {many:?}"
    );
    assert!(
        many.retained < 2 * one.retained && many.peak < 2 * one.peak,
        "1,000 modes × 1 mapping: {many:?}; 1 mode × 1,000 mappings: {one:?}"
    );
}

#[test]
fn a_thousand_modes_of_one_mapping_load_in_a_few_mb() {
    let many_modes = modes_toml(1000, 1, |mode, _| typical_trigger(mode));
    let one_mode = modes_toml(1, 1000, |_, i| typical_trigger(i));
    let (config, loaded) = bytes_of(|| load(&many_modes));
    let (_table, table) = bytes_of(|| MappingTable::new(&config));
    let (_config, loaded_one) = bytes_of(|| load(&one_mode));
    // What stays: about a KB a mode, config and table together.
    assert!(
        loaded.retained + table.retained < 2 * MB,
        "config: {loaded:?}, table: {table:?}"
    );
    // A mode costs little beyond its mapping (its list is not over-allocated).
    assert!(
        loaded.retained < 2 * loaded_one.retained,
        "1,000 modes × 1 mapping: {loaded:?}; 1 mode × 1,000 mappings: {loaded_one:?}"
    );
    // While loading, the parsed TOML document (8 to 10 KB a mapping) dominates.
    assert!(loaded.peak < 16 * MB, "config: {loaded:?}");
}

/// What 100,000 mappings keep once loaded. (The peak while loading is the parsed TOML
/// document, 8 to 10 KB a mapping, and is not bounded here; see BENCHMARKS.md.)
#[test]
fn a_hundred_thousand_mappings_keep_under_a_kb_each() {
    // 1,000 modes of 100 mappings, plus 100 global ones.
    let mut text = String::new();
    for i in 0..100 {
        writeln!(
            text,
            "[[global_mappings]]\ntrigger = {}\naction = {{ Host = {{ name = \"g\" }} }}",
            typical_trigger(i)
        )
        .unwrap();
    }
    text.push_str(&modes_toml(1000, 100, |mode, i| {
        typical_trigger(mode * 7 + i)
    }));
    let (config, loaded) = bytes_of(|| load(&text));
    drop(text);
    let (table, table_bytes) = bytes_of(|| MappingTable::new(&config));
    assert_eq!(table.len(), 100_100);
    // The table: entries, gesture states, the index (a few dozen bytes a key) and the
    // shared copy of each mapping.
    let per_mapping = table_bytes.retained / table.len();
    assert!(
        per_mapping < 512 && table_bytes.peak < 64 * MB,
        "{per_mapping} bytes a mapping; table: {table_bytes:?}"
    );
    // Config and table together, once loaded.
    assert!(
        loaded.retained + table_bytes.retained < 100 * MB,
        "config: {loaded:?}, table: {table_bytes:?}"
    );
}

#[test]
fn a_trigger_without_a_channel_costs_one_key_not_sixteen() {
    let any = load(&modes_toml(1, 1000, |_, i| {
        format!("{{ Note = {{ note = {} }} }}", i % 128)
    }));
    let on_one = load(&modes_toml(1, 1000, |_, i| {
        format!("{{ Note = {{ note = {}, channel = 3 }} }}", i % 128)
    }));
    let wide = load(&modes_toml(1000, 1, |_, _| {
        "{ NoteRange = { low = 0, high = 127 } }".to_string()
    }));
    let (_t, any) = bytes_of(|| MappingTable::new(&any));
    let (_t, on_one) = bytes_of(|| MappingTable::new(&on_one));
    let (_t, wide) = bytes_of(|| MappingTable::new(&wide));
    // The same 128 keys either way (registering on all 16 channels costs 2,048).
    assert!(
        any.retained <= on_one.retained + 1024,
        "without a channel: {any:?}; on channel 3: {on_one:?}"
    );
    // 128 keys a mapping: a few MB for 1,000 full-keyboard ranges in 1,000 modes.
    assert!(wide.retained < 8 * MB, "1,000 full NoteRanges: {wide:?}");
}

// ---------------------------------------------------------------- routing

fn note_on(channel: u8, note: u8) -> MidiMessage {
    MidiMessage::NoteOn {
        channel,
        note,
        velocity: 100,
    }
}

/// The descriptions of the mappings `msg` fires in `mode`, in firing order.
fn fired(table: &mut MappingTable, msg: MidiMessage, mode: usize) -> Vec<String> {
    let mut ids: Vec<MappingId> = Vec::new();
    table.route(&msg, 0, mode, &mut ids);
    ids.iter()
        .map(|&id| {
            let entry = table.entry(id);
            entry.mapping.description.clone().unwrap_or_default()
        })
        .collect()
}

fn global(description: &str, trigger: &str) -> String {
    format!(
        "[[global_mappings]]\ndescription = \"{description}\"\ntrigger = {trigger}\n\
         action = {{ Host = {{ name = \"g\" }} }}\n"
    )
}

#[test]
fn each_of_a_thousand_modes_fires_its_mappings_then_the_global_ones_in_file_order() {
    // Global mappings come first in the file and get the lowest ids; they still fire
    // after the mode's.
    let mut text = global("g.any", "{ Note = { note = 60 } }");
    text.push_str(&global(
        "g.range",
        "{ NoteRange = { low = 0, high = 127 } }",
    ));
    text.push_str(&global("g.ch0", "{ Note = { note = 60, channel = 0 } }"));
    // Mode m: a note without a channel, one on channel m % 16, another without, and a
    // mapping that never fires for a note-on.
    text.push_str(&modes_toml(1000, 4, |mode, i| {
        let note = 60 + (mode % 8);
        match i {
            1 => format!("{{ Note = {{ note = {note}, channel = {} }} }}", mode % 16),
            3 => format!("{{ NoteOff = {{ note = {note} }} }}"),
            _ => format!("{{ Note = {{ note = {note} }} }}"),
        }
    }));
    let config = load(&text);
    let mut table = MappingTable::new(&config);
    assert_eq!(table.len(), 4003);
    for mode in 0..1000 {
        let note = 60 + (mode % 8) as u8;
        let channel = (mode % 16) as u8;
        let mut want = vec![
            format!("m{mode}.0"),
            format!("m{mode}.1"),
            format!("m{mode}.2"),
        ];
        if note == 60 {
            want.push("g.any".into());
        }
        want.push("g.range".into());
        if note == 60 && channel == 0 {
            want.push("g.ch0".into());
        }
        assert_eq!(fired(&mut table, note_on(channel, note), mode), want);
        // On another channel the channel-specific mappings stay silent.
        let other = (channel + 1) % 16;
        want.retain(|d| d != &format!("m{mode}.1") && d != "g.ch0");
        assert_eq!(fired(&mut table, note_on(other, note), mode), want);
    }
    // Where a mapping lives.
    let mut ids = Vec::new();
    table.route(&note_on(5, 61), 0, 1, &mut ids);
    let entries: Vec<_> = ids.iter().map(|&id| table.entry(id)).collect();
    assert_eq!(entries[0].mode, Some(1));
    assert_eq!(entries[0].position, 0);
    assert_eq!(entries[1].position, 2);
    assert_eq!(entries[2].mode, None);
    assert_eq!(entries[2].position, 1);
}

#[test]
fn a_mode_index_past_the_last_mode_fires_global_mappings_only() {
    let mut text = global("g", "{ Note = { note = 60 } }");
    text.push_str(&modes_toml(3, 1, |_, _| "{ Note = { note = 60 } }".into()));
    let mut table = MappingTable::new(&load(&text));
    assert_eq!(fired(&mut table, note_on(0, 60), 2), ["m2.0", "g"]);
    for mode in [3, 1000, usize::MAX] {
        assert_eq!(fired(&mut table, note_on(0, 60), mode), ["g"]);
    }
}

#[test]
fn triggers_without_a_channel_fire_on_all_sixteen_in_file_order_with_the_others() {
    let mut table = MappingTable::new(&load(&modes_toml(2, 5, |mode, i| match (mode, i) {
        (0, 0 | 2 | 4) => "{ CC = { cc = 7 } }".into(),
        (0, 1) => "{ CC = { cc = 7, channel = 9 } }".into(),
        (0, 3) => "{ CC = { cc = 7, channel = 0 } }".into(),
        _ => "{ CC = { cc = 7, channel = 9 } }".into(),
    })));
    for channel in 0..16u8 {
        let msg = MidiMessage::ControlChange {
            channel,
            controller: 7,
            value: 64,
        };
        let want: &[&str] = match channel {
            9 => &["m0.0", "m0.1", "m0.2", "m0.4"],
            0 => &["m0.0", "m0.2", "m0.3", "m0.4"],
            _ => &["m0.0", "m0.2", "m0.4"],
        };
        assert_eq!(fired(&mut table, msg.clone(), 0), want, "channel {channel}");
        let want: &[&str] = match channel {
            9 => &["m1.0", "m1.1", "m1.2", "m1.3", "m1.4"],
            _ => &[],
        };
        assert_eq!(fired(&mut table, msg, 1), want, "mode 1, channel {channel}");
    }
}

#[test]
fn a_note_range_fires_on_every_note_inside_it_and_no_other() {
    let mut text = global("g.low", "{ NoteRange = { low = 0, high = 35 } }");
    text.push_str(&modes_toml(50, 2, |mode, i| match i {
        0 => format!("{{ NoteRange = {{ low = {mode}, high = {} }} }}", mode + 20),
        _ => format!(
            "{{ NoteRange = {{ low = 36, high = 127, channel = {} }} }}",
            mode % 16
        ),
    }));
    let mut table = MappingTable::new(&load(&text));
    for mode in 0..50 {
        for channel in 0..16u8 {
            for note in 0..128u8 {
                let n = usize::from(note);
                let mut want = Vec::new();
                if (mode..=mode + 20).contains(&n) {
                    want.push(format!("m{mode}.0"));
                }
                if n >= 36 && usize::from(channel) == mode % 16 {
                    want.push(format!("m{mode}.1"));
                }
                if n <= 35 {
                    want.push("g.low".into());
                }
                assert_eq!(
                    fired(&mut table, note_on(channel, note), mode),
                    want,
                    "mode {mode}, channel {channel}, note {note}"
                );
            }
        }
    }
}

#[test]
fn a_program_change_without_a_program_fires_on_every_program_and_channel() {
    let mut text = global("g.any", "{ ProgramChange = {} }");
    text.push_str(&global("g.5", "{ ProgramChange = { program = 5 } }"));
    text.push_str(&modes_toml(100, 2, |mode, i| match i {
        0 => format!("{{ ProgramChange = {{ program = {} }} }}", mode % 128),
        _ => format!("{{ ProgramChange = {{ channel = {} }} }}", mode % 16),
    }));
    let mut table = MappingTable::new(&load(&text));
    for mode in 0..100 {
        for channel in 0..16u8 {
            for program in 0..128u8 {
                let mut want = Vec::new();
                if usize::from(program) == mode % 128 {
                    want.push(format!("m{mode}.0"));
                }
                if usize::from(channel) == mode % 16 {
                    want.push(format!("m{mode}.1"));
                }
                want.push("g.any".into());
                if program == 5 {
                    want.push("g.5".into());
                }
                let msg = MidiMessage::ProgramChange { channel, program };
                assert_eq!(
                    fired(&mut table, msg, mode),
                    want,
                    "mode {mode}, channel {channel}, program {program}"
                );
            }
        }
    }
}

#[test]
fn gestures_and_long_presses_stay_in_their_mode() {
    let mut table = MappingTable::new(&load(&modes_toml(1000, 2, |mode, i| match i {
        0 => format!(
            "{{ LongPress = {{ note = {}, duration_ms = 1000 }} }}",
            mode % 128
        ),
        _ => format!(
            "{{ DoubleTap = {{ note = {}, timeout_ms = 300 }} }}",
            mode % 128
        ),
    })));
    assert!(table.has_timed_gestures());
    let describe = |table: &MappingTable, ids: &[MappingId]| -> Vec<String> {
        ids.iter()
            .map(|&id| table.entry(id).mapping.description.clone().unwrap())
            .collect()
    };
    // Mode 700 listens to note 60 (700 % 128); so do modes 60, 188, …, but only 700 is
    // active. A second tap within the timeout fires its double tap.
    assert!(fired(&mut table, note_on(0, 60), 700).is_empty());
    let mut ids = Vec::new();
    table.route(&note_on(0, 60), 200_000, 700, &mut ids);
    assert_eq!(describe(&table, &ids), ["m700.1"]);
    // Held for a second since: its long press fires on a tick in mode 700 only.
    let mut ids = Vec::new();
    table.tick(1_300_000, 60, &mut ids);
    assert!(ids.is_empty());
    table.tick(1_300_000, 700, &mut ids);
    assert_eq!(describe(&table, &ids), ["m700.0"]);
}
