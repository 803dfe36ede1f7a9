//! MIDI learn through the C API: a learner fed raw MIDI bytes hands back the trigger
//! line of the control touched, as a caller-owned string that loads as a config; a
//! `NULL` learner is an error, not a crash.

use std::ffi::{c_char, CStr};
use std::ptr;

use conductor::*;

/// Takes a caller-owned string from the library, freeing it.
fn take(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string the library handed out, freed once right after.
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    unsafe { conductor_string_delete(s) };
    Some(text)
}

fn feed(learner: *mut conductor_learner_t, bytes: &[u8]) -> Option<String> {
    let mut toml: *mut c_char = ptr::null_mut();
    let status = unsafe {
        conductor_learner_feed(
            learner,
            bytes.as_ptr(),
            bytes.len(),
            &mut toml,
            ptr::null_mut(),
        )
    };
    assert_eq!(status, conductor_status_t::CONDUCTOR_OK);
    take(toml)
}

/// The learned line, pasted into a config, loads through the C API too.
fn loads(line: &str) {
    let text = format!(
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n{line}\n\
         action = {{ Host = {{ name = \"learned\" }} }}\n"
    );
    let mut engine: *mut conductor_engine_t = ptr::null_mut();
    let mut error: *mut conductor_error_t = ptr::null_mut();
    let status = unsafe {
        conductor_engine_new_from_toml(
            text.as_ptr().cast(),
            text.len(),
            ptr::null(),
            0,
            ptr::null(),
            &mut engine,
            &mut error,
        )
    };
    assert_eq!(
        status,
        conductor_status_t::CONDUCTOR_OK,
        "{line} does not load"
    );
    unsafe { conductor_engine_delete(engine) };
}

#[test]
fn a_note_split_across_calls_is_learned_and_loads() {
    let learner = conductor_learner_new();
    assert!(!learner.is_null());
    // Clock and a note-off first: no control. Then a note-on on channel 10 in two parts.
    assert_eq!(feed(learner, &[0xF8, 0x89, 36, 0]), None);
    assert_eq!(feed(learner, &[0x99, 38]), None);
    let line = feed(learner, &[100]).expect("a note-on is a control");
    assert_eq!(line, "trigger = { Note = { note = 38, channel = 9 } }");
    loads(&line);
    unsafe { conductor_learner_delete(learner) };
}

#[test]
fn an_encoder_is_learned_from_repeated_steps_and_a_button_on_finish() {
    let learner = conductor_learner_new();
    // CC 16 = 1 twice: a two's-complement encoder turned clockwise.
    let line = feed(learner, &[0xB0, 16, 1, 0xB0, 16, 1]).expect("repeated steps");
    assert_eq!(
        line,
        r#"trigger = { EncoderTurn = { cc = 16, encoding = "twos_complement", channel = 0 } }"#
    );
    loads(&line);
    // One value of 127 could be an encoder step: decided by finish, as a button.
    assert_eq!(feed(learner, &[0xB3, 64, 127]), None);
    let mut toml: *mut c_char = ptr::null_mut();
    let status = unsafe { conductor_learner_finish(learner, &mut toml, ptr::null_mut()) };
    assert_eq!(status, conductor_status_t::CONDUCTOR_OK);
    let line = take(toml).expect("the waiting controller is decided");
    assert_eq!(line, "trigger = { CC = { cc = 64, channel = 3 } }");
    loads(&line);
    // Nothing waiting: NULL.
    let status = unsafe { conductor_learner_finish(learner, &mut toml, ptr::null_mut()) };
    assert_eq!(status, conductor_status_t::CONDUCTOR_OK);
    assert!(toml.is_null());
    unsafe { conductor_learner_delete(learner) };
}

#[test]
fn a_null_learner_is_an_invalid_argument() {
    let mut toml: *mut c_char = ptr::null_mut();
    let mut error: *mut conductor_error_t = ptr::null_mut();
    let status = unsafe {
        conductor_learner_feed(
            ptr::null_mut(),
            [0x90u8, 60, 1].as_ptr(),
            3,
            &mut toml,
            &mut error,
        )
    };
    assert_eq!(status, conductor_status_t::CONDUCTOR_ERROR_INVALID_ARGUMENT);
    let message = unsafe { CStr::from_ptr(conductor_error_message(error, ptr::null_mut())) }
        .to_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("learner is NULL"), "{message}");
    unsafe { conductor_error_delete(error) };
}
