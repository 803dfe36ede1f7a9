//! Reading a plugin's `capabilities()` in a sealed instance, before anything decides
//! whether the plugin may load.
//!
//! The probe instance has no WASI, no host functions, no data folder and no output:
//! every import is a stub that traps when called. Its fuel, wall time, memory and
//! tables are tight. So a module whose start function or `capabilities()` tries to
//! reach the outside world only makes the probe fail; nothing leaves the sandbox.

use std::time::Duration;

use wasmtime::{Linker, Module, Store, StoreLimits, StoreLimitsBuilder, Val};

use super::epoch::EPOCH_TICK;
use super::guest_abi::{decode_capabilities, CapabilitiesError};
use super::host::PluginHost;
use super::{Capability, CapabilitySet};
use crate::{Error, Result};

/// Fuel for the probe: instantiation (start function included) and `capabilities()`.
pub(crate) const PROBE_FUEL: u64 = 10_000_000;
/// Wall time for the probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Memory a probe instance may grow to.
const PROBE_MEMORY_BYTES: usize = 64 << 20;
/// Table elements a probe instance may grow to.
const PROBE_TABLE_ELEMENTS: usize = 100_000;

/// Runs `capabilities()` of `module` in a sealed instance and decodes its result. A
/// module without the export declares nothing (and is not instantiated at all).
pub(crate) fn sealed_capabilities(
    host: &PluginHost,
    name: &str,
    module: &Module,
) -> Result<CapabilitySet> {
    if module.get_export("capabilities").is_none() {
        return Ok(CapabilitySet::EMPTY);
    }
    let engine = &host.inner.engine;
    let limits = StoreLimitsBuilder::new()
        .memory_size(PROBE_MEMORY_BYTES)
        .table_elements(PROBE_TABLE_ELEMENTS)
        .instances(1)
        .memories(1)
        .tables(4)
        .build();
    let mut store: Store<StoreLimits> = Store::new(engine, limits);
    store.limiter(|l| l);
    store
        .set_fuel(PROBE_FUEL)
        .map_err(|e| Error::plugin_load(name, format!("cannot set the probe's fuel: {e}")))?;
    store.set_epoch_deadline(PROBE_TIMEOUT.as_nanos().div_ceil(EPOCH_TICK.as_nanos()) as u64 + 1);
    store.epoch_deadline_trap();

    let mut linker: Linker<StoreLimits> = Linker::new(engine);
    linker
        .define_unknown_imports_as_traps(module)
        .map_err(|e| Error::plugin_load(name, format!("cannot seal its imports: {e:#}")))?;
    let failed = |what: &str, e: wasmtime::Error| {
        Error::plugin_load(
            name,
            format!(
                "its `capabilities` export could not be read ({what}: {}); `capabilities()` \
                 runs sealed, before any grant, so it (and the module's start function) may \
                 not call imports or do heavy work — it only returns the JSON list",
                describe_trap(&e)
            ),
        )
    };
    let instance = linker
        .instantiate(&mut store, module)
        .map_err(|e| failed("instantiating", e))?;
    let func = instance
        .get_func(&mut store, "capabilities")
        .expect("checked above");
    let mut results = [Val::I32(0)];
    if func.ty(&store).results().next().map(|t| t.is_i64()) == Some(true) {
        results = [Val::I64(0)];
    }
    func.call(&mut store, &[], &mut results)
        .map_err(|e| failed("calling it", e))?;
    let Some(memory) = instance.get_memory(&mut store, "memory") else {
        return Err(Error::plugin_load(
            name,
            "its `capabilities` export returned a pointer, but it exports no `memory`",
        ));
    };
    decode_capabilities(&store, &memory, &results[0]).map_err(|e| {
        let detail = match e {
            CapabilitiesError::Undecodable => {
                "returned something that is not a JSON array of capability names".to_string()
            }
            CapabilitiesError::Unknown(n) => format!("declares the unknown capability \"{n}\""),
            CapabilitiesError::BadSignature(s) => s,
        };
        Error::plugin_load(
            name,
            format!(
                "its `capabilities` export {detail}; it must return a JSON array such as \
                 [\"Network\", \"Filesystem\"] (valid names: {})",
                Capability::valid_names()
            ),
        )
    })
}

fn describe_trap(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::OutOfFuel) => format!("out of fuel after {PROBE_FUEL} instructions"),
        Some(wasmtime::Trap::Interrupt) => format!("timed out after {PROBE_TIMEOUT:?}"),
        _ => format!("{e:#}"),
    }
}
