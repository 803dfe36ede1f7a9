//! Counting allocations, for tests that prove a path allocates nothing.
//!
//! A test binary installs the counter as its global allocator:
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: support::CountingAllocator = support::CountingAllocator;
//! ```
//!
//! Only threads that switched counting on are counted, so the test harness and other
//! threads do not disturb a measurement; the total is shared by all threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting `alloc` and `realloc` calls on threads that asked.
pub struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting reads a
// thread-local `Cell<bool>` (no allocation) and bumps an atomic.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged from the caller of `alloc`.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged from the caller of `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged from the caller of `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Switches counting on or off for the calling thread (for example from a callback
/// that runs on the engine thread).
pub fn count_this_thread(on: bool) {
    COUNTING.with(|c| c.set(on));
}

/// Allocations counted so far, on every thread that counted.
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// Counts the allocations the calling thread makes while `f` runs.
pub fn allocations_in(f: impl FnOnce()) -> usize {
    let before = allocations();
    count_this_thread(true);
    f();
    count_this_thread(false);
    allocations() - before
}
