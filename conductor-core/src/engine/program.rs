//! [`Program`]: what a loaded config runs — its mappings' compiled chains and the
//! plugin workers they call. Immutable once built; a reload builds a new one, and runs
//! still in flight finish on the program they started with.

use std::sync::Arc;

use super::chain::Chain;
use super::plugins::PluginSet;
use crate::config::Config;
use crate::mapping::{MappingEntry, MappingId, MappingTable};

pub(crate) struct Program {
    pub(crate) config: Arc<Config>,
    /// One compiled chain per mapping id.
    pub(crate) chains: Vec<Chain>,
    /// One entry per mapping id (where it lives, its description and line).
    entries: Vec<MappingEntry>,
    pub(crate) plugins: PluginSet,
}

impl Program {
    /// Compiles every mapping of `table` against `plugins`.
    pub(crate) fn new(config: Arc<Config>, table: &MappingTable, plugins: PluginSet) -> Program {
        let entries: Vec<MappingEntry> = (0..table.len() as MappingId)
            .map(|id| table.entry(id).clone())
            .collect();
        let chains = entries
            .iter()
            .map(|e| Chain::compile(&e.mapping.action, &plugins))
            .collect();
        Program {
            config,
            chains,
            entries,
            plugins,
        }
    }

    pub(crate) fn entry(&self, id: MappingId) -> &MappingEntry {
        &self.entries[id as usize]
    }

    /// The name of mode `index`, or `""`.
    pub(crate) fn mode_name(&self, index: usize) -> &str {
        self.config
            .modes
            .get(index)
            .map(|m| m.name.as_str())
            .unwrap_or("")
    }
}
