//! Per-plugin resource limits and the store limiter that enforces the memory cap.

use std::time::Duration;

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

use crate::{Error, Result};

/// Default instruction budget per call, as the plugin author's guide promises.
pub const DEFAULT_FUEL: u64 = 100_000_000;
/// Default linear-memory cap per plugin: 128 MiB.
pub const DEFAULT_MEMORY_BYTES: u64 = 128 * 1024 * 1024;
/// Default wall-clock deadline per call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default cap on the bytes forwarded per call from stdout, stderr and `conductor.log`.
pub const DEFAULT_OUTPUT_BYTES_PER_CALL: usize = 64 * 1024;
/// Default cap on the bytes a call returns through `conductor.output_set`: 1 MiB.
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Default cap on a plugin's host-kept variables (keys and values together): 1 MiB.
pub const DEFAULT_MAX_VAR_BYTES: usize = 1024 * 1024;

/// Resource limits for one plugin. Every call (including `init`, `capabilities` and
/// `shutdown`) starts with a full fuel tank and a fresh deadline.
///
/// ```
/// use conductor_core::plugin::Limits;
/// let limits = Limits::default().with_fuel(10_000_000);
/// assert_eq!(limits.memory_bytes, 128 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Instructions (wasmtime fuel units) per call.
    pub fuel: u64,
    /// Maximum linear memory, in bytes.
    pub memory_bytes: u64,
    /// Wall-clock deadline per call.
    pub timeout: Duration,
    /// Bytes forwarded per call from stdout, stderr and `conductor.log` together; the
    /// rest is dropped with a marker line.
    pub output_bytes_per_call: usize,
    /// Bytes a call may return through `conductor.output_set`; a larger output is
    /// refused with the "too large" code.
    pub max_output_bytes: usize,
    /// Bytes of host-kept variables (`conductor.var_set`), keys and values together;
    /// a `var_set` that would pass it is refused with the "too large" code.
    pub max_var_bytes: usize,
}

crate::builder::with_methods!(Limits {
    with_fuel => fuel: u64,
    with_memory_bytes => memory_bytes: u64,
    with_timeout => timeout: Duration,
    with_output_bytes_per_call => output_bytes_per_call: usize,
    with_max_output_bytes => max_output_bytes: usize,
    with_max_var_bytes => max_var_bytes: usize,
});

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: DEFAULT_FUEL,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            timeout: DEFAULT_TIMEOUT,
            output_bytes_per_call: DEFAULT_OUTPUT_BYTES_PER_CALL,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
            max_var_bytes: DEFAULT_MAX_VAR_BYTES,
        }
    }
}

impl Limits {
    /// The smallest memory limit: one 64 KiB WebAssembly page. No plugin runs in less.
    pub const MIN_MEMORY_BYTES: u64 = 64 * 1024;
    /// The shortest deadline per call.
    pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);
    /// The largest `max_output_bytes` and `max_var_bytes`: 64 MiB. Both are held in
    /// the host's memory, outside the plugin's own memory limit.
    pub const MAX_HOST_HELD_BYTES: usize = 64 * 1024 * 1024;

    /// Checks every limit against its allowed range. This is the one place the range of
    /// a limit is decided: the config reader, the C ABI and the Python module all call
    /// it (through [`crate::plugin::PluginHost::load`]), so they accept and refuse the
    /// same values. The error names the setting and its allowed range.
    ///
    /// ```
    /// use conductor_core::plugin::Limits;
    /// let e = Limits::default().with_fuel(0).validate().unwrap_err();
    /// assert!(e.to_string().contains("`fuel` is 0"), "{e}");
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.fuel == 0 {
            return Err(Error::InvalidArgument(format!(
                "plugin limit `fuel` is 0; allowed: 1 to {} instructions per call \
                 (default {DEFAULT_FUEL})",
                u64::MAX
            )));
        }
        if self.memory_bytes < Self::MIN_MEMORY_BYTES {
            return Err(Error::InvalidArgument(format!(
                "plugin limit `memory` is {} bytes; allowed: at least {} bytes (one 64 KiB \
                 WebAssembly page; default {DEFAULT_MEMORY_BYTES}, i.e. 128 MiB)",
                self.memory_bytes,
                Self::MIN_MEMORY_BYTES
            )));
        }
        if self.timeout < Self::MIN_TIMEOUT {
            return Err(Error::InvalidArgument(format!(
                "plugin limit `timeout` is {:?}; allowed: at least 1 ms per call (default \
                 {} ms)",
                self.timeout,
                DEFAULT_TIMEOUT.as_millis()
            )));
        }
        for (name, value, default) in [
            (
                "max_output_bytes",
                self.max_output_bytes,
                DEFAULT_MAX_OUTPUT_BYTES,
            ),
            ("max_var_bytes", self.max_var_bytes, DEFAULT_MAX_VAR_BYTES),
        ] {
            if value > Self::MAX_HOST_HELD_BYTES {
                return Err(Error::InvalidArgument(format!(
                    "plugin limit `{name}` is {value} bytes; allowed: 0 to {} bytes (64 MiB; \
                     default {default}, i.e. 1 MiB)",
                    Self::MAX_HOST_HELD_BYTES
                )));
            }
        }
        Ok(())
    }
}

