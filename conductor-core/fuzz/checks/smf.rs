//! Arbitrary bytes as a Standard MIDI File: must be rejected with an error or decoded
//! into messages in time order, never panic.
//!
//! Shared by the fuzz target and the corpus replay test
//! (`conductor-core/tests/fuzz_corpus.rs`). Run: `cargo +nightly fuzz run smf` from `conductor-core/`.
use conductor_core::midi::SmfEvents;

/// Panics when the input breaks a property above.
pub fn check(data: &[u8]) {
    if let Ok(smf) = SmfEvents::from_bytes(data) {
        let events = smf.events();
        assert!(events.windows(2).all(|w| w[0].time_us <= w[1].time_us));
        assert!(events.iter().all(|e| e.track < smf.track_count()));
        assert!(events.last().is_none_or(|e| e.time_us <= smf.duration_us()));
    }
}
