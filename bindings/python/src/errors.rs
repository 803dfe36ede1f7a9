//! The exception classes and the translation of [`conductor_core::Error`] into them.
//!
//! Conductor's own failures raise a subclass of `ConductorError` chosen by
//! [`Error::kind`]; the exception carries the error's fields as attributes (`line`,
//! `code`, `plugin`...) and its message is the core's `Display` text, which names the
//! problem and the fix. Two kinds follow Python's conventions instead: a file that
//! cannot be read raises `OSError` (so `FileNotFoundError` where it applies) and an
//! invalid argument or call (a closed engine, `wait_idle` from a callback) raises
//! `ValueError`, whose message is the core's reason without its "invalid argument: "
//! prefix (the class already says so).
//!
//! Kinds map to classes in [`exception_type`]: `PluginReturned` → `PluginError`,
//! `OutOfFuel`, `MemoryLimit`, `Timeout`, `PluginTrap` → `PluginCrashed` and
//! `Cancelled` → `PluginCancelled` (all subclasses of `PluginError`, with `.plugin` and
//! `.code`); `Config`, `PluginLoad`, `CapabilityDenied`, `Signature`, `Midi` → their
//! classes; `Runtime` and kinds newer than this module → `ConductorError` itself.

use conductor_core::{Error, ErrorKind};
use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::{create_exception, PyTypeInfo};

create_exception!(
    conductor_midi,
    ConductorError,
    PyException,
    "Base class of every error Conductor raises for its own reasons."
);
create_exception!(
    conductor_midi,
    ConfigError,
    ConductorError,
    "The configuration is invalid. `path`, `line` and `column` (1-based) say where, when known."
);
create_exception!(
    conductor_midi,
    PluginLoadError,
    ConductorError,
    "A plugin could not be loaded: not a file, not WebAssembly, bad exports, imports or capabilities."
);
create_exception!(
    conductor_midi,
    CapabilityDenied,
    PluginLoadError,
    "A plugin declares a capability that was not granted; `capability` names it."
);
create_exception!(
    conductor_midi,
    PluginError,
    ConductorError,
    "A plugin call failed. `code` is the plugin's non-zero return code, or None when it was stopped."
);
create_exception!(
    conductor_midi,
    OutOfFuel,
    PluginError,
    "A plugin used up its instruction budget (`limit`) in one call."
);
create_exception!(
    conductor_midi,
    MemoryLimitExceeded,
    PluginError,
    "A plugin tried to grow its memory past its limit (`limit`, in bytes)."
);
create_exception!(
    conductor_midi,
    Timeout,
    PluginError,
    "A plugin call ran past its wall-clock deadline (`limit`, in seconds)."
);
create_exception!(
    conductor_midi,
    PluginCrashed,
    PluginError,
    "A plugin trapped: a panic, a memory fault or an explicit exit."
);
create_exception!(
    conductor_midi,
    PluginCancelled,
    PluginError,
    "A plugin call was cancelled (Plugin.cancel(), or the engine closing or reloading): not a crash."
);
create_exception!(
    conductor_midi,
    SignatureError,
    ConductorError,
    "A plugin signature is missing, invalid or untrusted."
);
create_exception!(
    conductor_midi,
    MidiError,
    ConductorError,
    "MIDI data could not be used, or a MIDI port could not be opened."
);

/// Registers every exception class on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ConductorError", py.get_type::<ConductorError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("PluginLoadError", py.get_type::<PluginLoadError>())?;
    m.add("CapabilityDenied", py.get_type::<CapabilityDenied>())?;
    m.add("PluginError", py.get_type::<PluginError>())?;
    m.add("OutOfFuel", py.get_type::<OutOfFuel>())?;
    m.add("MemoryLimitExceeded", py.get_type::<MemoryLimitExceeded>())?;
    m.add("Timeout", py.get_type::<Timeout>())?;
    m.add("PluginCrashed", py.get_type::<PluginCrashed>())?;
    m.add("PluginCancelled", py.get_type::<PluginCancelled>())?;
    m.add("SignatureError", py.get_type::<SignatureError>())?;
    m.add("MidiError", py.get_type::<MidiError>())?;
    Ok(())
}