/// Bytes a table element is charged against the memory limit: what one funcref or
/// externref slot costs the host (a pointer, plus room for lazy-init bookkeeping).
pub(crate) const TABLE_ELEMENT_BYTES: usize = 16;

/// The store limiter: linear memory and tables share one byte budget (the plugin's
/// memory limit), so `table.grow` cannot take the host's memory where `memory.grow`
/// cannot. It also records whether a growth was refused, so a trap that follows can be
/// reported as "memory limit" rather than a bare crash.
pub(crate) struct MemoryLimiter {
    inner: StoreLimits,
    /// The plugin's memory limit in bytes.
    limit: usize,
    /// Bytes of linear memory granted so far (memories never shrink).
    memory_bytes: usize,
    /// Table elements granted so far, over every table of the store.
    table_elements: usize,
    pub(crate) refused_growth: bool,
}

impl MemoryLimiter {
    pub(crate) fn new(memory_bytes: u64) -> Self {
        let bytes = usize::try_from(memory_bytes).unwrap_or(usize::MAX);
        Self {
            inner: StoreLimitsBuilder::new()
                .memory_size(bytes)
                .table_elements(bytes / TABLE_ELEMENT_BYTES)
                .instances(1)
                .memories(1)
                .build(),
            limit: bytes,
            memory_bytes: 0,
            table_elements: 0,
            refused_growth: false,
        }
    }

    /// Bytes charged so far: linear memory plus table elements.
    fn charged(&self) -> usize {
        self.memory_bytes
            .saturating_add(self.table_elements.saturating_mul(TABLE_ELEMENT_BYTES))
    }

    /// Whether `extra` more bytes fit in the budget.
    fn fits(&self, extra: usize) -> bool {
        self.charged()
            .checked_add(extra)
            .is_some_and(|total| total <= self.limit)
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            // Beyond the module's own maximum: wasmtime refuses it; not our limit.
            return Ok(false);
        }
        let extra = desired.saturating_sub(current);
        let allowed = self.inner.memory_growing(current, desired, maximum)? && self.fits(extra);
        if allowed {
            self.memory_bytes = self.memory_bytes.saturating_add(extra);
        } else {
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
        if maximum.is_some_and(|max| desired > max) {
            // Beyond the module's own maximum: wasmtime refuses it; not our limit.
            return Ok(false);
        }
        let extra = desired.saturating_sub(current);
        let allowed = self.inner.table_growing(current, desired, maximum)?
            && self.fits(extra.saturating_mul(TABLE_ELEMENT_BYTES));
        if allowed {
            self.table_elements = self.table_elements.saturating_add(extra);
        } else {
            self.refused_growth = true;
        }
        Ok(allowed)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_refuses_each_limit_out_of_range_naming_it() {
        assert!(Limits::default().validate().is_ok());
        for (limits, field) in [
            (
                Limits {
                    fuel: 0,
                    ..Limits::default()
                },
                "`fuel` is 0",
            ),
            (
                Limits {
                    memory_bytes: 1024,
                    ..Limits::default()
                },
                "`memory` is 1024 bytes",
            ),
            (
                Limits {
                    timeout: Duration::ZERO,
                    ..Limits::default()
                },
                "`timeout` is 0ns",
            ),
            (
                Limits {
                    max_output_bytes: usize::MAX,
                    ..Limits::default()
                },
                "`max_output_bytes` is",
            ),
            (
                Limits {
                    max_var_bytes: Limits::MAX_HOST_HELD_BYTES + 1,
                    ..Limits::default()
                },
                "`max_var_bytes` is",
            ),
        ] {
            let e = limits.validate().unwrap_err().to_string();
            assert!(e.contains(field) && e.contains("allowed"), "{e}");
        }
    }

    #[test]
    fn tables_and_memory_share_one_budget() {
        let mut limiter = MemoryLimiter::new(1024 * 1024);
        assert!(limiter.memory_growing(0, 512 * 1024, None).unwrap());
        // 512 KiB left: 32 Ki elements of 16 bytes fit, one more does not.
        assert!(!limiter.table_growing(0, 32 * 1024 + 1, None).unwrap());
        assert!(limiter.refused_growth);
        assert!(limiter.table_growing(0, 32 * 1024, None).unwrap());
        assert!(!limiter
            .memory_growing(512 * 1024, 512 * 1024 + 1, None)
            .unwrap());
        assert!(!limiter
            .table_growing(32 * 1024, 32 * 1024 + 1, None)
            .unwrap());
    }
}
