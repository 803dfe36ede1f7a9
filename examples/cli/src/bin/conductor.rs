//! `conductor`: runs a config's mappings on MIDI input. See `docs/cli.md`.

fn main() -> std::process::ExitCode {
    conductor_cli::conductor_main()
}
