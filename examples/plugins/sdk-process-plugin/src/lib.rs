//! Runs a command through the host with the `conductor-plugin` SDK. Declares
//! `Subprocess`, so it loads only when the user approves it explicitly.
//!
//! Params: `{"argv": ["echo", "hello"]}`, optionally `"stdin"` (text) and
//! `"timeout_ms"`. Logs `exit: <code>`, `stdout: <text>` and `stderr: <text>`.

use std::time::Duration;

use conductor_plugin::{log, process, Error, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct Params {
    argv: Vec<String>,
    #[serde(default)]
    stdin: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

fn execute(params: Params) -> Result<()> {
    let (program, args) = params
        .argv
        .split_first()
        .ok_or_else(|| Error::msg("`argv` is empty"))?;
    let mut command = process::Command::new(program).args(args.iter().cloned());
    if let Some(input) = params.stdin {
        command = command.stdin(input);
    }
    if let Some(ms) = params.timeout_ms {
        command = command.timeout(Duration::from_millis(ms));
    }
    let output = command.run()?;
    log::info(format!("exit: {:?}", output.exit_code));
    log::info(format!("stdout: {}", output.stdout_text().trim_end()));
    log::info(format!("stderr: {}", output.stderr_text().trim_end()));
    Ok(())
}

conductor_plugin::plugin! {
    capabilities: [Subprocess],
    execute: execute,
}
