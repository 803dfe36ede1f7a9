//! The real-time input queue: a bounded lock-free queue of fixed-size events.

use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_queue::ArrayQueue;

/// Largest message `push` accepts; longer SysEx goes through `process`.
pub const MAX_PUSH_BYTES: usize = 32;

/// One raw input event, stored inline so pushing never allocates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEvent {
    pub(crate) timestamp_us: u64,
    /// Which device it came from: 0 for none, else a device source id.
    pub(crate) source: u16,
    pub(crate) len: u8,
    pub(crate) bytes: [u8; MAX_PUSH_BYTES],
}

impl RawEvent {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

pub(crate) struct EventQueue {
    queue: ArrayQueue<RawEvent>,
    dropped: AtomicU64,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            queue: ArrayQueue::new(capacity.max(1)),
            dropped: AtomicU64::new(0),
        }
    }

    /// Lock-free, allocation-free: copies the bytes into a slot or counts a drop. The
    /// caller rings the consumer's doorbell after a successful push.
    pub(crate) fn push(&self, bytes: &[u8], timestamp_us: u64) -> bool {
        self.push_from(bytes, timestamp_us, 0)
    }

    /// [`EventQueue::push`], marking the event as coming from device source `source`.
    pub(crate) fn push_from(&self, bytes: &[u8], timestamp_us: u64, source: u16) -> bool {
        if bytes.is_empty() || bytes.len() > MAX_PUSH_BYTES {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let mut event = RawEvent {
            timestamp_us,
            source,
            len: bytes.len() as u8,
            bytes: [0; MAX_PUSH_BYTES],
        };
        event.bytes[..bytes.len()].copy_from_slice(bytes);
        if self.queue.push(event).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    pub(crate) fn pop(&self) -> Option<RawEvent> {
        self.queue.pop()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
