//! Reading a whole config: the order in which sections are read and cross-checked.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::action::ActionReader;
use super::lenient::rewrite_json_colons;
use super::mapping::{parse_mappings, Mode};
use super::reader::{self, Doc, Table, Value};
use super::{paths, plugins, settings, Config, ConfigWarning, LoggingSettings, PluginSettings};
use crate::Result;

/// The top-level keys a config may have.
const TOP_LEVEL: [&str; 7] = [
    "modes",
    "global_mappings",
    "engine",
    "plugins",
    "device",
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
pub(crate) fn load(text: &str, path: Option<&Path>, base_dir: &Path) -> Result<Config> {
    let doc = Doc::new(text, path, base_dir);
    let (fixed, mut warnings) = rewrite_json_colons(text);
    let root = DeTable::parse(&fixed).map_err(|e| doc.syntax_error(&e))?;
    let root_value: Value<'_> = toml::Spanned::new(root.span(), DeValue::Table(root.into_inner()));
    let top = Table::of(&doc, &root_value, "the top level")?;
    top.allow_only(&doc, &TOP_LEVEL)?;

    let device = top
        .get("device")
        .map(|v| settings::parse_device(&doc, v))
        .transpose()?
        .unwrap_or_default();
    let (timing, engine) = settings::parse_engine(
        &doc,
        top.get("engine"),
        top.get("advanced_settings"),
        &mut warnings,
    )?;
    let logging = top
        .get("logging")
        .map(|v| settings::parse_logging(&doc, v))
        .transpose()?
        .unwrap_or_else(LoggingSettings::default);
    let plugins = top
        .get("plugins")
        .map(|v| plugins::parse(&doc, v))
        .transpose()?
        .unwrap_or_else(PluginSettings::default);

    // Modes are named before any mapping is read, so a ModeChange may point forward.
    let mode_tables = mode_tables(&doc, top.get("modes"))?;
    let mut mode_names: Vec<String> = Vec::with_capacity(mode_tables.len());
    let mut colors = Vec::with_capacity(mode_tables.len());
    for t in &mode_tables {
        t.allow_only(&doc, &["name", "color", "mappings"])?;
        let name_value = t.require(&doc, "name")?;
        let name = reader::string(&doc, name_value, "the mode's `name`")?;
        if name.trim().is_empty() {
            return Err(doc.error(name_value.span(), "the mode's `name` is empty"));
        }
        if let Some(first) = mode_names.iter().position(|n| n == name) {
            return Err(doc.error(
                name_value.span(),
                format!(
                    "two modes are named \"{name}\" (the first starts at line {}); mode \
                     names must be unique",
                    doc.line(mode_tables[first].span.start)
                ),
            ));
        }
        mode_names.push(name.to_string());
        colors.push(
            t.get("color")
                .map(|v| reader::string(&doc, v, "`color`").map(str::to_string))
                .transpose()?,
        );
    }

    let mut actions = ActionReader::new(&doc, &mode_names);
    let mut modes = Vec::with_capacity(mode_tables.len());
    for ((t, name), color) in mode_tables.iter().zip(&mode_names).zip(colors) {
        let mappings = match t.get("mappings") {
            Some(v) => parse_mappings(&doc, v, "modes.mappings", &timing, &mut actions)?,
            None => Vec::new(),
        };
        modes.push(Mode {
            name: name.clone(),
            color,
            mappings,
        });
    }
    let global_mappings = match top.get("global_mappings") {
        // Conductor's default config writes an empty `[global_mappings]` table, with
        // entries (if any) under `[[global_mappings.mappings]]`.
        Some(v) if matches!(v.get_ref(), DeValue::Table(_)) => {
            let t = Table::of(&doc, v, "`[global_mappings]`")?;
            t.allow_only(&doc, &["mappings"])?;
            match t.get("mappings") {
                Some(v) => {
                    parse_mappings(&doc, v, "global_mappings.mappings", &timing, &mut actions)?
                }
                None => Vec::new(),
            }
        }
        Some(v) => parse_mappings(&doc, v, "global_mappings", &timing, &mut actions)?,
        None => Vec::new(),
    };

    let mut config = Config {
        path: path.map(Path::to_path_buf),
        base_dir: base_dir.to_path_buf(),
        modes,
        global_mappings,
        device,
        timing,
        engine,
        logging,
        plugins,
        warnings,
    };
    warn_unmatched_settings(&doc, &top, &mut config)?;
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
