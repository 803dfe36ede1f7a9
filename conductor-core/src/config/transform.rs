//! Values that flow from the trigger into a `SendMidi` message: which of the trigger's
//! values a field takes (velocity, value, note, channel, controller), and how it is
//! reshaped on the way (input and output range, invert, curve, offset).
//!
//! Everything is read and checked at load into [`FieldValue`]s: a fixed number, or a
//! [`ValueTransform`] of a few small numbers. Applying one is pure arithmetic on the
//! stack ([`ValueTransform::apply`]), so a mapping that follows the trigger's values
//! costs no allocation when it fires.
//!
//! Upstream Conductor's `velocity_mapping` (`Fixed`, `PassThrough`, `Linear`, `Curve`
//! with `Exponential`, `Logarithmic` or `SCurve`) reads into the same form.

use toml::de::DeValue;

use super::reader::{self, Doc, Table, Value};
use super::suggest::did_you_mean;
use crate::midi::MidiMessage;
use crate::Result;

/// Which of the trigger's values a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueSource {
    /// Note velocity, or aftertouch pressure; a trigger without one gives its value
    /// (control value, program).
    Velocity,
    /// Control value, pitch-bend value (0..=16383) or program number; a trigger
    /// without one gives its velocity or pressure.
    Value,
    /// Note number.
    Note,
    /// 0-based MIDI channel.
    Channel,
    /// Controller number of a control change.
    Controller,
}

impl ValueSource {
    /// The names configs write, with the source each means.
    const NAMES: [(&'static str, ValueSource); 6] = [
        ("velocity", ValueSource::Velocity),
        ("value", ValueSource::Value),
        ("note", ValueSource::Note),
        ("channel", ValueSource::Channel),
        ("controller", ValueSource::Controller),
        ("cc", ValueSource::Controller),
    ];

    fn from_name(name: &str) -> Option<ValueSource> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, s)| *s)
    }

    /// The source's value in `msg` and the range it spans there, or `None` when the
    /// message carries no such value.
    pub fn read(self, msg: &MidiMessage) -> Option<(u16, u16)> {
        let velocity = match *msg {
            MidiMessage::NoteOn { velocity, .. } | MidiMessage::NoteOff { velocity, .. } => {
                Some(velocity)
            }
            MidiMessage::PolyAftertouch { pressure, .. }
            | MidiMessage::ChannelAftertouch { pressure, .. } => Some(pressure),
            _ => None,
        };
        let value = match *msg {
            MidiMessage::ControlChange { value, .. } => Some((u16::from(value), 127)),
            MidiMessage::ProgramChange { program, .. } => Some((u16::from(program), 127)),
            MidiMessage::PitchBend { value, .. } => Some((value, 16383)),
            _ => None,
        };
        match self {
            ValueSource::Velocity => velocity.map(|v| (u16::from(v), 127)).or(value),
            ValueSource::Value => value.or(velocity.map(|v| (u16::from(v), 127))),
            ValueSource::Note => match *msg {
                MidiMessage::NoteOn { note, .. }
                | MidiMessage::NoteOff { note, .. }
                | MidiMessage::PolyAftertouch { note, .. } => Some((u16::from(note), 127)),
                _ => None,
            },
            ValueSource::Channel => msg.channel().map(|c| (u16::from(c), 15)),
            ValueSource::Controller => match *msg {
                MidiMessage::ControlChange { controller, .. } => Some((u16::from(controller), 127)),
                _ => None,
            },
        }
    }
}

/// The shape between input and output range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// Straight line.
    Linear,
    /// `x^(1 - intensity)`: lifts low inputs (soft hits louder).
    Exponential,
    /// `ln(1 + intensity·x) / ln(1 + intensity)`: tames high inputs.
    Logarithmic,
    /// A sigmoid of steepness `intensity·10 + 0.5` around the middle.
    SCurve,
}

/// The curve names configs write.
const CURVES: [(&str, Curve); 4] = [
    ("Linear", Curve::Linear),
    ("Exponential", Curve::Exponential),
    ("Logarithmic", Curve::Logarithmic),
    ("SCurve", Curve::SCurve),
];

