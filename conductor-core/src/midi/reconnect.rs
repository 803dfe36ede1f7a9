//! An input that survives its device being unplugged: a background thread polls the port
//! list, reports when the port goes away, and reopens it by name when it comes back.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::ports::{self, InputCallback, InputConnection, Lister, PortInfo, PortSelector};
use crate::error::{Error, Result};

/// How often [`ReconnectingInput::open`] polls the port list.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(500);

/// A change in a [`ReconnectingInput`]'s connection, reported on its watcher thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortEvent {
    /// The port went away (device unplugged, program closed); the input waits for it.
    Disconnected {
        /// The port's name.
        port: String,
    },
    /// The port came back and is open again.
    Reconnected {
        /// The port's name now (an ALSA address may differ from before).
        port: String,
    },
    /// The port is back but could not be opened; retried at the next poll.
    ReconnectFailed {
        /// The port's name.
        port: String,
        /// Why.
        reason: String,
    },
    /// The MIDI system could not be asked for its ports (for example the JACK server
    /// stopped); retried at the next poll.
    BackendUnavailable {
        /// Why.
        reason: String,
    },
}

/// What the watcher thread shares with the handle.
#[derive(Debug)]
struct Status {
    port: String,
    connected: bool,
}

/// An input port kept open across disconnections.
///
/// The port must exist when this is opened (so a misspelt name fails at once, listing the
/// ports that exist). After that, a background thread polls the port list every
/// [`DEFAULT_POLL_INTERVAL`]: when the port disappears it reports
/// [`PortEvent::Disconnected`]; when a port with the same name reappears it reopens it and
/// reports [`PortEvent::Reconnected`]. Bytes go to the same callback throughout. Dropping
/// the value closes the port and stops the thread.
///
/// ```no_run
/// use conductor_core::midi::{PortEvent, PortSelector, ReconnectingInput};
/// let input = ReconnectingInput::open(
///     &PortSelector::Name("Launchpad".into()),
///     "conductor",
///     |timestamp_us, bytes| println!("{timestamp_us}: {bytes:02X?}"),
///     |event| eprintln!("{event:?}"),
/// )?;
/// println!("listening to {}", input.port_name());
/// # Ok::<(), conductor_core::Error>(())
/// ```
pub struct ReconnectingInput {
    status: Arc<Mutex<Status>>,
    /// Dropping it wakes and stops the watcher thread.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ReconnectingInput {
    /// Opens the input `selector` picks and keeps it open, polling every
    /// [`DEFAULT_POLL_INTERVAL`]. `callback` gets every packet, `on_event` every
    /// disconnection and reconnection.
    pub fn open(
        selector: &PortSelector,
        client_name: &str,
        callback: impl FnMut(u64, &[u8]) + Send + 'static,
        on_event: impl FnMut(PortEvent) + Send + 'static,
    ) -> Result<ReconnectingInput> {
        Self::open_with_interval(
            selector,
            client_name,
            DEFAULT_POLL_INTERVAL,
            callback,
            on_event,
        )
    }

