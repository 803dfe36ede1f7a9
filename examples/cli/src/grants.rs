//! `--grant CAPABILITY`, `--grant PLUGIN=CAPABILITY` and `--grant HostActions[:KIND]`.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use conductor_core::plugin::{Capability, RiskLevel};

/// The host actions that `conductor` itself can perform when granted
/// (`--grant HostActions` for all, `--grant HostActions:Keystroke` for one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HostActionKind {
    /// `Keystroke`: presses keys, with modifiers held.
    Keystroke,
    /// `Text`: types a string.
    Text,
    /// `MouseClick`: clicks a mouse button, optionally at a screen position.
    MouseClick,
    /// `Launch`: starts a program or opens a file or URL.
    Launch,
    /// `VolumeControl`: changes the system volume.
    VolumeControl,
}

impl HostActionKind {
    /// Every kind, in the order they are announced.
    pub const ALL: [HostActionKind; 5] = [
        HostActionKind::Keystroke,
        HostActionKind::Text,
        HostActionKind::MouseClick,
        HostActionKind::Launch,
        HostActionKind::VolumeControl,
    ];

    /// The action's name as configs write it (`"Keystroke"`).
    pub fn name(self) -> &'static str {
        match self {
            HostActionKind::Keystroke => "Keystroke",
            HostActionKind::Text => "Text",
            HostActionKind::MouseClick => "MouseClick",
            HostActionKind::Launch => "Launch",
            HostActionKind::VolumeControl => "VolumeControl",
        }
    }

    /// The kind an action name (exact spelling, as the engine reports it) stands for.
    pub fn from_action_name(name: &str) -> Option<HostActionKind> {
        HostActionKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for HostActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The word that starts a host action grant.
const HOST_ACTIONS: &str = "HostActions";

/// One `--grant` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantSpec {
    /// A plugin capability.
    Capability {
        /// The plugin it is for (its file stem); `None` grants to every plugin.
        plugin: Option<String>,
        /// The capability granted.
        capability: Capability,
    },
    /// `conductor` performs these host actions instead of printing them; `None` is every
    /// kind.
    HostActions(Option<HostActionKind>),
}

impl FromStr for GrantSpec {
    type Err = String;

    /// Parses `Subprocess`, `my_plugin=Filesystem`, `HostActions` or
    /// `HostActions:Keystroke` (names in any case).
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
        let (head, kind) = match capability.split_once(':') {
            Some((head, kind)) => (head.trim(), Some(kind.trim())),
            None => (capability.trim(), None),
        };
        if head.eq_ignore_ascii_case(HOST_ACTIONS) {
            if plugin.is_some() {
                return Err(format!(
                    "\"{s}\": host actions are performed by conductor itself, not by a plugin; \
                     write --grant {capability}"
                ));
            }
            return match kind {
                None => Ok(GrantSpec::HostActions(None)),
                Some(kind) => parse_kind(kind).map(|k| GrantSpec::HostActions(Some(k))),
            };
        }
        if kind.is_some() {
            return Err(format!(
                "\"{s}\": only {HOST_ACTIONS} takes a kind after `:` (e.g. \
                 {HOST_ACTIONS}:Keystroke); a capability is written alone, e.g. Subprocess"
            ));
        }
        let capability = capability
            .parse()
            .map_err(|e| format!("{e}; or {HOST_ACTIONS} to let conductor perform host actions"))?;
        Ok(GrantSpec::Capability { plugin, capability })
    }
}

fn parse_kind(kind: &str) -> Result<HostActionKind, String> {
    if let Some(k) = HostActionKind::ALL
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(kind))
    {
        return Ok(k);
    }
    let names: Vec<_> = HostActionKind::ALL.iter().map(|k| k.name()).collect();
    let shell = if kind.eq_ignore_ascii_case("Shell") {
        " (Shell actions run with --grant Subprocess)"
    } else {
        ""
    };
    Err(format!(
        "unknown host action kind \"{kind}\" in --grant {HOST_ACTIONS}:{kind}{shell}; the kinds \
         are {}, or --grant {HOST_ACTIONS} for all of them",
        names.join(", ")
    ))
}

impl fmt::Display for GrantSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantSpec::Capability {
                plugin: Some(p),
                capability,
            } => write!(f, "{p}={capability}"),
            GrantSpec::Capability {
                plugin: None,
                capability,
            } => write!(f, "{capability}"),
            GrantSpec::HostActions(None) => f.write_str(HOST_ACTIONS),
            GrantSpec::HostActions(Some(kind)) => write!(f, "{HOST_ACTIONS}:{kind}"),
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
    /// The host actions conductor performs (in [`HostActionKind::ALL`] order).
    pub host_actions: Vec<HostActionKind>,
}

