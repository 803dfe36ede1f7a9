//! [`Doorbell`]: how producers wake the dispatcher without a lock and without a
//! missed wake-up.
//!
//! Producers (`push`, plugin workers reporting back, `shutdown`) first make their work
//! visible (a queue push), then ring. The dispatcher, before it parks, announces that
//! it is about to sleep and checks once more for work. Both sides put a `SeqCst` fence
//! between their store and their load — the store-buffering pattern — so at least one
//! of them sees the other: either the producer sees `sleeping` and unparks, or the
//! dispatcher sees the work and does not park. A `Release` store followed by an
//! `Acquire` load gives no such guarantee; that version lost wake-ups until the park
//! timeout. The park/unpark token covers the remaining window between the check and
//! the park. `tests/loom` model-checks this protocol.

#[cfg(loom)]
use loom::sync::atomic::{fence, AtomicBool, Ordering};
#[cfg(loom)]
use loom::thread::{self, Thread};
#[cfg(not(loom))]
use std::sync::atomic::{fence, AtomicBool, Ordering};
#[cfg(not(loom))]
use std::thread::{self, Thread};

use std::sync::OnceLock;
#[cfg(not(loom))]
use std::time::Duration;

/// Wakes one consumer thread that parks when it has nothing to do.
pub(crate) struct Doorbell {
    sleeping: AtomicBool,
    consumer: OnceLock<Thread>,
}

impl Doorbell {
    /// A doorbell with no consumer yet; rings before [`Doorbell::set_consumer`] are
    /// harmless (the consumer checks for work before it first parks).
    pub(crate) fn new() -> Self {
        Self {
            sleeping: AtomicBool::new(false),
            consumer: OnceLock::new(),
        }
    }

    /// The thread that waits.
    pub(crate) fn set_consumer(&self, thread: Thread) {
        let _ = self.consumer.set(thread);
    }

    /// Wakes the consumer if it is parked or about to park. Call after making work
    /// visible. Wait-free; a syscall only when the consumer sleeps.
    pub(crate) fn ring(&self) {
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::Relaxed) {
            if let Some(t) = self.consumer.get() {
                t.unpark();
            }
        }
    }

    /// Parks the calling (consumer) thread unless `has_work()` says there is work,
    /// until a ring or `timeout` (`None`: no timeout). Spurious returns are possible;
    /// callers loop.
    #[cfg(not(loom))]
    pub(crate) fn wait(&self, has_work: impl Fn() -> bool, timeout: Option<Duration>) {
        self.sleeping.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        if !has_work() {
            match timeout {
                Some(t) => thread::park_timeout(t),
                None => thread::park(),
            }
        }
        self.sleeping.store(false, Ordering::Relaxed);
    }

    /// The model-checked form of `wait`: loom has no `park_timeout`.
    #[cfg(loom)]
    pub(crate) fn wait(&self, has_work: impl Fn() -> bool) {
        self.sleeping.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        if !has_work() {
            thread::park();
        }
        self.sleeping.store(false, Ordering::Relaxed);
    }
}
