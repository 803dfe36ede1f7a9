//! Model checks of the dispatcher's wake-up protocol (`src/engine/wakeup.rs`): a
//! producer that makes work visible and rings must never leave the consumer parked
//! with work waiting. loom explores every interleaving and every value the memory
//! model lets each load see; a missed wake-up shows up as a deadlock (the consumer
//! parked forever), which fails the model.
//!
//! The work queue is modelled by a counter with the weakest orderings a queue gives
//! (a `Release` publish, an `Acquire` check), so the proof does not lean on the real
//! queue being stronger.
#![cfg(loom)]

#[allow(dead_code)]
#[path = "../../src/engine/wakeup.rs"]
mod wakeup;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use wakeup::Doorbell;

// Producers are not joined: loom's `join` and `park` share the thread's notification
// state, and the model already requires every thread to finish.

/// A queue as the protocol sees it: items published and items taken.
struct Work {
    published: AtomicUsize,
}

impl Work {
    fn publish(&self) {
        self.published.fetch_add(1, Ordering::Release);
    }
    fn available(&self, taken: usize) -> bool {
        self.published.load(Ordering::Acquire) > taken
    }
}

/// The consumer loop of the dispatcher: take what is there, else wait on the bell.
fn consume(work: &Work, wait: impl Fn(&dyn Fn() -> bool), expected: usize) {
    let mut taken = 0;
    while taken < expected {
        if work.available(taken) {
            taken += 1;
            continue;
        }
        wait(&|| work.available(taken));
    }
}

#[test]
fn a_ring_after_publishing_always_wakes_the_consumer() {
    loom::model(|| {
        let bell = Arc::new(Doorbell::new());
        bell.set_consumer(thread::current());
        let work = Arc::new(Work {
            published: AtomicUsize::new(0),
        });
        {
            let (bell, work) = (bell.clone(), work.clone());
            thread::spawn(move || {
                work.publish();
                bell.ring();
            });
        }
        consume(&work, |has| bell.wait(has), 1);
    });
}

#[test]
fn two_producers_never_leave_an_item_unseen() {
    // Bounded so the run stays in seconds; three preemptions cover each producer
    // racing the consumer's check-then-park.
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let bell = Arc::new(Doorbell::new());
        bell.set_consumer(thread::current());
        let work = Arc::new(Work {
            published: AtomicUsize::new(0),
        });
        for _ in 0..2 {
            let (bell, work) = (bell.clone(), work.clone());
            thread::spawn(move || {
                work.publish();
                bell.ring();
            });
        }
        consume(&work, |has| bell.wait(has), 2);
    });
}

/// The protocol the engine used before: a `Release` store of the flag and an
/// `Acquire` load on each side, with no fence between. Kept here to show that the
/// model check catches a lost wake-up.
struct ReleaseAcquireBell {
    sleeping: AtomicBool,
    consumer: thread::Thread,
}

impl ReleaseAcquireBell {
    fn ring(&self) {
        if self.sleeping.load(Ordering::Acquire) {
            self.consumer.unpark();
        }
    }
    fn wait(&self, has_work: &dyn Fn() -> bool) {
        self.sleeping.store(true, Ordering::Release);
        if !has_work() {
            thread::park();
        }
        self.sleeping.store(false, Ordering::Release);
    }
}

#[test]
#[should_panic(expected = "deadlock")]
fn the_release_acquire_handshake_loses_a_wake_up() {
    loom::model(|| {
        let bell = Arc::new(ReleaseAcquireBell {
            sleeping: AtomicBool::new(false),
            consumer: thread::current(),
        });
        let work = Arc::new(Work {
            published: AtomicUsize::new(0),
        });
        {
            let (bell, work) = (bell.clone(), work.clone());
            thread::spawn(move || {
                work.publish();
                bell.ring();
            });
        }
        consume(&work, |has| bell.wait(has), 1);
    });
}