impl CliGrants {
    /// Sorts `specs`; duplicates are kept once.
    pub fn new(specs: &[GrantSpec]) -> Self {
        let mut grants = CliGrants::default();
        for spec in specs {
            let (plugin, capability) = match spec {
                GrantSpec::Capability { plugin, capability } => (plugin, *capability),
                GrantSpec::HostActions(kind) => {
                    for k in HostActionKind::ALL {
                        if kind.is_none_or(|kind| kind == k) && !grants.host_actions.contains(&k) {
                            grants.host_actions.push(k);
                        }
                    }
                    continue;
                }
            };
            let list = match plugin {
                None => &mut grants.global,
                Some(p) => grants.per_plugin.entry(p.clone()).or_default(),
            };
            if !list.contains(&capability) {
                list.push(capability);
            }
        }
        grants.host_actions.sort();
        grants
    }

    /// Whether conductor performs host actions of `kind` (`--grant HostActions`).
    pub fn performs(&self, kind: HostActionKind) -> bool {
        self.host_actions.contains(&kind)
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
        if !self.host_actions.is_empty() {
            let names: Vec<_> = self.host_actions.iter().map(|k| k.name()).collect();
            let flag = if self.host_actions.len() == HostActionKind::ALL.len() {
                format!("--grant {HOST_ACTIONS}")
            } else {
                let flags: Vec<_> = self
                    .host_actions
                    .iter()
                    .map(|k| format!("--grant {HOST_ACTIONS}:{k}"))
                    .collect();
                flags.join(" ")
            };
            lines.push(format!(
                "performing host actions {} (high risk: {}) instead of printing them ({flag})",
                names.join(", "),
                risk_of(&self.host_actions)
            ));
        }
        lines
    }
}

/// What the granted host actions let a config do, for the announcement.
fn risk_of(kinds: &[HostActionKind]) -> String {
    let mut what = Vec::new();
    let has = |k| kinds.contains(&k);
    if has(HostActionKind::Keystroke) || has(HostActionKind::Text) {
        what.push("type into whichever window has the focus");
    }
    if has(HostActionKind::MouseClick) {
        what.push("move the pointer and click");
    }
    if has(HostActionKind::Launch) {
        what.push("start programs and open files or URLs");
    }
    if has(HostActionKind::VolumeControl) {
        what.push("change the system volume");
    }
    format!("the config's mappings can {}", what.join(", "))
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
        assert_eq!(
            g,
            GrantSpec::Capability {
                plugin: None,
                capability: Capability::Subprocess
            }
        );
        let g: GrantSpec = "my_plugin=Filesystem".parse().unwrap();
        assert_eq!(
            g,
            GrantSpec::Capability {
                plugin: Some("my_plugin".into()),
                capability: Capability::Filesystem
            }
        );
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

    #[test]
    fn parses_host_action_grants_for_all_or_one_kind() {
        let g: GrantSpec = "HostActions".parse().unwrap();
        assert_eq!(g, GrantSpec::HostActions(None));
        let g: GrantSpec = "hostactions:keystroke".parse().unwrap();
        assert_eq!(g, GrantSpec::HostActions(Some(HostActionKind::Keystroke)));
        assert_eq!(g.to_string(), "HostActions:Keystroke");

        let e = "HostActions:Typing".parse::<GrantSpec>().unwrap_err();
        assert!(e.contains("unknown host action kind \"Typing\""), "{e}");
        assert!(
            e.contains("Keystroke, Text, MouseClick, Launch, VolumeControl"),
            "{e}"
        );
        let e = "HostActions:Shell".parse::<GrantSpec>().unwrap_err();
        assert!(e.contains("--grant Subprocess"), "{e}");
        let e = "p=HostActions".parse::<GrantSpec>().unwrap_err();
        assert!(e.contains("not by a plugin"), "{e}");
        let e = "Subprocess:Keystroke".parse::<GrantSpec>().unwrap_err();
        assert!(e.contains("only HostActions takes a kind"), "{e}");
        let e = "Root".parse::<GrantSpec>().unwrap_err();
        assert!(e.contains("or HostActions"), "{e}");
    }

    #[test]
    fn announces_host_action_grants_with_their_risk() {
        let one = CliGrants::new(&[
            "HostActions:Text".parse().unwrap(),
            "HostActions:Keystroke".parse().unwrap(),
        ]);
        assert_eq!(
            one.host_actions,
            vec![HostActionKind::Keystroke, HostActionKind::Text]
        );
        assert!(one.performs(HostActionKind::Text));
        assert!(!one.performs(HostActionKind::Launch));
        let lines = one.announcements();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("performing host actions Keystroke, Text (high risk"),
            "{lines:?}"
        );
        assert!(lines[0].contains("type into"), "{lines:?}");
        assert!(!lines[0].contains("start programs"), "{lines:?}");
        assert!(
            lines[0].contains("--grant HostActions:Keystroke --grant HostActions:Text"),
            "{lines:?}"
        );

        let all = CliGrants::new(&["HostActions".parse().unwrap()]);
        assert_eq!(all.host_actions, HostActionKind::ALL.to_vec());
        let lines = all.announcements();
        assert!(lines[0].contains("start programs"), "{lines:?}");
        assert!(lines[0].ends_with("(--grant HostActions)"), "{lines:?}");
        // Granting host actions grants no plugin anything.
        assert!(all.global.is_empty() && all.per_plugin.is_empty());
    }
}
