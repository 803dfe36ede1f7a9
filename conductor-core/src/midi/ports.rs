//! MIDI ports through midir: listing, choosing one by index or name, opening inputs and
//! outputs, and virtual ports other programs can connect to.
//!
//! The backend is the OS default (ALSA on Linux, CoreMIDI on macOS, WinMM on Windows), or
//! JACK when conductor-core is built with the `jack` feature. When the backend itself is
//! unavailable (no ALSA sequencer, no JACK server) every function here returns an
//! [`Error::Midi`] that says so and what to do instead; nothing panics.
//!
//! With JACK, all the ports a process opens live on one JACK client (see the `jack`
//! module for why): named after the first `client_name` used, `conductor` by default,
//! with the ports `conductor-in`, `conductor-out` and the virtual ports on it.

use std::fmt;

#[cfg(not(feature = "jack"))]
use midir::{MidiIO, MidiInput, MidiInputConnection, MidiOutput, MidiOutputConnection};

#[cfg(feature = "jack")]
use super::jack;

use super::message::MidiMessage;
use crate::error::{Error, Result};

#[cfg(not(feature = "jack"))]
use super::port_info::backend_unavailable;
pub use super::port_info::{InputCallback, PortDirection, PortInfo};
pub use super::port_selector::PortSelector;

/// The client name Conductor registers with the MIDI system when the caller gives none.
pub const DEFAULT_CLIENT_NAME: &str = "conductor";

/// Lists the ports Conductor can receive MIDI from.
pub fn input_ports() -> Result<Vec<PortInfo>> {
    Ok(Lister::new(DEFAULT_CLIENT_NAME)?.input_ports())
}

/// Lists the ports Conductor can send MIDI to.
pub fn output_ports() -> Result<Vec<PortInfo>> {
    #[cfg(feature = "jack")]
    {
        Ok(jack::shared_client(DEFAULT_CLIENT_NAME)?.ports(PortDirection::Output))
    }
    #[cfg(not(feature = "jack"))]
    {
        let midi = new_output(DEFAULT_CLIENT_NAME)?;
        Ok(list(&midi).1)
    }
}

/// Lists the input ports, again and again (what [`super::ReconnectingInput`] polls with).
pub(crate) struct Lister {
    /// With JACK: the process's one client.
    #[cfg(feature = "jack")]
    client: std::sync::Arc<jack::Client>,
    /// Otherwise a backend client of its own, used only for listing.
    #[cfg(not(feature = "jack"))]
    midi: MidiInput,
}

impl Lister {
    /// A lister; `client_name` names the backend client when one is made.
    pub(crate) fn new(client_name: &str) -> Result<Lister> {
        #[cfg(feature = "jack")]
        {
            Ok(Lister {
                client: jack::shared_client(checked_name(client_name)?)?,
            })
        }
        #[cfg(not(feature = "jack"))]
        {
            Ok(Lister {
                midi: new_input(client_name)?,
            })
        }
    }

    /// The lister of a watcher for `client_name`'s inputs: with JACK the process's
    /// client, otherwise a listing client of its own, `{client_name}-watch`.
    pub(crate) fn for_watcher(client_name: &str) -> Result<Lister> {
        if cfg!(feature = "jack") {
            Lister::new(client_name)
        } else {
            Lister::new(&format!("{client_name}-watch"))
        }
    }

    /// The ports Conductor can receive from now (none when the backend has gone).
    pub(crate) fn input_ports(&self) -> Vec<PortInfo> {
        #[cfg(feature = "jack")]
        {
            self.client.ports(PortDirection::Input)
        }
        #[cfg(not(feature = "jack"))]
        {
            list(&self.midi).1
        }
    }
}

/// An open input: `callback` runs on the backend's thread for every packet until this is
/// dropped or closed.
pub struct InputConnection {
    #[cfg(feature = "jack")]
    connection: jack::Input,
    #[cfg(not(feature = "jack"))]
    connection: MidiInputConnection<InputCallback>,
    port_name: String,
}

impl InputConnection {
    /// The name of the port this connection listens to (for a virtual port, the name it
    /// was created with).
    pub fn port_name(&self) -> &str {
        &self.port_name
    }

