//! Named devices through the C API: a device's output handed to a C callback gets its
//! init sequence and mode lights, messages pushed as coming from a device fire only
//! that device's mappings and the lights follow, removing the output sends its shutdown
//! sequence, and an unknown device is an error listing the configured ones.

use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::Mutex;

use conductor::*;

const CONFIG: &str = r#"
[[devices]]
name = "pads"
input = "Pads"
output = "Pads"
init = ["F0 7E 7F 06 01 F7"]
shutdown = [[0xB0, 0, 0]]
[[devices.feedback]]
mode = "A"
note = 1
[[devices.feedback]]
mode = "B"
note = 2

[[devices]]
name = "keys"
input = "Keys"

[[modes]]
name = "A"
[[modes.mappings]]
device = "pads"
trigger = { Note = { note = 36 } }
action = { ModeChange = { mode = "B" } }

[[modes]]
name = "B"
"#;

/// What the device callback received.
static RECEIVED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

unsafe extern "C" fn record(_user: *mut c_void, bytes: *const u8, len: usize, _t: u64) {
    // SAFETY: the library passes `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(bytes, len) };
    RECEIVED.lock().unwrap().push(bytes.to_vec());
}

fn take() -> Vec<Vec<u8>> {
    std::mem::take(&mut *RECEIVED.lock().unwrap())
}

fn ok(status: conductor_status_t, error: *mut conductor_error_t) {
    if status != conductor_status_t::CONDUCTOR_OK {
        let mut len = 0usize;
        // SAFETY: the error the failed call stored.
        let message = unsafe { CStr::from_ptr(conductor_error_message(error, &mut len)) };
        panic!("{status:?}: {message:?}");
    }
}

fn source(engine: *mut conductor_engine_t, device: &str) -> u16 {
    let mut id = 0u16;
    let mut error: *mut conductor_error_t = ptr::null_mut();
    let status = unsafe {
        conductor_engine_device_source(
            engine,
            device.as_ptr().cast(),
            device.len(),
            &mut id,
            &mut error,
        )
    };
    ok(status, error);
    id
}

fn wait_idle(engine: *mut conductor_engine_t) {
    let mut drained = false;
    let mut error: *mut conductor_error_t = ptr::null_mut();
    ok(
        unsafe { conductor_engine_wait_idle(engine, 30_000, &mut drained, &mut error) },
        error,
    );
    assert!(drained);
}

fn mode(engine: *mut conductor_engine_t) -> usize {
    let mut index = 99usize;
    let mut error: *mut conductor_error_t = ptr::null_mut();
    ok(
        unsafe { conductor_engine_mode(engine, &mut index, &mut error) },
        error,
    );
    index
}

#[test]
fn device_outputs_sources_and_feedback_through_the_c_api() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap();
    let mut engine: *mut conductor_engine_t = ptr::null_mut();
    let mut error: *mut conductor_error_t = ptr::null_mut();
    let status = unsafe {
        conductor_engine_new_from_toml(
            CONFIG.as_ptr().cast(),
            CONFIG.len(),
            base.as_ptr().cast(),
            base.len(),
            ptr::null(),
            &mut engine,
            &mut error,
        )
    };
    ok(status, error);

    let pads = "pads";
    let status = unsafe {
        conductor_engine_set_device_output(
            engine,
            pads.as_ptr().cast(),
            pads.len(),
            Some(record),
            ptr::null_mut(),
            None,
            &mut error,
        )
    };
    ok(status, error);
    assert_eq!(
        take(),
        [
            vec![0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7],
            vec![0x90, 1, 127],
            vec![0x90, 2, 0],
        ]
    );

    // Note 36 from the keys does not fire the pads' mapping; from the pads it does.
    let keys_id = source(engine, "keys");
    let pads_id = source(engine, "pads");
    assert!(unsafe { conductor_engine_push_from(engine, keys_id, [0x90u8, 36, 9].as_ptr(), 3, 0) });
    wait_idle(engine);
    assert_eq!(mode(engine), 0);
    assert!(unsafe { conductor_engine_push_from(engine, pads_id, [0x90u8, 36, 9].as_ptr(), 3, 1) });
    wait_idle(engine);
    assert_eq!(mode(engine), 1);
    assert_eq!(take(), [vec![0x90, 1, 0], vec![0x90, 2, 127]]);

    // No callback: the output is removed after its shutdown sequence.
    let status = unsafe {
        conductor_engine_set_device_output(
            engine,
            pads.as_ptr().cast(),
            pads.len(),
            None,
            ptr::null_mut(),
            None,
            &mut error,
        )
    };
    ok(status, error);
    assert_eq!(take(), [vec![0xB0, 0, 0]]);

    // An unknown device is refused, naming the configured ones.
    let mut id = 0u16;
    let drums = "drums";
    let status = unsafe {
        conductor_engine_device_source(
            engine,
            drums.as_ptr().cast(),
            drums.len(),
            &mut id,
            &mut error,
        )
    };
    assert_eq!(status, conductor_status_t::CONDUCTOR_ERROR_INVALID_ARGUMENT);
    let mut len = 0usize;
    let message = unsafe { CStr::from_ptr(conductor_error_message(error, &mut len)) }
        .to_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("devices: pads, keys"), "{message}");
    unsafe { conductor_error_delete(error) };
    unsafe { conductor_engine_delete(engine) };
}
