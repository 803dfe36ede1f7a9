//! `--grant CAPABILITY` and `--grant PLUGIN=CAPABILITY`.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use conductor_core::plugin::{Capability, RiskLevel};

/// One `--grant` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSpec {
    /// The plugin it is for (its file stem); `None` grants to every plugin.
    pub plugin: Option<String>,
    /// The capability granted.
    pub capability: Capability,
}

impl FromStr for GrantSpec {
    type Err = String;

    /// Parses `Subprocess` or `my_plugin=Filesystem` (capability names in any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (plugin, capability) = match s.split_once('=') {
            Some((plugin, cap)) => {
                let plugin = plugin.trim();
                if plugin.is_empty() {
                    return Err(format!(
                        "\"{s}\" names no plugin before `=`; write PLUGIN=CAPABILITY, or just \
                         CAPABILITY to grant it to every plugin"
                    ));
                }
                (Some(plugin.to_string()), cap)
            }
            None => (None, s),
        };
        let capability = capability.parse().map_err(|e| format!("{e}"))?;
        Ok(GrantSpec { plugin, capability })
    }
}

impl fmt::Display for GrantSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.plugin {
            Some(p) => write!(f, "{p}={}", self.capability),
            None => write!(f, "{}", self.capability),
        }
    }
}

/// The `--grant` arguments sorted into the engine's two kinds of grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CliGrants {
    /// Granted to every plugin.
    pub global: Vec<Capability>,
    /// Granted to one plugin, by name.
    pub per_plugin: HashMap<String, Vec<Capability>>,
}

impl CliGrants {
    /// Sorts `specs`; duplicates are kept once.
    pub fn new(specs: &[GrantSpec]) -> Self {
        let mut grants = CliGrants::default();
        for spec in specs {
            let list = match &spec.plugin {
                None => &mut grants.global,
                Some(p) => grants.per_plugin.entry(p.clone()).or_default(),
            };
            if !list.contains(&spec.capability) {
                list.push(spec.capability);
            }
        }
        grants
    }

    /// Whether `cap` was granted to every plugin (what lets `Shell` actions run).
    pub fn global_allows(&self, cap: Capability) -> bool {
        self.global.contains(&cap)
    }

    /// One line per grant that needs approval, saying what was granted to whom, so that
    /// nothing medium or high risk is granted without the user seeing it.
    pub fn announcements(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for cap in self.global.iter().filter(|c| c.risk() != RiskLevel::Low) {
            lines.push(format!(
                "granting {cap} ({} risk) to every plugin (--grant {cap})",
                risk_name(*cap)
            ));
        }
        let mut plugins: Vec<_> = self.per_plugin.iter().collect();
        plugins.sort();
        for (plugin, caps) in plugins {
            for cap in caps.iter().filter(|c| c.risk() != RiskLevel::Low) {
                lines.push(format!(
                    "granting {cap} ({} risk) to plugin {plugin} (--grant {plugin}={cap})",
                    risk_name(*cap)
                ));
            }
        }
        lines
    }
}

fn risk_name(cap: Capability) -> &'static str {
    match cap.risk() {
        RiskLevel::Low => "low",
        RiskLevel::Medium => "medium",
        RiskLevel::High => "high",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_global_and_per_plugin_grants() {
        let g: GrantSpec = "subprocess".parse().unwrap();
        assert_eq!(g.plugin, None);
        assert_eq!(g.capability, Capability::Subprocess);
        let g: GrantSpec = "my_plugin=Filesystem".parse().unwrap();
        assert_eq!(g.plugin.as_deref(), Some("my_plugin"));
        assert_eq!(g.capability, Capability::Filesystem);
    }

    #[test]
    fn rejects_unknown_capabilities_and_missing_plugin_names() {
        let e = "Root".parse::<GrantSpec>().unwrap_err();
        assert!(e.contains("unknown capability \"Root\""), "{e}");
        assert!(e.contains("Subprocess"), "{e}");
        let e = "=Filesystem".parse::<GrantSpec>().unwrap_err();
        assert!(e.contains("names no plugin"), "{e}");
    }

    #[test]
    fn announces_every_risky_grant_but_not_automatic_ones() {
        let specs: Vec<GrantSpec> = ["Subprocess", "Network", "p=Filesystem", "p=Filesystem"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let grants = CliGrants::new(&specs);
        assert_eq!(grants.per_plugin["p"], vec![Capability::Filesystem]);
        assert!(grants.global_allows(Capability::Subprocess));
        let lines = grants.announcements();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("Subprocess (high risk) to every plugin"));
        assert!(lines[1].contains("Filesystem (medium risk) to plugin p"));
    }
}
