//! Reading a plugin, as methods of [`PluginHost`]: loading it (the steps from bytes to
//! a running instance, in the order trust demands: signature on the exact bytes,
//! compile, sealed capability probe, grants) and inspecting it without running it.

use std::path::{Path, PathBuf};

use super::host::{
    import_capabilities, plugin_name, read_wasm, PluginHost, PluginInfo, PluginOptions,
};
use super::instance::Plugin;
use super::module_check::describe_non_wasm;
use super::probe::sealed_capabilities;
use super::signing::{check_bytes, CheckedBytes, SignaturePolicy};
use crate::log::{self, LogLevel};
use crate::{Error, Result};

impl PluginHost {
    /// Loads a plugin from a `.wasm` file: compiles it (or takes it from the cache),
    /// instantiates it, reads its capabilities, checks them against the grants and
    /// calls `init`.
    pub fn load(&self, path: impl AsRef<Path>, options: PluginOptions) -> Result<Plugin> {
        let path = path.as_ref();
        let name = options.name.clone().unwrap_or_else(|| plugin_name(path));
        let wasm = read_wasm(path, &name)?;
        self.load_file_bytes(path, &wasm, options)
    }

    /// Loads a plugin whose file `path` was already read into `wasm` (the signature is
    /// looked for beside `path`).
    pub fn load_file_bytes(
        &self,
        path: impl AsRef<Path>,
        wasm: &[u8],
        options: PluginOptions,
    ) -> Result<Plugin> {
        let path = path.as_ref();
        let name = options.name.clone().unwrap_or_else(|| plugin_name(path));
        self.load_bytes_named(name, wasm, Some(path.to_path_buf()), options)
    }

    /// Loads a plugin from bytes already in memory. `name` appears in logs and errors.
    /// There is no file, so no signature: under [`SignaturePolicy::Require`] the load
    /// is refused.
    pub fn load_bytes(&self, name: &str, wasm: &[u8], options: PluginOptions) -> Result<Plugin> {
        self.load_bytes_named(name.to_string(), wasm, None, options)
    }

    fn load_bytes_named(
        &self,
        name: String,
        wasm: &[u8],
        path: Option<PathBuf>,
        options: PluginOptions,
    ) -> Result<Plugin> {
        options.limits.validate()?;
        if let Some(what) = describe_non_wasm(wasm) {
            return Err(Error::plugin_load(&name, what));
        }
        // The signature is judged on these exact bytes before any of them is compiled
        // or run: a refused plugin costs a hash, not a compile.
        let signature = self.check_signature_bytes(&name, path.as_deref(), wasm, &options)?;
        let (module, sha256, _) = self.compile(&name, wasm)?;
        // What it asks for is what it declares plus what its imports need: a plugin
        // cannot leave a capability out of its signature by not declaring it.
        let declared = sealed_capabilities(self, &name, &module)?;
        let effective = declared.union(import_capabilities(&module));
        signature.check_capabilities(effective)?;
        if let Some(warning) = signature.status.warning(options.signature_policy) {
            log::host(
                self.log_sink().as_ref(),
                LogLevel::Warn,
                &format!("plugin {name}: {warning}"),
            );
        }
        Plugin::load(
            self.clone(),
            name,
            path,
            module,
            sha256,
            effective,
            signature.status,
            options,
        )
    }

    /// The signature check that needs only the bytes (see [`check_bytes`]).
    fn check_signature_bytes(
        &self,
        name: &str,
        path: Option<&Path>,
        wasm: &[u8],
        options: &PluginOptions,
    ) -> Result<CheckedBytes> {
        match path {
            Some(path) => check_bytes(path, wasm, options.signature_policy, || {
                self.trust_store_for(options.signature_policy)
            }),
            None if options.signature_policy == SignaturePolicy::Require => Err(Error::Signature {
                plugin: name.to_string(),
                reason: "it was loaded from memory, so it has no signature, and the \
                             signature policy is `require`"
                    .into(),
            }),
            None => Ok(CheckedBytes::unsigned()),
        }
    }

    /// Reads a plugin's declared capabilities, exports and imports without calling
    /// `init` and without any grant. The file is read once; `capabilities()` runs in a
    /// sealed instance (no WASI, no host functions, every import a trap).
    pub fn inspect(&self, path: impl AsRef<Path>) -> Result<PluginInfo> {
        let path = path.as_ref();
        let name = plugin_name(path);
        let wasm = read_wasm(path, &name)?;
        self.inspect_bytes(name, &wasm)
    }

    /// [`PluginHost::inspect`] on bytes already read; `name` appears in errors.
    pub fn inspect_bytes(&self, name: String, wasm: &[u8]) -> Result<PluginInfo> {
        if let Some(what) = describe_non_wasm(wasm) {
            return Err(Error::plugin_load(&name, what));
        }
        let (module, sha256, _) = self.compile(&name, wasm)?;
        let declared = sealed_capabilities(self, &name, &module)?;
        Ok(PluginInfo {
            name,
            size: wasm.len() as u64,
            sha256,
            capabilities: declared.union(import_capabilities(&module)),
            declared,
            exports: module.exports().map(|e| e.name().to_string()).collect(),
            imports: module
                .imports()
                .map(|i| format!("{}.{}", i.module(), i.name()))
                .collect(),
        })
    }
}
