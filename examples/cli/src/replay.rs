//! `--replay FILE.mid`: play a Standard MIDI File through the engine.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use conductor_core::midi::SmfEvents;
use conductor_core::Engine;

use crate::logging::Log;

/// What a replay did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Messages sent through the engine.
    pub messages: usize,
    /// Mappings that fired.
    pub fired: usize,
    /// Actions that failed (each was logged when it happened).
    pub failed: usize,
    /// Whether Ctrl-C stopped the replay early.
    pub interrupted: bool,
}

impl ReplaySummary {
    /// Counts what `fired` reports: a mapping once (not again when its chain resumes
    /// after a delay), and every failed step.
    fn add(&mut self, fired: &[conductor_core::engine::Fired]) {
        self.fired += fired.iter().filter(|f| !f.resumed).count();
        self.failed += fired
            .iter()
            .flat_map(|f| &f.outcomes)
            .filter(|o| o.result.is_err())
            .count();
    }
}

/// Reads `file` and runs its messages through `engine` in order, each with its time
/// from the start of the file as the timestamp, waiting until that time unless `fast`.
/// A message on `stop` (Ctrl-C) ends the replay early.
///
/// Time follows the file: steps a `Delay` puts off run at their event time, between
/// later messages (also with `fast`, so a replay is deterministic). After the last
/// message, gesture time is advanced to the end of the file, so a long press held to
/// the end still fires, and then every delayed step still waiting runs.
pub fn run(
    engine: &Engine,
    file: &Path,
    fast: bool,
    stop: &Receiver<()>,
    log: &Log,
) -> Result<ReplaySummary> {
    let smf = SmfEvents::from_file(file)?;
    log.info(&format!(
        "replaying {} ({} message{}, {:.3} s{})",
        file.display(),
        smf.events().len(),
        if smf.events().len() == 1 { "" } else { "s" },
        smf.duration_us() as f64 / 1e6,
        if fast { ", as fast as possible" } else { "" }
    ));
    let mut summary = ReplaySummary::default();
    let start = Instant::now();
    // Waits for time `t` (µs from the start) unless `fast`; `true` if Ctrl-C came first.
    let reach = |t: u64| -> bool {
        if fast {
            stop.try_recv().is_ok()
        } else {
            wait_until(start + Duration::from_micros(t), stop)
        }
    };
    for event in smf.events() {
        // Steps a `Delay` put off run at their own time, between the file's events.
        while let Some(due) = engine.next_due().filter(|d| *d <= event.time_us) {
            if reach(due) {
                summary.interrupted = true;
                return Ok(summary);
            }
            summary.add(&engine.tick(due)?);
        }
        if reach(event.time_us) {
            summary.interrupted = true;
            return Ok(summary);
        }
        log.debug(&format!(
            "replay {:>10} us: {}",
            event.time_us, event.message
        ));
        let fired = engine.process_message(&event.message, event.time_us)?;
        summary.messages += 1;
        summary.add(&fired);
    }
    summary.add(&engine.tick(smf.duration_us())?);
    // Then what is still delayed, in time order, so every chain finishes.
    while let Some(due) = engine.next_due() {
        if reach(due) {
            summary.interrupted = true;
            return Ok(summary);
        }
        summary.add(&engine.tick(due)?);
    }
    Ok(summary)
}

/// Sleeps until `due`; returns `true` if `stop` was signalled first.
fn wait_until(due: Instant, stop: &Receiver<()>) -> bool {
    let now = Instant::now();
    if due <= now {
        return stop.try_recv().is_ok();
    }
    match stop.recv_timeout(due - now) {
        Ok(()) => true,
        Err(RecvTimeoutError::Timeout) => false,
        // Nobody can signal any more: just wait.
        Err(RecvTimeoutError::Disconnected) => {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            false
        }
    }
}

/// Fails when any action failed, so that a replay can serve as a test.
pub fn check(summary: &ReplaySummary, log: &Log) -> Result<()> {
    log.info(&format!(
        "replay {}: {} message{}, {} mapping{} fired, {} action{} failed",
        if summary.interrupted {
            "interrupted"
        } else {
            "done"
        },
        summary.messages,
        if summary.messages == 1 { "" } else { "s" },
        summary.fired,
        if summary.fired == 1 { "" } else { "s" },
        summary.failed,
        if summary.failed == 1 { "" } else { "s" },
    ));
    if summary.failed > 0 {
        bail!(
            "{} action{} failed during the replay (see the errors above)",
            summary.failed,
            if summary.failed == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
