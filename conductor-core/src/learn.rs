//! MIDI learn: recognising the control a person touches from the messages it sends, and
//! writing the trigger for it in the config's syntax.
//!
//! Feed every incoming message to a [`Learner`]. Notes, pitch bend, aftertouch and
//! program changes are recognised from their first message. A control change needs a
//! look at its values, because a relative encoder and an absolute knob or button send
//! the same kind of message:
//!
//! - a value that is no small step in any encoder encoding (a knob at 40, a button's
//!   release at 0) means an absolute control: a `CC` trigger;
//! - small steps that repeat (`1, 1, 1` or `127, 127`; `65, 65, 63`) mean a relative
//!   encoder: an `EncoderTurn` trigger with the encoding the values show
//!   (`1`/`127`: two's complement, `63`/`65`: binary offset, `1`/`65`: sign-magnitude);
//! - after [`CC_SAMPLES`] values without a repeat, an absolute control.
//!
//! Until then the learner waits for more values of that controller; [`Learner::finish`]
//! decides from what has arrived (a front end calls it once the input has been quiet for
//! a moment, or on its timeout).
//!
//! ```
//! use conductor_core::learn::Learner;
//! use conductor_core::midi::MidiMessage;
//! let mut learner = Learner::new();
//! let learned = learner
//!     .feed(&MidiMessage::NoteOn { channel: 2, note: 36, velocity: 90 })
//!     .unwrap();
//! assert_eq!(learned.toml(), "trigger = { Note = { note = 36, channel = 2 } }");
//!
//! // An encoder sending 65 twice: binary offset, one step clockwise each time.
//! let cc = MidiMessage::ControlChange { channel: 0, controller: 16, value: 65 };
//! assert!(learner.feed(&cc).is_none());
//! let learned = learner.feed(&cc).unwrap();
//! assert_eq!(
//!     learned.toml(),
//!     r#"trigger = { EncoderTurn = { cc = 16, encoding = "binary_offset", channel = 0 } }"#
//! );
//! ```

use std::fmt::Write as _;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::config::{EncoderEncoding, Trigger};
use crate::midi::MidiMessage;

/// How many values of one controller the learner looks at before it calls the control
/// absolute (when none repeated).
pub const CC_SAMPLES: usize = 4;

/// The largest step (in either direction) a value may mean for the learner to take it
/// as a relative encoder's; an encoder turned fast sends a few steps at once, a knob
/// sends far larger "steps".
const MAX_ENCODER_STEP: i8 = 15;

/// Encodings in order of preference when values fit several (`1, 1` fits two's
/// complement and sign-magnitude alike; both read it as clockwise).
const ENCODINGS: [EncoderEncoding; 3] = [
    EncoderEncoding::TwosComplement,
    EncoderEncoding::BinaryOffset,
    EncoderEncoding::SignMagnitude,
];

/// A recognised control: its trigger and the message that identified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    /// The trigger that fires on this control, limited to the channel it sent on.
    pub trigger: Trigger,
    /// The first message the control sent.
    pub message: MidiMessage,
    /// Every value seen from a control change (empty for other kinds).
    pub values: Vec<u8>,
}

impl Learned {
    /// The trigger as one config line to paste into a `[[modes.mappings]]` table:
    /// `trigger = { CC = { cc = 7, channel = 0 } }`.
    pub fn toml(&self) -> String {
        format!("trigger = {}", trigger_toml(&self.trigger))
    }

    /// What was recognised, for people (channels 1-based, as a MIDI monitor shows
    /// them): `note 36 on MIDI channel 3`.
    pub fn description(&self) -> String {
        let ch = |c: Option<u8>| c.map_or(String::new(), |c| format!(" on MIDI channel {}", c + 1));
        match &self.trigger {
            Trigger::Note { note, channel, .. } => format!("note {note}{}", ch(*channel)),
            Trigger::CC { cc, channel, .. } => {
                format!("controller {cc}{} (absolute values)", ch(*channel))
            }
            Trigger::EncoderTurn {
                cc,
                encoding,
                channel,
                ..
            } => format!(
                "relative encoder on controller {cc}{} ({} encoding)",
                ch(*channel),
                encoding_name(*encoding)
            ),
            Trigger::PitchBend { channel, .. } => format!("pitch bend{}", ch(*channel)),
            Trigger::Aftertouch { channel, .. } => format!("aftertouch{}", ch(*channel)),
            Trigger::ProgramChange {
                program, channel, ..
            } => match program {
                Some(p) => format!("program change to {p}{}", ch(*channel)),
                None => format!("program change{}", ch(*channel)),
            },
            other => format!("{}{}", other.kind(), ch(other.channel())),
        }
    }
}

