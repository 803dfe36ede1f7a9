//! `conductor._conductor`: the compiled half of the `conductor` Python package.
//!
//! A thin layer over `conductor-core`: it converts Python values to the core's types
//! and back, turns core errors into exceptions, releases the GIL while plugins run or
//! the engine is waited on, and takes it again to call Python callbacks from engine
//! threads. Behaviour lives in the core; the pure-Python package re-exports this
//! module (see `python/conductor/__init__.py` and the `.pyi` stubs beside it).

mod callbacks;
mod convert;
mod engine;
mod errors;
mod fired;
mod learn;
mod log_sink;
mod options;
mod plugin;
mod ports;
mod reporting;
mod signing;

use pyo3::prelude::*;

/// The compiled module. Import `conductor_midi`, not this.
#[pymodule]
mod _conductor {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::engine::PyEngine;
    #[pymodule_export]
    use crate::fired::{PyFired, PyHostAction, PyOutcome};
    #[pymodule_export]
    use crate::learn::{learn, PyLearner};
    #[pymodule_export]
    use crate::options::PyEngineOptions;
    #[pymodule_export]
    use crate::plugin::PyPlugin;
    #[pymodule_export]
    use crate::ports::{input_ports, output_ports};
    #[pymodule_export]
    use crate::signing::{generate_key, sign, verify, PyKeyPair, PySignature};

    /// The exception classes and the constants.
    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        crate::errors::register(m)?;
        m.add("DEFAULT_FUEL", conductor_core::plugin::DEFAULT_FUEL)?;
        m.add(
            "DEFAULT_MEMORY_LIMIT",
            conductor_core::plugin::DEFAULT_MEMORY_BYTES,
        )?;
        m.add(
            "DEFAULT_TIMEOUT",
            conductor_core::plugin::DEFAULT_TIMEOUT.as_secs_f64(),
        )?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        Ok(())
    }
}
