//! `docs/config.md` is the reference of the config language. Every ```toml block in it
//! must load, and every trigger and action kind the loader knows must have a section
//! there with an example, so the reference cannot drift from the code.

use std::path::{Path, PathBuf};

use conductor_core::config::Config;

fn reference_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/config.md")
}

fn reference() -> String {
    std::fs::read_to_string(reference_path()).expect("docs/config.md is readable")
}

/// The ```toml blocks of the page, each with the line it starts on.
fn toml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some((i + 1, String::new())),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some((_, body)), l) => {
                body.push_str(l);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(
        current.is_none(),
        "docs/config.md has an unclosed ```toml block"
    );
    blocks
}

/// The kinds the loader knows, read from its own error for an unknown kind (which lists
/// them all), so a kind added to the loader shows up here without editing this test.
fn known_kinds(what: &str, snippet: &str) -> Vec<String> {
    let text = format!("[[modes]]\nname = \"m\"\n[[modes.mappings]]\n{snippet}\n");
    let err = Config::from_toml_str(&text, Path::new("."))
        .expect_err("an unknown kind is refused")
        .to_string();
    let start = err
        .find(&format!("({what}: "))
        .unwrap_or_else(|| panic!("the error lists the {what}: {err}"))
        + what.len()
        + 3;
    let end = start + err[start..].find(')').expect("the list is closed");
    err[start..end].split(", ").map(str::to_string).collect()
}

#[test]
fn every_example_in_the_reference_loads() {
    let text = reference();
    let blocks = toml_blocks(&text);
    assert!(blocks.len() >= 20, "only {} examples found", blocks.len());
    let base = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (line, body) in &blocks {
        if let Err(e) = Config::from_toml_str(body, base.path()) {
            failures.push(format!("docs/config.md:{line}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not load:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_trigger_and_action_kind_has_a_section_with_an_example() {
    let text = reference();
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("### ")).collect();
    let examples: String = toml_blocks(&text).into_iter().map(|(_, b)| b).collect();
    let mut missing = Vec::new();
    let triggers = known_kinds(
        "triggers",
        "trigger = { NoSuchTrigger = { note = 1 } }\naction = { Delay = { ms = 1 } }",
    );
    let actions = known_kinds(
        "actions",
        "trigger = { Note = { note = 1 } }\naction = { NoSuchAction = { } }",
    );
    assert!(triggers.iter().any(|k| k == "Note"), "{triggers:?}");
    assert!(actions.iter().any(|k| k == "SendMidi"), "{actions:?}");
    for kind in triggers.iter().chain(&actions) {
        let is_word = |s: &str| {
            s.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == kind)
        };
        if !headings.iter().any(|h| is_word(h)) {
            missing.push(format!("`{kind}` has no `###` section"));
        }
        if !examples.contains(&format!("{kind} = {{"))
            && !examples.contains(&format!("type = \"{kind}\""))
        {
            missing.push(format!("`{kind}` has no example"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/config.md is incomplete:\n{}",
        missing.join("\n")
    );
}
