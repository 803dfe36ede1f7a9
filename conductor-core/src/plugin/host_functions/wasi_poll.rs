//! WASI's `poll_oneoff`, bounded by the call's deadline.
//!
//! wasmtime-wasi sleeps for whatever a guest asks (`std::thread::sleep` of 15 s, or
//! of 1e18 ns), and epoch interruption cannot stop a thread blocked inside a host
//! call. So the linker's `wasi_snapshot_preview1.poll_oneoff` is replaced by this one:
//!
//! * A poll made only of clock subscriptions (every `sleep`) is answered here: it
//!   sleeps until the earliest clock, and when that is later than what is left of the
//!   call's deadline it sleeps only that long and ends the call as a timeout.
//! * Anything else (fd subscriptions, unknown clocks, bad pointers, zero
//!   subscriptions) goes to wasmtime-wasi's own implementation, kept under a private
//!   name. In this sandbox every descriptor is always ready (stdin is empty, stdout and
//!   stderr never block, files are files), so such a poll returns at once.
//!
//! The sandbox's monotonic clock ([`SandboxClock`]) counts from one process-wide
//! origin, so an absolute `CLOCK_MONOTONIC` deadline can be turned into an instant.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasmtime::{Extern, Linker, Memory};
use wasmtime_wasi::HostMonotonicClock;

use super::HostCaller;
use super::PerInstanceState;
use crate::plugin::module_check::WASI_MODULE;

/// Where wasmtime-wasi's `poll_oneoff` stays reachable for the cases handled by it.
/// Plugins cannot import it: only `wasi_snapshot_preview1` and `conductor` are
/// importable.
pub(crate) const INNER_MODULE: &str = "conductor-internal";
const NAME: &str = "poll_oneoff";

/// Bytes of one `subscription` and one `event` in guest memory.
const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
/// `eventtype::clock`, `clockid::{realtime, monotonic}`, `subclockflags::abstime`.
const EVENTTYPE_CLOCK: u8 = 0;
const CLOCK_REALTIME: u32 = 0;
const CLOCK_MONOTONIC: u32 = 1;
const ABSTIME: u16 = 1;
/// `errno::success`.
const SUCCESS: i32 = 0;

/// Replaces `poll_oneoff` on a linker that already holds WASI.
pub(super) fn add_to_linker(linker: &mut Linker<PerInstanceState>) -> wasmtime::Result<()> {
    linker.alias(WASI_MODULE, NAME, INNER_MODULE, NAME)?;
    linker.allow_shadowing(true);
    let result = linker.func_wrap(WASI_MODULE, NAME, poll_oneoff).map(|_| ());
    linker.allow_shadowing(false);
    result
}

/// The instant all sandbox monotonic clocks count from.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// The monotonic clock every plugin's WASI context uses: nanoseconds since a
/// process-wide origin.
pub(crate) struct SandboxClock;

impl SandboxClock {
    pub(crate) fn new() -> Self {
        origin();
        Self
    }
}