/// Recognises the next control touched from the messages fed to it. See the
/// [module documentation](self) for how controls are told apart.
#[derive(Debug, Clone, Default)]
pub struct Learner {
    /// A controller whose values are still being looked at.
    pending: Option<PendingCc>,
}

#[derive(Debug, Clone)]
struct PendingCc {
    first: MidiMessage,
    channel: u8,
    controller: u8,
    values: Vec<u8>,
}

impl Learner {
    /// A learner that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks at `msg`: returns the control once it is recognised, `None` while waiting
    /// (for a first control message, or for more values of a controller).
    ///
    /// Messages that identify no control are ignored: note-offs (a key let go before
    /// learning started), clock, active sensing and other system messages. When a
    /// controller is waiting for more values and another control sends, the controller
    /// (touched first) is decided from the values it sent.
    pub fn feed(&mut self, msg: &MidiMessage) -> Option<Learned> {
        if let Some(p) = &mut self.pending {
            if let MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } = *msg
            {
                if channel == p.channel && controller == p.controller {
                    p.values.push(value);
                    return self.decide_if_clear();
                }
            }
            if learnable(msg) {
                return self.finish();
            }
            return None;
        }
        let trigger = match *msg {
            MidiMessage::NoteOn { channel, note, .. } => Trigger::Note {
                note,
                velocity_min: None,
                velocity_max: None,
                channel: Some(channel),
            },
            MidiMessage::PitchBend { channel, .. } => Trigger::PitchBend {
                value_min: None,
                value_max: None,
                channel: Some(channel),
            },
            MidiMessage::ChannelAftertouch { channel, .. }
            | MidiMessage::PolyAftertouch { channel, .. } => Trigger::Aftertouch {
                pressure_min: None,
                channel: Some(channel),
            },
            MidiMessage::ProgramChange { channel, program } => Trigger::ProgramChange {
                program: Some(program),
                channel: Some(channel),
            },
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => {
                self.pending = Some(PendingCc {
                    first: msg.clone(),
                    channel,
                    controller,
                    values: vec![value],
                });
                return self.decide_if_clear();
            }
            _ => return None,
        };
        Some(Learned {
            trigger,
            message: msg.clone(),
            values: Vec::new(),
        })
    }

    /// Whether a controller is waiting for more values (call [`finish`](Self::finish)
    /// when no more come).
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Decides the waiting controller from the values that arrived, if there is one:
    /// a relative encoder when its small steps repeated, otherwise an absolute control.
    pub fn finish(&mut self) -> Option<Learned> {
        let p = self.pending.take()?;
        let trigger = match relative_encoding(&p.values) {
            Some(encoding) if has_repeat(&p.values) => Trigger::EncoderTurn {
                cc: p.controller,
                direction: None,
                encoding,
                channel: Some(p.channel),
            },
            _ => Trigger::CC {
                cc: p.controller,
                value_min: None,
                value_max: None,
                channel: Some(p.channel),
            },
        };
        Some(Learned {
            trigger,
            message: p.first,
            values: p.values,
        })
    }

    /// Decides the waiting controller when its values already tell: a value no encoder
    /// sends, a repeated small step, or [`CC_SAMPLES`] values.
    fn decide_if_clear(&mut self) -> Option<Learned> {
        let values = &self.pending.as_ref()?.values;
        let clear =
            relative_encoding(values).is_none() || has_repeat(values) || values.len() >= CC_SAMPLES;
        if clear {
            self.finish()
        } else {
            None
        }
    }
}

/// Whether `msg` identifies a control the learner recognises.
fn learnable(msg: &MidiMessage) -> bool {
    matches!(
        msg,
        MidiMessage::NoteOn { .. }
            | MidiMessage::PitchBend { .. }
            | MidiMessage::ChannelAftertouch { .. }
            | MidiMessage::PolyAftertouch { .. }
            | MidiMessage::ProgramChange { .. }
            | MidiMessage::ControlChange { .. }
    )
}

/// The first encoding in which every value is a small step, if any.
fn relative_encoding(values: &[u8]) -> Option<EncoderEncoding> {
    ENCODINGS.into_iter().find(|enc| {
        values.iter().all(|&v| {
            enc.decode(v)
                .is_some_and(|d| (-MAX_ENCODER_STEP..=MAX_ENCODER_STEP).contains(&d))
        })
    })
}