    /// Closes the connection and hands the callback back.
    pub fn close(self) -> InputCallback {
        #[cfg(feature = "jack")]
        {
            self.connection.close()
        }
        #[cfg(not(feature = "jack"))]
        {
            self.connection.close().1
        }
    }
}

impl fmt::Debug for InputConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputConnection")
            .field("port_name", &self.port_name)
            .finish()
    }
}

/// An open output.
pub struct OutputConnection {
    #[cfg(feature = "jack")]
    connection: jack::Output,
    #[cfg(not(feature = "jack"))]
    connection: MidiOutputConnection,
    port_name: String,
}

impl OutputConnection {
    /// The name of the port this connection sends to (for a virtual port, the name it
    /// was created with).
    pub fn port_name(&self) -> &str {
        &self.port_name
    }

    /// Sends raw bytes: one or more complete messages with status bytes.
    pub fn send(&mut self, bytes: &[u8]) -> Result<()> {
        self.connection.send(bytes).map_err(|e| {
            Error::Midi(format!(
                "cannot send to MIDI output {}: {e}",
                self.port_name
            ))
        })
    }

    /// Encodes and sends one message. Messages other than SysEx are encoded without
    /// allocating.
    pub fn send_message(&mut self, message: &MidiMessage) -> Result<()> {
        match message.encode_short() {
            Some((bytes, len)) => self.send(&bytes[..len]),
            None => self.send(&message.to_bytes()),
        }
    }

    /// Closes the connection, after what was sent has gone out (with JACK, waiting up
    /// to a second for the process thread to write it).
    pub fn close(self) {
        // With JACK, dropping the connection unregisters its port.
        #[cfg(feature = "jack")]
        self.connection.drain(std::time::Duration::from_secs(1));
        #[cfg(not(feature = "jack"))]
        self.connection.close();
    }
}

impl fmt::Debug for OutputConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutputConnection")
            .field("port_name", &self.port_name)
            .finish()
    }
}

/// Opens the input port `selector` picks and calls `callback(timestamp_us, bytes)` for
/// every packet that arrives, on the backend's thread.
///
/// `client_name` is how Conductor appears to the MIDI system. If no port matches, the
/// error lists the ports that exist.
pub fn open_input(
    selector: &PortSelector,
    client_name: &str,
    callback: impl FnMut(u64, &[u8]) + Send + 'static,
) -> Result<InputConnection> {
    connect_input(selector, client_name, Box::new(callback))
}

/// [`open_input`] with the callback already boxed.
pub(crate) fn connect_input(
    selector: &PortSelector,
    client_name: &str,
    callback: InputCallback,
) -> Result<InputConnection> {
    let local_name = format!("{}-in", checked_name(client_name)?);
    #[cfg(feature = "jack")]
    {
        let client = jack::shared_client(client_name)?;
        let info = select(
            &client.ports(PortDirection::Input),
            selector,
            PortDirection::Input,
        )?;
        let connection = client
            .open_input(&local_name, false, Some(&info.name), callback)
            .map_err(|e| Error::Midi(format!("cannot open MIDI input {}: {e}", info.name)))?;
        Ok(InputConnection {
            connection,
            port_name: info.name,
        })
    }
    #[cfg(not(feature = "jack"))]
    {
        let midi = new_input(client_name)?;
        let (ports, infos) = list(&midi);
        let info = select(&infos, selector, PortDirection::Input)?;
        let connection = midi
            .connect(
                &ports[info.index],
                &local_name,
                |ts, bytes, cb: &mut InputCallback| cb(ts, bytes),
                callback,
            )
            .map_err(|e| Error::Midi(format!("cannot open MIDI input {}: {e}", info.name)))?;
        Ok(InputConnection {
            connection,
            port_name: info.name,
        })
    }
}

/// Opens the output port `selector` picks.
pub fn open_output(selector: &PortSelector) -> Result<OutputConnection> {
    let local_name = format!("{DEFAULT_CLIENT_NAME}-out");
    #[cfg(feature = "jack")]
    {
        let client = jack::shared_client(DEFAULT_CLIENT_NAME)?;
        let info = select(
            &client.ports(PortDirection::Output),
            selector,
            PortDirection::Output,
        )?;
        let connection = client
            .open_output(&local_name, false, Some(&info.name))
            .map_err(|e| Error::Midi(format!("cannot open MIDI output {}: {e}", info.name)))?;
        Ok(OutputConnection {
            connection,
            port_name: info.name,
        })
    }
    #[cfg(not(feature = "jack"))]
    {
        let midi = new_output(DEFAULT_CLIENT_NAME)?;
        let (ports, infos) = list(&midi);
        let info = select(&infos, selector, PortDirection::Output)?;
        let connection = midi
            .connect(&ports[info.index], &local_name)
            .map_err(|e| Error::Midi(format!("cannot open MIDI output {}: {e}", info.name)))?;
        Ok(OutputConnection {
            connection,
            port_name: info.name,
        })
    }
}

