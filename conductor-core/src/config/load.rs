//! Reading a whole config: the order in which sections are read and cross-checked.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::action::ActionReader;
use super::lenient::rewrite_json_colons;
use super::mapping::{parse_mappings, Mode};
use super::reader::{self, Doc, Table, Value};
use super::sections::split_modes;
use super::{
    devices, paths, plugins, settings, Config, ConfigWarning, LoggingSettings, PluginSettings,
};
use crate::Result;

/// The top-level keys a config may have.
const TOP_LEVEL: [&str; 8] = [
    "modes",
    "global_mappings",
    "engine",
    "plugins",
    "device",
    "devices",
    "advanced_settings",
    "logging",
];

/// What to write when a config has no modes.
const ADD_A_MODE: &str = "the config has no modes; add at least one, e.g.\n\n\
    [[modes]]\n\
    name = \"Default\"\n\n\
    [[modes.mappings]]\n\
    trigger = { Note = { note = 60 } }\n\
    action = { WasmPlugin = { path = \"my_plugin.wasm\" } }";

/// Parses and validates `text`; `path` is only used in messages, `base_dir` resolves
/// relative paths.
///
/// A config laid out with `[[modes]]` headers (nearly all are) is read one mode at a
/// time (see `sections.rs`), so loading 100,000 mappings never holds the whole
/// document's tree; anything else is parsed whole. Both give the same `Config`.
pub(crate) fn load(text: &str, path: Option<&Path>, base_dir: &Path) -> Result<Config> {
    let doc = Doc::new(text, path, base_dir);
    let (fixed, warnings) = rewrite_json_colons(text);
    if let Some(sections) = split_modes(&fixed) {
        let root = DeTable::parse(&sections.rest).map_err(|e| doc.syntax_error(&e))?;
        let root_value: Value<'_> =
            toml::Spanned::new(root.span(), DeValue::Table(root.into_inner()));
        let top = Table::of(&doc, &root_value, "the top level")?;
        // `modes` also written outside its sections (`modes.x = 1` at the top level):
        // only the whole document says what that means.
        if top.get("modes").is_none() {
            let modes = ModeSource::Sections {
                text: &fixed,
                ranges: &sections.modes,
            };
            return read(&doc, &top, modes, warnings);
        }
    }
    load_whole(&doc, &fixed, warnings)
}

/// Parses the whole document at once.
fn load_whole(doc: &Doc<'_>, fixed: &str, warnings: Vec<ConfigWarning>) -> Result<Config> {
    let root = DeTable::parse(fixed).map_err(|e| doc.syntax_error(&e))?;
    let root_value: Value<'_> = toml::Spanned::new(root.span(), DeValue::Table(root.into_inner()));
    let top = Table::of(doc, &root_value, "the top level")?;
    read(doc, &top, ModeSource::Whole(top.get("modes")), warnings)
}

/// Where the `[[modes]]` tables are read from.
enum ModeSource<'a, 'i> {
    /// The `modes` value of the whole parsed document.
    Whole(Option<&'a Value<'i>>),
    /// Each mode's section of `text`, parsed on its own when it is read.
    Sections {
        text: &'a str,
        ranges: &'a [Range<usize>],
    },
}

impl ModeSource<'_, '_> {
    /// Calls `f` with each mode's table, in file order; an error if there is none.
    fn for_each(
        &self,
        doc: &Doc<'_>,
        mut f: impl FnMut(&Table<'_, '_>) -> Result<()>,
    ) -> Result<()> {
        match self {
            ModeSource::Whole(modes) => mode_tables(doc, *modes)?.iter().try_for_each(f),
            ModeSource::Sections { text, ranges } => {
                for range in ranges.iter() {
                    doc.set_section_start(range.start);
                    let mut read_one = || -> Result<()> {
                        let section = DeTable::parse(&text[range.clone()])
                            .map_err(|e| doc.syntax_error(&e))?;
                        let value: Value<'_> = toml::Spanned::new(
                            section.span(),
                            DeValue::Table(section.into_inner()),
                        );
                        let top = Table::of(doc, &value, "the top level")?;
                        mode_tables(doc, top.get("modes"))?
                            .iter()
                            .try_for_each(&mut f)
                    };
                    let result = read_one();
                    doc.set_section_start(0);
                    result?;
                }
                Ok(())
            }
        }
    }
}