/// Whether any value occurs twice (an absolute control sends each value once as it
/// moves; an encoder repeats its step).
fn has_repeat(values: &[u8]) -> bool {
    values
        .iter()
        .enumerate()
        .any(|(i, v)| values[..i].contains(v))
}

/// The name of `encoding` as the config's `encoding` key takes it.
pub fn encoding_name(encoding: EncoderEncoding) -> &'static str {
    match encoding {
        EncoderEncoding::TwosComplement => "twos_complement",
        EncoderEncoding::BinaryOffset => "binary_offset",
        EncoderEncoding::SignMagnitude => "sign_magnitude",
    }
}

/// Writes a trigger the learner made as an inline TOML table in the config's externally
/// tagged form, `{ Note = { note = 60, channel = 0 } }`. Reading it back with the config
/// loader gives the same trigger.
fn trigger_toml(trigger: &Trigger) -> String {
    let mut fields: Vec<(&'static str, String)> = Vec::new();
    match trigger {
        Trigger::Note { note, .. } => fields.push(("note", note.to_string())),
        Trigger::CC { cc, .. } => fields.push(("cc", cc.to_string())),
        Trigger::EncoderTurn { cc, encoding, .. } => {
            fields.push(("cc", cc.to_string()));
            fields.push(("encoding", format!("\"{}\"", encoding_name(*encoding))));
        }
        Trigger::ProgramChange {
            program: Some(p), ..
        } => fields.push(("program", p.to_string())),
        _ => {}
    }
    if let Some(c) = trigger.channel() {
        fields.push(("channel", c.to_string()));
    }
    let mut out = format!("{{ {} = {{", trigger.kind());
    for (i, (key, value)) in fields.iter().enumerate() {
        let sep = if i == 0 { " " } else { ", " };
        let _ = write!(out, "{sep}{key} = {value}");
    }
    out.push_str(if fields.is_empty() { "} }" } else { " } }" });
    out
}

/// How long a controller's values may pause before [`learn_from`] decides it from what
/// arrived (an encoder turned one detent, a button pressed and held).
pub const SETTLE: Duration = Duration::from_millis(400);

/// Waits up to `timeout` on `messages` for the next control touched, feeding a
/// [`Learner`]; a controller still waiting for values is decided once no value has come
/// for [`SETTLE`]. `None` when nothing was touched in time (or the sender is gone).
///
/// ```
/// use std::sync::mpsc::channel;
/// use std::time::Duration;
/// use conductor_core::learn::learn_from;
/// use conductor_core::midi::MidiMessage;
/// let (tx, rx) = channel();
/// tx.send(MidiMessage::PitchBend { channel: 0, value: 9000 }).unwrap();
/// let learned = learn_from(&rx, Duration::from_secs(1)).unwrap();
/// assert_eq!(learned.toml(), "trigger = { PitchBend = { channel = 0 } }");
/// ```
pub fn learn_from(messages: &Receiver<MidiMessage>, timeout: Duration) -> Option<Learned> {
    learn_with(|wait| messages.recv_timeout(wait), timeout)
}

/// [`learn_from`] over any source that waits up to a given time for a message.
fn learn_with(
    mut recv: impl FnMut(Duration) -> Result<MidiMessage, RecvTimeoutError>,
    timeout: Duration,
) -> Option<Learned> {
    let deadline = Instant::now() + timeout;
    let mut learner = Learner::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let wait = if learner.is_pending() {
            left.min(SETTLE)
        } else {
            left
        };
        match recv(wait) {
            Ok(msg) => {
                if let Some(learned) = learner.feed(&msg) {
                    return Some(learned);
                }
            }
            Err(RecvTimeoutError::Timeout) if learner.is_pending() => return learner.finish(),
            Err(_) => return learner.finish(),
        }
    }
}

/// An open MIDI input whose messages are read by pulling, decoded: what `learn` and a
/// MIDI monitor listen on.
#[cfg(feature = "midi-io")]
pub struct Capture {
    connection: crate::midi::InputConnection,
    messages: Receiver<(u64, MidiMessage)>,
}