/// How one of the trigger's values becomes an output field, resolved at load.
///
/// The input is scaled from its range (`input`, by default the range the value spans
/// in the message: 0..=127, 0..=15 for a channel, 0..=16383 for pitch bend) to 0..1,
/// inverted if asked, bent by the curve, scaled onto `output` (by default the field's
/// whole range), then `offset` is added and the result clamped to the field's range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueTransform {
    /// Where the value comes from.
    pub source: ValueSource,
    /// Input range (`input_min`, `input_max`); `None` = the value's natural range.
    pub input: Option<(u16, u16)>,
    /// Output range (`min`, `max`); `None` = the field's whole range.
    pub output: Option<(u16, u16)>,
    /// Reverse the direction (`invert = true`).
    pub invert: bool,
    /// The curve.
    pub curve: Curve,
    /// Curve intensity, 0.0..=1.0.
    pub intensity: f32,
    /// Added after scaling (`offset`, or `transpose` for notes).
    pub offset: i16,
}

// `intensity` is checked to be a finite number at load, so equality is an equivalence.
impl Eq for ValueTransform {}

impl ValueTransform {
    /// A plain pass-through of `source`.
    pub fn pass_through(source: ValueSource) -> Self {
        ValueTransform {
            source,
            input: None,
            output: None,
            invert: false,
            curve: Curve::Linear,
            intensity: 0.0,
            offset: 0,
        }
    }

    /// The output for `input` (which spans `0..=natural_max` in its message), for a
    /// field whose values span `0..=field_max`. Pure; clamps into the field's range.
    pub fn apply(&self, input: u16, natural_max: u16, field_max: u16) -> u16 {
        let (in_min, in_max) = self.input.unwrap_or((0, natural_max));
        let (out_min, out_max) = self.output.unwrap_or((0, field_max));
        let span = f32::from(in_max.saturating_sub(in_min)).max(1.0);
        let mut x = ((f32::from(input) - f32::from(in_min)) / span).clamp(0.0, 1.0);
        if self.invert {
            x = 1.0 - x;
        }
        let y = curve(self.curve, self.intensity, x);
        let scaled = f32::from(out_min) + y * (f32::from(out_max) - f32::from(out_min));
        let out = scaled.round() as i32 + i32::from(self.offset);
        out.clamp(0, i32::from(field_max)) as u16
    }
}

/// The curve at `x` in 0..=1, giving 0..=1.
fn curve(curve: Curve, intensity: f32, x: f32) -> f32 {
    match curve {
        Curve::Linear => x,
        Curve::Exponential => x.powf(1.0 - intensity),
        Curve::Logarithmic if intensity <= f32::EPSILON => x,
        Curve::Logarithmic => (1.0 + intensity * x).ln() / (1.0 + intensity).ln(),
        Curve::SCurve => {
            let k = intensity * 10.0 + 0.5;
            let s = |t: f32| 1.0 / (1.0 + (-k * (t - 0.5)).exp());
            let (lo, hi) = (s(0.0), s(1.0));
            ((s(x) - lo) / (hi - lo)).clamp(0.0, 1.0)
        }
    }
}

/// A field of an outgoing message: a number, or one of the trigger's values
/// transformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue {
    /// Always this value.
    Fixed(u16),
    /// Taken from the trigger; when the trigger carries no such value, `fallback`.
    From {
        /// The transform.
        transform: ValueTransform,
        /// The value used when the trigger lacks the source.
        fallback: u16,
    },
}

impl FieldValue {
    /// The value for a trigger `msg`, in a field spanning `0..=field_max`.
    pub fn resolve(&self, msg: &MidiMessage, field_max: u16) -> u16 {
        match *self {
            FieldValue::Fixed(v) => v.min(field_max),
            FieldValue::From {
                transform,
                fallback,
            } => match transform.source.read(msg) {
                Some((input, natural_max)) => transform.apply(input, natural_max, field_max),
                None => fallback.min(field_max),
            },
        }
    }

    /// Whether the value comes from the trigger.
    pub fn is_dynamic(&self) -> bool {
        matches!(self, FieldValue::From { .. })
    }
}

/// A channel message whose fields may follow the trigger: the status kind and up to
/// two data fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappedMessage {
    /// The status byte's high nibble: `0x80` note off, `0x90` note on, `0xA0` poly
    /// aftertouch, `0xB0` control change, `0xC0` program change, `0xD0` channel
    /// pressure, `0xE0` pitch bend.
    pub status: u8,
    /// The channel, 0..=15.
    pub channel: FieldValue,
    /// First data field (note, controller, program, pressure, or the 14-bit bend).
    pub data1: FieldValue,
    /// Second data field (velocity, value, pressure); unused by one-field messages.
    pub data2: FieldValue,
}

