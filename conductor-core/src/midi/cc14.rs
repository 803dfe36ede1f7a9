//! 14-bit values carried by pairs of control changes: MSB/LSB controller pairs
//! ([`Cc14Pairing`]) and NRPN/RPN parameter numbers with data entry
//! ([`ParameterNumbers`]).

use super::message::MidiMessage;

/// A 14-bit controller value: controller `controller` (0–31) is the MSB, controller
/// `controller + 32` the LSB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cc14 {
    /// 0-based channel.
    pub channel: u8,
    /// The MSB controller, 0..=31.
    pub controller: u8,
    /// `msb << 7 | lsb`, 0..=16383.
    pub value: u16,
}

/// Pairs MSB (controllers 0–31) and LSB (32–63) control changes into 14-bit values.
///
/// A value is complete when its LSB arrives: the LSB combines with the last MSB seen
/// for that controller on that channel. An MSB alone yields nothing (it waits for its
/// LSB); an LSB without any MSB before it yields nothing either. A device that sends
/// only the LSB when the MSB did not change keeps working: the MSB is remembered.
///
/// ```
/// use conductor_core::midi::{Cc14, Cc14Pairing, MidiMessage};
/// let mut pairs = Cc14Pairing::new();
/// let cc = |controller, value| MidiMessage::ControlChange { channel: 0, controller, value };
/// assert_eq!(pairs.feed(&cc(1, 0x40)), None);
/// assert_eq!(
///     pairs.feed(&cc(33, 0x01)),
///     Some(Cc14 { channel: 0, controller: 1, value: 0x40 << 7 | 0x01 })
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Cc14Pairing {
    /// Last MSB per channel and controller; 0x80 = none yet.
    msb: [[u8; 32]; 16],
}

impl Default for Cc14Pairing {
    fn default() -> Self {
        Self::new()
    }
}

impl Cc14Pairing {
    /// No MSB seen yet on any channel.
    pub fn new() -> Self {
        Cc14Pairing {
            msb: [[0x80; 32]; 16],
        }
    }

    /// Feeds one message; returns the 14-bit value an LSB completes.
    pub fn feed(&mut self, msg: &MidiMessage) -> Option<Cc14> {
        let MidiMessage::ControlChange {
            channel,
            controller,
            value,
        } = *msg
        else {
            return None;
        };
        let (channel, controller, value) = (channel & 15, controller & 0x7F, value & 0x7F);
        match controller {
            0..=31 => {
                self.msb[usize::from(channel)][usize::from(controller)] = value;
                None
            }
            32..=63 => {
                let msb = self.msb[usize::from(channel)][usize::from(controller - 32)];
                (msb < 0x80).then(|| Cc14 {
                    channel,
                    controller: controller - 32,
                    value: u16::from(msb) << 7 | u16::from(value),
                })
            }
            _ => None,
        }
    }
}

/// A parameter set through NRPN or RPN data entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterChange {
    /// 0-based channel.
    pub channel: u8,
    /// `true` for a registered parameter (RPN, controllers 101/100), `false` for a
    /// non-registered one (NRPN, controllers 99/98).
    pub registered: bool,
    /// The parameter number, `msb << 7 | lsb`, 0..=16383.
    pub parameter: u16,
    /// The data entry value, `msb << 7 | lsb`, 0..=16383. After a data entry MSB alone
    /// (controller 6) the LSB is 0; the data entry LSB (controller 38) then refines it.
    pub value: u16,
}

/// Per-channel parameter-number state.
#[derive(Debug, Clone, Copy)]
struct Selection {
    /// Which kind was selected last: `Some(true)` RPN, `Some(false)` NRPN.
    registered: Option<bool>,
    /// NRPN number MSB and LSB (0x80 = not yet).
    nrpn: [u8; 2],
    /// RPN number MSB and LSB.
    rpn: [u8; 2],
    /// The data entry MSB of the current parameter (0x80 = not yet).
    data_msb: u8,
}

impl Selection {
    const EMPTY: Selection = Selection {
        registered: None,
        nrpn: [0x80; 2],
        rpn: [0x80; 2],
        data_msb: 0x80,
    };

    fn parameter(&self) -> Option<(bool, u16)> {
        let registered = self.registered?;
        let [msb, lsb] = if registered { self.rpn } else { self.nrpn };
        if msb >= 0x80 || lsb >= 0x80 {
            return None;
        }
        // RPN 127/127 is the "null" parameter: nothing is selected.
        if registered && msb == 0x7F && lsb == 0x7F {
            return None;
        }
        Some((registered, u16::from(msb) << 7 | u16::from(lsb)))
    }
}

/// Follows NRPN (controllers 99, 98) and RPN (101, 100) parameter selection and data
/// entry (6 MSB, 38 LSB) per channel, yielding each value set.
///
/// A data entry MSB yields the value with LSB 0 at once (many devices send no LSB);
/// a data entry LSB after it yields the full value. Selecting a parameter forgets the
/// previous data entry MSB. Increment/decrement (96, 97) are not interpreted.
///
/// ```
/// use conductor_core::midi::{MidiMessage, ParameterChange, ParameterNumbers};
/// let mut params = ParameterNumbers::new();
/// let cc = |controller, value| MidiMessage::ControlChange { channel: 3, controller, value };
/// assert_eq!(params.feed(&cc(99, 1)), None);
/// assert_eq!(params.feed(&cc(98, 8)), None);
/// let full = params.feed(&cc(6, 64)).and_then(|_| params.feed(&cc(38, 5)));
/// assert_eq!(
///     full,
///     Some(ParameterChange { channel: 3, registered: false, parameter: 1 << 7 | 8, value: 64 << 7 | 5 })
/// );
/// ```
#[derive(Debug, Clone)]
pub struct ParameterNumbers {
    channels: [Selection; 16],
}

impl Default for ParameterNumbers {
    fn default() -> Self {
        Self::new()
    }
}

impl ParameterNumbers {
    /// Nothing selected on any channel.
    pub fn new() -> Self {
        ParameterNumbers {
            channels: [Selection::EMPTY; 16],
        }
    }

    /// Feeds one message; returns the parameter change a data entry makes.
    pub fn feed(&mut self, msg: &MidiMessage) -> Option<ParameterChange> {
        let MidiMessage::ControlChange {
            channel,
            controller,
            value,
        } = *msg
        else {
            return None;
        };
        let channel = channel & 15;
        let value = value & 0x7F;
        let s = &mut self.channels[usize::from(channel)];
        let change = |s: &Selection, value: u16| {
            s.parameter()
                .map(|(registered, parameter)| ParameterChange {
                    channel,
                    registered,
                    parameter,
                    value,
                })
        };
        match controller {
            99 | 98 => {
                s.nrpn[usize::from(controller == 98)] = value;
                s.registered = Some(false);
                s.data_msb = 0x80;
                None
            }
            101 | 100 => {
                s.rpn[usize::from(controller == 100)] = value;
                s.registered = Some(true);
                s.data_msb = 0x80;
                None
            }
            6 => {
                s.data_msb = value;
                change(s, u16::from(value) << 7)
            }
            38 if s.data_msb < 0x80 => change(s, u16::from(s.data_msb) << 7 | u16::from(value)),
            _ => None,
        }
    }
}
