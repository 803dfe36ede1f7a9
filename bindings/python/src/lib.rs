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
mod log_sink;
mod plugin;
mod ports;
mod reporting;
mod signing;

use pyo3::prelude::*;

/// The compiled module. Import `conductor`, not this.
#[pymodule]
fn _conductor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<plugin::PyPlugin>()?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<fired::PyFired>()?;
    m.add_class::<fired::PyOutcome>()?;
    m.add_class::<fired::PyHostAction>()?;
    m.add_class::<signing::PySignature>()?;
    m.add_class::<signing::PyKeyPair>()?;
    m.add_function(wrap_pyfunction!(ports::input_ports, m)?)?;
    m.add_function(wrap_pyfunction!(ports::output_ports, m)?)?;
    m.add_function(wrap_pyfunction!(signing::generate_key, m)?)?;
    m.add_function(wrap_pyfunction!(signing::sign, m)?)?;
    m.add_function(wrap_pyfunction!(signing::verify, m)?)?;
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
