//! The command line of `conductor`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use conductor_core::plugin::signing::SignaturePolicy;

use crate::grants::GrantSpec;

/// Turns MIDI input into actions: runs a config's mappings, including sandboxed
/// WebAssembly plugins, on a MIDI input port or a replayed MIDI file.
#[derive(Debug, Parser)]
#[command(
    name = "conductor",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  conductor --config test_config.toml 0\n  conductor --config test_config.toml --replay demo.mid\n  conductor --config test_config.toml --virtual \"Conductor In\"\n  conductor check test_config.toml\n  conductor plugin info my_plugin.wasm\n\nEnvironment:\n  DEBUG=1                  also show the host's debug log (what fired, which plugin, how long)\n  CONDUCTOR_TRUST_STORE    the trust store (default ~/.conductor/trusted_keys.toml)"
)]
pub struct Cli {
    /// What to run; without one, `conductor` runs the config on a MIDI input.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options for running a config.
    #[command(flatten)]
    pub run: RunArgs,

    /// Options every command takes.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `conductor --config FILE [PORT]`: run the config.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The input port to listen on: its number in `--list-ports` or part of its name.
    /// Default: the config's `[device]` port or name, else the first input port.
    #[arg(value_name = "PORT")]
    pub port: Option<String>,

    /// The config file.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// List the MIDI input and output ports and exit; with --config, also which
    /// `[[devices]]` entry each port is for.
    #[arg(long)]
    pub list_ports: bool,

    /// Send `SendMidi` actions to this output port (number or part of its name).
    #[arg(short, long, value_name = "PORT")]
    pub output: Option<String>,

    /// Create a virtual output port called NAME that `SendMidi` actions (those without
    /// a `port`) go to, for other programs to connect to.
    #[arg(long, value_name = "NAME", conflicts_with = "output")]
    pub virtual_output: Option<String>,

    /// Create a virtual input port called NAME that other programs connect to, instead
    /// of opening an existing port.
    #[arg(long = "virtual", value_name = "NAME", conflicts_with_all = ["port", "replay"])]
    pub virtual_port: Option<String>,

    /// Play a Standard MIDI File through the engine with its timing, then exit.
    #[arg(long, value_name = "FILE.mid", conflicts_with = "port")]
    pub replay: Option<PathBuf>,

    /// With --replay: play the file as fast as possible instead of in real time.
    #[arg(long, requires = "replay")]
    pub fast: bool,

    /// Do not watch the config file and its plugins for changes (by default an edit is
    /// loaded live; an edit that does not load keeps the running config).
    #[arg(long)]
    pub no_watch: bool,
}

/// Options shared by running a config and `check`.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Grant a capability that needs approval (Filesystem, Subprocess, SystemControl) to
    /// every plugin (`--grant Subprocess`) or to one plugin by name
    /// (`--grant my_plugin=Filesystem`). `--grant Subprocess` also lets `Shell` actions
    /// run. `--grant HostActions` makes conductor perform Keystroke, Text, MouseClick,
    /// Launch and VolumeControl actions instead of printing them; `--grant
    /// HostActions:Keystroke` performs one kind. Repeatable.
    #[arg(long, value_name = "[PLUGIN=]CAPABILITY", global = true)]
    pub grant: Vec<GrantSpec>,

    /// What to do with unsigned plugins and untrusted keys: allow, warn or require.
    /// Default: the config's `signature_policy`, else warn. An invalid signature is
    /// always refused.
    #[arg(long, value_name = "POLICY", global = true)]
    pub signature_policy: Option<SignaturePolicy>,

    /// The trust store of public keys whose signatures are trusted.
    #[arg(
        long,
        value_name = "FILE",
        env = "CONDUCTOR_TRUST_STORE",
        global = true
    )]
    pub trust_store: Option<PathBuf>,

    /// Show the host's debug log (what fired, which plugin, how long it took), as
    /// DEBUG=1 does.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Show only errors from the host (plugin output is always shown).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and validate a config and every plugin it uses, print what each plugin may
    /// do and who signed it, and exit non-zero on any problem.
    Check {
        /// The config file.
        #[arg(value_name = "CONFIG")]
        config: PathBuf,
    },
    /// Inspect or install plugin files.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Print every MIDI message that arrives, decoded; with --config, also the mappings
    /// each one fires (in the first mode, and global ones). Ctrl-C stops.
    Monitor {
        /// The input port: its number in `--list-ports` or part of its name (default:
        /// the first input port).
        #[arg(value_name = "PORT")]
        port: Option<String>,
        /// Show which mappings of this config each message fires.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Create a virtual input port called NAME instead of opening a port.
        #[arg(long = "virtual", value_name = "NAME", conflicts_with = "port")]
        virtual_port: Option<String>,
    },
    /// Wait for the next control touched (key, pad, knob, fader, encoder, wheel) and
    /// print its trigger line, ready to paste into a `[[modes.mappings]]` table.
    Learn {
        /// The input port: its number in `--list-ports` or part of its name (default:
        /// the first input port).
        #[arg(value_name = "PORT")]
        port: Option<String>,
        /// Create a virtual input port called NAME instead of opening a port.
        #[arg(long = "virtual", value_name = "NAME", conflicts_with = "port")]
        virtual_port: Option<String>,
        /// Give up after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
        timeout: f64,
    },
}

/// `conductor plugin ...`.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Show a plugin's size, SHA-256, exports, imports, declared capabilities and
    /// signature, without running it.
    Info {
        /// The plugin file.
        #[arg(value_name = "FILE.wasm")]
        file: PathBuf,
    },
    /// Check a plugin and its signature, then copy both to ~/.conductor/wasm-plugins/.
    Install {
        /// The plugin file; its signature is FILE.wasm.sig beside it.
        #[arg(value_name = "FILE.wasm")]
        file: PathBuf,
        /// Install into this folder instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Create a plugin crate in NAME/ written with the conductor-plugin SDK, laid out as
    /// the plugin guide describes, with a test config and a test.mid to replay.
    New {
        /// The crate's folder; its name is the crate name (e.g. my-midi-plugin).
        #[arg(value_name = "NAME")]
        name: PathBuf,
        /// Take the SDK from this checkout of bindings/rust-plugin as a path dependency
        /// (default: copy the SDK built into this conductor into NAME/conductor-plugin/).
        #[arg(long, value_name = "DIR")]
        sdk_path: Option<PathBuf>,
    },
}