impl HostMonotonicClock for SandboxClock {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        u64::try_from(origin().elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

fn poll_oneoff(
    mut caller: HostCaller<'_>,
    subs: i32,
    events: i32,
    count: i32,
    nevents: i32,
) -> wasmtime::Result<i32> {
    let start = Instant::now();
    let Some((memory, earliest)) = clock_poll(&mut caller, subs, events, count, nevents, start)
    else {
        return inner(&mut caller, subs, events, count, nevents);
    };
    let wait = earliest.map_or(Duration::MAX, |at| at.saturating_duration_since(start));
    let left = caller.data().host.remaining();
    if wait > left {
        // The call cannot finish in time: sleep out what is left of it and end it as
        // a timeout, as epoch interruption does for running code.
        std::thread::sleep(left);
        return Err(wasmtime::Trap::Interrupt.into());
    }
    std::thread::sleep(wait);
    let now = Instant::now();
    // Every pointer was checked by `clock_poll`; a guest that makes the arrays overlap
    // reads back garbage, nothing worse.
    let data = memory.data_mut(&mut caller);
    let (subs, events) = (subs as u32 as usize, events as u32 as usize);
    let mut fired = 0usize;
    for i in 0..count as usize {
        let mut sub = [0u8; SUBSCRIPTION_SIZE];
        let at = subs + i * SUBSCRIPTION_SIZE;
        sub.copy_from_slice(&data[at..at + SUBSCRIPTION_SIZE]);
        if deadline(&sub, start).flatten().is_none_or(|at| at > now) {
            continue;
        }
        let mut event = [0u8; EVENT_SIZE];
        event[0..8].copy_from_slice(&sub[0..8]);
        event[10] = EVENTTYPE_CLOCK;
        let at = events + fired * EVENT_SIZE;
        data[at..at + EVENT_SIZE].copy_from_slice(&event);
        fired += 1;
    }
    let nevents = nevents as u32 as usize;
    data[nevents..nevents + 4].copy_from_slice(&(fired as u32).to_le_bytes());
    Ok(SUCCESS)
}

/// wasmtime-wasi's own `poll_oneoff`.
fn inner(
    caller: &mut HostCaller<'_>,
    subs: i32,
    events: i32,
    count: i32,
    nevents: i32,
) -> wasmtime::Result<i32> {
    let func = caller.data().host.wasi_poll.ok_or_else(|| {
        wasmtime::Error::msg("the host's WASI poll_oneoff is missing from this instance")
    })?;
    func.typed::<(i32, i32, i32, i32), i32>(&*caller)?
        .call(caller, (subs, events, count, nevents))
}

/// When every subscription is a realtime or monotonic clock and the input, output and
/// count pointers all lie inside memory: the memory and the earliest deadline (`None`:
/// later than an `Instant` can say). `None` otherwise.
fn clock_poll(
    caller: &mut HostCaller<'_>,
    subs: i32,
    events: i32,
    count: i32,
    nevents: i32,
    start: Instant,
) -> Option<(Memory, Option<Instant>)> {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return None;
    };
    let data = memory.data(&*caller);
    let count = usize::try_from(count).ok().filter(|n| *n > 0)?;
    let within = |ptr: i32, len: usize| {
        let start = ptr as u32 as usize;
        start.checked_add(len).is_some_and(|end| end <= data.len())
    };
    if !within(subs, count.checked_mul(SUBSCRIPTION_SIZE)?)
        || !within(events, count.checked_mul(EVENT_SIZE)?)
        || !within(nevents, 4)
    {
        return None;
    }
    let at = subs as u32 as usize;
    let mut earliest: Option<Instant> = None;
    for sub in data[at..at + count * SUBSCRIPTION_SIZE].chunks_exact(SUBSCRIPTION_SIZE) {
        if let Some(at) = deadline(sub, start)? {
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        }
    }
    Some((memory, earliest))
}

/// When a clock subscription fires, for a poll that started at `start`: `None` when
/// the subscription is not a realtime or monotonic clock, `Some(None)` when it is too
/// far away for an `Instant`.
fn deadline(sub: &[u8], start: Instant) -> Option<Option<Instant>> {
    if sub[8] != EVENTTYPE_CLOCK {
        return None;
    }
    let id = u32::from_le_bytes(sub[16..20].try_into().ok()?);
    let timeout = u64::from_le_bytes(sub[24..32].try_into().ok()?);
    let absolute = u16::from_le_bytes(sub[40..42].try_into().ok()?) & ABSTIME != 0;
    Some(match (id, absolute) {
        (CLOCK_REALTIME | CLOCK_MONOTONIC, false) => {
            start.checked_add(Duration::from_nanos(timeout))
        }
        (CLOCK_MONOTONIC, true) => origin().checked_add(Duration::from_nanos(timeout)),
        (CLOCK_REALTIME, true) => {
            let wall = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
            start.checked_add(Duration::from_nanos(timeout.saturating_sub(wall)))
        }
        _ => return None,
    })
}
