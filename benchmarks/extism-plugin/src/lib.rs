//! The benchmark's plugin work, as Extism exports.
//!
//! * `noop`: returns at once without reading its input, like `noop-plugin`.
//! * `execute`: the plugin guide's first plugin (`my-midi-plugin`): parses
//!   `{"message": "..."}` and logs `Received message: ...` (through Extism's log, which
//!   is where an Extism plugin's diagnostics go; the Conductor plugin writes the same
//!   line to stderr).
//! * `json_params`: parses the ~200-byte scene params like `json-params-plugin` and
//!   fails when they do not parse or are out of range.

use extism_pdk::*;
use serde::Deserialize;

/// Does nothing.
#[plugin_fn]
pub fn noop() -> FnResult<()> {
    Ok(())
}

#[derive(Deserialize)]
struct PluginParams {
    message: String,
}

/// The guide's first plugin.
#[plugin_fn]
pub fn execute(input: Vec<u8>) -> FnResult<()> {
    let params: PluginParams = serde_json::from_slice(&input)?;
    info!("Received message: {}", params.message);
    Ok(())
}

#[derive(Deserialize)]
struct Color {
    r: u8,
    g: u8,
    b: u8,
}

#[derive(Deserialize)]
struct SceneParams {
    action: String,
    scene: String,
    target: String,
    intensity: f32,
    fade_ms: u32,
    tags: Vec<String>,
    color: Color,
    enabled: bool,
    #[serde(default)]
    velocity_curve: Option<String>,
}

/// Parses and checks the scene params, as `json-params-plugin` does.
#[plugin_fn]
pub fn json_params(input: Vec<u8>) -> FnResult<()> {
    let params: SceneParams = serde_json::from_slice(&input)?;
    if !(0.0..=1.0).contains(&params.intensity) {
        return Err(Error::msg("intensity must be within 0..=1").into());
    }
    let weight = params.action.len()
        + params.scene.len()
        + params.target.len()
        + params.tags.iter().map(String::len).sum::<usize>()
        + params.velocity_curve.map_or(0, |c| c.len())
        + usize::from(params.color.r)
        + usize::from(params.color.g)
        + usize::from(params.color.b)
        + params.fade_ms as usize
        + usize::from(params.enabled);
    if weight == 0 {
        return Err(Error::msg("empty params").into());
    }
    Ok(())
}