    /// [`ReconnectingInput::open`] with a chosen polling interval.
    pub fn open_with_interval(
        selector: &PortSelector,
        client_name: &str,
        poll_interval: Duration,
        callback: impl FnMut(u64, &[u8]) + Send + 'static,
        on_event: impl FnMut(PortEvent) + Send + 'static,
    ) -> Result<ReconnectingInput> {
        // One callback for every connection this input will ever have. Only one
        // connection exists at a time, so the lock is never contended.
        let shared: Arc<Mutex<InputCallback>> = Arc::new(Mutex::new(Box::new(callback)));
        let connection = connect(selector, client_name, &shared)?;
        let port_id = current_id(client_name, connection.port_name());
        let status = Arc::new(Mutex::new(Status {
            port: connection.port_name().to_string(),
            connected: true,
        }));
        let (stop, stopped) = mpsc::channel();
        let mut watcher = Watcher {
            client_name: client_name.to_string(),
            poll_interval,
            callback: shared,
            status: Arc::clone(&status),
            connection: Some(connection),
            port_id,
            on_event: Box::new(on_event),
            ports: None,
            last_failure: None,
        };
        let thread = std::thread::Builder::new()
            .name(format!("conductor-midi-watch-{client_name}"))
            .spawn(move || watcher.run(stopped))
            .map_err(|e| Error::Midi(format!("cannot start the MIDI port watcher thread: {e}")))?;
        Ok(ReconnectingInput {
            status,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The port's name (as last opened).
    pub fn port_name(&self) -> String {
        lock(&self.status).port.clone()
    }

    /// Whether the port is open right now.
    pub fn is_connected(&self) -> bool {
        lock(&self.status).connected
    }
}

impl Drop for ReconnectingInput {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for ReconnectingInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = lock(&self.status);
        f.debug_struct("ReconnectingInput")
            .field("port", &status.port)
            .field("connected", &status.connected)
            .finish()
    }
}

/// The watcher thread's state.
struct Watcher {
    client_name: String,
    poll_interval: Duration,
    callback: Arc<Mutex<InputCallback>>,
    status: Arc<Mutex<Status>>,
    connection: Option<InputConnection>,
    /// The backend id of the port we are connected to, to notice a replugged device that
    /// came back between two polls under a new ALSA address.
    port_id: Option<String>,
    on_event: Box<dyn FnMut(PortEvent) + Send>,
    /// What lists the ports, made on first use and remade after a failure.
    ports: Option<Lister>,
    /// The last reconnection failure reported, so an outage is reported once, not at
    /// every poll.
    last_failure: Option<String>,
}

impl Watcher {
    fn run(&mut self, stopped: mpsc::Receiver<()>) {
        // Sleeps between polls; wakes early, and stops, when the handle is dropped.
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(self.poll_interval) {
            self.poll();
        }
        if let Some(connection) = self.connection.take() {
            drop(connection.close());
        }
    }

    fn poll(&mut self) {
        let Some(ports) = self.list_ports() else {
            return;
        };
        let wanted = lock(&self.status).port.clone();
        let found = ports.iter().find(|p| same_port(&p.name, &wanted));
        match (self.connection.is_some(), found) {
            (true, Some(p)) if self.port_id.as_deref().is_none_or(|id| id == p.id) => {}
            (true, _) => {
                // Gone, or replaced by a new port of the same name since the last poll.
                if let Some(connection) = self.connection.take() {
                    drop(connection.close());
                }
                lock(&self.status).connected = false;
                // Remake the listing client next time: after a server restart the old
                // one would list nothing forever.
                self.ports = None;
                (self.on_event)(PortEvent::Disconnected { port: wanted });
                if let Some(p) = found.cloned() {
                    self.reconnect(&p);
                }
            }
            (false, Some(p)) => {
                let p = p.clone();
                self.reconnect(&p);
            }
            (false, None) => self.ports = None,
        }
    }

    fn reconnect(&mut self, port: &PortInfo) {
        match connect(
            &PortSelector::Name(port.name.clone()),
            &self.client_name,
            &self.callback,
        ) {
            Ok(connection) => {
                {
                    let mut status = lock(&self.status);
                    status.port = connection.port_name().to_string();
                    status.connected = true;
                }
                self.port_id = Some(port.id.clone());
                self.connection = Some(connection);
                self.last_failure = None;
                (self.on_event)(PortEvent::Reconnected {
                    port: port.name.clone(),
                });
            }
            Err(e) => {
                let reason = e.to_string();
                if self.last_failure.as_ref() != Some(&reason) {
                    self.last_failure = Some(reason.clone());
                    (self.on_event)(PortEvent::ReconnectFailed {
                        port: port.name.clone(),
                        reason,
                    });
                }
            }
        }
    }

    /// The current input ports, or `None` (reported once) when the backend is away.
    fn list_ports(&mut self) -> Option<Vec<PortInfo>> {
        if self.ports.is_none() {
            match Lister::for_watcher(&self.client_name) {
                Ok(lister) => self.ports = Some(lister),
                Err(e) => {
                    let reason = e.to_string();
                    if self.last_failure.as_ref() != Some(&reason) {
                        self.last_failure = Some(reason.clone());
                        (self.on_event)(PortEvent::BackendUnavailable { reason });
                    }
                    return None;
                }
            }
        }
        self.ports.as_ref().map(Lister::input_ports)
    }
}

/// Opens `selector` with a forwarding callback into `shared`.
fn connect(
    selector: &PortSelector,
    client_name: &str,
    shared: &Arc<Mutex<InputCallback>>,
) -> Result<InputConnection> {
    let shared = Arc::clone(shared);
    let forward: InputCallback = Box::new(move |timestamp, bytes| {
        let mut callback = shared.lock().unwrap_or_else(PoisonError::into_inner);
        callback(timestamp, bytes)
    });
    ports::connect_input(selector, client_name, forward)
}

/// The backend id of the input port named `name`, if it can be listed.
fn current_id(client_name: &str, name: &str) -> Option<String> {
    Lister::for_watcher(client_name)
        .ok()?
        .input_ports()
        .into_iter()
        .find(|p| p.name == name)
        .map(|p| p.id)
}

/// Whether two port names are the same port, ignoring the `client:port` address ALSA
/// appends (`"nanoKONTROL2:nanoKONTROL2 MIDI 1 24:0"`), which changes on replugging.
fn same_port(a: &str, b: &str) -> bool {
    a == b || strip_alsa_address(a) == strip_alsa_address(b)
}

/// `name` without the `client:port` address ALSA appends (it changes on replugging).
pub(crate) fn strip_alsa_address(name: &str) -> &str {
    match name.rsplit_once(' ') {
        Some((head, tail))
            if tail.split_once(':').is_some_and(|(c, p)| {
                !c.is_empty()
                    && !p.is_empty()
                    && c.bytes().all(|b| b.is_ascii_digit())
                    && p.bytes().all(|b| b.is_ascii_digit())
            }) =>
        {
            head
        }
        _ => name,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alsa_addresses_are_ignored_when_matching_names() {
        assert!(same_port("nano:nano MIDI 1 24:0", "nano:nano MIDI 1 28:0"));
        assert!(!same_port("nano:nano MIDI 1 24:0", "nano:nano MIDI 2 24:0"));
        assert!(same_port("system:midi_capture_1", "system:midi_capture_1"));
        assert!(!same_port("system:midi_capture_1", "system:midi_capture_2"));
        assert_eq!(strip_alsa_address("a b:c"), "a b:c");
    }
}
