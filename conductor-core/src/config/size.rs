//! Memory sizes written as bytes or with a unit (`"128 MiB"`, `"64MB"`).

/// Parses a size such as `"128 MiB"`, `"64MB"`, `"512k"` or `"1048576"` into bytes.
///
/// Binary units (`KiB`, `MiB`, `GiB`) are powers of 1024; decimal ones (`kB`/`KB`, `MB`,
/// `GB`) powers of 1000. A lone letter (`k`, `M`, `G`) is binary, like the sizes
/// printed by most tools. Letter case is ignored except that a lone `b` is bytes.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let number: u64 = number
        .replace('_', "")
        .parse()
        .map_err(|_| format!("\"{text}\" does not start with a whole number"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit \"{other}\" in \"{text}\" (use bytes, KiB, MiB, GiB, \
                 kB, MB or GB)"
            ))
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("\"{text}\" is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn units() {
        assert_eq!(parse_size("128 MiB"), Ok(128 * 1024 * 1024));
        assert_eq!(parse_size("64MB"), Ok(64_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("1_048_576"), Ok(1 << 20));
    }

    #[test]
    fn nonsense_is_refused_with_the_reason() {
        assert!(parse_size("lots").unwrap_err().contains("whole number"));
        assert!(parse_size("12 parsecs")
            .unwrap_err()
            .contains("unknown size unit"));
        assert!(parse_size("99999999999 GiB")
            .unwrap_err()
            .contains("too large"));
    }
}
