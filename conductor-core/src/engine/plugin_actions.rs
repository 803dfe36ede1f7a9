//! Actions a plugin returns: when a plugin step's call sets an output
//! (`conductor.output_set`), the engine reads it as a JSON list of actions and runs
//! them in order right after the plugin, before the mapping's next action. So a
//! plugin can transform MIDI (send what it computed from the trigger), switch modes or
//! hand host actions to the application, not only react.
//!
//! The list uses the config's action spelling, one single-key object per action:
//!
//! ```json
//! [{"SendMidi": {"bytes": [144, 72, 100]}},
//!  {"ModeChange": {"mode": "next"}},
//!  {"Keystroke": {"keys": "space"}}]
//! ```
//!
//! `SendMidi` takes `bytes`, exactly one complete MIDI message; `ModeChange` takes a
//! mode name, `"next"` or `"previous"`; `SetVar` (`name`, `value`), `ToggleVar`
//! (`name`) and `IncrementVar` (`name`, `by`) change a named variable, so a value a
//! plugin sets can light a feedback LED; any other name is a host action whose object
//! is its data. `WasmPlugin`, `Delay`, `Sequence` and `Repeat` cannot be returned. Output
//! the engine cannot read fails the plugin step with a message saying what is expected,
//! and nothing of it runs.
//!
//! The list is read on the plugin's worker ([`parse`]); the dispatcher only runs the
//! result (`Run::perform_returned`).

use serde_json::Value;

use crate::config::{kind_name, VariableOp};
use crate::{Error, Result};

/// Most actions one plugin call may return.
pub(crate) const MAX_RETURNED_ACTIONS: usize = 1024;

/// One action a plugin returned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Returned {
    /// One complete MIDI message.
    SendMidi(Box<[u8]>),
    /// `"next"`, `"previous"` or a mode's name.
    ModeChange(String),
    /// A change to a named variable.
    Variable { name: String, op: VariableOp },
    /// A host action for the application.
    Host { name: String, data: Value },
}

/// What a plugin step's call gave back: the actions to run after it.
pub(crate) type PluginActions = Vec<Returned>;

