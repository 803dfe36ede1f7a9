//! `conductor plugin new NAME`: a new plugin crate laid out the way the plugin guide
//! describes, written with the `conductor-plugin` SDK, that builds with one command
//! and runs with `conductor --config test_config.toml --replay test.mid`.

mod sdk;

use std::fmt;
use std::path::{Path, PathBuf};

use conductor_core::midi::MidiMessage;
use conductor_core::{Error, Result};

use crate::smf::write_smf;

/// Where the new crate takes the `conductor-plugin` SDK from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SdkSource {
    /// A copy of the SDK's source, built into this library, written into the new crate
    /// as `conductor-plugin/` and used as a path dependency: the crate builds wherever
    /// the tool that made it runs, with nothing but cargo's usual registry crates
    /// (`serde`, `serde_json`).
    #[default]
    Vendored,
    /// A local checkout of `bindings/rust-plugin` (written as given: absolute, or
    /// relative to the new crate).
    Path(PathBuf),
    /// A version requirement on a registry (`"0.1"`), for when the SDK is published.
    Version(String),
}

impl fmt::Display for SdkSource {
    /// Says where the SDK comes from, for a line such as `SDK: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkSource::Vendored => write!(
                f,
                "the conductor-plugin SDK built into this tool, copied into {}/ (path \
                 dependency)",
                sdk::DIR
            ),
            SdkSource::Path(p) => {
                write!(f, "conductor-plugin at {} (path dependency)", p.display())
            }
            SdkSource::Version(v) => write!(f, "conductor-plugin {v} from the registry"),
        }
    }
}

/// Options for [`scaffold_plugin`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScaffoldOptions {
    /// Where the SDK comes from.
    pub sdk: SdkSource,
}

/// What [`scaffold_plugin`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaffoldedPlugin {
    /// The crate's folder.
    pub dir: PathBuf,
    /// The crate name (the folder's name).
    pub crate_name: String,
    /// Where `cargo build --target wasm32-wasip1 --release` puts the plugin, relative
    /// to [`ScaffoldedPlugin::dir`].
    pub wasm: PathBuf,
    /// Every file written, relative to [`ScaffoldedPlugin::dir`].
    pub files: Vec<PathBuf>,
    /// Where the crate takes the SDK from (as in [`ScaffoldOptions::sdk`]).
    pub sdk: SdkSource,
}

/// Creates a plugin crate in `dir` (which must not exist or be empty), named after
/// the folder: `Cargo.toml` (`crate-type = ["cdylib"]`, the guide's release profile),
/// `src/lib.rs`, `test_config.toml`, `test.mid` (middle C, to replay), `README.md` from
/// the guide's template, `examples/config.toml` and `.gitignore` — and, with
/// [`SdkSource::Vendored`] (the default), the SDK's source in `conductor-plugin/`.
///
/// ```no_run
/// use conductor_tools::{scaffold_plugin, ScaffoldOptions};
/// let plugin = scaffold_plugin("my-midi-plugin", &ScaffoldOptions::default())?;
/// assert_eq!(plugin.wasm.to_str(), Some("target/wasm32-wasip1/release/my_midi_plugin.wasm"));
/// # Ok::<(), conductor_core::Error>(())
/// ```
pub fn scaffold_plugin(
    dir: impl AsRef<Path>,
    options: &ScaffoldOptions,
) -> Result<ScaffoldedPlugin> {
    let dir = dir.as_ref();
    let crate_name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{} has no usable folder name for a crate",
                dir.display()
            ))
        })?
        .to_string();
    check_crate_name(&crate_name)?;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::InvalidArgument(format!(
            "{} already exists and is not empty; choose another name or remove it",
            dir.display()
        )));
    }
    let lib_name = crate_name.replace('-', "_");
    let wasm = PathBuf::from(format!("target/wasm32-wasip1/release/{lib_name}.wasm"));
    let mut files: Vec<(String, String)> = vec![
        ("Cargo.toml".into(), cargo_toml(&crate_name, &options.sdk)),
        ("src/lib.rs".into(), lib_rs(&crate_name)),
        ("test_config.toml".into(), test_config(&wasm)),
        ("README.md".into(), readme(&crate_name, &lib_name)),
        ("examples/config.toml".into(), example_config(&lib_name)),
        (".gitignore".into(), "/target\nCargo.lock\n".to_string()),
    ];
    if options.sdk == SdkSource::Vendored {
        for (name, text) in sdk::FILES {
            files.push((format!("{}/{name}", sdk::DIR), text.to_string()));
        }
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        written.push(PathBuf::from(&name));
    }
    let on = MidiMessage::NoteOn {
        channel: 0,
        note: 60,
        velocity: 100,
    };
    let off = MidiMessage::NoteOff {
        channel: 0,
        note: 60,
        velocity: 0,
    };
    write_smf(dir.join("test.mid"), &[(0, on), (500_000, off)])?;
    written.push(PathBuf::from("test.mid"));
    Ok(ScaffoldedPlugin {
        dir: dir.to_path_buf(),
        crate_name,
        wasm,
        files: written,
        sdk: options.sdk.clone(),
    })
}

