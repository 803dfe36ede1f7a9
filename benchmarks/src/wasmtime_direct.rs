//! The same `.wasm` driven with wasmtime directly, without Conductor: the strategies
//! Conductor is compared with.
//!
//! * [`InstantiatePerCall`]: a fresh store, WASI context and instance for every call,
//!   with fuel metering on: what Conductor's earlier WASM host did (it also ran on an
//!   async runtime; this one is synchronous, which only makes it faster).
//! * [`PersistentInstance`]: one instance reused for every call, with no fuel, no
//!   deadline and no output capture: the floor a sandboxing host adds its costs to.

use std::path::Path;

use anyhow::{bail, Context as _};
use wasmtime::{Config, Engine, Linker, Memory, Module, Store, TypedFunc};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::WasiCtxBuilder;

/// Fuel given to each call, as Conductor's default limit.
const FUEL: u64 = 100_000_000;

/// Bytes in a WebAssembly page.
const PAGE: u64 = 65_536;

fn linker(engine: &Engine) -> anyhow::Result<Linker<WasiP1Ctx>> {
    let mut linker = Linker::new(engine);
    p1::add_to_linker_sync(&mut linker, |s: &mut WasiP1Ctx| s)?;
    Ok(linker)
}

fn load(engine: &Engine, wasm: &Path) -> anyhow::Result<Module> {
    Module::from_file(engine, wasm)
        .map_err(|e| anyhow::anyhow!("cannot compile {}: {e:#}", wasm.display()))
}

/// Grows `memory` by one page that the guest's allocator never handed out and returns
/// its address: where params are written when the module exports no allocator.
fn scratch_page(store: &mut Store<WasiP1Ctx>, memory: &Memory) -> anyhow::Result<usize> {
    let old_pages = memory.grow(&mut *store, 1)?;
    Ok((old_pages * PAGE) as usize)
}

/// A new store and instance for every call (the earlier host's strategy).
pub struct InstantiatePerCall {
    engine: Engine,
    linker: Linker<WasiP1Ctx>,
    module: Module,
}

impl InstantiatePerCall {
    /// Compiles `wasm` once; every [`call`](Self::call) instantiates it afresh.
    pub fn new(wasm: &Path) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config)?;
        let linker = linker(&engine)?;
        let module = load(&engine, wasm)?;
        Ok(Self {
            engine,
            linker,
            module,
        })
    }

    /// Instantiates the module, writes `params` into a fresh page and calls `execute`.
    pub fn call(&self, params: &[u8]) -> anyhow::Result<()> {
        let wasi = WasiCtxBuilder::new().build_p1();
        let mut store = Store::new(&self.engine, wasi);
        store.set_fuel(FUEL)?;
        let instance = self.linker.instantiate(&mut store, &self.module)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .context("the module exports no memory")?;
        let execute: TypedFunc<(i32, i32), i32> = instance.get_typed_func(&mut store, "execute")?;
        let base = scratch_page(&mut store, &memory)?;
        memory.write(&mut store, base, params)?;
        let code = execute.call(&mut store, (base as i32, params.len() as i32))?;
        if code != 0 {
            bail!("execute returned {code}");
        }
        Ok(())
    }
}

/// One instance reused for every call, with nothing around it.
pub struct PersistentInstance {
    store: Store<WasiP1Ctx>,
    memory: Memory,
    execute: TypedFunc<(i32, i32), i32>,
    base: usize,
}

impl PersistentInstance {
    /// Compiles and instantiates `wasm` once, with default wasmtime settings.
    pub fn new(wasm: &Path) -> anyhow::Result<Self> {
        let engine = Engine::default();
        let linker = linker(&engine)?;
        let module = load(&engine, wasm)?;
        let mut store = Store::new(&engine, WasiCtxBuilder::new().build_p1());
        let instance = linker.instantiate(&mut store, &module)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .context("the module exports no memory")?;
        let execute = instance.get_typed_func(&mut store, "execute")?;
        let base = scratch_page(&mut store, &memory)?;
        Ok(Self {
            store,
            memory,
            execute,
            base,
        })
    }

    /// Writes `params` into the scratch page and calls `execute`.
    pub fn call(&mut self, params: &[u8]) -> anyhow::Result<()> {
        self.memory.write(&mut self.store, self.base, params)?;
        let code = self
            .execute
            .call(&mut self.store, (self.base as i32, params.len() as i32))?;
        if code != 0 {
            bail!("execute returned {code}");
        }
        Ok(())
    }
}
