//! `conductor-sign`: signs plugins and manages trusted keys. See `docs/cli.md`.

fn main() -> std::process::ExitCode {
    conductor_cli::conductor_sign_main()
}
