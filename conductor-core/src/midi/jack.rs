//! The JACK backend: every MIDI port Conductor opens in a process lives on one JACK
//! client.
//!
//! One client, not one per port (as midir's JACK backend makes), because libjack is not
//! reliable with several clients in one process. It keeps the semaphores that wake
//! clients in one table per process, indexed by client number, and every client in the
//! process updates that table from its own notification thread as other JACK clients
//! come and go; a new client does not replace a slot that is still mapped. When other
//! clients (a `jack_lsp`, a `jack_connect`, a patchbay) open and close while a second
//! client of the process opens, the new client can be left waiting on the semaphore of
//! a client that has gone: it never runs again, JACK's graph stops finishing its
//! cycles, and what it was to send is never sent. With a single client the table has
//! one writer and the problem cannot arise.
//!
//! Ports are added and removed while the client runs. The process callback reads
//! every input port (calling its callback with the event's time) and then writes every
//! output port (draining what [`Output::send`] queued). Ports live in a fixed table of
//! atomic pointers; removing one waits until the process callback is not running with
//! the old table, so the callback never touches a port that is gone.

use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::byte_queue::ByteQueue;
use super::port_info::{backend_unavailable, InputCallback, PortDirection, PortInfo};
use crate::error::{Error, Result};

/// The C API, as declared in `<jack/jack.h>` and `<jack/midiport.h>`.
#[allow(non_camel_case_types)]
mod ffi {
    use std::ffi::{c_char, c_int, c_ulong, c_void};

    #[repr(C)]
    pub struct jack_client_t {
        _private: [u8; 0],
    }

    #[repr(C)]
    pub struct jack_port_t {
        _private: [u8; 0],
    }

    #[repr(C)]
    pub struct jack_midi_event_t {
        pub time: u32,
        pub size: usize,
        pub buffer: *mut u8,
    }

    pub type JackProcessCallback = unsafe extern "C" fn(nframes: u32, arg: *mut c_void) -> c_int;
    pub type JackShutdownCallback = unsafe extern "C" fn(arg: *mut c_void);

    pub const JACK_NO_START_SERVER: c_int = 0x01;
    pub const JACK_PORT_IS_INPUT: c_ulong = 0x1;
    pub const JACK_PORT_IS_OUTPUT: c_ulong = 0x2;

    #[link(name = "jack")]
    extern "C" {
        pub fn jack_client_open(
            client_name: *const c_char,
            options: c_int,
            status: *mut c_int,
            ...
        ) -> *mut jack_client_t;
        pub fn jack_client_close(client: *mut jack_client_t) -> c_int;
        pub fn jack_get_client_name(client: *mut jack_client_t) -> *const c_char;
        pub fn jack_activate(client: *mut jack_client_t) -> c_int;
        pub fn jack_set_process_callback(
            client: *mut jack_client_t,
            callback: JackProcessCallback,
            arg: *mut c_void,
        ) -> c_int;
        pub fn jack_on_shutdown(
            client: *mut jack_client_t,
            callback: JackShutdownCallback,
            arg: *mut c_void,
        );
        pub fn jack_port_register(
            client: *mut jack_client_t,
            port_name: *const c_char,
            port_type: *const c_char,
            flags: c_ulong,
            buffer_size: c_ulong,
        ) -> *mut jack_port_t;
        pub fn jack_port_unregister(client: *mut jack_client_t, port: *mut jack_port_t) -> c_int;
        pub fn jack_port_name(port: *const jack_port_t) -> *const c_char;
        pub fn jack_port_by_name(
            client: *mut jack_client_t,
            port_name: *const c_char,
        ) -> *mut jack_port_t;
        pub fn jack_port_uuid(port: *const jack_port_t) -> u64;
        pub fn jack_port_get_buffer(port: *mut jack_port_t, nframes: u32) -> *mut c_void;
        pub fn jack_get_ports(
            client: *mut jack_client_t,
            port_name_pattern: *const c_char,
            type_name_pattern: *const c_char,
            flags: c_ulong,
        ) -> *mut *const c_char;
        pub fn jack_free(ptr: *mut c_void);
        pub fn jack_connect(
            client: *mut jack_client_t,
            source_port: *const c_char,
            destination_port: *const c_char,
        ) -> c_int;
        pub fn jack_last_frame_time(client: *const jack_client_t) -> u32;
        pub fn jack_frames_to_time(client: *const jack_client_t, frames: u32) -> u64;
        pub fn jack_midi_get_event_count(port_buffer: *mut c_void) -> u32;
        pub fn jack_midi_event_get(
            event: *mut jack_midi_event_t,
            port_buffer: *mut c_void,
            event_index: u32,
        ) -> c_int;
        pub fn jack_midi_clear_buffer(port_buffer: *mut c_void);
        pub fn jack_midi_event_reserve(
            port_buffer: *mut c_void,
            time: u32,
            data_size: usize,
        ) -> *mut u8;
    }
}

