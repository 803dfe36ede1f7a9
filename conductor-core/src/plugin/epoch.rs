//! The epoch clock: a thread that advances the wasmtime engine's epoch at a fixed
//! rate, which is what lets wall-clock deadlines interrupt a running guest, and counts
//! the ticks so host functions can measure a call's elapsed time cheaply.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::Engine;

/// How often the epoch clock ticks; wall-clock deadlines are rounded up to it.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

/// A background thread that advances the engine's epoch every [`EPOCH_TICK`], which is
/// what lets wall-clock deadlines interrupt a running guest.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine, ticks: Arc<AtomicU64>) -> std::io::Result<Self> {
        Self::start_with(engine, ticks, |builder, body| builder.spawn(body))
    }

    /// [`EpochTicker::start`] with the thread spawned by `spawn`; its failure is the
    /// caller's error.
    fn start_with(
        engine: Engine,
        ticks: Arc<AtomicU64>,
        spawn: impl FnOnce(
            std::thread::Builder,
            Box<dyn FnOnce() + Send + 'static>,
        ) -> std::io::Result<JoinHandle<()>>,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let body = Box::new(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        });
        let thread = spawn(
            std::thread::Builder::new().name("conductor-epoch".into()),
            body,
        )?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticker_that_cannot_start_is_an_error() {
        let engine = Engine::default();
        let failed = EpochTicker::start_with(engine.clone(), Arc::default(), |_, _| {
            Err(std::io::Error::other("no threads left"))
        });
        assert!(failed.is_err());
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = EpochTicker::start(engine, ticks.clone()).unwrap();
        while ticks.load(Ordering::Relaxed) == 0 {
            std::thread::yield_now();
        }
        drop(ticker);
    }
}
