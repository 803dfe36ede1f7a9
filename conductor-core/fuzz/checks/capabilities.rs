//! Arbitrary guest memory and `capabilities()` results, decoded as the sealed probe
//! decodes them: must give a set or an error, never panic or read out of bounds.
//! Also every capability name parses or is refused.
//!
//! Input: 1 control byte (bit 0: the export returns i64; bit 1: aim the pointer inside
//! the memory), 8 bytes of returned value
//! (little-endian), then guest memory.
//!
//! Shared by the fuzz target and the corpus replay test
//! (`conductor-core/tests/fuzz_corpus.rs`). Run: `cargo +nightly fuzz run capabilities` from `conductor-core/`.
use conductor_core::plugin::{fuzzing, Capability};

/// Panics when the input breaks a property above.
pub fn check(data: &[u8]) {
    if data.len() < 9 {
        if let Ok(name) = std::str::from_utf8(data) {
            let _ = name.parse::<Capability>();
        }
        return;
    }
    let wide = data[0] & 1 == 1;
    let mut value = i64::from_le_bytes(data[1..9].try_into().unwrap());
    let memory = &data[9..];
    if data[0] & 2 == 2 && !memory.is_empty() {
        // Point into the memory most of the time, so the decoders get past bounds checks.
        let ptr = (value as u64 % memory.len() as u64) as i64;
        value = if wide {
            (ptr << 32) | (value & 0xfff)
        } else {
            ptr
        };
    }
    if let Ok(set) = fuzzing::decode_capabilities(memory, value, wide) {
        for cap in set.iter() {
            assert_eq!(cap.name().parse::<Capability>(), Ok(cap));
        }
    }
    if let Ok(text) = std::str::from_utf8(memory) {
        let _ = text.parse::<Capability>();
    }
}