/// JACK's port type for MIDI.
const MIDI_TYPE: &CStr = c"8 bit raw midi";

/// How many ports one process can have open at once.
const MAX_PORTS: usize = 64;

/// Bytes an output can hold between two process cycles.
const OUTPUT_QUEUE_BYTES: usize = 64 * 1024;

/// How long closing a port waits for a process cycle in progress to end.
const CYCLE_WAIT: Duration = Duration::from_secs(2);

/// The process's JACK client: made on first use, closed when the last port and the
/// last listing handle are gone.
static SHARED: Mutex<Weak<Client>> = Mutex::new(Weak::new());

/// The process's JACK client, opening it (as `client_name`) if there is none or the
/// one there was lost its server.
pub(crate) fn shared_client(client_name: &str) -> Result<Arc<Client>> {
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(client) = shared.upgrade() {
        if client.is_alive() {
            return Ok(client);
        }
        // Closed now rather than when its last user lets go: libjack's per-process
        // state must not outlive the server it was made for.
        client.close();
    }
    let client = Client::open(client_name)?;
    *shared = Arc::downgrade(&client);
    Ok(client)
}

/// What the process callback shares with the rest of the client.
struct Realtime {
    client: *mut ffi::jack_client_t,
    ports: [AtomicPtr<Slot>; MAX_PORTS],
    /// Incremented when a process cycle starts and when it ends: odd while one runs.
    cycles: AtomicU64,
    /// Cleared when the server shuts the client down.
    alive: AtomicBool,
}

/// One port in the table.
struct Slot {
    port: *mut ffi::jack_port_t,
    kind: SlotKind,
}

enum SlotKind {
    /// Only the process callback touches the callback while the slot is in the table.
    Input(UnsafeCell<Option<InputCallback>>),
    /// Filled by the port's owner, drained by the process callback.
    Output(ByteQueue),
}

// SAFETY: the raw port pointer is only used through libjack, which allows it from any
// thread; the input callback is `Send` and only one thread uses it at a time (the
// process callback while the slot is in the table, its owner after removal); the queue
// has one producer and one consumer.
unsafe impl Send for Slot {}
// SAFETY: as above.
unsafe impl Sync for Slot {}

/// Conductor's JACK client.
pub(crate) struct Client {
    /// Serialises calls into libjack from Conductor's threads; `None` once closed.
    raw: Mutex<Option<NonNull<ffi::jack_client_t>>>,
    rt: Box<Realtime>,
    name: String,
}

// SAFETY: the client pointer is only used under the `raw` mutex (and by libjack's own
// threads); everything else is atomics or immutable after opening.
unsafe impl Send for Client {}
// SAFETY: as above.
unsafe impl Sync for Client {}

impl Client {
    fn open(client_name: &str) -> Result<Arc<Client>> {
        let name = c_string(client_name, "JACK client name")?;
        let mut status: c_int = 0;
        // SAFETY: a valid NUL-terminated name and status pointer; no variadic arguments
        // are needed without JackServerName.
        let raw =
            unsafe { ffi::jack_client_open(name.as_ptr(), ffi::JACK_NO_START_SERVER, &mut status) };
        let Some(raw) = NonNull::new(raw) else {
            return Err(backend_unavailable(&format!(
                "jack_client_open failed, status 0x{status:x}"
            )));
        };
        let rt = Box::new(Realtime {
            client: raw.as_ptr(),
            ports: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            cycles: AtomicU64::new(0),
            alive: AtomicBool::new(true),
        });
        let arg = &*rt as *const Realtime as *mut c_void;
        // SAFETY: `raw` is an open client; `rt` is boxed, so `arg` stays valid until the
        // client is closed, which happens before `rt` is dropped.
        let (actual, activated) = unsafe {
            ffi::jack_set_process_callback(raw.as_ptr(), process, arg);
            ffi::jack_on_shutdown(raw.as_ptr(), shutdown, arg);
            let actual = CStr::from_ptr(ffi::jack_get_client_name(raw.as_ptr()))
                .to_string_lossy()
                .into_owned();
            (actual, ffi::jack_activate(raw.as_ptr()))
        };
        let client = Client {
            raw: Mutex::new(Some(raw)),
            rt,
            name: actual,
        };
        if activated != 0 {
            client.close();
            return Err(Error::Midi(format!(
                "cannot activate the JACK client {client_name} (error {activated})"
            )));
        }
        Ok(Arc::new(client))
    }

