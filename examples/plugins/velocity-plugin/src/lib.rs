//! Example 3 of the plugin development guide: a velocity-responsive plugin.
//!
//! Params: `{"action": "..."}`. Exports only `execute_with_context`; the host passes the
//! trigger context (`velocity`, `mode` and more) as JSON and the plugin prints
//! `Soft press: ...`, `Medium press: ...` or `Hard press: ...`.

use serde::Deserialize;

#[derive(Deserialize)]
struct VelocityParams {
    action: String,
}

// The guide reads `mode` into the context without using it.
#[allow(dead_code)]
#[derive(Deserialize)]
struct TriggerContext {
    velocity: Option<u8>,
    mode: Option<u8>,
}

#[no_mangle]
pub extern "C" fn execute_with_context(
    params_ptr: *const u8,
    params_len: usize,
    context_ptr: *const u8,
    context_len: usize,
) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let context_bytes = unsafe { std::slice::from_raw_parts(context_ptr, context_len) };

    let params: VelocityParams = serde_json::from_slice(params_bytes).expect("Invalid params");
    let context: TriggerContext = serde_json::from_slice(context_bytes).expect("Invalid context");

    let velocity = context.velocity.unwrap_or(0);

    // Adjust action based on velocity
    match velocity {
        0..=40 => eprintln!("Soft press: {}", params.action),
        41..=80 => eprintln!("Medium press: {}", params.action),
        81..=127 => eprintln!("Hard press: {}", params.action),
        // Not in the guide, which relies on MIDI velocities never exceeding 127;
        // a `u8` match must cover the rest to compile.
        _ => eprintln!("Invalid velocity {}: {}", velocity, params.action),
    }

    0
}
