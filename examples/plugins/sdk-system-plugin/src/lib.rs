//! Hands SystemControl and Audio requests to the embedding application with the
//! `conductor-plugin` SDK. Declares `SystemControl` (explicit approval) and `Audio`.
//!
//! Params: `{"system": <any JSON>}` and/or `{"audio": <any JSON>}`; each present one
//! is sent, and the application's answer is logged as `system answer: <json>` /
//! `audio answer: <json>`.

use conductor_plugin::{audio, log, serde_json::Value, system, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct Params {
    #[serde(default)]
    system: Option<Value>,
    #[serde(default)]
    audio: Option<Value>,
}

fn execute(params: Params) -> Result<()> {
    if let Some(request) = params.system {
        let answer = system::request(&request)?;
        log::info(format!("system answer: {answer}"));
    }
    if let Some(request) = params.audio {
        let answer = audio::request(&request)?;
        log::info(format!("audio answer: {answer}"));
    }
    Ok(())
}

conductor_plugin::plugin! {
    capabilities: [SystemControl, Audio],
    execute: execute,
}
