//! `Engine::push` must never allocate: it is called from audio and MIDI callbacks.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Counts allocations made by this thread while `f` runs.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn push_never_allocates_whether_accepted_or_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let engine = conductor_core::Engine::from_toml(
        "[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\naction = { Host = { name = \"x\" } }\n",
        dir.path(),
        conductor_core::EngineOptions {
            queue_capacity: Some(64),
            host_config: conductor_core::plugin::HostConfig {
                log_sink: std::sync::Arc::new(|_: &conductor_core::log::LogRecord<'_>| {}),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    // The allocator really counts: a Vec allocation on this thread is seen.
    assert_eq!(
        allocations_in(|| drop(std::hint::black_box(vec![1u8; 16]))),
        1
    );
    let mut accepted = 0;
    let n = allocations_in(|| {
        for i in 0..10_000u64 {
            if engine.push(&[0x90, 60, 100], i) {
                accepted += 1;
            }
        }
        // Oversized and empty pushes are refused, also without allocating.
        engine.push(&[0xF0; 64], 0);
        engine.push(&[], 0);
    });
    assert_eq!(n, 0, "push allocated {n} times");
    assert!(accepted > 0);
    assert!(engine.dropped() >= 2);
}
