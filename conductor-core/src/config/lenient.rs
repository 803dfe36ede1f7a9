//! The one leniency of the config reader: JSON-style `"key": value` inside inline tables.
//!
//! The plugin guide prints `params = { "message": "Hello from MIDI!" }`, which TOML
//! rejects. Before parsing, each such `:` is replaced by `=` — one byte for one byte, so
//! every position in the rewritten text still matches the original — and a warning
//! names the line and shows the canonical form. Colons anywhere else (top-level keys,
//! inside strings, date-times, comments) are left alone, so TOML's own error reports
//! them.

use toml_parser::lexer::{Token, TokenKind};
use toml_parser::Source;

use super::warning::ConfigWarning;

/// Rewrites JSON-style colons in inline tables to `=`, returning the text to parse and
/// one warning per rewrite.
pub(crate) fn rewrite_json_colons(text: &str) -> (String, Vec<ConfigWarning>) {
    let mut out = text.to_string();
    let mut warnings = Vec::new();
    // Each pass fixes the first colon and lexes again, because a colon glued to the
    // text after it (`"a":"b"`) lexes differently once it is a `=`. The next pass starts
    // at the top-level line holding the colon (outside every bracket and string, so
    // lexing there reads the rest exactly as lexing from the top would): the work is
    // linear in the text, not quadratic in the number of colons.
    let mut resume = 0;
    let mut line = 1;
    let mut counted_to = 0;
    while let Some(found) = find_json_colon(&out, resume) {
        out.replace_range(found.colon..found.colon + 1, "=");
        line += out[counted_to..found.colon].matches('\n').count();
        counted_to = found.colon;
        resume = found.line_start;
        let key = out[found.key_start..found.colon].trim_end();
        let value = value_after(&out[found.colon + 1..]);
        warnings.push(ConfigWarning {
            line,
            message: format!(
                "`{key}: ...` is JSON, not TOML; read as `{key} = {value}` \
                 (write it that way, with `=`)"
            ),
        });
    }
    (out, warnings)
}

/// A JSON-style colon: its byte offset, where its key starts, and where the top-level
/// line holding it starts.
struct JsonColon {
    colon: usize,
    key_start: usize,
    line_start: usize,
}

/// Where the lexer is inside an inline table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum InTable {
    /// At the start, or after a comma: a key comes next.
    ExpectKey,
    /// Inside a (possibly dotted) key; the frame's `key_start` is its first byte.
    InKey,
    /// After the `=`: the value, up to the next comma or `}`.
    InValue,
}

/// What encloses the current token: an inline table (with where the lexer is in it)
/// or an array.
///
/// A struct of plain fields rather than an enum carrying data: every byte of a frame is
/// always initialised, so optimised code that loads a whole frame before looking at
/// its kind never reads undefined bytes (valgrind reported exactly that when the key's
/// start was the payload of one enum variant).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Frame {
    /// `false` for an inline table, `true` for an array.
    array: bool,
    /// Where the lexer is, for an inline table.
    state: InTable,
    /// The first byte of the key being read, when `state` is [`InTable::InKey`].
    key_start: usize,
}

impl Frame {
    const ARRAY: Frame = Frame {
        array: true,
        state: InTable::ExpectKey,
        key_start: 0,
    };
    const TABLE: Frame = Frame {
        array: false,
        state: InTable::ExpectKey,
        key_start: 0,
    };
}

/// Where the lexer is on a top-level line (outside any bracket).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TopLine {
    Key,
    Header,
    Value,
}

/// Tokens lexed at a time by [`find_json_colon`].
const TOKEN_BATCH: usize = 4096;

