//! `system_request(ptr, len) -> i32` (capability SystemControl) and
//! `audio_request(ptr, len) -> i32` (capability Audio): JSON requests handed to the
//! embedding application, which owns keystrokes, volume, app launching and audio cues.

use super::{finish, read_capped, require, Failure, HostCaller, HostErrorCode, MAX_REQUEST_BYTES};
use crate::plugin::services::HostRequest;
use crate::plugin::Capability;

/// `system_request(ptr, len) -> i32`: a request for the application (keystrokes,
/// volume, launching apps); needs SystemControl.
pub(super) fn system_request(
    mut caller: HostCaller<'_>,
    ptr: i32,
    len: i32,
) -> wasmtime::Result<i32> {
    let outcome = request(
        &mut caller,
        "system_request",
        Capability::SystemControl,
        ptr,
        len,
    );
    finish(&mut caller, "system_request", outcome)
}

/// `audio_request(ptr, len) -> i32`: a request for the application's audio (cues,
/// levels); needs Audio.
pub(super) fn audio_request(
    mut caller: HostCaller<'_>,
    ptr: i32,
    len: i32,
) -> wasmtime::Result<i32> {
    let outcome = request(&mut caller, "audio_request", Capability::Audio, ptr, len);
    finish(&mut caller, "audio_request", outcome)
}

/// Parses the JSON at `ptr..ptr+len` and hands it to the host's handler. Returns 0
/// with the handler's answer (JSON) in the result buffer; [`HostErrorCode::Invalid`]
/// for bad JSON, [`HostErrorCode::Unavailable`] without a handler,
/// [`HostErrorCode::Rejected`] with the handler's message when it refuses.
fn request(
    caller: &mut HostCaller<'_>,
    function: &str,
    capability: Capability,
    ptr: i32,
    len: i32,
) -> Result<(i32, Vec<u8>), Failure> {
    require(caller, function, capability)?;
    let bytes = read_capped(caller, "the request", ptr, len, MAX_REQUEST_BYTES)?;
    let data: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::new(
            HostErrorCode::Invalid,
            format!("{function} needs a JSON value: {e}"),
        )
    })?;
    let env = caller.data().host.env.clone();
    let Some(handler) = env.services.host_request.as_ref() else {
        return Err(Failure::new(
            HostErrorCode::Unavailable,
            format!("the application has no handler for {capability} requests"),
        ));
    };
    let request = HostRequest {
        plugin: env.name.clone(),
        capability,
        data,
    };
    match handler(&request) {
        Ok(answer) => Ok((
            0,
            serde_json::to_vec(&answer).expect("JSON values serialise"),
        )),
        Err(message) => Err(Failure::new(HostErrorCode::Rejected, message)),
    }
}
