//! Conversions between Python values and what the core takes: JSON payloads, MIDI
//! bytes, capability names and durations.

use std::time::Duration;

use conductor_core::plugin::Capability;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use pyo3::IntoPyObjectExt;

static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A plugin payload (params or context): `bytes` and `bytearray` go as they are, `str` as
/// UTF-8, anything else (a dict, a list, a number) through `json.dumps`. `None` is `{}`.
pub fn json_payload(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<u8>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(b"{}".to_vec());
    };
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    let mut out = Vec::with_capacity(64);
    if write_json(obj, &mut out, 0)? {
        return Ok(out);
    }
    let py = obj.py();
    let dumps = JSON_DUMPS.import(py, "json", "dumps")?;
    let text = dumps.call1((obj,)).map_err(|e| {
        let err = PyTypeError::new_err(format!(
            "plugin params must be bytes, a str of JSON, or a JSON-serialisable value such \
             as a dict; {} is not JSON-serialisable",
            type_name(obj)
        ));
        err.set_cause(py, Some(e));
        err
    })?;
    Ok(text.cast::<PyString>()?.to_cow()?.as_bytes().to_vec())
}

/// Deepest nesting the direct encoder handles; deeper values go through `json.dumps`.
const MAX_JSON_DEPTH: usize = 64;

/// Writes the plain JSON types (dict with str keys, list, tuple, str, int, finite float,
/// bool, None) straight to bytes, without a round trip through `json.dumps` — the
/// common params case costs a fraction of it. Returns `false`, leaving `out` in an
/// unspecified state, for anything else; the caller then falls back to `json.dumps`
/// so its rules (and error messages) apply.
fn write_json(obj: &Bound<'_, PyAny>, out: &mut Vec<u8>, depth: usize) -> PyResult<bool> {
    if depth > MAX_JSON_DEPTH {
        return Ok(false);
    }
    if obj.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(b) = obj.cast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if let Ok(i) = obj.cast::<PyInt>() {
        match i.extract::<i64>() {
            Ok(v) => out.extend_from_slice(v.to_string().as_bytes()),
            Err(_) => return Ok(false),
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        if !v.is_finite() {
            return Ok(false);
        }
        serde_json::to_writer(&mut *out, &v).map_err(|e| PyValueError::new_err(e.to_string()))?;
    } else if let Ok(s) = obj.cast::<PyString>() {
        serde_json::to_writer(&mut *out, &*s.to_cow()?)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
    } else if let Ok(d) = obj.cast::<PyDict>() {
        out.push(b'{');
        for (i, (k, v)) in d.iter().enumerate() {
            let Ok(key) = k.cast::<PyString>() else {
                return Ok(false);
            };
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, &*key.to_cow()?)
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            out.push(b':');
            if !write_json(&v, out, depth + 1)? {
                return Ok(false);
            }
        }
        out.push(b'}');
    } else if let Ok(items) = obj.cast::<PyList>() {
        return write_json_array(items.iter(), out, depth);
    } else if let Ok(items) = obj.cast::<PyTuple>() {
        return write_json_array(items.iter(), out, depth);
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// Writes a list or tuple's items as a JSON array; see [`write_json`].
fn write_json_array<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    out: &mut Vec<u8>,
    depth: usize,
) -> PyResult<bool> {
    out.push(b'[');
    for (i, v) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if !write_json(&v, out, depth + 1)? {
            return Ok(false);
        }
    }
    out.push(b']');
    Ok(true)
}

/// A Python value as JSON (through `json.dumps`), for answers sent back to plugins.
pub fn json_value(obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let text = JSON_DUMPS
        .import(obj.py(), "json", "dumps")?
        .call1((obj,))?;
    serde_json::from_str(&text.cast::<PyString>()?.to_cow()?)
        .map_err(|e| PyValueError::new_err(format!("the answer is not valid JSON: {e}")))
}

/// Parses JSON text into Python objects with `json.loads`.
pub fn json_to_py<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    JSON_LOADS.import(py, "json", "loads")?.call1((text,))
}

/// A serialisable core value as Python objects (through its JSON form).
pub fn to_py_via_json<'py>(
    py: Python<'py>,
    value: &impl serde::Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| PyValueError::new_err(format!("cannot convert to Python: {e}")))?;
    json_to_py(py, &text)
}

/// MIDI bytes from `bytes`, `bytearray`, a list or tuple of ints 0-255, or any object
/// with a `bytes()` method returning such a list (a `mido.Message`).
pub fn midi_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    let expected = || {
        PyTypeError::new_err(format!(
            "a MIDI message must be bytes, a list of ints 0-255 or a mido.Message; got {}",
            type_name(obj)
        ))
    };
    if obj.cast::<PyString>().is_ok() {
        return Err(expected());
    }
    let list = match obj.getattr_opt("bytes")? {
        Some(method) if method.is_callable() => method.call0()?,
        _ => obj.clone(),
    };
    list.extract::<Vec<u8>>().map_err(|_| expected())
}

/// Capability names (`"Filesystem"`) to capabilities; an unknown name is a
/// `ValueError` listing the valid ones.
pub fn capabilities(names: &[String]) -> PyResult<Vec<Capability>> {
    names
        .iter()
        .map(|n| {
            n.parse::<Capability>()
                .map_err(|e| PyValueError::new_err(e.to_string()))
        })
        .collect()
}

/// Seconds (int or float) to a duration; negative or non-finite values are refused.
pub fn seconds(what: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a positive number of seconds, not {value}"
        ))
    })
}

/// The name of an object's type, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "this object".into())
}

/// Python's `repr()` of a value, for `__repr__` methods.
pub fn repr<'py>(py: Python<'py>, value: impl IntoPyObject<'py>) -> String {
    value
        .into_bound_py_any(py)
        .and_then(|v| v.repr().map(|r| r.to_string()))
        .unwrap_or_else(|_| "?".into())
}
