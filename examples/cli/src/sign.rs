//! `conductor-sign`: keys, signatures and the trust store, over
//! `conductor_core::plugin::signing`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::{Parser, Subcommand};
use conductor_core::plugin::signing::{
    signature_path, verify_bytes, PublicKey, SignatureStatus, TrustStore,
};
use conductor_core::plugin::{plugin_name, HostConfig, PluginHost};
use conductor_tools::signing::{self, TrustStoreEditor};

/// Signs Conductor plugins and manages the keys you trust.
#[derive(Debug, Parser)]
#[command(
    name = "conductor-sign",
    version,
    after_help = "Examples:\n  conductor-sign generate-key ~/.conductor/my-key\n  conductor-sign sign target/wasm32-wasip1/release/my_plugin.wasm ~/.conductor/my-key \\\n      --name \"Your Name\" --email \"you@example.com\"\n  conductor-sign verify my_plugin.wasm\n  conductor-sign trust add $(cat their-key.pub) --name \"Their Name\""
)]
pub struct SignCli {
    /// The command.
    #[command(subcommand)]
    pub command: SignCommand,

    /// The trust store file.
    #[arg(
        long,
        value_name = "FILE",
        env = "CONDUCTOR_TRUST_STORE",
        global = true
    )]
    pub trust_store: Option<PathBuf>,
}

/// `conductor-sign` subcommands.
#[derive(Debug, Subcommand)]
pub enum SignCommand {
    /// Create a key pair: the private key at PATH (readable only by you) and the public
    /// key at PATH.pub.
    GenerateKey {
        /// Where to write the private key.
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// Replace existing key files (plugins signed with the old key no longer match).
        #[arg(long)]
        force: bool,
    },
    /// Sign a plugin: writes PLUGIN.wasm.sig beside it, covering the wasm, your name and
    /// email, the time and the capabilities the plugin asks for (declared plus what its
    /// imports of host functions need).
    Sign {
        /// The plugin to sign.
        #[arg(value_name = "PLUGIN.wasm")]
        plugin: PathBuf,
        /// Your private key file.
        #[arg(value_name = "KEY")]
        key: PathBuf,
        /// Your name, as users will see it.
        #[arg(long)]
        name: String,
        /// Your email.
        #[arg(long)]
        email: String,
    },
    /// Check a plugin against its .sig: intact, made for these capabilities, and by
    /// whom (trusted or not).
    Verify {
        /// The plugin to check; its signature is PLUGIN.wasm.sig.
        #[arg(value_name = "PLUGIN.wasm")]
        plugin: PathBuf,
    },
    /// Manage the trusted keys.
    #[command(subcommand)]
    Trust(TrustCommand),
}

/// `conductor-sign trust ...`.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Trust a public key (the 64 hex characters of a .pub file, or the file itself).
    Add {
        /// The public key, or a path to a .pub file.
        #[arg(value_name = "PUBKEY")]
        key: String,
        /// A name for the key's owner.
        #[arg(long)]
        name: String,
    },
    /// List the trusted keys.
    List,
    /// Stop trusting a key, by its name or its public key.
    Remove {
        /// The name given at `trust add`, or the public key.
        #[arg(value_name = "NAME|KEY")]
        name_or_key: String,
    },
}

