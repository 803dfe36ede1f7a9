//! Parses its params with serde_json into a typed struct and checks them, printing
//! nothing: a call measures the host's cost plus the JSON parse a typical plugin does.
//!
//! Params (about 200 bytes, as the benchmarks send):
//!
//! ```json
//! {"action":"scene","scene":"Verse 2","target":"lights-front","intensity":0.75,
//!  "fade_ms":250,"tags":["stage","warm"],"color":{"r":255,"g":180,"b":90},
//!  "enabled":true,"velocity_curve":"linear"}
//! ```
//!
//! Returns 0 when the params parse and are in range, 1 when they do not parse, and 2
//! when a value is out of range (`intensity` outside 0..=1).

use serde::Deserialize;

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

/// Parses and checks the params; see the crate docs for the return codes.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let params: SceneParams = match serde_json::from_slice(params_bytes) {
        Ok(p) => p,
        Err(_) => return 1,
    };
    if !(0.0..=1.0).contains(&params.intensity) {
        return 2;
    }
    // Use every field so the parse cannot be optimised away.
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
        return 3;
    }
    0
}