/// Reads a plugin call's output as actions. Empty output is no actions.
pub(crate) fn parse(plugin: &str, output: &[u8]) -> Result<PluginActions> {
    if output.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let invalid = |why: String| {
        Error::InvalidArgument(format!(
            "plugin {plugin} returned output the engine cannot run: {why}. In a mapping, a \
             plugin's output is a JSON list of actions, e.g. \
             [{{\"SendMidi\": {{\"bytes\": [144, 72, 100]}}}}, {{\"ModeChange\": {{\"mode\": \
             \"next\"}}}}]; return nothing to run none"
        ))
    };
    let value: Value =
        serde_json::from_slice(output).map_err(|e| invalid(format!("not JSON ({e})")))?;
    let Value::Array(items) = value else {
        return Err(invalid("it is not a list".into()));
    };
    if items.len() > MAX_RETURNED_ACTIONS {
        return Err(invalid(format!(
            "{} actions; at most {MAX_RETURNED_ACTIONS} may be returned",
            items.len()
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| one(item).map_err(|why| invalid(format!("action {}: {why}", i + 1))))
        .collect()
}

fn one(item: Value) -> std::result::Result<Returned, String> {
    let Value::Object(map) = item else {
        return Err("each action is an object with one key, its kind".into());
    };
    if map.len() != 1 {
        return Err(format!(
            "an action has exactly one key, its kind; this one has {}",
            map.len()
        ));
    }
    let (kind, body) = map.into_iter().next().expect("one entry");
    match kind.as_str() {
        kind_name::SEND_MIDI => {
            let bytes = body
                .get("bytes")
                .and_then(Value::as_array)
                .ok_or("SendMidi needs `bytes`, a list of byte values")?
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or("SendMidi `bytes` must be numbers from 0 to 255")?;
            crate::midi::parse_message(&bytes)
                .map_err(|e| format!("SendMidi needs exactly one complete MIDI message: {e}"))?;
            Ok(Returned::SendMidi(bytes.into_boxed_slice()))
        }
        kind_name::MODE_CHANGE => body
            .get("mode")
            .and_then(Value::as_str)
            .map(|m| Returned::ModeChange(m.to_string()))
            .ok_or_else(|| {
                "ModeChange needs `mode`: a mode's name, \"next\" or \"previous\"".into()
            }),
        kind_name::SET_VAR | kind_name::TOGGLE_VAR | kind_name::INCREMENT_VAR => {
            let name = body
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| format!("{kind} needs `name`, the variable's name"))?;
            let number = |key: &str, default: i64| match body.get(key) {
                None => Ok(default),
                Some(v) => v
                    .as_i64()
                    .ok_or_else(|| format!("{kind} `{key}` must be a whole number")),
            };
            let op = match kind.as_str() {
                kind_name::SET_VAR => VariableOp::Set(number("value", 0)?),
                kind_name::TOGGLE_VAR => VariableOp::Toggle,
                _ => VariableOp::Increment {
                    by: number("by", 1)?,
                    min: i64::MIN,
                    max: i64::MAX,
                    wrap: false,
                },
            };
            Ok(Returned::Variable {
                name: name.to_string(),
                op,
            })
        }
        "WasmPlugin" | "Delay" | "Sequence" | "Repeat" => Err(format!(
            "{kind} cannot be returned by a plugin (SendMidi, ModeChange, SetVar, ToggleVar, \
             IncrementVar and host actions can)"
        )),
        _ if !body.is_object() => Err(format!("host action {kind} needs an object of fields")),
        _ => Ok(Returned::Host {
            name: kind,
            data: body,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returned_actions_are_read_in_the_config_spelling() {
        let actions = parse(
            "p",
            br#"[{"SendMidi": {"bytes": [144, 72, 100]}}, {"ModeChange": {"mode": "next"}},
                 {"Keystroke": {"keys": "space"}}]"#,
        )
        .unwrap();
        assert_eq!(
            actions,
            vec![
                Returned::SendMidi(vec![144, 72, 100].into_boxed_slice()),
                Returned::ModeChange("next".into()),
                Returned::Host {
                    name: "Keystroke".into(),
                    data: serde_json::json!({"keys": "space"})
                },
            ]
        );
        assert!(parse("p", b"").unwrap().is_empty());
    }

    #[test]
    fn returned_variable_changes_are_read_and_checked() {
        let actions = parse(
            "p",
            br#"[{"SetVar": {"name": "bank", "value": 2}}, {"ToggleVar": {"name": "mute"}},
                 {"IncrementVar": {"name": "n", "by": -3}}]"#,
        )
        .unwrap();
        let ops: Vec<_> = actions
            .into_iter()
            .map(|a| match a {
                Returned::Variable { name, op } => (name, op),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ops[0], ("bank".into(), VariableOp::Set(2)));
        assert_eq!(ops[1], ("mute".into(), VariableOp::Toggle));
        assert_eq!(ops[2].1.apply(10), 7);
        for (bad, needle) in [
            (&br#"[{"SetVar": {"value": 2}}]"#[..], "needs `name`"),
            (
                br#"[{"SetVar": {"name": "x", "value": "2"}}]"#,
                "whole number",
            ),
        ] {
            let err = parse("p", bad).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn unreadable_output_is_refused_saying_what_is_expected() {
        for (output, why) in [
            (&b"hello"[..], "not JSON"),
            (br#"{"SendMidi": {}}"#, "not a list"),
            (
                br#"[{"SendMidi": {"bytes": [144, 60]}}]"#,
                "one complete MIDI message",
            ),
            (br#"[{"Delay": {"ms": 5}}]"#, "cannot be returned"),
            (br#"[{"SendMidi": {"bytes": [300]}}]"#, "0 to 255"),
        ] {
            let e = parse("p", output).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains("JSON list of actions"), "{e}");
        }
    }
}