    fn is_alive(&self) -> bool {
        self.rt.alive.load(Ordering::Acquire) && self.lock().is_some()
    }

    fn lock(&self) -> MutexGuard<'_, Option<NonNull<ffi::jack_client_t>>> {
        self.raw.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open client, or an error saying the server went away.
    fn raw(
        &self,
    ) -> Result<(
        MutexGuard<'_, Option<NonNull<ffi::jack_client_t>>>,
        *mut ffi::jack_client_t,
    )> {
        let guard = self.lock();
        match *guard {
            Some(raw) if self.rt.alive.load(Ordering::Acquire) => Ok((guard, raw.as_ptr())),
            _ => Err(Error::Midi(
                "the JACK server has gone away; MIDI ports on it are closed".into(),
            )),
        }
    }

    /// Closes the client (at most once): the process callback no longer runs after.
    fn close(&self) {
        if let Some(raw) = self.lock().take() {
            // SAFETY: an open client, closed exactly once (it was taken out of the
            // mutex); jack_client_close deactivates it and joins its threads.
            unsafe { ffi::jack_client_close(raw.as_ptr()) };
        }
    }

    /// The ports Conductor can receive from (`Input`: JACK's output ports) or send to
    /// (`Output`: JACK's input ports), in the server's order. Empty when the server has
    /// gone.
    pub(crate) fn ports(&self, direction: PortDirection) -> Vec<PortInfo> {
        let Ok((_guard, raw)) = self.raw() else {
            return Vec::new();
        };
        let flags = match direction {
            PortDirection::Input => ffi::JACK_PORT_IS_OUTPUT,
            PortDirection::Output => ffi::JACK_PORT_IS_INPUT,
        };
        // SAFETY: an open client; the patterns are NUL-terminated or null.
        let names = unsafe { ffi::jack_get_ports(raw, ptr::null(), MIDI_TYPE.as_ptr(), flags) };
        if names.is_null() {
            return Vec::new();
        }
        let mut infos = Vec::new();
        // SAFETY: jack_get_ports returns a NULL-terminated array of NUL-terminated
        // names, freed with jack_free once read.
        unsafe {
            let mut i = 0;
            while !(*names.add(i)).is_null() {
                let name_ptr = *names.add(i);
                let port = ffi::jack_port_by_name(raw, name_ptr);
                let name = CStr::from_ptr(name_ptr).to_string_lossy().into_owned();
                // The uuid tells a port from a new one of the same name.
                let id = if port.is_null() {
                    name.clone()
                } else {
                    ffi::jack_port_uuid(port).to_string()
                };
                infos.push(PortInfo { index: i, name, id });
                i += 1;
            }
            ffi::jack_free(names.cast());
        }
        infos
    }