#[cfg(feature = "midi-io")]
impl Capture {
    /// Opens the input `selector` picks (an index or part of a name; `None`: the first
    /// input port). The error lists the ports when none matches.
    pub fn open(selector: Option<&crate::midi::PortSelector>) -> crate::Result<Capture> {
        let first = crate::midi::PortSelector::Index(0);
        let selector = selector.unwrap_or(&first);
        let (tx, messages) = std::sync::mpsc::channel();
        let mut parser = crate::midi::MidiParser::new();
        let connection = crate::midi::open_input(
            selector,
            crate::midi::DEFAULT_CLIENT_NAME,
            move |t_us: u64, bytes: &[u8]| {
                parser.feed(bytes, |m| {
                    let _ = tx.send((t_us, m));
                })
            },
        )?;
        Ok(Capture {
            connection,
            messages,
        })
    }

    /// Creates a virtual input port called `name` that other programs send to.
    #[cfg(unix)]
    pub fn open_virtual(name: &str) -> crate::Result<Capture> {
        let (tx, messages) = std::sync::mpsc::channel();
        let mut parser = crate::midi::MidiParser::new();
        let connection =
            crate::midi::create_virtual_input(name, move |t_us: u64, bytes: &[u8]| {
                parser.feed(bytes, |m| {
                    let _ = tx.send((t_us, m));
                })
            })?;
        Ok(Capture {
            connection,
            messages,
        })
    }

    /// The name of the port listened to.
    pub fn port_name(&self) -> &str {
        self.connection.port_name()
    }

    /// The next message and its time in microseconds (the backend's clock), waiting up
    /// to `timeout`; `None` when none came.
    pub fn next(&self, timeout: Duration) -> Option<(u64, MidiMessage)> {
        self.messages.recv_timeout(timeout).ok()
    }

