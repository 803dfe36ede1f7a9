//! Capabilities as C sees them: numbered constants and bit masks.

use std::ffi::c_char;

use conductor_core::plugin::{Capability, CapabilitySet};

use crate::boundary::{boundary, guard_value, out, text, FfiResult};
use crate::error::conductor_error_t;
use crate::status::conductor_status_t;

/// A capability a plugin declares, one of the `CONDUCTOR_CAPABILITY_*` values. A set of
/// capabilities is a `uint32_t` mask with bit `1u << capability` set for each member.
pub type conductor_capability_t = u32;

/// HTTP requests and WebSockets. Low risk, granted automatically.
pub const CONDUCTOR_CAPABILITY_NETWORK: conductor_capability_t = 0;
/// Audio device access. Low risk, granted automatically.
pub const CONDUCTOR_CAPABILITY_AUDIO: conductor_capability_t = 1;
/// MIDI device access. Low risk, granted automatically.
pub const CONDUCTOR_CAPABILITY_MIDI: conductor_capability_t = 2;
/// File access inside the plugin's own data folder. Needs approval.
pub const CONDUCTOR_CAPABILITY_FILESYSTEM: conductor_capability_t = 3;
/// Running commands. Needs explicit approval.
pub const CONDUCTOR_CAPABILITY_SUBPROCESS: conductor_capability_t = 4;
/// System-level operations (keystrokes, volume, launching apps). Needs explicit approval.
pub const CONDUCTOR_CAPABILITY_SYSTEM_CONTROL: conductor_capability_t = 5;

const NUMBERED: [(conductor_capability_t, Capability); 6] = [
    (CONDUCTOR_CAPABILITY_NETWORK, Capability::Network),
    (CONDUCTOR_CAPABILITY_AUDIO, Capability::Audio),
    (CONDUCTOR_CAPABILITY_MIDI, Capability::Midi),
    (CONDUCTOR_CAPABILITY_FILESYSTEM, Capability::Filesystem),
    (CONDUCTOR_CAPABILITY_SUBPROCESS, Capability::Subprocess),
    (
        CONDUCTOR_CAPABILITY_SYSTEM_CONTROL,
        Capability::SystemControl,
    ),
];

/// The core capability for a C number, or an error listing the valid ones.
pub(crate) fn from_c(value: conductor_capability_t) -> FfiResult<Capability> {
    NUMBERED
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            conductor_error_t::invalid_argument(format!(
                "{value} is not a capability; use one of the CONDUCTOR_CAPABILITY_* \
                 constants (0 to {})",
                NUMBERED.len() - 1
            ))
        })
}

/// The C number of a core capability.
pub(crate) fn to_c(capability: Capability) -> conductor_capability_t {
    NUMBERED
        .iter()
        .find(|(_, c)| *c == capability)
        .map(|(n, _)| *n)
        .expect("every capability is numbered")
}

/// A capability set as a C bit mask.
pub(crate) fn mask(set: CapabilitySet) -> u32 {
    set.iter().fold(0, |m, c| m | (1 << to_c(c)))
}

/// The capability's name as plugins declare it (`"Network"`, `"Filesystem"`,
/// `"SystemControl"`...), or `NULL` for a value that is not a capability.
///
/// The string is static: never free it.
///
/// Thread safety: may be called from any thread at any time.
#[no_mangle]
pub extern "C" fn conductor_capability_name(capability: conductor_capability_t) -> *const c_char {
    guard_value(std::ptr::null(), || match from_c(capability) {
        Ok(Capability::Network) => c"Network".as_ptr(),
        Ok(Capability::Audio) => c"Audio".as_ptr(),
        Ok(Capability::Midi) => c"Midi".as_ptr(),
        Ok(Capability::Filesystem) => c"Filesystem".as_ptr(),
        Ok(Capability::Subprocess) => c"Subprocess".as_ptr(),
        Ok(Capability::SystemControl) => c"SystemControl".as_ptr(),
        Err(_) => std::ptr::null(),
    })
}

/// Parses a capability name (`"Network"`, any letter case) into `*capability_out`.
/// An unknown name fails with `CONDUCTOR_ERROR_INVALID_ARGUMENT` and a message listing
/// the valid names.
///
/// Thread safety: may be called from any thread at any time.
#[no_mangle]
pub unsafe extern "C" fn conductor_capability_from_name(
    name: *const c_char,
    name_len: usize,
    capability_out: *mut conductor_capability_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(capability_out, "capability_out") }?;
        let name = unsafe { text(name, name_len, "name") }?;
        let capability: Capability = name
            .parse()
            .map_err(|e| conductor_error_t::invalid_argument(format!("{e}")))?;
        *slot = to_c(capability);
        Ok(())
    })
}
