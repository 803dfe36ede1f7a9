//! Finding each `[[modes]]` section of a config's text, so that a large config is read
//! one mode at a time.
//!
//! A parsed TOML document with positions (`toml::de::DeTable`) costs about 8 KB per
//! mapping, so a config of 100,000 mappings would peak near 800 MB if it were parsed
//! whole. Split at its `[[modes]]` headers instead, only one mode's tree exists at a
//! time: the rest of the document (device, engine, plugins, global mappings) is parsed
//! with every mode section blanked out to spaces, so that every byte keeps its offset
//! and every error its line and column.

use std::ops::Range;

use toml_parser::lexer::TokenKind;
use toml_parser::Source;

/// A config's text cut into its mode sections and everything else.
pub(crate) struct ModeSections {
    /// The text with every mode section replaced by spaces (newlines kept).
    pub(crate) rest: String,
    /// Each mode's section, in file order: a `[[modes]]` header and what follows it up
    /// to the next header that is not a `modes` sub-table.
    pub(crate) modes: Vec<Range<usize>>,
}

/// One table header: where its line starts and what it names.
struct Header {
    start: usize,
    kind: HeaderKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HeaderKind {
    /// `[[modes]]`: a new mode.
    Mode,
    /// `[[modes.mappings]]`, `[modes.x]`, ...: part of the mode above it.
    InMode,
    /// Any other table.
    Other,
}

/// Cuts `text` at its `[[modes]]` headers. `None` when the document is not laid out
/// that way (no `[[modes]]` header, a `modes` sub-table before the first mode, a header
/// this scanner does not read with certainty such as a quoted first key, or text that
/// does not lex): the caller then parses the document whole, which gives the same
/// result and the same errors.
pub(crate) fn split_modes(text: &str) -> Option<ModeSections> {
    let headers = headers(text)?;
    let mut modes: Vec<Range<usize>> = Vec::new();
    let mut in_mode = false;
    for (i, header) in headers.iter().enumerate() {
        let end = headers.get(i + 1).map_or(text.len(), |h| h.start);
        match header.kind {
            HeaderKind::Mode => {
                modes.push(header.start..end);
                in_mode = true;
            }
            HeaderKind::InMode if in_mode => {
                modes.last_mut().expect("in a mode").end = end;
            }
            HeaderKind::InMode => return None,
            HeaderKind::Other => in_mode = false,
        }
    }
    if modes.is_empty() {
        return None;
    }
    let mut rest = String::with_capacity(text.len());
    let mut copied = 0;
    for range in &modes {
        rest.push_str(&text[copied..range.start]);
        rest.extend(
            text[range.clone()]
                .bytes()
                .map(|b| if b == b'\n' { '\n' } else { ' ' }),
        );
        copied = range.end;
    }
    rest.push_str(&text[copied..]);
    debug_assert_eq!(rest.len(), text.len());
    Some(ModeSections { rest, modes })
}

/// Every table header of `text`, in order. A `[` opens a header when it is the first
/// token of a line outside any array or inline table; the header is the rest of that
/// line.
fn headers(text: &str) -> Option<Vec<Header>> {
    let mut headers = Vec::new();
    let mut depth = 0usize;
    let mut line_start = true;
    let mut in_header: Option<usize> = None;
    for token in Source::new(text).lex() {
        let kind = token.kind();
        let span = token.span();
        if let Some(start) = in_header {
            if matches!(kind, TokenKind::Newline | TokenKind::Eof) {
                headers.push(Header {
                    start,
                    kind: header_kind(&text[start..span.start()])?,
                });
                in_header = None;
                line_start = true;
            }
            continue;
        }
        match kind {
            TokenKind::Whitespace | TokenKind::Comment => {}
            TokenKind::Newline => line_start = depth == 0,
            TokenKind::LeftSquareBracket if line_start && depth == 0 => {
                in_header = Some(span.start());
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                depth += 1;
                line_start = false;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.saturating_sub(1);
                line_start = false;
            }
            TokenKind::Eof => {}
            _ => line_start = false,
        }
    }
    if let Some(start) = in_header {
        headers.push(Header {
            start,
            kind: header_kind(&text[start..])?,
        });
    }
    Some(headers)
}

/// What the header line `line` (from its first `[` to the end of the line) names; `None`
/// when its first key is quoted or it is not a plain `[...]` / `[[...]]`.
fn header_kind(line: &str) -> Option<HeaderKind> {
    let line = match line.find('#') {
        // A `#` inside a quoted key would be cut here too; quoted first keys are
        // refused below, and a quoted later key does not change the first.
        Some(at) if !line[..at].contains(['"', '\'']) => &line[..at],
        _ => line,
    };
    let line = line.trim_end();
    let (double, inner) = if let Some(inner) = line.strip_prefix("[[") {
        (true, inner.strip_suffix("]]")?)
    } else {
        (false, line.strip_prefix('[')?.strip_suffix(']')?)
    };
    let inner = inner.trim();
    if inner.starts_with(['"', '\'']) {
        return None;
    }
    let first = inner.split('.').next()?.trim();
    let rest_of_key = inner.len() > first.len();
    Some(match (first, double, rest_of_key) {
        ("modes", true, false) => HeaderKind::Mode,
        ("modes", false, false) => return None,
        ("modes", _, true) => HeaderKind::InMode,
        _ => HeaderKind::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections(text: &str) -> Option<Vec<&str>> {
        split_modes(text).map(|s| s.modes.iter().map(|r| &text[r.clone()]).collect())
    }

    #[test]
    fn each_mode_runs_to_the_next_header_outside_it() {
        let text = "[device]\nname = \"x\"\n\n[[modes]]\nname = \"A\"\n[[modes.mappings]]\n\
                    trigger = { Note = { note = 1 } }\n\n[[modes]]\nname = \"B\"\n\
                    [engine]\nhold_ms = 5\n[[ modes ]] # third\nname = \"C\"\n";
        let split = split_modes(text).unwrap();
        let got: Vec<&str> = split.modes.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(
            got,
            [
                "[[modes]]\nname = \"A\"\n[[modes.mappings]]\ntrigger = { Note = { note = 1 } }\n\n",
                "[[modes]]\nname = \"B\"\n",
                "[[ modes ]] # third\nname = \"C\"\n",
            ]
        );
        assert_eq!(split.rest.len(), text.len());
        assert!(split.rest.starts_with("[device]\nname = \"x\"\n"));
        assert!(split.rest.contains("[engine]\nhold_ms = 5\n"));
        assert!(!split.rest.contains("modes"));
        assert_eq!(split.rest.lines().count(), text.lines().count());
    }

    #[test]
    fn brackets_inside_values_strings_and_arrays_are_not_headers() {
        let text =
            "[[modes]]\nname = \"A\"\nnotes = [\n[1, 2],\n]\ns = \"\"\"\n[[modes]]\n\"\"\"\n";
        assert_eq!(sections(text).unwrap().len(), 1);
    }

    #[test]
    fn layouts_it_cannot_read_with_certainty_are_left_to_the_whole_parse() {
        // No [[modes]] at all, a quoted first key, a modes sub-table before any mode,
        // and a single-bracket [modes].
        for text in [
            "[device]\nname = \"x\"\n",
            "[[\"modes\"]]\nname = \"A\"\n",
            "[[modes.mappings]]\nx = 1\n[[modes]]\nname = \"A\"\n",
            "[modes]\nname = \"A\"\n",
        ] {
            assert!(sections(text).is_none(), "{text}");
        }
    }
}
