//! "Did you mean ...?" hints for misspelt names.

/// The candidate closest to `word`, if one is close enough to be a likely typo.
///
/// Comparison ignores letter case, so `cc` suggests `CC`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let lower = c.to_lowercase();
            let score = strsim::normalized_damerau_levenshtein(&word, &lower)
                .max(strsim::jaro_winkler(&word, &lower) - 0.15);
            (c, score)
        })
        .filter(|(_, score)| *score >= 0.6)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn close_names_are_suggested() {
        let kinds = ["Note", "NoteOff", "CC", "EncoderTurn"];
        assert_eq!(did_you_mean("Nte", kinds), Some("Note"));
        assert_eq!(did_you_mean("cc", kinds), Some("CC"));
        assert_eq!(did_you_mean("EncoderTrun", kinds), Some("EncoderTurn"));
    }

    #[test]
    fn unrelated_names_are_not() {
        assert_eq!(did_you_mean("Banana", ["Note", "CC"]), None);
    }
}