/// Creates an input port named `name` that other programs can send to, and calls
/// `callback(timestamp_us, bytes)` for what they send. Not available on Windows.
#[cfg(unix)]
pub fn create_virtual_input(
    name: &str,
    callback: impl FnMut(u64, &[u8]) + Send + 'static,
) -> Result<InputConnection> {
    let name = checked_name(name)?;
    let callback: InputCallback = Box::new(callback);
    #[cfg(feature = "jack")]
    let connection =
        jack::shared_client(DEFAULT_CLIENT_NAME)?.open_input(name, true, None, callback);
    #[cfg(not(feature = "jack"))]
    let connection = {
        use midir::os::unix::VirtualInput;
        new_input(DEFAULT_CLIENT_NAME)?.create_virtual(
            name,
            |ts, bytes, cb: &mut InputCallback| cb(ts, bytes),
            callback,
        )
    };
    let connection = connection
        .map_err(|e| Error::Midi(format!("cannot create virtual MIDI input {name}: {e}")))?;
    Ok(InputConnection {
        connection,
        port_name: name.to_string(),
    })
}

/// Creates an output port named `name` that other programs can receive from. Not
/// available on Windows.
#[cfg(unix)]
pub fn create_virtual_output(name: &str) -> Result<OutputConnection> {
    let name = checked_name(name)?;
    #[cfg(feature = "jack")]
    let connection = jack::shared_client(DEFAULT_CLIENT_NAME)?.open_output(name, true, None);
    #[cfg(not(feature = "jack"))]
    let connection = {
        use midir::os::unix::VirtualOutput;
        new_output(DEFAULT_CLIENT_NAME)?.create_virtual(name)
    };
    let connection = connection
        .map_err(|e| Error::Midi(format!("cannot create virtual MIDI output {name}: {e}")))?;
    Ok(OutputConnection {
        connection,
        port_name: name.to_string(),
    })
}

/// Picks the port `selector` means from `ports`: an index, else an exact name, else the
/// first name containing the text (case-sensitive first, then ignoring case).
pub(crate) fn select(
    ports: &[PortInfo],
    selector: &PortSelector,
    direction: PortDirection,
) -> Result<PortInfo> {
    pick_port(ports, selector)
        .cloned()
        .ok_or_else(|| missing_port(ports, selector, direction))
}

/// The port `selector` means among `ports`, as [`select`] picks it; `None` when none.
pub(crate) fn pick_port<'a>(
    ports: &'a [PortInfo],
    selector: &PortSelector,
) -> Option<&'a PortInfo> {
    match selector {
        PortSelector::Index(i) => ports.get(*i),
        PortSelector::Name(text) => {
            let lower = text.to_lowercase();
            ports
                .iter()
                .find(|p| p.name == *text)
                .or_else(|| ports.iter().find(|p| p.name.contains(text.as_str())))
                .or_else(|| {
                    ports
                        .iter()
                        .find(|p| p.name.to_lowercase().contains(&lower))
                })
        }
    }
}

/// The error for a selector that matches nothing, listing what exists.
fn missing_port(ports: &[PortInfo], selector: &PortSelector, direction: PortDirection) -> Error {
    let noun = direction.noun();
    let what = match selector {
        PortSelector::Index(i) => format!("there is no MIDI {noun} port #{i}"),
        PortSelector::Name(name) => format!("no MIDI {noun} port name contains \"{name}\""),
    };
    if ports.is_empty() {
        let hint = match direction {
            PortDirection::Input => {
                "connect a device, or create a virtual port (--virtual) for other programs to \
                 send to"
            }
            PortDirection::Output => "connect a device or start the program to send to",
        };
        return Error::Midi(format!("{what}: there are no MIDI {noun} ports ({hint})"));
    }
    let listing: Vec<String> = ports.iter().map(|p| format!("  {p}")).collect();
    Error::Midi(format!(
        "{what}; the {noun} ports are:\n{}\n(choose one by number or by part of its name)",
        listing.join("\n")
    ))
}

