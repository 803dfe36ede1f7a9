//! The state host functions work with, by lifetime:
//!
//! * [`PluginServices`](crate::plugin::PluginServices) (public): what the application
//!   gives one plugin at load, inside its options.
//! * [`PerPluginState`]: per loaded plugin, shared by all its instances.
//! * [`PerInstanceState`]: per wasmtime instance, the store's data (WASI, the memory
//!   limiter and the host-call state).
//! * [`PerCallState`]: inside the instance, the guest call in progress.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wasmtime::Func;
use wasmtime_wasi::p1::WasiP1Ctx;

use crate::log::SharedLogSink;
use crate::plugin::epoch::EPOCH_TICK;
use crate::plugin::limits::MemoryLimiter;
use crate::plugin::output::PluginOutput;
use crate::plugin::services::PluginServices;
use crate::plugin::{Grants, Limits};

use super::vars::VarStore;

/// Per instance: the data of one wasmtime store, dropped with the instance.
pub(crate) struct PerInstanceState {
    pub(crate) wasi: WasiP1Ctx,
    pub(crate) limiter: MemoryLimiter,
    /// What the `conductor` host functions work with.
    pub(crate) host: PerCallState,
}

/// Per loaded plugin: what its host functions work with (name, grants, the services
/// the application handed over in [`PluginOptions`](crate::plugin::PluginOptions)),
/// shared through an `Arc` by every instance the plugin creates over its life, so it
/// survives a trap and the fresh instance that follows.
pub(crate) struct PerPluginState {
    pub(crate) name: String,
    pub(crate) log_sink: SharedLogSink,
    pub(crate) grants: Grants,
    pub(crate) services: PluginServices,
    /// One HTTP agent per plugin, made on first use, so connections are reused.
    pub(super) http_agent: OnceLock<ureq::Agent>,
    /// The host's epoch tick count ([`EPOCH_TICK`] apart).
    pub(super) epoch_ticks: Arc<AtomicU64>,
    /// The plugin's limits (`output_set` and `var_set` read their caps here).
    pub(crate) limits: Limits,
    /// The plugin's host-kept variables (`var_get`, `var_set`).
    pub(crate) vars: Arc<VarStore>,
}

impl PerPluginState {
    pub(crate) fn new(
        name: String,
        log_sink: SharedLogSink,
        grants: Grants,
        services: PluginServices,
        epoch_ticks: Arc<AtomicU64>,
        limits: Limits,
        vars: Arc<VarStore>,
    ) -> Arc<Self> {
        Arc::new(Self {
            name,
            log_sink,
            grants,
            services,
            http_agent: OnceLock::new(),
            epoch_ticks,
            limits,
            vars,
        })
    }
}

/// Per instance, describing the guest call in progress: its deadline, and the result
/// buffer the last host call filled. Dropped with the instance (after a trap the next
/// instance starts with an empty one).
pub(crate) struct PerCallState {
    pub(crate) env: Arc<PerPluginState>,
    /// Where `log` writes: the plugin's stderr, within the call's output budget.
    pub(super) output: PluginOutput,
    /// The last result handed out through `result_len` / `result_read`.
    pub(super) result: Vec<u8>,
    /// What the guest call in progress returns (`output_set`); emptied before each
    /// call.
    pub(crate) returned: Vec<u8>,
    /// The epoch tick at which the guest call in progress started.
    pub(super) started_tick: u64,
    /// That call's wall-clock budget; host calls never wait past it.
    pub(super) timeout: Duration,
    /// wasmtime-wasi's own `poll_oneoff` in this store, for the polls the bounded one
    /// hands over (see `wasi_poll`).
    pub(crate) wasi_poll: Option<Func>,
}

impl PerCallState {
    pub(crate) fn new(env: Arc<PerPluginState>, output: PluginOutput) -> Self {
        Self {
            env,
            output,
            result: Vec::new(),
            returned: Vec::new(),
            started_tick: 0,
            timeout: Duration::ZERO,
            wasi_poll: None,
        }
    }

    /// Starts the wall-clock budget of a guest call. On the hot path: one relaxed
    /// atomic load, no clock read.
    pub(crate) fn start_call(&mut self, timeout: Duration) {
        self.started_tick = self.env.epoch_ticks.load(Ordering::Relaxed);
        self.timeout = timeout;
    }

    /// How long a host call may still take before the guest call's deadline, measured
    /// in epoch ticks as the guest's own deadline is.
    pub(super) fn remaining(&self) -> Duration {
        let ticks = self
            .env
            .epoch_ticks
            .load(Ordering::Relaxed)
            .saturating_sub(self.started_tick);
        let elapsed = EPOCH_TICK.saturating_mul(u32::try_from(ticks).unwrap_or(u32::MAX));
        self.timeout.saturating_sub(elapsed)
    }

    pub(super) fn set_result(&mut self, bytes: &[u8]) {
        self.result.clear();
        self.result.extend_from_slice(bytes);
    }
}