impl MappedMessage {
    /// The template of `msg` with every field fixed; `None` for messages that are not
    /// channel messages.
    pub fn fixed(msg: &MidiMessage) -> Option<MappedMessage> {
        let f = |v: u8| FieldValue::Fixed(u16::from(v));
        let (status, d1, d2) = match *msg {
            MidiMessage::NoteOff { note, velocity, .. } => (0x80, f(note), f(velocity)),
            MidiMessage::NoteOn { note, velocity, .. } => (0x90, f(note), f(velocity)),
            MidiMessage::PolyAftertouch { note, pressure, .. } => (0xA0, f(note), f(pressure)),
            MidiMessage::ControlChange {
                controller, value, ..
            } => (0xB0, f(controller), f(value)),
            MidiMessage::ProgramChange { program, .. } => (0xC0, f(program), f(0)),
            MidiMessage::ChannelAftertouch { pressure, .. } => (0xD0, f(pressure), f(0)),
            MidiMessage::PitchBend { value, .. } => (0xE0, FieldValue::Fixed(value), f(0)),
            _ => return None,
        };
        Some(MappedMessage {
            status,
            channel: f(msg.channel()?),
            data1: d1,
            data2: d2,
        })
    }

    /// The field upstream's `velocity_mapping` sets: velocity, control value or
    /// pressure (the first field for one-field messages, none for pitch bend).
    pub(crate) fn velocity_field(&mut self) -> Option<&mut FieldValue> {
        match self.status {
            0x80 | 0x90 | 0xA0 | 0xB0 => Some(&mut self.data2),
            0xC0 | 0xD0 => Some(&mut self.data1),
            _ => None,
        }
    }

    /// Writes the message for trigger `msg` into `out`; returns its length (2 or 3).
    pub fn render(&self, msg: &MidiMessage, out: &mut [u8; 3]) -> usize {
        let channel = self.channel.resolve(msg, 15) as u8;
        out[0] = self.status | channel;
        match self.status {
            0xE0 => {
                let v = self.data1.resolve(msg, 16383);
                out[1] = (v & 0x7F) as u8;
                out[2] = (v >> 7) as u8;
                3
            }
            0xC0 | 0xD0 => {
                out[1] = self.data1.resolve(msg, 127) as u8;
                2
            }
            _ => {
                out[1] = self.data1.resolve(msg, 127) as u8;
                out[2] = self.data2.resolve(msg, 127) as u8;
                3
            }
        }
    }

    /// Whether any field follows the trigger.
    pub fn is_dynamic(&self) -> bool {
        self.channel.is_dynamic() || self.data1.is_dynamic() || self.data2.is_dynamic()
    }
}

/// The keys a transform table takes.
const TRANSFORM_KEYS: [&str; 13] = [
    "type",
    "from",
    "min",
    "max",
    "input_min",
    "input_max",
    "invert",
    "curve",
    "curve_type",
    "intensity",
    "offset",
    "transpose",
    "velocity",
];

/// Whether a SendMidi field is written as something other than a plain number (a
/// source name or a transform table).
pub(crate) fn is_dynamic(v: &Value<'_>) -> bool {
    matches!(v.get_ref(), DeValue::String(_) | DeValue::Table(_))
}

/// Reads a field written as a number, a source name (`"velocity"`, `"PassThrough"`)
/// or a transform table. `field` names it in messages, `field_max` is the top of its
/// range, `default_source` is what `"PassThrough"` and a table without `from` take,
/// `fallback` the value when the trigger lacks the source.
pub(crate) fn parse_field(
    doc: &Doc<'_>,
    v: &Value<'_>,
    field: &str,
    field_max: u16,
    default_source: ValueSource,
    fallback: u16,
) -> Result<FieldValue> {
    let what = format!("`{field}`");
    match v.get_ref() {
        DeValue::Integer(_) => {
            Ok(FieldValue::Fixed(
                reader::int_in(doc, v, &what, 0, i128::from(field_max), "")? as u16,
            ))
        }
        DeValue::String(s) => {
            let source = if s.eq_ignore_ascii_case("PassThrough") {
                default_source
            } else {
                source_named(doc, v, s)?
            };
            Ok(FieldValue::From {
                transform: ValueTransform::pass_through(source),
                fallback,
            })
        }
        DeValue::Table(_) => {
            let t = Table::of(doc, v, &what)?;
            parse_table(doc, &t, field_max, default_source, fallback)
        }
        other => Err(doc.error(
            v.span(),
            format!(
                "{what} must be a number, a value of the trigger (\"velocity\", \"value\", \
                 \"note\", \"channel\", \"controller\") or a transform table such as \
                 `{{ from = \"value\", min = 0, max = 127 }}`, found {}",
                reader::type_name(other)
            ),
        )),
    }
}

