//! [`BytePattern`]: a pattern over MIDI bytes with wildcards, for SysEx and raw triggers.

use std::fmt;

/// One element of a [`BytePattern`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Token {
    /// A byte whose bits under `mask` equal `value` (`9?` is value `0x90`, mask `0xF0`).
    Byte { value: u8, mask: u8 },
    /// Any number of bytes, none included (`*`).
    Any,
}

/// A pattern over bytes, written as hex bytes separated by spaces:
///
/// - `F0`, `7e`: that byte;
/// - `??` (or `XX`): any one byte; `9?`: any byte whose high nibble is 9 (a note-on on
///   any channel), `?3`: low nibble 3;
/// - `*`: any number of bytes, including none.
///
/// ```
/// use conductor_core::midi::BytePattern;
/// let p: BytePattern = "F0 7E ?? 06 02 *".parse().unwrap();
/// assert!(p.matches(&[0xF0, 0x7E, 0x10, 0x06, 0x02, 0x41, 0xF7]));
/// assert!(!p.matches(&[0xF0, 0x7F, 0x10, 0x06, 0x02, 0xF7]));
/// let note_on: BytePattern = "9? 3C ??".parse().unwrap();
/// assert!(note_on.matches(&[0x95, 60, 100]));
/// assert!("F0 GG".parse::<BytePattern>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BytePattern {
    tokens: Vec<Token>,
    text: String,
}

impl BytePattern {
    /// Whether `bytes` match the whole pattern.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        glob(&self.tokens, bytes)
    }

    /// The first byte if the pattern fixes it (no wildcard in it).
    pub fn first_byte(&self) -> Option<u8> {
        match self.tokens.first()? {
            Token::Byte { value, mask: 0xFF } => Some(*value),
            _ => None,
        }
    }

    /// The last byte if the pattern fixes it.
    pub fn last_byte(&self) -> Option<u8> {
        match self.tokens.last()? {
            Token::Byte { value, mask: 0xFF } => Some(*value),
            _ => None,
        }
    }

    /// The pattern without its first and/or last element (to strip framing bytes).
    pub fn trimmed(&self, first: bool, last: bool) -> BytePattern {
        let start = usize::from(first);
        let end = self.tokens.len() - usize::from(last);
        BytePattern {
            tokens: self.tokens[start..end.max(start)].to_vec(),
            text: self.text.clone(),
        }
    }

    /// Whether the pattern holds no element at all.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

impl fmt::Display for BytePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for BytePattern {
    type Err = String;

    /// Reads a pattern; the error names the bad element and how to write it.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut tokens = Vec::new();
        for word in text.split(|c: char| c.is_whitespace() || c == ',') {
            if word.is_empty() {
                continue;
            }
            if word == "*" {
                if tokens.last() != Some(&Token::Any) {
                    tokens.push(Token::Any);
                }
                continue;
            }
            let word_upper = word.to_ascii_uppercase();
            let digits = word_upper.strip_prefix("0X").unwrap_or(&word_upper);
            let chars: Vec<char> = digits.chars().collect();
            let [hi, lo] = chars[..] else {
                return Err(format!(
                    "`{word}` is not a byte: write two hex digits (`F0`), `??` for any \
                     byte, `9?` for a nibble wildcard, or `*` for any number of bytes"
                ));
            };
            let nibble = |c: char| -> Result<(u8, u8), String> {
                match c {
                    '?' | 'X' => Ok((0, 0)),
                    _ => c
                        .to_digit(16)
                        .map(|d| (d as u8, 0xF))
                        .ok_or_else(|| format!("`{word}` has `{c}`, which is no hex digit")),
                }
            };
            let ((hv, hm), (lv, lm)) = (nibble(hi)?, nibble(lo)?);
            tokens.push(Token::Byte {
                value: (hv << 4) | lv,
                mask: (hm << 4) | lm,
            });
        }
        if tokens.is_empty() {
            return Err(
                "the pattern is empty: write hex bytes such as \"F0 7E ?? 06 02 *\"".into(),
            );
        }
        Ok(BytePattern {
            tokens,
            text: text.trim().to_string(),
        })
    }
}

/// Wildcard matching with backtracking to the last `*` (linear in practice).
fn glob(tokens: &[Token], bytes: &[u8]) -> bool {
    let (mut t, mut b) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while b < bytes.len() {
        match tokens.get(t) {
            Some(Token::Byte { value, mask }) if bytes[b] & mask == *value & mask => {
                t += 1;
                b += 1;
            }
            Some(Token::Any) => {
                star = Some((t, b));
                t += 1;
            }
            _ => match star {
                Some((st, sb)) => {
                    t = st + 1;
                    b = sb + 1;
                    star = Some((st, sb + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|tok| *tok == Token::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> BytePattern {
        s.parse().unwrap()
    }

    #[test]
    fn stars_match_any_run_anywhere() {
        assert!(p("*").matches(&[]));
        assert!(p("F0 * F7").matches(&[0xF0, 0xF7]));
        assert!(p("F0 * 01 * F7").matches(&[0xF0, 5, 1, 6, 1, 0xF7]));
        assert!(!p("F0 * 01 * F7").matches(&[0xF0, 5, 6, 0xF7]));
        assert!(!p("F0 01").matches(&[0xF0, 1, 2]));
    }

    #[test]
    fn bad_elements_are_named() {
        let e = "F0 123".parse::<BytePattern>().unwrap_err();
        assert!(e.contains("`123`"), "{e}");
        assert!("".parse::<BytePattern>().is_err());
    }
}
