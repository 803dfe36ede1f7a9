//! Plugin signatures: `generate_key`, `sign`, `verify` and the `Signature` they return.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use conductor_core::log::LogRecord;
use conductor_core::plugin::signing::{self, PluginSignature};
use conductor_core::plugin::{CapabilitySet, HostConfig, PluginHost};
use conductor_tools::signing::{generate_key as make_key, sign as sign_file};
use pyo3::prelude::*;

use crate::convert::repr;
use crate::errors::IntoPyResult;

/// A verified (or freshly made) plugin signature.
#[pyclass(
    frozen,
    get_all,
    module = "conductor_midi._conductor",
    name = "Signature"
)]
pub struct PySignature {
    /// The plugin file the signature belongs to.
    wasm: PathBuf,
    /// The signer's name.
    developer_name: String,
    /// The signer's email.
    developer_email: String,
    /// When it was signed, RFC 3339 in UTC.
    signed_at: String,
    /// The capabilities the plugin declared when it was signed.
    capabilities: Vec<String>,
    /// The signing key, as 64 lowercase hex characters.
    public_key: String,
    /// SHA-256 of the signed wasm, as lowercase hex.
    wasm_sha256: String,
    /// Size of the signed wasm in bytes.
    wasm_size: u64,
}

#[pymethods]
impl PySignature {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Signature(developer_name={}, developer_email={}, signed_at={}, capabilities={})",
            repr(py, &self.developer_name),
            repr(py, &self.developer_email),
            repr(py, &self.signed_at),
            repr(py, &self.capabilities)
        )
    }
}

impl PySignature {
    fn new(wasm: &Path, s: &PluginSignature) -> Self {
        PySignature {
            wasm: wasm.to_path_buf(),
            developer_name: s.developer_name.clone(),
            developer_email: s.developer_email.clone(),
            signed_at: s.signed_at.clone(),
            capabilities: names(s.capabilities),
            public_key: s.public_key.to_hex(),
            wasm_sha256: s.wasm_sha256.iter().map(|b| format!("{b:02x}")).collect(),
            wasm_size: s.wasm_size,
        }
    }
}

/// A new key pair: where its files are and the public key.
#[pyclass(
    frozen,
    get_all,
    module = "conductor_midi._conductor",
    name = "KeyPair"
)]
pub struct PyKeyPair {
    /// The private key file (readable only by its owner).
    private_path: PathBuf,
    /// The public key file (`private_path` + `.pub`).
    public_path: PathBuf,
    /// The public key, as 64 lowercase hex characters.
    public_key: String,
}

#[pymethods]
impl PyKeyPair {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "KeyPair(private_path={}, public_key={})",
            repr(py, &self.private_path),
            repr(py, &self.public_key)
        )
    }
}

/// Creates a key pair: the private key at `path`, the public key at `path.pub`.
#[pyfunction]
#[pyo3(signature = (path, *, force = false))]
pub fn generate_key(py: Python<'_>, path: PathBuf, force: bool) -> PyResult<PyKeyPair> {
    let key = py.detach(|| make_key(&path, force)).into_py(py)?;
    Ok(PyKeyPair {
        private_path: key.private_path,
        public_path: key.public_path,
        public_key: key.public_key.to_hex(),
    })
}

/// Signs the plugin at `wasm` with the private key file `key`, writing `<wasm>.sig`.
/// The capabilities the plugin declares are read from it and signed too.
#[pyfunction]
#[pyo3(signature = (wasm, key, *, name, email))]
pub fn sign(
    py: Python<'_>,
    wasm: PathBuf,
    key: PathBuf,
    name: String,
    email: String,
) -> PyResult<PySignature> {
    let signature = py
        .detach(|| {
            let declared = declared_capabilities(&wasm)?;
            sign_file(&wasm, &key, &name, &email, declared)
        })
        .into_py(py)?;
    Ok(PySignature::new(&wasm, &signature))
}

/// Checks `<wasm>.sig` against the plugin at `wasm`: the file is the one that was
/// signed and it declares exactly the capabilities that were signed. Whether the
/// signer is trusted is not checked here.
#[pyfunction]
pub fn verify(py: Python<'_>, wasm: PathBuf) -> PyResult<PySignature> {
    let verified = py
        .detach(|| {
            let verified = signing::verify(&wasm)?;
            verified.check_capabilities(declared_capabilities(&wasm)?)?;
            Ok(verified)
        })
        .into_py(py)?;
    Ok(PySignature::new(&wasm, verified.signature()))
}

/// What the plugin declares through its `capabilities()` export, read without running
/// `init` and without writing to the module cache.
fn declared_capabilities(wasm: &Path) -> conductor_core::Result<CapabilitySet> {
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(None)
            .with_trust_store(None)
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {})),
    )?;
    Ok(host.inspect(wasm)?.capabilities)
}

fn names(caps: CapabilitySet) -> Vec<String> {
    caps.names().into_iter().map(String::from).collect()
}
