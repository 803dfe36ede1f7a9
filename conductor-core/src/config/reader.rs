//! Reading the parsed TOML tree with positions: typed getters, strict key checks and
//! errors that carry the line and column.

use std::cell::Cell;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::suggest::did_you_mean;
use crate::{Error, Result};

/// A TOML value with its byte span in the source.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// The source being read: positions for errors and the folder paths resolve against.
pub(crate) struct Doc<'t> {
    text: &'t str,
    path: Option<PathBuf>,
    base_dir: PathBuf,
    line_starts: Vec<usize>,
    /// Where the part being parsed starts in `text`: spans of a section parsed on its
    /// own (one `[[modes]]` section, see `sections.rs`) count from there.
    section_start: Cell<usize>,
}

impl<'t> Doc<'t> {
    /// A document for `text` (the original text, before any rewrite: spans match it).
    pub(crate) fn new(text: &'t str, path: Option<&Path>, base_dir: &Path) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Doc {
            text,
            path: path.map(Path::to_path_buf),
            base_dir: base_dir.to_path_buf(),
            line_starts,
            section_start: Cell::new(0),
        }
    }

    /// Spans from now on count from `start` (the section of the text that was parsed
    /// on its own); 0 for the whole text.
    pub(crate) fn set_section_start(&self, start: usize) {
        self.section_start.set(start);
    }

    /// The config file, when it came from one.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The folder relative paths resolve against.
    pub(crate) fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// 1-based line and column (in characters) of a byte offset in the section being
    /// read (see [`Doc::set_section_start`]).
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = (offset + self.section_start.get()).min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.line_col(offset).0
    }

    /// A config error at the start of `span`.
    pub(crate) fn error(&self, span: Range<usize>, message: impl Into<String>) -> Error {
        let (line, column) = self.line_col(span.start);
        Error::Config {
            path: self.path.clone(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }

    /// A config error about the file as a whole.
    pub(crate) fn error_in_file(&self, message: impl Into<String>) -> Error {
        Error::Config {
            path: self.path.clone(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// Turns a TOML syntax error into a config error at its position.
    pub(crate) fn syntax_error(&self, e: &toml::de::Error) -> Error {
        let message = format!("invalid TOML: {}", e.message().trim_end());
        match e.span() {
            Some(span) => self.error(span, message),
            None => self.error_in_file(message),
        }
    }
}

/// The value's type in words, for "expected ..., found ..." messages.
pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A table being read, with its span and a description for messages.
#[derive(Clone)]
pub(crate) struct Table<'a, 'i> {
    /// The entries.
    pub(crate) entries: &'a DeTable<'i>,
    /// Where the table is (its header, or the inline table).
    pub(crate) span: Range<usize>,
    /// What it is, for messages: "`[device]`", "the Note trigger", ...
    pub(crate) what: &'a str,
}

impl<'a, 'i> Table<'a, 'i> {
    /// Reads `v` as a table described as `what`.
    pub(crate) fn of(doc: &Doc<'_>, v: &'a Value<'i>, what: &'a str) -> Result<Self> {
        match v.get_ref() {
            DeValue::Table(entries) => Ok(Table {
                entries,
                span: v.span(),
                what,
            }),
            other => Err(doc.error(
                v.span(),
                format!("{what} must be a table, found {}", type_name(other)),
            )),
        }
    }

    /// The value under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.entries.get(key)
    }

    /// The entries in file order.
    pub(crate) fn entries_in_order(
        &self,
    ) -> Vec<(&'a Spanned<toml::de::DeString<'i>>, &'a Value<'i>)> {
        let mut entries: Vec<_> = self.entries.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        entries
    }

    /// Fails on the first key (in file order) that is not in `allowed`, naming the
    /// closest allowed key and listing them all.
    pub(crate) fn allow_only(&self, doc: &Doc<'_>, allowed: &[&str]) -> Result<()> {
        for (key, _) in self.entries_in_order() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let hint = did_you_mean(name, allowed.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(doc.error(
                    key.span(),
                    format!(
                        "unknown key `{name}` in {}{hint} (valid keys: {})",
                        self.what,
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The value under `key`, or an error saying it is missing.
    pub(crate) fn require(&self, doc: &Doc<'_>, key: &str) -> Result<&'a Value<'i>> {
        self.get(key)
            .ok_or_else(|| doc.error(self.span.clone(), format!("{} needs `{key}`", self.what)))
    }

    /// The value under whichever of `names` is present (they are aliases of one
    /// setting); an error if more than one is.
    pub(crate) fn get_alias(&self, doc: &Doc<'_>, names: &[&str]) -> Result<Option<&'a Value<'i>>> {
        let present: Vec<(&str, &Value<'i>)> = names
            .iter()
            .filter_map(|n| self.get(n).map(|v| (*n, v)))
            .collect();
        match present.as_slice() {
            [] => Ok(None),
            [(_, v)] => Ok(Some(v)),
            [(a, _), (b, v), ..] => Err(doc.error(
                v.span(),
                format!(
                    "{} sets both `{a}` and `{b}`, which mean the same; keep one",
                    self.what
                ),
            )),
        }
    }
}

/// Reads a string.
pub(crate) fn string<'a>(doc: &Doc<'_>, v: &'a Value<'_>, what: &str) -> Result<&'a str> {
    match v.get_ref() {
        DeValue::String(s) => Ok(s),
        other => Err(doc.error(
            v.span(),
            format!("{what} must be a string, found {}", type_name(other)),
        )),
    }
}

/// Reads a boolean.
pub(crate) fn boolean(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<bool> {
    match v.get_ref() {
        DeValue::Boolean(b) => Ok(*b),
        other => Err(doc.error(
            v.span(),
            format!("{what} must be true or false, found {}", type_name(other)),
        )),
    }
}

/// Reads an integer of any size TOML allows.
pub(crate) fn integer(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<i128> {
    match v.get_ref() {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
            .map_err(|_| doc.error(v.span(), format!("{what} is not a valid integer"))),
        other => Err(doc.error(
            v.span(),
            format!("{what} must be an integer, found {}", type_name(other)),
        )),
    }
}

/// Reads an integer in `min..=max`; `hint` follows the range in the message
/// (e.g. "0-based: 0 is MIDI channel 1").
pub(crate) fn int_in(
    doc: &Doc<'_>,
    v: &Value<'_>,
    what: &str,
    min: i128,
    max: i128,
    hint: &str,
) -> Result<i128> {
    let n = integer(doc, v, what)?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!(" ({hint})")
        };
        Err(doc.error(
            v.span(),
            format!("{what} must be {min}..={max}{hint}, got {n}"),
        ))
    }
}

/// Reads a 7-bit MIDI data value (0..=127).
pub(crate) fn u7(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<u8> {
    int_in(doc, v, what, 0, 127, "").map(|n| n as u8)
}

/// Reads an optional 7-bit value under `key`.
pub(crate) fn opt_u7(doc: &Doc<'_>, t: &Table<'_, '_>, key: &str) -> Result<Option<u8>> {
    t.get(key)
        .map(|v| u7(doc, v, &format!("`{key}`")))
        .transpose()
}

/// Reads a positive integer that fits `u64`.
pub(crate) fn positive(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<u64> {
    int_in(doc, v, what, 1, u64::MAX as i128, "").map(|n| n as u64)
}

/// Reads an array.
pub(crate) fn array<'a, 'i>(
    doc: &Doc<'_>,
    v: &'a Value<'i>,
    what: &str,
) -> Result<&'a [Value<'i>]> {
    match v.get_ref() {
        DeValue::Array(items) => Ok(items),
        other => Err(doc.error(
            v.span(),
            format!("{what} must be an array, found {}", type_name(other)),
        )),
    }
}

/// Reads an array of non-empty strings.
pub(crate) fn string_list(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<Vec<String>> {
    array(doc, v, what)?
        .iter()
        .map(|item| {
            let s = string(doc, item, &format!("each entry of {what}"))?;
            if s.trim().is_empty() {
                Err(doc.error(item.span(), format!("{what} has an empty entry")))
            } else {
                Ok(s.to_string())
            }
        })
        .collect()
}

/// Converts a TOML value into JSON: tables become objects, date-times strings.
pub(crate) fn to_json(doc: &Doc<'_>, v: &Value<'_>) -> Result<serde_json::Value> {
    use serde_json::Value as J;
    Ok(match v.get_ref() {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(_) => {
            let n = integer(doc, v, "this number")?;
            if let Ok(n) = i64::try_from(n) {
                J::from(n)
            } else if let Ok(n) = u64::try_from(n) {
                J::from(n)
            } else {
                return Err(doc.error(v.span(), "this integer does not fit 64 bits"));
            }
        }
        DeValue::Float(f) => {
            let x: f64 = f
                .as_str()
                .parse()
                .map_err(|_| doc.error(v.span(), "this float is not a valid number"))?;
            serde_json::Number::from_f64(x)
                .map(J::Number)
                .ok_or_else(|| {
                    doc.error(
                        v.span(),
                        "inf and nan cannot be passed on as JSON; use a finite number",
                    )
                })?
        }
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(items) => J::Array(
            items
                .iter()
                .map(|i| to_json(doc, i))
                .collect::<Result<_>>()?,
        ),
        DeValue::Table(t) => {
            let mut map = serde_json::Map::new();
            for (k, item) in t.iter() {
                map.insert(k.get_ref().to_string(), to_json(doc, item)?);
            }
            J::Object(map)
        }
    })
}

/// A value written with a kind tag: `{ Kind = { ... } }` (externally tagged) or
/// `{ type = "Kind", ... }` (internally tagged).
pub(crate) struct Tagged<'a, 'i> {
    /// The kind's name as written.
    pub(crate) kind: &'a str,
    /// Where the kind's name is.
    pub(crate) kind_span: Range<usize>,
    /// The value holding the kind's fields: the inner value of the externally tagged
    /// form (usually a table), or the whole table of the internally tagged form.
    pub(crate) body: &'a Value<'i>,
    /// Whether the fields table carries the `type` key, which is not a field.
    pub(crate) internal: bool,
}

/// Splits a trigger or action value into its kind and fields; `what` is "trigger" or
/// "action", `example` an externally tagged example for the error message.
pub(crate) fn tagged<'a, 'i>(
    doc: &Doc<'_>,
    v: &'a Value<'i>,
    what: &str,
    example: &str,
) -> Result<Tagged<'a, 'i>> {
    let shape_error = || {
        doc.error(
            v.span(),
            format!(
                "the {what} must name its kind, either as `{{ Kind = {{ ... }} }}` \
                 (e.g. `{what} = {example}`) or with `type = \"Kind\"`"
            ),
        )
    };
    let DeValue::Table(t) = v.get_ref() else {
        return Err(shape_error());
    };
    if let Some(ty) = t.get("type") {
        let kind = string(doc, ty, &format!("the {what}'s `type`"))?;
        return Ok(Tagged {
            kind,
            kind_span: ty.span(),
            body: v,
            internal: true,
        });
    }
    let mut entries = t.iter();
    match (entries.next(), entries.next()) {
        (Some((key, body)), None) => Ok(Tagged {
            kind: key.get_ref(),
            kind_span: key.span(),
            body,
            internal: false,
        }),
        _ => Err(shape_error()),
    }
}
