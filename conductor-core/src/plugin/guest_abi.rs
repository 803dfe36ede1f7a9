//! The guest side of the ABI: decoding what `capabilities()` returns, and placing
//! params and context bytes where the guest can read them. See `docs/plugin-abi.md`.

use wasmtime::{AsContext, AsContextMut, Memory, Val};

use super::capability::{Capability, CapabilitySet};

/// Largest capabilities JSON the host will read.
const MAX_CAPABILITIES_JSON: usize = 4096;
/// WebAssembly page size.
pub(crate) const PAGE: u64 = 65536;

/// Why a `capabilities()` result was refused.
#[derive(Debug)]
pub(crate) enum CapabilitiesError {
    /// No decoding produced a JSON array of strings.
    Undecodable,
    /// The JSON named something that is not a capability.
    Unknown(String),
    /// The export has a signature the host does not understand.
    BadSignature(String),
}

/// Decodes the value returned by the guest's `capabilities` export.
///
/// Accepted forms, tried in this order:
/// 1. `i64`: `ptr << 32 | len` of UTF-8 JSON.
/// 2. `i32` pointing at a Rust `Vec<u8>` header (the guide's `Box::into_raw(Box<Vec<u8>>)`):
///    three little-endian `u32` words holding data pointer, capacity and length in an
///    order rustc chooses; every ordering is tried and the one that yields a JSON array
///    of strings wins.
/// 3. `i32` pointing at a NUL-terminated JSON string (what a C plugin returns).
pub(crate) fn decode_capabilities(
    store: impl AsContext,
    memory: &Memory,
    result: &Val,
) -> Result<CapabilitySet, CapabilitiesError> {
    let returned = match result {
        Val::I64(packed) => Returned::I64(*packed),
        Val::I32(ptr) => Returned::I32(*ptr),
        other => {
            return Err(CapabilitiesError::BadSignature(format!(
                "returns {:?}",
                other.ty(&store)
            )))
        }
    };
    decode_capabilities_in(memory.data(&store), returned)
}

/// What a guest's `capabilities` export returned, in one of the two accepted types.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Returned {
    I32(i32),
    I64(i64),
}

/// [`decode_capabilities`] over a copy of guest memory: no wasmtime types, so the
/// fuzz target and the corpus replay test reach exactly the code the probe runs.
pub(crate) fn decode_capabilities_in(
    data: &[u8],
    returned: Returned,
) -> Result<CapabilitySet, CapabilitiesError> {
    let names = match returned {
        Returned::I64(packed) => {
            let packed = packed as u64;
            let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
            slice(data, ptr, len).and_then(parse_names)
        }
        Returned::I32(ptr) => {
            let ptr = ptr as u32 as usize;
            from_vec_header(data, ptr).or_else(|| from_c_string(data, ptr))
        }
    };
    let names = names.ok_or(CapabilitiesError::Undecodable)?;
    names
        .iter()
        .map(|n| {
            n.parse::<Capability>()
                .map_err(|_| CapabilitiesError::Unknown(n.clone()))
        })
        .collect()
}

/// Entry points for fuzz targets and the corpus replay test. Not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use super::{decode_capabilities_in, CapabilitiesError, Returned};
    use crate::plugin::CapabilitySet;

    /// Decodes a `capabilities()` result as the sealed probe does: `memory` is the
    /// guest's linear memory, `returned` the export's `i32` (when `wide` is false) or
    /// `i64` result. The error is a short description.
    pub fn decode_capabilities(
        memory: &[u8],
        returned: i64,
        wide: bool,
    ) -> Result<CapabilitySet, String> {
        let returned = if wide {
            Returned::I64(returned)
        } else {
            Returned::I32(returned as i32)
        };
        decode_capabilities_in(memory, returned).map_err(|e| match e {
            CapabilitiesError::Undecodable => "undecodable".to_string(),
            CapabilitiesError::Unknown(n) => format!("unknown capability {n:?}"),
            CapabilitiesError::BadSignature(s) => s,
        })
    }
}

fn slice(data: &[u8], ptr: usize, len: usize) -> Option<&[u8]> {
    if len > MAX_CAPABILITIES_JSON {
        return None;
    }
    data.get(ptr..ptr.checked_add(len)?)
}

fn parse_names(bytes: &[u8]) -> Option<Vec<String>> {
    serde_json::from_slice::<Vec<String>>(bytes).ok()
}

fn from_vec_header(data: &[u8], ptr: usize) -> Option<Vec<String>> {
    let header = data.get(ptr..ptr.checked_add(12)?)?;
    let word = |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().unwrap()) as usize;
    let words = [word(0), word(1), word(2)];
    for (p, c, l) in [
        (0, 1, 2),
        (1, 0, 2),
        (0, 2, 1),
        (1, 2, 0),
        (2, 0, 1),
        (2, 1, 0),
    ] {
        let (data_ptr, cap, len) = (words[p], words[c], words[l]);
        if len > cap || data_ptr == 0 {
            continue;
        }
        if let Some(names) = slice(data, data_ptr, len).and_then(parse_names) {
            return Some(names);
        }
    }
    None
}

fn from_c_string(data: &[u8], ptr: usize) -> Option<Vec<String>> {
    let tail = data.get(ptr..)?;
    let tail = &tail[..tail.len().min(MAX_CAPABILITIES_JSON)];
    let end = tail.iter().position(|b| *b == 0)?;
    parse_names(&tail[..end])
}

/// A host-owned region of guest memory, obtained with `memory.grow`, used to pass
/// params and context to guests that export no allocator.
///
/// Pages obtained by `memory.grow` were never handed out by the guest's allocator, and
/// the guest's allocator will only ever take later pages, so the region never
/// overlaps guest data.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ScratchRegion {
    ptr: u32,
    capacity: u64,
}

impl ScratchRegion {
    /// Returns the address of at least `len` bytes of host-owned memory, growing the
    /// guest memory when the current region is too small. `None` when growth is
    /// refused (memory limit).
    pub(crate) fn reserve(
        &mut self,
        mut store: impl AsContextMut,
        memory: &Memory,
        len: usize,
    ) -> Option<u32> {
        let len = (len as u64).max(1);
        if self.capacity < len {
            // A memory of 0 pages would put the region at address 0, and the ABI
            // promises guests a non-zero pointer: skip the first page then.
            let skip = u64::from(memory.size(&store) == 0);
            let pages = len.div_ceil(PAGE);
            let previous = memory.grow(&mut store, pages + skip).ok()?;
            let ptr = previous.checked_add(skip)?.checked_mul(PAGE)?;
            self.ptr = u32::try_from(ptr).ok()?;
            self.capacity = pages * PAGE;
        }
        Some(self.ptr)
    }
}
