//! MIDI learn from C: core's [`Learner`] fed with bytes, and a blocking learn on an
//! input port. Each gives the trigger line of the control touched, e.g.
//! `trigger = { CC = { cc = 7, channel = 0 } }`, ready to paste into a config.

use std::ffi::c_char;
use std::time::Duration;

use conductor_core::learn::Capture;
use conductor_core::learn::{Learned, Learner};
use conductor_core::midi::{MidiParser, PortSelector};

use crate::boundary::{boundary, bytes, handle_mut, optional_text, out};
use crate::error::conductor_error_t;
use crate::status::conductor_status_t;
use crate::string::owned_string;

/// A MIDI learner: recognises the control a person touches from the MIDI it sends.
/// Create with `conductor_learner_new`, free with `conductor_learner_delete`.
pub struct conductor_learner_t {
    parser: MidiParser,
    learner: Learner,
}

/// Creates a learner that has seen nothing. Returns `NULL` only if allocation failed.
///
/// Thread safety: the learner may be used from one thread at a time.
#[no_mangle]
pub extern "C" fn conductor_learner_new() -> *mut conductor_learner_t {
    boundary!(new conductor_learner_t {
        parser: MidiParser::new(),
        learner: Learner::new(),
    })
}

/// Frees a learner. `NULL` is ignored.
#[no_mangle]
pub unsafe extern "C" fn conductor_learner_delete(learner: *mut conductor_learner_t) {
    boundary!(delete learner)
}

/// Stores the learned trigger line (caller-owned, free with `conductor_string_delete`)
/// in `*toml_out`, or `NULL` when nothing is learned yet.
fn hand_out(learned: Option<Learned>, toml_out: &mut *mut c_char) {
    *toml_out = match learned {
        Some(l) => owned_string(l.toml()),
        None => std::ptr::null_mut(),
    };
}

/// Feeds `len` bytes of MIDI (one or more messages; a message may be split across
/// calls) to the learner. When they identify a control, `*toml_out` receives its
/// trigger line as a caller-owned string (free with `conductor_string_delete`);
/// otherwise `*toml_out` is set to `NULL`: keep feeding, and call
/// `conductor_learner_finish` when no more MIDI comes for a moment (a controller waits
/// for a few values to tell a relative encoder from a knob).
///
/// Notes, pitch bend, aftertouch and program changes are recognised at once; note-offs,
/// clock and other system messages are ignored.
///
/// Fails with `CONDUCTOR_ERROR_INVALID_ARGUMENT` for a `NULL` learner or `toml_out`.
#[no_mangle]
pub unsafe extern "C" fn conductor_learner_feed(
    learner: *mut conductor_learner_t,
    bytes_in: *const u8,
    len: usize,
    toml_out: *mut *mut c_char,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let this = unsafe { handle_mut(learner, "learner") }?;
        let input = unsafe { bytes(bytes_in, len, "bytes") }?;
        let toml_out = unsafe { out(toml_out, "toml_out") }?;
        let mut learned = None;
        let conductor_learner_t { parser, learner } = this;
        parser.feed(input, |m| {
            if learned.is_none() {
                learned = learner.feed(&m);
            }
        });
        hand_out(learned, toml_out);
        Ok(())
    })
}

/// Decides a controller that is still waiting for values from those it sent (a
/// relative encoder when its small steps repeated, else an absolute control).
/// `*toml_out` receives the trigger line (caller-owned) or `NULL` when no control has
/// been touched.
#[no_mangle]
pub unsafe extern "C" fn conductor_learner_finish(
    learner: *mut conductor_learner_t,
    toml_out: *mut *mut c_char,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let this = unsafe { handle_mut(learner, "learner") }?;
        let toml_out = unsafe { out(toml_out, "toml_out") }?;
        hand_out(this.learner.finish(), toml_out);
        Ok(())
    })
}

/// Opens the MIDI input `port` (`port_len` bytes of UTF-8: part of its name, or its
/// index in the input list as digits; `NULL`: the first input port) and waits up to
/// `timeout_ms` for the next control touched. `*toml_out` receives its trigger line
/// (caller-owned, free with `conductor_string_delete`), or `NULL` when nothing was
/// touched in time. Blocks the calling thread.
///
/// Fails with `CONDUCTOR_ERROR_MIDI` when the port cannot be opened (the message lists
/// the ports that exist).
#[no_mangle]
pub unsafe extern "C" fn conductor_learn(
    port: *const c_char,
    port_len: usize,
    timeout_ms: u64,
    toml_out: *mut *mut c_char,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let port = unsafe { optional_text(port, port_len, "port") }?;
        let toml_out = unsafe { out(toml_out, "toml_out") }?;
        let selector = port.map(str::parse::<PortSelector>).transpose()?;
        let capture = Capture::open(selector.as_ref())?;
        hand_out(
            capture.learn(Duration::from_millis(timeout_ms)),
            toml_out,
        );
        Ok(())
    })
}
