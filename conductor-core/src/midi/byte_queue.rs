//! A bounded, lock-free queue of byte records between one producer thread and one
//! consumer thread: how MIDI to send reaches the JACK process callback without locks or
//! allocation on the real-time side.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of the length header in front of every record.
const HEADER: usize = 4;

/// A ring of bytes holding length-prefixed records.
///
/// Exactly one thread may call [`ByteQueue::push`] at a time and exactly one thread may
/// call [`ByteQueue::front_len`] and [`ByteQueue::pop_into`] at a time; the owner
/// enforces that (the producer side sits behind `&mut self` in its user). A record is
/// published whole: the consumer never sees part of one.
pub(crate) struct ByteQueue {
    buf: Box<[UnsafeCell<u8>]>,
    mask: usize,
    /// Bytes ever written (only the producer stores it).
    head: AtomicUsize,
    /// Bytes ever read (only the consumer stores it).
    tail: AtomicUsize,
}

// SAFETY: the producer only writes bytes between `head` and `tail + capacity`, which the
// consumer does not read until `head` is published with Release; the consumer only
// reads bytes between `tail` and `head` and hands them back by publishing `tail` with
// Release. With one producer and one consumer (the type's contract) no byte is accessed
// by both at once.
unsafe impl Sync for ByteQueue {}
// SAFETY: the queue owns its buffer; nothing in it is tied to a thread.
unsafe impl Send for ByteQueue {}

impl ByteQueue {
    /// A queue of at least `capacity` bytes (rounded up to a power of two), headers
    /// included.
    pub(crate) fn new(capacity: usize) -> ByteQueue {
        let capacity = capacity.max(2 * HEADER).next_power_of_two();
        ByteQueue {
            buf: (0..capacity).map(|_| UnsafeCell::new(0)).collect(),
            mask: capacity - 1,
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
        }
    }

    fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// Appends `record` (producer side). Returns `false`, and queues nothing, when it
    /// does not fit in the free space.
    pub(crate) fn push(&self, record: &[u8]) -> bool {
        let Ok(len) = u32::try_from(record.len()) else {
            return false;
        };
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        let free = self.capacity() - head.wrapping_sub(tail);
        if HEADER + record.len() > free {
            return false;
        }
        for (i, byte) in len.to_le_bytes().iter().chain(record).enumerate() {
            // SAFETY: the position is in the free part of the ring (checked above),
            // which the consumer does not read until `head` is published below.
            unsafe { *self.buf[head.wrapping_add(i) & self.mask].get() = *byte };
        }
        self.head
            .store(head.wrapping_add(HEADER + record.len()), Ordering::Release);
        true
    }

    /// Whether every record pushed so far has been taken (either side may ask).
    #[cfg_attr(not(feature = "jack"), allow(dead_code))]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Acquire) == self.tail.load(Ordering::Acquire)
    }

    /// The length of the oldest record, if there is one (consumer side).
    pub(crate) fn front_len(&self) -> Option<usize> {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let mut len = [0u8; HEADER];
        for (i, byte) in len.iter_mut().enumerate() {
            // SAFETY: a whole record lies between `tail` and `head`, published by the
            // producer with Release and read after the Acquire load above.
            *byte = unsafe { *self.buf[tail.wrapping_add(i) & self.mask].get() };
        }
        Some(u32::from_le_bytes(len) as usize)
    }

    /// Moves the oldest record into `out` and removes it (consumer side). `out` must be
    /// exactly [`ByteQueue::front_len`] bytes long.
    pub(crate) fn pop_into(&self, out: &mut [u8]) {
        let Some(len) = self.front_len() else {
            return;
        };
        assert_eq!(
            out.len(),
            len,
            "pop_into needs a buffer of the record's length"
        );
        let tail = self.tail.load(Ordering::Relaxed);
        for (i, byte) in out.iter_mut().enumerate() {
            // SAFETY: as in `front_len`: these bytes belong to the published record.
            *byte = unsafe { *self.buf[tail.wrapping_add(HEADER + i) & self.mask].get() };
        }
        self.tail
            .store(tail.wrapping_add(HEADER + len), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn pop(q: &ByteQueue) -> Option<Vec<u8>> {
        let len = q.front_len()?;
        let mut out = vec![0; len];
        q.pop_into(&mut out);
        Some(out)
    }

    #[test]
    fn records_come_out_whole_and_in_order_across_the_wrap() {
        let q = ByteQueue::new(16);
        for round in 0..50u8 {
            assert!(q.push(&[0x90, round, 100]));
            assert!(q.push(&[0xC0 | (round & 0x0F), round]));
            assert_eq!(pop(&q).unwrap(), [0x90, round, 100]);
            assert_eq!(pop(&q).unwrap(), [0xC0 | (round & 0x0F), round]);
            assert_eq!(pop(&q), None);
        }
    }

    #[test]
    fn a_full_queue_refuses_and_keeps_what_it_has() {
        let q = ByteQueue::new(16);
        assert!(q.push(&[1, 2, 3, 4, 5])); // 9 bytes with the header
        assert!(!q.push(&[6, 7, 8, 9])); // 8 more do not fit in the 7 left
        assert!(q.push(&[6, 7, 8])); // 7 do
        assert!(!q.push(&[]));
        assert_eq!(pop(&q).unwrap(), [1, 2, 3, 4, 5]);
        assert_eq!(pop(&q).unwrap(), [6, 7, 8]);
        assert!(!q.push(&[0; 13]), "larger than the whole ring");
        assert!(q.push(&[0; 12]));
    }

    #[test]
    fn one_producer_and_one_consumer_on_two_threads() {
        let q = Arc::new(ByteQueue::new(64));
        const COUNT: u32 = 100_000;
        let producer = {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                for i in 0..COUNT {
                    // Lengths 4..=7: the sequence number and some padding.
                    let mut record = i.to_le_bytes().to_vec();
                    record.resize(4 + (i % 4) as usize, i as u8);
                    while !q.push(&record) {
                        std::hint::spin_loop();
                    }
                }
            })
        };
        let mut next = 0u32;
        while next < COUNT {
            if let Some(record) = pop(&q) {
                assert_eq!(record.len(), 4 + (next % 4) as usize);
                assert_eq!(u32::from_le_bytes(record[..4].try_into().unwrap()), next);
                assert!(record[4..].iter().all(|b| *b == next as u8));
                next += 1;
            } else {
                std::hint::spin_loop();
            }
        }
        producer.join().unwrap();
        assert_eq!(pop(&q), None);
    }
}