    /// Waits up to `timeout` for the next control touched on this input; see
    /// [`learn_from`].
    pub fn learn(&self, timeout: Duration) -> Option<Learned> {
        learn_with(
            |wait| self.messages.recv_timeout(wait).map(|(_, m)| m),
            timeout,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn cc(controller: u8, value: u8) -> MidiMessage {
        MidiMessage::ControlChange {
            channel: 4,
            controller,
            value,
        }
    }

    /// Loads `line` as the trigger of a one-mapping config, as a user pasting it would.
    fn load(line: &str) -> Trigger {
        let text = format!(
            "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n{line}\n\
             action = {{ Host = {{ name = \"learned\" }} }}\n"
        );
        let config = Config::from_toml_str(&text, ".".as_ref())
            .unwrap_or_else(|e| panic!("`{line}` does not load: {e}"));
        config.modes[0].mappings[0].trigger.clone()
    }

    fn learn_all(messages: &[MidiMessage]) -> Learned {
        let mut learner = Learner::new();
        for m in messages {
            if let Some(l) = learner.feed(m) {
                return l;
            }
        }
        learner.finish().expect("something was learned")
    }

    #[test]
    fn a_note_is_learned_from_its_note_on_and_loads_back() {
        let l = learn_all(&[MidiMessage::NoteOn {
            channel: 9,
            note: 38,
            velocity: 64,
        }]);
        assert_eq!(l.toml(), "trigger = { Note = { note = 38, channel = 9 } }");
        assert_eq!(load(&l.toml()), l.trigger);
        assert_eq!(l.description(), "note 38 on MIDI channel 10");
    }

    #[test]
    fn note_offs_and_system_messages_are_not_a_control() {
        let mut learner = Learner::new();
        for m in [
            MidiMessage::NoteOff {
                channel: 0,
                note: 60,
                velocity: 0,
            },
            MidiMessage::Clock,
            MidiMessage::ActiveSensing,
            MidiMessage::SysEx(vec![0x7e, 0x00]),
        ] {
            assert_eq!(learner.feed(&m), None, "{m}");
        }
        assert!(!learner.is_pending());
        assert_eq!(learner.finish(), None);
    }

    #[test]
    fn pitch_bend_aftertouch_and_program_change_load_back_with_their_channel() {
        let cases = [
            (
                MidiMessage::PitchBend {
                    channel: 1,
                    value: 9000,
                },
                "trigger = { PitchBend = { channel = 1 } }",
            ),
            (
                MidiMessage::ChannelAftertouch {
                    channel: 15,
                    pressure: 30,
                },
                "trigger = { Aftertouch = { channel = 15 } }",
            ),
            (
                MidiMessage::PolyAftertouch {
                    channel: 0,
                    note: 60,
                    pressure: 30,
                },
                "trigger = { Aftertouch = { channel = 0 } }",
            ),
            (
                MidiMessage::ProgramChange {
                    channel: 3,
                    program: 12,
                },
                "trigger = { ProgramChange = { program = 12, channel = 3 } }",
            ),
        ];
        for (msg, want) in cases {
            let l = learn_all(std::slice::from_ref(&msg));
            assert_eq!(l.toml(), want);
            assert_eq!(load(&l.toml()), l.trigger, "{want}");
        }
    }

    #[test]
    fn a_knob_in_mid_range_is_an_absolute_cc_at_once() {
        let mut learner = Learner::new();
        let l = learner.feed(&cc(74, 40)).expect("40 is no encoder step");
        assert_eq!(l.toml(), "trigger = { CC = { cc = 74, channel = 4 } }");
        assert_eq!(load(&l.toml()), l.trigger);
    }

    #[test]
    fn a_button_sending_127_then_0_is_an_absolute_cc() {
        let mut learner = Learner::new();
        assert_eq!(
            learner.feed(&cc(20, 127)),
            None,
            "127 may be an encoder step"
        );
        let l = learner.feed(&cc(20, 0)).expect("0 is no encoder step");
        assert!(matches!(l.trigger, Trigger::CC { cc: 20, .. }));
        assert_eq!(l.values, [127, 0]);
    }

    #[test]
    fn a_single_value_waits_then_finishes_as_an_absolute_cc() {
        let mut learner = Learner::new();
        assert_eq!(learner.feed(&cc(20, 127)), None);
        assert!(learner.is_pending());
        let l = learner.finish().unwrap();
        assert!(matches!(l.trigger, Trigger::CC { cc: 20, .. }));
    }

    #[test]
    fn a_knob_at_the_bottom_of_its_range_is_absolute_after_distinct_values() {
        // 1, 2, 3, 4 are small steps, but an encoder would repeat its step.
        let l = learn_all(&[cc(7, 1), cc(7, 2), cc(7, 3), cc(7, 4)]);
        assert!(matches!(l.trigger, Trigger::CC { cc: 7, .. }), "{l:?}");
    }

    #[test]
    fn relative_encoders_are_recognised_with_their_encoding() {
        let cases: [(&[u8], EncoderEncoding); 5] = [
            (&[1, 1], EncoderEncoding::TwosComplement),
            (&[127, 127, 127], EncoderEncoding::TwosComplement),
            (&[1, 127, 1], EncoderEncoding::TwosComplement),
            (&[65, 65], EncoderEncoding::BinaryOffset),
            (&[63, 65, 63], EncoderEncoding::BinaryOffset),
        ];
        for (values, want) in cases {
            let messages: Vec<_> = values.iter().map(|&v| cc(16, v)).collect();
            let l = learn_all(&messages);
            let Trigger::EncoderTurn {
                cc: 16,
                encoding,
                direction: None,
                channel: Some(4),
            } = l.trigger
            else {
                panic!("{values:?} gave {:?}", l.trigger);
            };
            assert_eq!(encoding, want, "{values:?}");
            assert_eq!(load(&l.toml()), l.trigger, "{}", l.toml());
        }
    }

    #[test]
    fn sign_magnitude_is_recognised_when_its_values_fit_no_other_encoding() {
        // 1 (one step clockwise) and 65 (one step counter-clockwise), each twice.
        let l = learn_all(&[cc(3, 1), cc(3, 65), cc(3, 1), cc(3, 65)]);
        assert_eq!(
            l.toml(),
            r#"trigger = { EncoderTurn = { cc = 3, encoding = "sign_magnitude", channel = 4 } }"#
        );
        assert_eq!(load(&l.toml()), l.trigger);
    }

    #[test]
    fn another_control_decides_the_waiting_controller() {
        let mut learner = Learner::new();
        assert_eq!(learner.feed(&cc(20, 127)), None);
        let l = learner
            .feed(&MidiMessage::NoteOn {
                channel: 0,
                note: 60,
                velocity: 1,
            })
            .expect("the controller touched first is decided");
        assert!(matches!(l.trigger, Trigger::CC { cc: 20, .. }));
        // Values of other controllers and channels do not count as repeats.
        assert_eq!(learner.feed(&cc(21, 1)), None);
        let other_channel = MidiMessage::ControlChange {
            channel: 5,
            controller: 21,
            value: 1,
        };
        let l = learner.feed(&other_channel).unwrap();
        assert!(matches!(l.trigger, Trigger::CC { cc: 21, .. }));
    }
}