/// Reads a parsed document: `top` holds everything but (maybe) the modes.
fn read(
    doc: &Doc<'_>,
    top: &Table<'_, '_>,
    modes: ModeSource<'_, '_>,
    mut warnings: Vec<ConfigWarning>,
) -> Result<Config> {
    top.allow_only(doc, &TOP_LEVEL)?;

    let device = top
        .get("device")
        .map(|v| settings::parse_device(doc, v))
        .transpose()?
        .unwrap_or_default();
    let (timing, engine) = settings::parse_engine(
        doc,
        top.get("engine"),
        top.get("advanced_settings"),
        &mut warnings,
    )?;
    let logging = top
        .get("logging")
        .map(|v| settings::parse_logging(doc, v))
        .transpose()?
        .unwrap_or_else(LoggingSettings::default);
    let plugins = top
        .get("plugins")
        .map(|v| plugins::parse(doc, v))
        .transpose()?
        .unwrap_or_else(PluginSettings::default);

    // Modes are named before any mapping is read, so a ModeChange may point forward.
    let mut mode_names: Vec<String> = Vec::new();
    let mut mode_lines: Vec<usize> = Vec::new();
    let mut colors = Vec::new();
    modes.for_each(doc, |t| {
        t.allow_only(doc, &["name", "color", "mappings"])?;
        let name_value = t.require(doc, "name")?;
        let name = reader::string(doc, name_value, "the mode's `name`")?;
        if name.trim().is_empty() {
            return Err(doc.error(name_value.span(), "the mode's `name` is empty"));
        }
        if let Some(first) = mode_names.iter().position(|n| n == name) {
            return Err(doc.error(
                name_value.span(),
                format!(
                    "two modes are named \"{name}\" (the first starts at line {}); mode \
                     names must be unique",
                    mode_lines[first]
                ),
            ));
        }
        mode_names.push(name.to_string());
        mode_lines.push(doc.line(t.span.start));
        colors.push(
            t.get("color")
                .map(|v| reader::string(doc, v, "`color`").map(str::to_string))
                .transpose()?,
        );
        Ok(())
    })?;

    let mut actions = ActionReader::new(doc, &mode_names);
    let mut mode_mappings = Vec::with_capacity(mode_names.len());
    modes.for_each(doc, |t| {
        mode_mappings.push(match t.get("mappings") {
            Some(v) => parse_mappings(doc, v, "modes.mappings", &timing, &mut actions)?,
            None => Vec::new(),
        });
        Ok(())
    })?;
    let modes: Vec<Mode> = mode_names
        .iter()
        .zip(colors)
        .zip(mode_mappings)
        .map(|((name, color), mappings)| Mode {
            name: name.clone(),
            color,
            mappings,
        })
        .collect();
    let global_mappings = match top.get("global_mappings") {
        // Conductor's default config writes an empty `[global_mappings]` table, with
        // entries (if any) under `[[global_mappings.mappings]]`.
        Some(v) if matches!(v.get_ref(), DeValue::Table(_)) => {
            let t = Table::of(doc, v, "`[global_mappings]`")?;
            t.allow_only(doc, &["mappings"])?;
            match t.get("mappings") {
                Some(v) => {
                    parse_mappings(doc, v, "global_mappings.mappings", &timing, &mut actions)?
                }
                None => Vec::new(),
            }
        }
        Some(v) => parse_mappings(doc, v, "global_mappings", &timing, &mut actions)?,
        None => Vec::new(),
    };

    let devices = top
        .get("devices")
        .map(|v| devices::parse(doc, v, &mode_names))
        .transpose()?
        .unwrap_or_default();
    warnings.append(&mut actions.warnings);
    let mut config = Config {
        path: doc.path().map(Path::to_path_buf),
        base_dir: doc.base_dir().to_path_buf(),
        modes,
        global_mappings,
        device,
        devices,
        timing,
        engine,
        logging,
        plugins,
        warnings,
    };
    warn_unmatched_settings(doc, top, &mut config)?;
    devices::check(&config)?;
    Ok(config)
}