/// The first JSON-style colon at or after `from`, which must be the start of a top-level
/// line (or 0).
fn find_json_colon(text: &str, from: usize) -> Option<JsonColon> {
    let source = Source::new(&text[from..]);
    // In batches, not collected whole: a token list costs about 24 bytes a token, 180 MB
    // for a config of 100,000 mappings. (Batches rather than one token at a time: the
    // loop then reads only tokens the lexer has written, which keeps valgrind exact.)
    let mut stack: Vec<Frame> = Vec::new();
    let mut top = TopLine::Key;
    let mut line_start = from;
    let mut lexer = source.lex();
    let mut batch: Vec<Token> = Vec::with_capacity(TOKEN_BATCH);
    loop {
        batch.clear();
        batch.extend(lexer.by_ref().take(TOKEN_BATCH));
        if batch.is_empty() {
            return None;
        }
        for &token in &batch {
            let kind = token.kind();
            let (start, end) = (from + token.span().start(), from + token.span().end());
            let raw = &text[start..end];
            if matches!(kind, TokenKind::Whitespace | TokenKind::Comment) {
                continue;
            }
            let Some(frame) = stack.last_mut() else {
                match (top, kind) {
                    (_, TokenKind::Newline) => {
                        top = TopLine::Key;
                        line_start = end;
                    }
                    (TopLine::Key, TokenKind::LeftSquareBracket) => top = TopLine::Header,
                    (TopLine::Key, TokenKind::Equals) => top = TopLine::Value,
                    (TopLine::Value, TokenKind::LeftCurlyBracket) => stack.push(Frame::TABLE),
                    (TopLine::Value, TokenKind::LeftSquareBracket) => stack.push(Frame::ARRAY),
                    _ => {}
                }
                continue;
            };
            if frame.array {
                match kind {
                    TokenKind::LeftCurlyBracket => stack.push(Frame::TABLE),
                    TokenKind::LeftSquareBracket => stack.push(Frame::ARRAY),
                    TokenKind::RightSquareBracket => {
                        stack.pop();
                    }
                    _ => {}
                }
                continue;
            }
            match (frame.state, kind) {
                (_, TokenKind::Newline) => {}
                (InTable::ExpectKey, TokenKind::RightCurlyBracket)
                | (InTable::InValue, TokenKind::RightCurlyBracket) => {
                    stack.pop();
                }
                (
                    InTable::ExpectKey,
                    TokenKind::BasicString | TokenKind::LiteralString | TokenKind::Atom,
                ) => {
                    if kind == TokenKind::Atom {
                        // A bare key with the colon glued on: `message: "x"`.
                        if let Some(at) = raw.find(':') {
                            let key = &raw[..at];
                            if !key.is_empty() && key.bytes().all(is_bare_key_byte) {
                                return Some(JsonColon {
                                    colon: start + at,
                                    key_start: start,
                                    line_start,
                                });
                            }
                        }
                    }
                    frame.state = InTable::InKey;
                    frame.key_start = start;
                }
                (InTable::InKey, TokenKind::Dot) => {}
                (InTable::InKey, TokenKind::BasicString | TokenKind::LiteralString) => {}
                (InTable::InKey, TokenKind::Atom) if raw.starts_with(':') => {
                    return Some(JsonColon {
                        colon: start,
                        key_start: frame.key_start,
                        line_start,
                    });
                }
                (InTable::InKey, TokenKind::Atom) => {}
                (InTable::InKey, TokenKind::Equals) => frame.state = InTable::InValue,
                (InTable::InValue, TokenKind::Comma) => frame.state = InTable::ExpectKey,
                (InTable::InValue, TokenKind::LeftCurlyBracket) => stack.push(Frame::TABLE),
                (InTable::InValue, TokenKind::LeftSquareBracket) => stack.push(Frame::ARRAY),
                _ => {}
            }
        }
    }
}

fn is_bare_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The value at the start of `tail` as written: up to the next comma, closing bracket,
/// newline or comment at its own nesting depth; only its first line if it spans several.
fn value_after(tail: &str) -> String {
    let mut depth = 0usize;
    let mut end = tail.len();
    for token in Source::new(tail).lex() {
        let span = token.span();
        match token.kind() {
            TokenKind::LeftCurlyBracket | TokenKind::LeftSquareBracket => depth += 1,
            TokenKind::RightCurlyBracket | TokenKind::RightSquareBracket if depth > 0 => depth -= 1,
            TokenKind::RightCurlyBracket
            | TokenKind::RightSquareBracket
            | TokenKind::Comma
            | TokenKind::Newline
            | TokenKind::Comment
                if depth == 0 =>
            {
                end = span.start();
                break;
            }
            TokenKind::Newline => {
                end = span.start();
                return format!("{} ...", tail[..end].trim());
            }
            _ => {}
        }
    }
    tail[..end].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::rewrite_json_colons;

    fn rewrite(text: &str) -> (String, Vec<(usize, String)>) {
        let (out, warnings) = rewrite_json_colons(text);
        (
            out,
            warnings.into_iter().map(|w| (w.line, w.message)).collect(),
        )
    }

    #[test]
    fn colon_in_a_multi_line_inline_table_becomes_equals() {
        let text = "a = { b = {\n\"message\": \"Hello from MIDI!\"\n}}\n";
        let (out, warnings) = rewrite(text);
        assert_eq!(out, text.replacen("\":", "\"=", 1));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].0, 2);
        assert!(warnings[0]
            .1
            .contains("`\"message\" = \"Hello from MIDI!\"`"));
    }

    #[test]
    fn glued_and_bare_key_colons_are_rewritten_too() {
        let (out, warnings) = rewrite("p = { \"a\":\"x, y\", b: 2, 'c' : [1, {d: 3}] }");
        assert_eq!(out, "p = { \"a\"=\"x, y\", b= 2, 'c' = [1, {d= 3}] }");
        assert_eq!(warnings.len(), 4);
        assert!(warnings[3].1.contains("`d = 3`"), "{:?}", warnings[3]);
    }

    #[test]
    fn every_line_is_rewritten_and_named_when_passes_resume_mid_text() {
        let text = "[[m]]\na = { \"x\": 1, y: 2 }\ns = \"\"\"\nq: { r: 1 }\n\"\"\"\nb = { z: [1, { w: 2 }] }\n";
        let (out, warnings) = rewrite(text);
        assert_eq!(
            out,
            "[[m]]\na = { \"x\"= 1, y= 2 }\ns = \"\"\"\nq: { r: 1 }\n\"\"\"\nb = { z= [1, { w= 2 }] }\n"
        );
        let lines: Vec<usize> = warnings.iter().map(|w| w.0).collect();
        assert_eq!(lines, [2, 2, 6, 6]);
    }

    #[test]
    fn colons_in_strings_times_comments_and_top_level_keys_are_left_alone() {
        for text in [
            "a = { t = 07:32:00, s = \"x: y\" } # k: v\n",
            "url = \"http://x\"\n",
            "key: 1\n",
            "[t]\nx = [\"a:b\"]\n",
        ] {
            let (out, warnings) = rewrite(text);
            assert_eq!(out, text);
            assert!(warnings.is_empty(), "{text}: {warnings:?}");
        }
    }
}