    /// Registers a port named `name` (exactly when `exact`, else with `-2`, `-3`, …
    /// added when the name is taken) and puts it in the table.
    fn add_port(
        self: &Arc<Self>,
        name: &str,
        exact: bool,
        kind: SlotKind,
    ) -> Result<(usize, Arc<Slot>, String)> {
        let (_guard, raw) = self.raw()?;
        let flags = match kind {
            SlotKind::Input(_) => ffi::JACK_PORT_IS_INPUT,
            SlotKind::Output(_) => ffi::JACK_PORT_IS_OUTPUT,
        };
        let attempts = if exact { 1 } else { MAX_PORTS };
        let port = (1..=attempts)
            .map(|n| match n {
                1 => name.to_string(),
                n => format!("{name}-{n}"),
            })
            .find_map(|candidate| {
                let c_name = CString::new(candidate).ok()?;
                // SAFETY: an open client and NUL-terminated strings.
                let port = unsafe {
                    ffi::jack_port_register(raw, c_name.as_ptr(), MIDI_TYPE.as_ptr(), flags, 0)
                };
                NonNull::new(port)
            })
            .ok_or_else(|| {
                Error::Midi(format!(
                    "cannot register the JACK port {}:{name} (a port of that name exists, or \
                     the server refused it)",
                    self.name
                ))
            })?;
        // SAFETY: a registered port; its name is NUL-terminated and read at once.
        let full_name = unsafe { CStr::from_ptr(ffi::jack_port_name(port.as_ptr())) }
            .to_string_lossy()
            .into_owned();
        let slot = Arc::new(Slot {
            port: port.as_ptr(),
            kind,
        });
        let shared = Arc::into_raw(Arc::clone(&slot)).cast_mut();
        let index = self.rt.ports.iter().position(|entry| {
            entry
                .compare_exchange(ptr::null_mut(), shared, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        let Some(index) = index else {
            // SAFETY: `shared` came from Arc::into_raw above and was not stored.
            drop(unsafe { Arc::from_raw(shared) });
            // SAFETY: registered above on this open client and in no table.
            unsafe { ffi::jack_port_unregister(raw, port.as_ptr()) };
            return Err(Error::Midi(format!(
                "cannot open more than {MAX_PORTS} MIDI ports in one process"
            )));
        };
        Ok((index, slot, full_name))
    }

    /// Takes the port at `index` out of the table and unregisters it. Returns `false`
    /// when a process cycle that may still use it did not end in time: the caller must
    /// then leak the slot rather than free it.
    fn remove_port(&self, index: usize, slot: &Slot) -> bool {
        let guard = self.lock();
        let shared = self.rt.ports[index].swap(ptr::null_mut(), Ordering::SeqCst);
        // A closed client runs no process cycle any more.
        if guard.is_some() && !self.wait_for_cycle_end() {
            // The port stays registered (it goes with the client) and the table's
            // reference is leaked: a cycle that never ended may still use both.
            return false;
        }
        if let Some(raw) = *guard {
            if self.rt.alive.load(Ordering::Acquire) {
                // SAFETY: registered on this open client; no process cycle reaches it.
                unsafe { ffi::jack_port_unregister(raw.as_ptr(), slot.port) };
            }
        }
        if !shared.is_null() {
            // SAFETY: the table's reference, made by Arc::into_raw in `add_port`, no
            // longer reachable by the process callback.
            drop(unsafe { Arc::from_raw(shared.cast_const()) });
        }
        true
    }

    /// Waits until no process cycle that started before now is running.
    fn wait_for_cycle_end(&self) -> bool {
        let seen = self.rt.cycles.load(Ordering::SeqCst);
        if seen % 2 == 0 {
            return true;
        }
        let deadline = Instant::now() + CYCLE_WAIT;
        while self.rt.cycles.load(Ordering::SeqCst) == seen {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        true
    }

    /// Connects two ports by name; a connection that already exists is fine.
    fn connect(&self, source: &str, destination: &str) -> Result<()> {
        let (_guard, raw) = self.raw()?;
        let source_c = c_string(source, "JACK port name")?;
        let destination_c = c_string(destination, "JACK port name")?;
        // SAFETY: an open client and NUL-terminated names.
        let result = unsafe { ffi::jack_connect(raw, source_c.as_ptr(), destination_c.as_ptr()) };
        if result == 0 || result == EEXIST {
            Ok(())
        } else {
            Err(Error::Midi(format!(
                "JACK refused to connect {source} to {destination} (error {result})"
            )))
        }
    }

    /// Opens an input port named `name`, connected from `source` if given, that calls
    /// `callback(timestamp_us, bytes)` for every event, on JACK's process thread.
    pub(crate) fn open_input(
        self: &Arc<Self>,
        name: &str,
        exact: bool,
        source: Option<&str>,
        callback: InputCallback,
    ) -> Result<Input> {
        let kind = SlotKind::Input(UnsafeCell::new(Some(callback)));
        let (index, slot, full_name) = self.add_port(name, exact, kind)?;
        let input = Input {
            port: Port {
                client: Arc::clone(self),
                index,
                slot: Some(slot),
                full_name,
            },
        };
        if let Some(source) = source {
            self.connect(source, &input.port.full_name)?;
        }
        Ok(input)
    }

    /// Opens an output port named `name`, connected to `destination` if given.
    pub(crate) fn open_output(
        self: &Arc<Self>,
        name: &str,
        exact: bool,
        destination: Option<&str>,
    ) -> Result<Output> {
        let kind = SlotKind::Output(ByteQueue::new(OUTPUT_QUEUE_BYTES));
        let (index, slot, full_name) = self.add_port(name, exact, kind)?;
        let output = Output {
            port: Port {
                client: Arc::clone(self),
                index,
                slot: Some(slot),
                full_name,
            },
        };
        if let Some(destination) = destination {
            self.connect(&output.port.full_name, destination)?;
        }
        Ok(output)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.close();
    }
}

/// One of Conductor's ports; unregistered when dropped.
struct Port {
    client: Arc<Client>,
    index: usize,
    slot: Option<Arc<Slot>>,
    full_name: String,
}

impl Port {
    /// Removes the port and hands back its slot, unless a stuck process cycle may still
    /// use it (then the slot is leaked and `None` returned).
    fn remove(&mut self) -> Option<Arc<Slot>> {
        let slot = self.slot.take()?;
        if self.client.remove_port(self.index, &slot) {
            Some(slot)
        } else {
            std::mem::forget(slot);
            None
        }
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        drop(self.remove());
    }
}

/// An input port on Conductor's JACK client.
pub(crate) struct Input {
    port: Port,
}

impl Input {
    /// Unregisters the port and hands the callback back.
    pub(crate) fn close(mut self) -> InputCallback {
        let callback = self.port.remove().and_then(|slot| match &slot.kind {
            // SAFETY: the slot is out of the table and no process cycle uses it any
            // more, so this thread is the only one touching the callback.
            SlotKind::Input(cell) => unsafe { (*cell.get()).take() },
            SlotKind::Output(_) => None,
        });
        callback.unwrap_or_else(|| Box::new(|_, _| {}))
    }
}

/// An output port on Conductor's JACK client.
pub(crate) struct Output {
    port: Port,
}

impl Output {
    /// Queues `bytes` (one MIDI event) for the next process cycle, which writes it at
    /// the cycle's first frame.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let Some(slot) = &self.port.slot else {
            return Err(Error::Midi("the MIDI output is closed".into()));
        };
        if !self.port.client.rt.alive.load(Ordering::Acquire) {
            return Err(Error::Midi(
                "the JACK server has gone away; MIDI ports on it are closed".into(),
            ));
        }
        let SlotKind::Output(queue) = &slot.kind else {
            unreachable!("an Output holds an output slot");
        };
        // `&mut self` makes this the queue's only producer.
        if queue.push(bytes) {
            Ok(())
        } else {
            Err(Error::Midi(format!(
                "the MIDI output queue is full ({OUTPUT_QUEUE_BYTES} bytes not yet taken by \
                 JACK); {} bytes dropped",
                bytes.len()
            )))
        }
    }
}

impl Output {
    /// Waits (up to `patience`) until the process thread has written everything queued
    /// so far, so that messages sent just before closing (a device's `shutdown`
    /// sequence) reach the port they were sent to.
    pub(crate) fn drain(&self, patience: Duration) {
        let Some(slot) = &self.port.slot else {
            return;
        };
        let SlotKind::Output(queue) = &slot.kind else {
            return;
        };
        let deadline = Instant::now() + patience;
        while !queue.is_empty()
            && self.port.client.rt.alive.load(Ordering::Acquire)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        // The cycle that took the last bytes writes them; a port of this same client
        // reads them one cycle later. Wait for that cycle to end too (the counter goes
        // up at the start and at the end of every cycle).
        let seen = self.port.client.rt.cycles.load(Ordering::SeqCst);
        while self.port.client.rt.cycles.load(Ordering::SeqCst) < seen + 4
            && self.port.client.rt.alive.load(Ordering::Acquire)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// JACK's process callback: reads every input port, then writes every output port.
///
/// Inputs first: a port connected to one of our own outputs then sees each event
/// exactly once (what the output wrote in the previous cycle), never an output buffer
/// half rewritten.
unsafe extern "C" fn process(nframes: u32, arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the client's `Realtime`, alive until the client is closed.
    let rt = unsafe { &*(arg as *const Realtime) };
    rt.cycles.fetch_add(1, Ordering::SeqCst);
    // SAFETY: called on the process thread of an open client.
    let first_frame = unsafe { ffi::jack_last_frame_time(rt.client) };
    for entry in &rt.ports {
        let slot = entry.load(Ordering::SeqCst);
        // SAFETY: a slot in the table stays alive until `remove_port` has seen this
        // cycle end.
        let Some(slot) = (unsafe { slot.as_ref() }) else {
            continue;
        };
        if let SlotKind::Input(callback) = &slot.kind {
            // SAFETY: while the slot is in the table only this thread uses the callback.
            if let Some(callback) = unsafe { &mut *callback.get() } {
                // SAFETY: a registered port and this cycle's frame count.
                unsafe { read_input(rt.client, slot.port, nframes, first_frame, callback) };
            }
        }
    }
    for entry in &rt.ports {
        let slot = entry.load(Ordering::SeqCst);
        // SAFETY: as above.
        let Some(slot) = (unsafe { slot.as_ref() }) else {
            continue;
        };
        if let SlotKind::Output(queue) = &slot.kind {
            // SAFETY: a registered port and this cycle's frame count; this thread is
            // the queue's only consumer.
            unsafe { write_output(slot.port, nframes, queue) };
        }
    }
    rt.cycles.fetch_add(1, Ordering::SeqCst);
    0
}

/// Hands every event of `port` in this cycle to `callback`, with its time in
/// microseconds (JACK's clock, at the event's own frame).
///
/// # Safety
/// On the process thread, with a port registered on `client`.
unsafe fn read_input(
    client: *mut ffi::jack_client_t,
    port: *mut ffi::jack_port_t,
    nframes: u32,
    first_frame: u32,
    callback: &mut InputCallback,
) {
    // SAFETY: the caller's contract.
    let buffer = unsafe { ffi::jack_port_get_buffer(port, nframes) };
    if buffer.is_null() {
        return;
    }
    // SAFETY: a MIDI port buffer of this cycle.
    let count = unsafe { ffi::jack_midi_get_event_count(buffer) };
    for i in 0..count {
        let mut event = ffi::jack_midi_event_t {
            time: 0,
            size: 0,
            buffer: ptr::null_mut(),
        };
        // SAFETY: `i` is below the event count of this buffer.
        if unsafe { ffi::jack_midi_event_get(&mut event, buffer, i) } != 0 || event.buffer.is_null()
        {
            continue;
        }
        // SAFETY: JACK's event data, valid for this cycle.
        let bytes = unsafe { std::slice::from_raw_parts(event.buffer, event.size) };
        // SAFETY: on the process thread of an open client.
        let timestamp =
            unsafe { ffi::jack_frames_to_time(client, first_frame.wrapping_add(event.time)) };
        // A panicking callback must not unwind into libjack; the event is dropped.
        let _ = catch_unwind(AssertUnwindSafe(|| callback(timestamp, bytes)));
    }
}

/// Writes what is queued for `port` at the start of this cycle. What does not fit in
/// JACK's buffer stays queued for the next cycle.
///
/// # Safety
/// On the process thread, with a port registered on the client, as the queue's only
/// consumer.
unsafe fn write_output(port: *mut ffi::jack_port_t, nframes: u32, queue: &ByteQueue) {
    // SAFETY: the caller's contract.
    let buffer = unsafe { ffi::jack_port_get_buffer(port, nframes) };
    if buffer.is_null() {
        return;
    }
    // SAFETY: a MIDI port buffer of this cycle.
    unsafe { ffi::jack_midi_clear_buffer(buffer) };
    while let Some(len) = queue.front_len() {
        // SAFETY: as above; reserving returns null when the buffer is full.
        let data = unsafe { ffi::jack_midi_event_reserve(buffer, 0, len) };
        if data.is_null() {
            break;
        }
        // SAFETY: JACK reserved `len` bytes at `data` for this cycle.
        queue.pop_into(unsafe { std::slice::from_raw_parts_mut(data, len) });
    }
}

/// JACK's shutdown callback: the server has gone.
unsafe extern "C" fn shutdown(arg: *mut c_void) {
    // SAFETY: `arg` is the client's `Realtime`, alive until the client is closed.
    let rt = unsafe { &*(arg as *const Realtime) };
    rt.alive.store(false, Ordering::Release);
}

fn c_string(text: &str, what: &str) -> Result<CString> {
    CString::new(text)
        .map_err(|_| Error::InvalidArgument(format!("{what} {text:?} contains a NUL byte")))
}

/// What jack_connect returns for a connection that already exists.
#[cfg(unix)]
const EEXIST: c_int = libc::EEXIST;
#[cfg(not(unix))]
const EEXIST: c_int = 17;

#[cfg(test)]
mod tests {
    // The backend itself is exercised against a real server by
    // tests/midi_ports_jack.rs and the CLI's JACK tests.
    use super::*;

    #[test]
    fn names_with_nul_are_refused() {
        assert!(c_string("a\0b", "JACK port name").is_err());
        assert_eq!(c_string("ok", "JACK port name").unwrap().as_bytes(), b"ok");
    }
}