/// Cargo's rules, plus the ones that keep the name usable as a file stem everywhere.
fn check_crate_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{name:?} is not a valid plugin crate name: use letters, digits, `-` and `_`, \
             starting with a letter (e.g. `my-midi-plugin`)"
        )))
    }
}

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn cargo_toml(name: &str, sdk: &SdkSource) -> String {
    let sdk = match sdk {
        SdkSource::Vendored => format!("{{ path = {} }}", toml_string(sdk::DIR)),
        SdkSource::Version(v) => toml_string(v),
        SdkSource::Path(p) => format!("{{ path = {} }}", toml_string(&p.to_string_lossy())),
    };
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"] # Required for WASM

[dependencies]
conductor-plugin = {sdk}
serde = {{ version = "1.0", features = ["derive"] }}

[profile.release]
opt-level = "z" # Optimize for size
lto = true # Link-time optimization
codegen-units = 1 # Better optimization
strip = true # Remove debug symbols

# A crate of its own, even when created inside another cargo workspace.
[workspace]
"#
    )
}

fn lib_rs(name: &str) -> String {
    format!(
        r#"//! {name}: a Conductor plugin.
//!
//! Build: `cargo build --target wasm32-wasip1 --release`
//! Try:   `conductor --config test_config.toml --replay test.mid`

use conductor_plugin::{{log, Result, TriggerContext}};
use serde::Deserialize;

/// The mapping's `params` table.
#[derive(Deserialize)]
struct PluginParams {{
    message: String,
}}

/// Called once when the plugin is loaded.
fn init() -> Result<()> {{
    log::info("Plugin initialized");
    Ok(())
}}

/// Called each time the mapping fires. An `Err` is logged and returned as a
/// non-zero code.
fn execute(params: PluginParams, ctx: &TriggerContext) -> Result<()> {{
    log::info(format!(
        "Received message: {{}} (note {{:?}}, velocity {{:?}})",
        params.message, ctx.note, ctx.velocity
    ));
    Ok(())
}}

/// Called once before the plugin is unloaded.
fn shutdown() -> Result<()> {{
    log::info("Plugin shutting down");
    Ok(())
}}

conductor_plugin::plugin! {{
    // What the plugin may do: Network, Audio, Midi (granted automatically),
    // Filesystem (needs approval), Subprocess, SystemControl (explicit approval).
    capabilities: [],
    init: init,
    execute_with_context: execute,
    shutdown: shutdown,
}}
"#
    )
}

fn test_config(wasm: &Path) -> String {
    format!(
        r#"# Try the plugin: conductor --config test_config.toml --replay test.mid
[[modes]]
name = "Default"

[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }} # Middle C
action = {{ WasmPlugin = {{
    path = {path},
    params = {{
        "message" = "Hello from MIDI!"
    }}
}}}}
"#,
        path = toml_string(&wasm.to_string_lossy())
    )
}

fn example_config(lib_name: &str) -> String {
    format!(
        r#"[[modes]]
name = "Default"

[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{
    path = "~/.conductor/wasm-plugins/{lib_name}.wasm",
    params = {{
        "message" = "Hello from MIDI!"
    }}
}}}}
"#
    )
}

fn readme(name: &str, lib_name: &str) -> String {
    format!(
        r#"# {name}

Brief description of what your plugin does.

## Building

```sh
rustup target add wasm32-wasip1
cargo build --target wasm32-wasip1 --release
conductor --config test_config.toml --replay test.mid
```

## Installation

1. Download `{lib_name}.wasm` and `{lib_name}.wasm.sig`
2. Copy to `~/.conductor/wasm-plugins/`
3. Add to configuration (see example)

## Configuration

```toml
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{
path = "~/.conductor/wasm-plugins/{lib_name}.wasm",
params = {{
"message" = "Hello from MIDI!"
}}
}}}}
```

## Parameters

- `message`: The text the plugin logs when the mapping fires

## Capabilities

- None

## License

MIT
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_follow_cargo_rules() {
        assert!(check_crate_name("my-midi-plugin").is_ok());
        assert!(check_crate_name("p2").is_ok());
        assert!(check_crate_name("2p").is_err());
        assert!(check_crate_name("my plugin").is_err());
        assert!(check_crate_name("").is_err());
    }

    #[test]
    fn generated_tomls_parse() {
        let sdk = SdkSource::Path(PathBuf::from("C:\\sdk \"quoted\""));
        let cargo: toml::Table = cargo_toml("x", &sdk).parse().unwrap();
        assert_eq!(
            cargo["dependencies"]["conductor-plugin"]["path"].as_str(),
            Some("C:\\sdk \"quoted\"")
        );
        assert_eq!(cargo["lib"]["crate-type"][0].as_str(), Some("cdylib"));
        assert_eq!(cargo["profile"]["release"]["opt-level"].as_str(), Some("z"));

        let cargo: toml::Table = cargo_toml("x", &SdkSource::Vendored).parse().unwrap();
        assert_eq!(
            cargo["dependencies"]["conductor-plugin"]["path"].as_str(),
            Some("conductor-plugin")
        );
    }
}