/// Converts a core error into the matching Python exception, with its fields set as
/// attributes.
pub fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    let message = match error {
        Error::InvalidArgument(reason) => reason.clone(),
        _ => error.to_string(),
    };
    let err = match error.kind() {
        ErrorKind::Io => {
            if let Error::Io { path, source } = error {
                // OSError(errno, strerror, filename) picks FileNotFoundError etc. itself.
                return match source.raw_os_error() {
                    Some(errno) => PyOSError::new_err((errno, source.to_string(), path.clone())),
                    None => PyOSError::new_err(message.clone()),
                };
            }
            PyOSError::new_err(message.clone())
        }
        ErrorKind::InvalidArgument => PyValueError::new_err(message.clone()),
        kind => exception_type(py, kind).map_or_else(
            || ConductorError::new_err(message.clone()),
            |ty| PyErr::from_type(ty, message.clone()),
        ),
    };
    if let Err(e) = set_fields(py, &err, error, &message) {
        return e;
    }
    err
}

fn exception_type(py: Python<'_>, kind: ErrorKind) -> Option<Bound<'_, pyo3::types::PyType>> {
    Some(match kind {
        ErrorKind::Config => ConfigError::type_object(py),
        ErrorKind::PluginLoad => PluginLoadError::type_object(py),
        ErrorKind::PluginReturned => PluginError::type_object(py),
        ErrorKind::OutOfFuel => OutOfFuel::type_object(py),
        ErrorKind::MemoryLimit => MemoryLimitExceeded::type_object(py),
        ErrorKind::Timeout => Timeout::type_object(py),
        ErrorKind::PluginTrap => PluginCrashed::type_object(py),
        ErrorKind::Cancelled => PluginCancelled::type_object(py),
        ErrorKind::CapabilityDenied => CapabilityDenied::type_object(py),
        ErrorKind::Signature => SignatureError::type_object(py),
        ErrorKind::Midi => MidiError::type_object(py),
        // InvalidArgument and Io have Python's own types; Runtime and any kind newer
        // than this module are the base ConductorError.
        _ => return None,
    })
}

/// Sets the attributes the stubs promise for each exception class.
fn set_fields(py: Python<'_>, err: &PyErr, error: &Error, message: &str) -> PyResult<()> {
    let value = err.value(py);
    value.setattr("message", message)?;
    let none = py.None();
    match error {
        Error::Config {
            path,
            line,
            column,
            message,
        } => {
            value.setattr("path", path.clone())?;
            value.setattr("line", *line)?;
            value.setattr("column", *column)?;
            value.setattr("reason", message)?;
        }
        Error::PluginLoad { plugin, reason } | Error::Signature { plugin, reason } => {
            value.setattr("plugin", plugin)?;
            value.setattr("reason", reason)?;
        }
        Error::CapabilityDenied {
            plugin,
            capability,
            how,
        } => {
            value.setattr("plugin", plugin)?;
            value.setattr("reason", how)?;
            value.setattr("capability", capability)?;
        }
        Error::PluginReturned { plugin, code } => {
            value.setattr("plugin", plugin)?;
            value.setattr("code", *code)?;
        }
        Error::OutOfFuel { plugin, limit } => {
            value.setattr("plugin", plugin)?;
            value.setattr("code", &none)?;
            value.setattr("limit", *limit)?;
        }
        Error::MemoryLimit {
            plugin,
            limit_bytes,
        } => {
            value.setattr("plugin", plugin)?;
            value.setattr("code", &none)?;
            value.setattr("limit", *limit_bytes)?;
        }
        Error::Timeout { plugin, limit } => {
            value.setattr("plugin", plugin)?;
            value.setattr("code", &none)?;
            value.setattr("limit", limit.as_secs_f64())?;
        }
        Error::PluginTrap { plugin, .. } | Error::Cancelled { plugin } => {
            value.setattr("plugin", plugin)?;
            value.setattr("code", &none)?;
        }
        // Midi, Io, InvalidArgument, Runtime and newer variants carry only the message.
        _ => {}
    }
    Ok(())
}

/// `Result<T, conductor_core::Error>` → `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Converts the error with [`to_py_err`].
    fn into_py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for conductor_core::Result<T> {
    fn into_py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, &e))
    }
}