/// A `[plugins.settings."<path>"]` table that matches no plugin of the config is most
/// likely a typo (or a plugin since removed): its limits, grants and `allowed_hosts`
/// apply to nothing, so say so instead of ignoring it.
fn warn_unmatched_settings(doc: &Doc<'_>, top: &Table<'_, '_>, config: &mut Config) -> Result<()> {
    let Some(settings) = top
        .get("plugins")
        .map(|v| Table::of(doc, v, "`[plugins]`"))
        .transpose()?
        .and_then(|t| t.get("settings"))
    else {
        return Ok(());
    };
    let used = config.wasm_plugin_paths();
    let settings = Table::of(doc, settings, "`[plugins.settings]`")?;
    for (key, _) in settings.entries_in_order() {
        let text: &str = key.get_ref();
        let resolved = paths::resolve(Path::new(text), doc.base_dir());
        if used.iter().any(|p| paths::same_file(&resolved, p)) {
            continue;
        }
        let known = if used.is_empty() {
            "the config runs no plugin".to_string()
        } else {
            let list: Vec<String> = used.iter().map(|p| p.display().to_string()).collect();
            format!("its plugins are {}", list.join(", "))
        };
        config.warnings.push(ConfigWarning {
            line: doc.line(key.span().start),
            message: format!(
                "`[plugins.settings.\"{text}\"]` ({}) matches no plugin of this config, so \
                 its settings (grants, limits, allowed_hosts) apply to nothing; {known}. Write \
                 the path as the `WasmPlugin` action does",
                resolved.display()
            ),
        });
    }
    Ok(())
}

/// The `[[modes]]` tables; an error if there are none.
fn mode_tables<'a, 'i>(doc: &Doc<'_>, modes: Option<&'a Value<'i>>) -> Result<Vec<Table<'a, 'i>>> {
    let Some(modes) = modes else {
        return Err(doc.error_in_file(ADD_A_MODE));
    };
    if matches!(modes.get_ref(), DeValue::Table(_)) {
        return Err(doc.error(
            modes.span(),
            "`[modes]` is a single table; modes are a list: write `[[modes]]` (double \
             brackets) for each mode",
        ));
    }
    let items = reader::array(doc, modes, "`modes`")?;
    if items.is_empty() {
        return Err(doc.error(modes.span(), ADD_A_MODE));
    }
    items
        .iter()
        .map(|item| Table::of(doc, item, "a `[[modes]]` entry"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` section by section (as `load` does) and whole, for comparison.
    fn both_ways(text: &str) -> (Result<Config>, Result<Config>) {
        let base = Path::new("/configs");
        let by_section = load(text, Some(Path::new("/configs/c.toml")), base);
        let doc = Doc::new(text, Some(Path::new("/configs/c.toml")), base);
        let (fixed, warnings) = rewrite_json_colons(text);
        (by_section, load_whole(&doc, &fixed, warnings))
    }

    const CONFIG: &str = r#"
[device]
name = "Pads"

[[modes]]
name = "A"
color = "blue"
[[modes.mappings]]
description = "to B"
trigger = { Note = { note = 60 } }
action = { ModeChange = { mode = "B" } }
[[modes.mappings]]
trigger = { CC = { cc = 1, channel = 2 } }
action = { Sequence = { actions = [{ Delay = { ms = 5 } }, { SendMidi = { bytes = [0x90, 1, 2] } }] } }

[engine]
hold_threshold_ms = 700

[[modes]]
name = "B"
[[modes.mappings]]
trigger = { Note: { note: 61 } }
action = { ModeChange = { mode = "A" } }

[[global_mappings]]
trigger = { Note = { note = 1 } }
action = { Host = { name = "x" } }
"#;

    #[test]
    fn reading_mode_by_mode_gives_what_reading_whole_gives() {
        let (by_section, whole) = both_ways(CONFIG);
        let (by_section, whole) = (by_section.unwrap(), whole.unwrap());
        assert_eq!(format!("{by_section:?}"), format!("{whole:?}"));
        assert_eq!(by_section.modes.len(), 2);
        // B's mapping is read from its own section, yet knows its line in the file.
        let header = CONFIG
            .find("[[modes.mappings]]\ntrigger = { Note:")
            .unwrap();
        let line = CONFIG[..header].matches('\n').count() + 1;
        assert_eq!(by_section.modes[1].mappings[0].line, Some(line));
        assert_eq!(
            by_section.timing.hold,
            std::time::Duration::from_millis(700)
        );
    }

    #[test]
    fn an_error_in_a_later_mode_names_the_same_place_both_ways() {
        for (bad, expected) in [
            ("note: 61", "note: 200"),
            ("name = \"B\"", "name = \"A\""),
            ("mode = \"A\"", "mode = \"C\""),
            ("trigger = { Note: {", "trigger = = { Note: {"),
        ] {
            let text = CONFIG.replacen(bad, expected, 1);
            assert_ne!(text, CONFIG);
            let (by_section, whole) = both_ways(&text);
            let (by_section, whole) = (by_section.unwrap_err(), whole.unwrap_err());
            assert_eq!(by_section.to_string(), whole.to_string());
            assert!(
                by_section.to_string().contains("/configs/c.toml:2"),
                "{by_section}"
            );
        }
    }
}