/// Lists `midi`'s ports: midir's handles and their descriptions, index for index.
#[cfg(not(feature = "jack"))]
pub(crate) fn list<M: MidiIO>(midi: &M) -> (Vec<M::Port>, Vec<PortInfo>)
where
    M::Port: PortId,
{
    let ports = midi.ports();
    let infos = ports
        .iter()
        .enumerate()
        .map(|(index, port)| PortInfo {
            index,
            // A port can vanish between listing and naming; it still takes its index.
            name: midi
                .port_name(port)
                .unwrap_or_else(|_| format!("(port {index} is gone)")),
            id: port.port_id(),
        })
        .collect();
    (ports, infos)
}

/// midir's port types both have `id()`, but not through a shared trait.
#[cfg(not(feature = "jack"))]
pub(crate) trait PortId {
    fn port_id(&self) -> String;
}

#[cfg(not(feature = "jack"))]
impl PortId for midir::MidiInputPort {
    fn port_id(&self) -> String {
        self.id()
    }
}

#[cfg(not(feature = "jack"))]
impl PortId for midir::MidiOutputPort {
    fn port_id(&self) -> String {
        self.id()
    }
}

/// A client/port name the backends accept (no NUL byte, not empty).
fn checked_name(name: &str) -> Result<&str> {
    if name.is_empty() || name.contains('\0') {
        return Err(Error::InvalidArgument(format!(
            "MIDI client and port names must be non-empty and contain no NUL byte, got {name:?}"
        )));
    }
    Ok(name)
}

#[cfg(not(feature = "jack"))]
fn new_input(client_name: &str) -> Result<MidiInput> {
    let client_name = checked_name(client_name)?;
    MidiInput::new(client_name).map_err(|e| backend_unavailable(&e.to_string()))
}

#[cfg(not(feature = "jack"))]
fn new_output(client_name: &str) -> Result<MidiOutput> {
    let client_name = checked_name(client_name)?;
    MidiOutput::new(client_name).map_err(|e| backend_unavailable(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(names: &[&str]) -> Vec<PortInfo> {
        names
            .iter()
            .enumerate()
            .map(|(index, name)| PortInfo {
                index,
                name: name.to_string(),
                id: name.to_string(),
            })
            .collect()
    }

    #[test]
    fn selects_by_index_exact_name_then_substring_then_any_case() {
        let list = ports(&[
            "Midi Through:Port-0 14:0",
            "nanoKEY2:nanoKEY2 MIDI 1 24:0",
            "KEY",
        ]);
        let pick = |s: &str| {
            select(&list, &s.parse().unwrap(), PortDirection::Input)
                .unwrap()
                .index
        };
        assert_eq!(pick("1"), 1);
        assert_eq!(pick("KEY"), 2);
        assert_eq!(pick("nanoKEY"), 1);
        assert_eq!(pick("through"), 0);
    }

    #[test]
    fn a_missing_port_lists_the_ports_that_exist() {
        let list = ports(&["system:midi_capture_1", "a2j:Keystation"]);
        let err = select(
            &list,
            &PortSelector::Name("Launchpad".into()),
            PortDirection::Input,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("no MIDI input port name contains \"Launchpad\""),
            "{err}"
        );
        assert!(err.contains("0: system:midi_capture_1"), "{err}");
        assert!(err.contains("1: a2j:Keystation"), "{err}");
        let err = select(&list, &PortSelector::Index(5), PortDirection::Output)
            .unwrap_err()
            .to_string();
        assert!(err.contains("there is no MIDI output port #5"), "{err}");
    }

    #[test]
    fn no_ports_at_all_says_so() {
        let err = select(&[], &PortSelector::Index(0), PortDirection::Input)
            .unwrap_err()
            .to_string();
        assert!(err.contains("there are no MIDI input ports"), "{err}");
    }

    #[test]
    fn names_with_nul_are_refused_before_reaching_the_backend() {
        let err = checked_name("bad\0name").unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)));
        assert!(checked_name("").is_err());
    }
}
