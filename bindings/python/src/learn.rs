//! MIDI learn: `learn(port, timeout)` on an input port and `Learner` fed with bytes,
//! both over core's recogniser.

use conductor_core::learn::Capture;
use conductor_core::learn::{Learned, Learner};
use conductor_core::midi::MidiParser;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{midi_bytes, seconds};
use crate::errors::IntoPyResult;
use crate::ports::selector;

/// A learned control as a dict: `toml` (the `trigger = ...` line to paste into a
/// mapping), `description`, `kind` (`"Note"`, `"CC"`, `"EncoderTurn"`, ...) and
/// `channel` (0-based).
fn to_dict<'py>(py: Python<'py>, learned: &Learned) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("toml", learned.toml())?;
    d.set_item("description", learned.description())?;
    d.set_item("kind", learned.trigger.kind())?;
    d.set_item("channel", learned.trigger.channel())?;
    Ok(d)
}

fn to_py<'py>(py: Python<'py>, learned: Option<Learned>) -> PyResult<Option<Bound<'py, PyDict>>> {
    learned.map(|l| to_dict(py, &l)).transpose()
}

/// Recognises the control a person touches from the MIDI it sends.
#[pyclass(module = "conductor_midi._conductor", name = "Learner")]
pub struct PyLearner {
    parser: MidiParser,
    learner: Learner,
}

#[pymethods]
impl PyLearner {
    #[new]
    fn new() -> Self {
        PyLearner {
            parser: MidiParser::new(),
            learner: Learner::new(),
        }
    }

    /// Feeds MIDI bytes (one or more messages); returns the learned control as a dict,
    /// or None while waiting for more.
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let bytes = midi_bytes(message)?;
        let mut learned = None;
        let PyLearner { parser, learner } = self;
        parser.feed(&bytes, |m| {
            if learned.is_none() {
                learned = learner.feed(&m);
            }
        });
        to_py(py, learned)
    }

    /// Decides a controller still waiting for values; None when nothing was touched.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        to_py(py, self.learner.finish())
    }
}

/// Opens the input `port` (index or part of its name; None: the first input port) and
/// waits up to `timeout` seconds for the next control touched. Returns its dict (see
/// `Learner.feed`) or None when nothing was touched in time.
#[pyfunction]
#[pyo3(signature = (port = None, timeout = 10.0))]
pub fn learn<'py>(
    py: Python<'py>,
    port: Option<&Bound<'py, PyAny>>,
    timeout: f64,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let selector = port.map(selector).transpose()?;
    let timeout = seconds("timeout", timeout)?;
    let learned = py
        .detach(|| Capture::open(selector.as_ref()).map(|c| c.learn(timeout)))
        .into_py(py)?;
    to_py(py, learned)
}