/// Reads upstream's mapping-level `velocity_mapping` (`"PassThrough"` or a table with
/// `type = "Fixed" | "PassThrough" | "Linear" | "Curve"`).
pub(crate) fn parse_velocity_mapping(doc: &Doc<'_>, v: &Value<'_>) -> Result<FieldValue> {
    match v.get_ref() {
        DeValue::String(_) | DeValue::Table(_) => {
            parse_field(doc, v, "velocity_mapping", 127, ValueSource::Velocity, 100)
        }
        other => Err(doc.error(
            v.span(),
            format!(
                "`velocity_mapping` must be \"PassThrough\" or a table such as \
                 `{{ type = \"Linear\", min = 40, max = 110 }}`, found {}",
                reader::type_name(other)
            ),
        )),
    }
}

fn source_named(doc: &Doc<'_>, v: &Value<'_>, name: &str) -> Result<ValueSource> {
    ValueSource::from_name(name).ok_or_else(|| {
        let names = ValueSource::NAMES.map(|(n, _)| n);
        let hint = did_you_mean(name, names.iter().copied())
            .map(|s| format!("did you mean \"{s}\"? "))
            .unwrap_or_default();
        doc.error(
            v.span(),
            format!(
                "unknown value \"{name}\" to take from the trigger; {hint}(valid: {}, or \
                 \"PassThrough\")",
                names.join(", ")
            ),
        )
    })
}

fn parse_table(
    doc: &Doc<'_>,
    t: &Table<'_, '_>,
    field_max: u16,
    default_source: ValueSource,
    fallback: u16,
) -> Result<FieldValue> {
    t.allow_only(doc, &TRANSFORM_KEYS)?;
    let kind = t
        .get("type")
        .map(|v| {
            let s = reader::string(doc, v, "`type`")?;
            const KINDS: [&str; 4] = ["Fixed", "PassThrough", "Linear", "Curve"];
            KINDS.iter().find(|k| **k == s).copied().ok_or_else(|| {
                let hint = did_you_mean(s, KINDS)
                    .map(|k| format!("did you mean \"{k}\"? "))
                    .unwrap_or_default();
                doc.error(
                    v.span(),
                    format!(
                        "unknown value mapping type \"{s}\"; {hint}(valid: {})",
                        KINDS.join(", ")
                    ),
                )
            })
        })
        .transpose()?;
    let fixed = t.get("velocity");
    if kind == Some("Fixed") || fixed.is_some() {
        let v = fixed.ok_or_else(|| {
            doc.error(
                t.span.clone(),
                "a `type = \"Fixed\"` mapping needs `velocity` (the value to send)",
            )
        })?;
        if kind.is_some_and(|k| k != "Fixed") {
            return Err(doc.error(
                v.span(),
                "`velocity` is the value of a `type = \"Fixed\"` mapping; remove it or the \
                 `type`",
            ));
        }
        if let Some((key, other)) = t
            .entries_in_order()
            .into_iter()
            .find(|(k, _)| !["type", "velocity"].contains(&k.get_ref().as_ref()))
        {
            return Err(doc.error(
                other.span(),
                format!(
                    "`{}` does not apply to a Fixed value, which ignores the trigger; remove it",
                    key.get_ref()
                ),
            ));
        }
        return Ok(FieldValue::Fixed(reader::int_in(
            doc,
            v,
            "`velocity`",
            0,
            i128::from(field_max),
            "",
        )? as u16));
    }
    let source = match t.get("from") {
        Some(v) => source_named(doc, v, reader::string(doc, v, "`from`")?)?,
        None => default_source,
    };
    let range = |lo: &str, hi: &str, max: u16, strict: bool| -> Result<Option<(u16, u16)>> {
        let read = |key: &str| {
            t.get(key)
                .map(|v| {
                    reader::int_in(doc, v, &format!("`{key}`"), 0, i128::from(max), "")
                        .map(|n| n as u16)
                })
                .transpose()
        };
        let (a, b) = (read(lo)?, read(hi)?);
        if a.is_none() && b.is_none() {
            return Ok(None);
        }
        let (a, b) = (a.unwrap_or(0), b.unwrap_or(max));
        let bad = if strict { a >= b } else { a > b };
        if bad {
            let at = t.get(lo).or(t.get(hi)).map_or(t.span.clone(), |v| v.span());
            let rel = if a == b {
                format!("`{lo}` and `{hi}` are both {a}; the input range needs two ends")
            } else {
                format!("`{lo}` ({a}) is above `{hi}` ({b}); swap them")
            };
            return Err(doc.error(
                at,
                format!("{rel}, and write `invert = true` to reverse the direction"),
            ));
        }
        Ok(Some((a, b)))
    };
    let output = range("min", "max", field_max, false)?;
    let input = range("input_min", "input_max", 16383, true)?;
    let invert = t
        .get("invert")
        .map(|v| reader::boolean(doc, v, "`invert`"))
        .transpose()?
        .unwrap_or(false);
    let curve_value = t.get_alias(doc, &["curve_type", "curve"])?;
    let curve = match curve_value {
        Some(v) => {
            let name = reader::string(doc, v, "`curve_type`")?;
            CURVES
                .iter()
                .find(|(n, _)| {
                    n.eq_ignore_ascii_case(name)
                        || (*n == "SCurve" && name.eq_ignore_ascii_case("S-Curve"))
                })
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    let names = CURVES.map(|(n, _)| n);
                    let hint = did_you_mean(name, names.iter().copied())
                        .map(|s| format!("did you mean \"{s}\"? "))
                        .unwrap_or_default();
                    doc.error(
                        v.span(),
                        format!(
                            "unknown curve \"{name}\"; {hint}(valid: {})",
                            names.join(", ")
                        ),
                    )
                })?
        }
        None if kind == Some("Curve") => {
            return Err(doc.error(
                t.span.clone(),
                "a `type = \"Curve\"` mapping needs `curve_type` (\"Exponential\", \
                 \"Logarithmic\" or \"SCurve\")",
            ))
        }
        None => Curve::Linear,
    };
    let intensity = match t.get("intensity") {
        Some(v) => {
            let x = float(doc, v, "`intensity`")?;
            if !(0.0..=1.0).contains(&x) {
                return Err(doc.error(
                    v.span(),
                    format!(
                        "`intensity` must be 0.0..=1.0 (0 = straight line, 1 = strongest \
                         curve), got {x}"
                    ),
                ));
            }
            x as f32
        }
        None => 0.5,
    };
    let offset = match t.get_alias(doc, &["offset", "transpose"])? {
        Some(v) => reader::int_in(
            doc,
            v,
            "`offset`",
            -i128::from(field_max),
            i128::from(field_max),
            "added after scaling; results are clamped to the field's range",
        )? as i16,
        None => 0,
    };
    if kind == Some("Linear") && output.is_none() {
        return Err(doc.error(
            t.span.clone(),
            "a `type = \"Linear\"` mapping needs `min` and `max` (the output range)",
        ));
    }
    Ok(FieldValue::From {
        transform: ValueTransform {
            source,
            input,
            output,
            invert,
            curve,
            intensity,
            offset,
        },
        fallback,
    })
}