/// Runs a parsed `conductor-sign` command line.
pub fn run(cli: SignCli) -> Result<()> {
    let trust_path = match cli.trust_store {
        Some(p) => p,
        None => TrustStore::default_path().ok_or_else(|| {
            anyhow!("cannot find the home folder for ~/.conductor/trusted_keys.toml; pass --trust-store FILE")
        })?,
    };
    let mut out = std::io::stdout().lock();
    match cli.command {
        SignCommand::GenerateKey { path, force } => {
            let key = signing::generate_key(&path, force)?;
            writeln!(
                out,
                "private key: {} (keep it secret)",
                key.private_path.display()
            )?;
            writeln!(out, "public key:  {}", key.public_path.display())?;
            writeln!(out, "{}", key.public_key)?;
        }
        SignCommand::Sign {
            plugin,
            key,
            name,
            email,
        } => {
            // One read: the bytes whose capabilities are read are the bytes signed.
            let private_key = signing::PrivateKey::load(&key)?;
            let bytes = std::fs::read(&plugin)
                .with_context(|| format!("cannot read {}", plugin.display()))?;
            let host = inspect_host(&trust_path)?;
            let declared = host
                .inspect_bytes(plugin_name(&plugin), &bytes)
                .with_context(|| format!("cannot read the capabilities of {}", plugin.display()))?
                .capabilities;
            let sig = signing::sign_bytes(
                &bytes,
                &private_key,
                &name,
                &email,
                declared,
                std::time::SystemTime::now(),
            )?;
            let sig_path = signature_path(&plugin);
            std::fs::write(&sig_path, sig.to_json())
                .with_context(|| format!("cannot write {}", sig_path.display()))?;
            writeln!(out, "signed {}", plugin.display())?;
            writeln!(out, "  signature:    {}", signature_path(&plugin).display())?;
            writeln!(
                out,
                "  developer:    {} <{}>",
                sig.developer_name, sig.developer_email
            )?;
            writeln!(out, "  capabilities: {}", sig.capabilities)?;
            writeln!(out, "  public key:   {}", sig.public_key)?;
        }
        SignCommand::Verify { plugin } => {
            let status = verify(&plugin, &trust_path)?;
            writeln!(out, "{}: valid signature, {status}", plugin.display())?;
        }
        SignCommand::Trust(TrustCommand::Add { key, name }) => {
            let key = parse_public_key(&key)?;
            let mut store = TrustStoreEditor::load(&trust_path)?;
            let entry = store.add(key, &name)?.clone();
            store.save()?;
            writeln!(
                out,
                "trusted {} as \"{}\" in {}",
                entry.public_key,
                entry.name,
                trust_path.display()
            )?;
        }
        SignCommand::Trust(TrustCommand::List) => {
            let store = TrustStore::load(&trust_path)?;
            if store.list().is_empty() {
                writeln!(out, "no trusted keys in {}", trust_path.display())?;
            }
            for k in store.list() {
                match &k.added {
                    Some(added) => writeln!(out, "{}  {}  (added {added})", k.public_key, k.name)?,
                    None => writeln!(out, "{}  {}", k.public_key, k.name)?,
                }
            }
        }
        SignCommand::Trust(TrustCommand::Remove { name_or_key }) => {
            let mut store = TrustStoreEditor::load(&trust_path)?;
            let removed = store.remove(&name_or_key)?;
            store.save()?;
            writeln!(
                out,
                "no longer trusting {} ({})",
                removed.name, removed.public_key
            )?;
        }
    }
    Ok(())
}

/// A plugin host used only to read capabilities: no disk cache, output to stderr.
fn inspect_host(trust_path: &Path) -> Result<PluginHost> {
    Ok(PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_trust_store(Some(trust_path.to_path_buf())),
    )?)
}

/// Verifies the signature of `plugin` — its fields, the wasm's size and hash, and that
/// the capabilities the plugin asks for now (declared plus imports) are the signed ones — and says whether the
/// signer is trusted.
fn verify(plugin: &Path, trust_path: &Path) -> Result<SignatureStatus> {
    // One read; the signature is checked on these bytes before they are compiled, and
    // the capabilities are read from them in a sealed instance.
    let bytes =
        std::fs::read(plugin).with_context(|| format!("cannot read {}", plugin.display()))?;
    let verified = verify_bytes(plugin, &bytes)?;
    let host = inspect_host(trust_path)?;
    let declared = host
        .inspect_bytes(plugin_name(plugin), &bytes)?
        .capabilities;
    verified.check_capabilities(declared)?;
    let sig = verified.signature();
    let trust = TrustStore::load(trust_path)?;
    Ok(SignatureStatus::Signed {
        developer_name: sig.developer_name.clone(),
        developer_email: sig.developer_email.clone(),
        public_key: sig.public_key,
        trusted: trust.is_trusted(&sig.public_key),
    })
}

/// A public key given as its hex text or as the path of a `.pub` file.
fn parse_public_key(text: &str) -> Result<PublicKey> {
    match text.parse::<PublicKey>() {
        Ok(key) => Ok(key),
        Err(e) if Path::new(text).is_file() => {
            PublicKey::load(Path::new(text)).map_err(|file_err| anyhow!("{file_err} ({e})"))
        }
        Err(e) => Err(e.into()),
    }
}
