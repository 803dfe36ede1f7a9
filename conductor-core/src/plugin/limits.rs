//! Per-plugin resource limits and the store limiter that enforces the memory cap.

use std::time::Duration;

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

/// Default instruction budget per call, as the plugin author's guide promises.
pub const DEFAULT_FUEL: u64 = 100_000_000;
/// Default linear-memory cap per plugin: 128 MiB.
pub const DEFAULT_MEMORY_BYTES: u64 = 128 * 1024 * 1024;
/// Default wall-clock deadline per call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default cap on stdout + stderr bytes forwarded per call, per stream.
pub const DEFAULT_OUTPUT_BYTES_PER_CALL: usize = 64 * 1024;

/// Resource limits for one plugin. Every call (including `init`, `capabilities` and
/// `shutdown`) starts with a full fuel tank and a fresh deadline.
///
/// ```
/// use conductor_core::plugin::Limits;
/// let limits = Limits { fuel: 10_000_000, ..Limits::default() };
/// assert_eq!(limits.memory_bytes, 128 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Instructions (wasmtime fuel units) per call.
    pub fuel: u64,
    /// Maximum linear memory, in bytes.
    pub memory_bytes: u64,
    /// Wall-clock deadline per call.
    pub timeout: Duration,
    /// Bytes of stdout and of stderr forwarded per call; the rest is dropped with a
    /// marker line.
    pub output_bytes_per_call: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: DEFAULT_FUEL,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            timeout: DEFAULT_TIMEOUT,
            output_bytes_per_call: DEFAULT_OUTPUT_BYTES_PER_CALL,
        }
    }
}

/// wasmtime's [`StoreLimits`] plus a record of whether a growth was refused, so a trap
/// that follows can be reported as "memory limit" rather than a bare crash.
pub(crate) struct MemoryLimiter {
    inner: StoreLimits,
    pub(crate) refused_growth: bool,
}

impl MemoryLimiter {
    pub(crate) fn new(memory_bytes: u64) -> Self {
        let bytes = usize::try_from(memory_bytes).unwrap_or(usize::MAX);
        Self {
            inner: StoreLimitsBuilder::new()
                .memory_size(bytes)
                .instances(1)
                .memories(1)
                .build(),
            refused_growth: false,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.inner.memory_growing(current, desired, maximum)?;
        if !allowed {
            self.refused_growth = true;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }
}