/// Reads a number (integer or float) as `f64`.
fn float(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<f64> {
    match v.get_ref() {
        DeValue::Integer(_) => Ok(reader::integer(doc, v, what)? as f64),
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| doc.error(v.span(), format!("{what} is not a finite number"))),
        other => Err(doc.error(
            v.span(),
            format!(
                "{what} must be a number, found {}",
                reader::type_name(other)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(curve: Curve, intensity: f32) -> ValueTransform {
        ValueTransform {
            curve,
            intensity,
            ..ValueTransform::pass_through(ValueSource::Velocity)
        }
    }

    #[test]
    fn pass_through_is_identity_and_ranges_scale() {
        let p = ValueTransform::pass_through(ValueSource::Value);
        for v in 0..=127 {
            assert_eq!(p.apply(v, 127, 127), v);
        }
        let lin = ValueTransform {
            output: Some((40, 110)),
            ..p
        };
        assert_eq!(lin.apply(0, 127, 127), 40);
        assert_eq!(lin.apply(127, 127, 127), 110);
        let inv = ValueTransform { invert: true, ..p };
        assert_eq!(inv.apply(0, 127, 127), 127);
        assert_eq!(inv.apply(100, 127, 127), 27);
        assert_eq!(p.apply(16383, 16383, 127), 127);
        assert_eq!(p.apply(64, 127, 16383), 8256);
    }

    #[test]
    fn curves_keep_their_ends_and_bend_the_middle() {
        for c in [Curve::Exponential, Curve::Logarithmic, Curve::SCurve] {
            let tr = t(c, 0.5);
            assert_eq!(tr.apply(127, 127, 127), 127, "{c:?}");
        }
        assert!(t(Curve::Exponential, 0.7).apply(32, 127, 127) > 32);
        assert!(t(Curve::Logarithmic, 1.0).apply(64, 127, 127) > 64);
        assert!(t(Curve::SCurve, 1.0).apply(32, 127, 127) < 32);
        assert!(t(Curve::SCurve, 1.0).apply(96, 127, 127) > 96);
    }
}
