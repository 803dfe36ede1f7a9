//! Reading the fields of the host actions conductor performs, in upstream Conductor's
//! syntax: `Keystroke { keys, modifiers }`, `Text { text }`, `MouseClick { button, x, y }`,
//! `Launch { app }`, `VolumeControl { operation, value }`.

use conductor_core::engine::TriggerContext;
use enigo::{Button, Key};
use serde_json::Value;

use crate::grants::HostActionKind;

/// A host action ready to perform.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Perform {
    /// Hold `modifiers`, press and release each of `keys` in order, release the modifiers.
    Keystroke {
        /// Held while the keys are pressed, released in reverse order.
        modifiers: Vec<Key>,
        /// Pressed and released one after another.
        keys: Vec<Key>,
        /// Whether `fn` was named and left out: no software can press it (the keyboard
        /// handles it itself), so upstream Conductor ignores it too.
        left_out_fn: bool,
    },
    /// Type this text.
    Text(String),
    /// Click `button`, first moving the pointer to `at` when given.
    MouseClick {
        /// The button.
        button: Button,
        /// Where to click, in screen pixels from the top left corner.
        at: Option<(i32, i32)>,
    },
    /// Start this program, or open this file or URL.
    Launch(String),
    /// Change the system volume.
    Volume(Volume),
}

/// A `VolumeControl` operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Volume {
    /// Up one step (10 %).
    Up,
    /// Down one step (10 %).
    Down,
    /// Mute.
    Mute,
    /// Unmute.
    Unmute,
    /// Set to this percentage.
    Set(u8),
    /// `Set` without a `value`: a CC trigger's value scaled to 0–100 % (a fader sets the
    /// volume), else 50 % (upstream Conductor's default).
    SetFromTrigger,
}

impl Perform {
    /// Fills in what depends on the trigger: `VolumeControl` `Set` without a value.
    pub(crate) fn with_context(self, context: &TriggerContext) -> Perform {
        match self {
            Perform::Volume(Volume::SetFromTrigger) => {
                let level = match (context.cc, context.value) {
                    (Some(_), Some(v)) if v <= 127 => (u32::from(v) * 100 + 63) / 127,
                    _ => 50,
                };
                Perform::Volume(Volume::Set(level as u8))
            }
            other => other,
        }
    }
}

/// How much `Up` and `Down` change the volume, in percent (as upstream Conductor).
pub(crate) const VOLUME_STEP: u8 = 10;

/// Reads an action of `kind` from its fields; the error names the field and the fix.
pub(crate) fn parse(kind: HostActionKind, data: &Value) -> Result<Perform, String> {
    match kind {
        HostActionKind::Keystroke => keystroke(data),
        HostActionKind::Text => {
            let text = string_field(data, "text")?;
            if text.is_empty() {
                return Err(
                    "`text` is empty: write the text to type, e.g. text = \"hello\"".into(),
                );
            }
            Ok(Perform::Text(text.to_string()))
        }
        HostActionKind::MouseClick => mouse_click(data),
        HostActionKind::Launch => {
            let app = string_field(data, "app")?;
            if app.trim().is_empty() {
                return Err(
                    "`app` is empty: write a program (app = \"firefox\"), a file or a URL".into(),
                );
            }
            Ok(Perform::Launch(app.to_string()))
        }
        HostActionKind::VolumeControl => volume(data),
    }
}

fn string_field<'a>(data: &'a Value, field: &str) -> Result<&'a str, String> {
    match data.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("`{field}` must be a string, not {other}")),
        None => Err(format!("`{field}` is missing")),
    }
}

/// The key names a `Keystroke` accepts besides single characters, for messages.
const KEY_NAMES: &str = "space, return (enter), tab, escape (esc), backspace, delete (del), \
    up, down, left, right (also uparrow...), home, end, pageup, pagedown, insert, f1 to f20, \
    capslock, numlock, scrolllock, pause, printscreen, volumeup, volumedown, mute, playpause, \
    stop, next, previous, and the modifiers ctrl, shift, alt, cmd";

/// The modifier names, for messages.
const MODIFIER_NAMES: &str = "ctrl (control), shift, alt (option), cmd (command, meta, super)";

fn keystroke(data: &Value) -> Result<Perform, String> {
    let names: Vec<String> = match data.get("keys") {
        Some(Value::String(s)) => split_keys(s),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("`keys` must list key names, not {other}")),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`keys` must be a string such as \"ctrl+c\" or \"space\", not {other}"
            ))
        }
        None => return Err("`keys` is missing".into()),
    };
    let mut modifiers = Vec::new();
    let mut keys = Vec::new();
    let mut left_out_fn = false;
    let mut is_fn = |name: &str| {
        let fn_key = name.trim().eq_ignore_ascii_case("fn");
        left_out_fn |= fn_key;
        fn_key
    };
    for name in &names {
        if is_fn(name) {
            continue;
        }
        if let Some(m) = modifier(name)? {
            push_once(&mut modifiers, m);
        } else {
            keys.push(key(name)?);
        }
    }
    match data.get("modifiers") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if is_fn(s) => {}
        Some(Value::String(s)) => push_modifier(&mut modifiers, s)?,
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) if is_fn(s) => {}
                    Value::String(s) => push_modifier(&mut modifiers, s)?,
                    other => {
                        return Err(format!("`modifiers` must list modifier names, not {other}"))
                    }
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "`modifiers` must be a list such as [\"ctrl\", \"shift\"], not {other}"
            ))
        }
    }
    if keys.is_empty() && modifiers.is_empty() && !left_out_fn {
        return Err("`keys` names no key: write e.g. keys = \"space\" or keys = \"ctrl+c\"".into());
    }
    Ok(Perform::Keystroke {
        modifiers,
        keys,
        left_out_fn,
    })
}

/// `"ctrl+shift+t"` → `["ctrl", "shift", "t"]`; `"+"` and a trailing `"++"` are the plus key.
fn split_keys(keys: &str) -> Vec<String> {
    let trimmed = keys.trim();
    if trimmed == "+" {
        return vec!["+".into()];
    }
    let (body, plus) = match trimmed.strip_suffix("++") {
        Some(body) => (body, true),
        None => (trimmed, false),
    };
    let mut out: Vec<String> = body.split('+').map(|k| k.trim().to_string()).collect();
    if plus {
        out.push("+".into());
    }
    out
}

fn push_once(list: &mut Vec<Key>, key: Key) {
    if !list.contains(&key) {
        list.push(key);
    }
}

fn push_modifier(list: &mut Vec<Key>, name: &str) -> Result<(), String> {
    match modifier(name)? {
        Some(m) => {
            push_once(list, m);
            Ok(())
        }
        None => Err(format!(
            "unknown modifier \"{name}\"; the modifiers are {MODIFIER_NAMES}"
        )),
    }
}

/// A modifier name (any case); `Ok(None)` when `name` is not a modifier.
fn modifier(name: &str) -> Result<Option<Key>, String> {
    Ok(Some(match name.trim().to_ascii_lowercase().as_str() {
        "ctrl" | "control" => Key::Control,
        "shift" => Key::Shift,
        "alt" | "option" | "opt" => Key::Alt,
        "cmd" | "command" | "meta" | "super" | "win" | "windows" => Key::Meta,
        _ => return Ok(None),
    }))
}

/// A key name (any case; `_` and `-` ignored in names longer than one character) or a
/// single character.
fn key(name: &str) -> Result<Key, String> {
    let trimmed = name.trim();
    let mut chars = trimmed.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        // Letters are keys, not characters: "A" is the a key (add "shift" for a capital).
        return Ok(Key::Unicode(c.to_ascii_lowercase()));
    }
    if trimmed.is_empty() {
        return Err(format!(
            "empty key name in `keys` (\"{name}\"); write key names joined by +, e.g. \"ctrl+c\""
        ));
    }
    let norm: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    let key = match norm.as_str() {
        "space" | "spacebar" => Key::Space,
        "return" | "enter" => Key::Return,
        "tab" => Key::Tab,
        "escape" | "esc" => Key::Escape,
        "backspace" => Key::Backspace,
        "delete" | "del" => Key::Delete,
        "up" | "uparrow" | "arrowup" => Key::UpArrow,
        "down" | "downarrow" | "arrowdown" => Key::DownArrow,
        "left" | "leftarrow" | "arrowleft" => Key::LeftArrow,
        "right" | "rightarrow" | "arrowright" => Key::RightArrow,
        "home" => Key::Home,
        "end" => Key::End,
        "pageup" | "pgup" => Key::PageUp,
        "pagedown" | "pgdn" => Key::PageDown,
        "capslock" | "caps" => Key::CapsLock,
        "printscreen" | "prtsc" | "print" => Key::PrintScr,
        "volumeup" | "volup" => Key::VolumeUp,
        "volumedown" | "voldown" => Key::VolumeDown,
        "mute" | "volumemute" => Key::VolumeMute,
        "playpause" | "play" => Key::MediaPlayPause,
        "nexttrack" | "next" => Key::MediaNextTrack,
        "previoustrack" | "previous" | "prev" | "prevtrack" => Key::MediaPrevTrack,
        #[cfg(not(target_os = "macos"))]
        "insert" | "ins" => Key::Insert,
        #[cfg(not(target_os = "macos"))]
        "numlock" | "numlk" => Key::Numlock,
        #[cfg(not(target_os = "macos"))]
        "pause" => Key::Pause,
        #[cfg(not(target_os = "macos"))]
        "stop" | "mediastop" => Key::MediaStop,
        #[cfg(all(unix, not(target_os = "macos")))]
        "scrolllock" | "scrlk" => Key::ScrollLock,
        f if function_key(f).is_some() => function_key(f).unwrap_or(Key::F1),
        _ => {
            return Err(format!(
                "unknown key name \"{name}\"; use a single character (a, 1, /) or one of: \
                 {KEY_NAMES}"
            ))
        }
    };
    Ok(key)
}

/// `f1` … `f20`.
fn function_key(name: &str) -> Option<Key> {
    let n: u8 = name.strip_prefix('f')?.parse().ok()?;
    Some(match n {
        1 => Key::F1,
        2 => Key::F2,
        3 => Key::F3,
        4 => Key::F4,
        5 => Key::F5,
        6 => Key::F6,
        7 => Key::F7,
        8 => Key::F8,
        9 => Key::F9,
        10 => Key::F10,
        11 => Key::F11,
        12 => Key::F12,
        13 => Key::F13,
        14 => Key::F14,
        15 => Key::F15,
        16 => Key::F16,
        17 => Key::F17,
        18 => Key::F18,
        19 => Key::F19,
        20 => Key::F20,
        _ => return None,
    })
}

fn mouse_click(data: &Value) -> Result<Perform, String> {
    let name = string_field(data, "button")?;
    let button = match name.trim().to_ascii_lowercase().as_str() {
        "left" => Button::Left,
        "right" => Button::Right,
        "middle" => Button::Middle,
        _ => {
            return Err(format!(
                "unknown mouse button \"{name}\"; the buttons are left, right and middle"
            ))
        }
    };
    let coord = |field: &str| -> Result<Option<i32>, String> {
        match data.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .filter(|n| *n >= 0)
                .map(Some)
                .ok_or_else(|| format!("`{field}` must be a pixel position (0 or more), not {v}")),
        }
    };
    let at = match (coord("x")?, coord("y")?) {
        (Some(x), Some(y)) => Some((x, y)),
        (None, None) => None,
        _ => {
            return Err(
                "give both `x` and `y` to click at a position, or neither to click where the \
                 pointer is"
                    .into(),
            )
        }
    };
    Ok(Perform::MouseClick { button, at })
}

fn volume(data: &Value) -> Result<Perform, String> {
    let op = string_field(data, "operation")?;
    // `amount` is how part of upstream's documentation spells `value`.
    let value = data
        .get("value")
        .or_else(|| data.get("amount"))
        .filter(|v| !v.is_null());
    let volume = match op.trim().to_ascii_lowercase().as_str() {
        "up" => Volume::Up,
        "down" => Volume::Down,
        "mute" => Volume::Mute,
        "unmute" => Volume::Unmute,
        "set" => {
            let Some(v) = value else {
                return Ok(Perform::Volume(Volume::SetFromTrigger));
            };
            let level = v
                .as_u64()
                .filter(|n| *n <= 100)
                .ok_or_else(|| format!("`value` must be a percentage from 0 to 100, not {v}"))?;
            Volume::Set(level as u8)
        }
        _ => {
            return Err(format!(
                "unknown volume operation \"{op}\"; the operations are Up, Down, Mute, Unmute \
                 and Set (with a value)"
            ))
        }
    };
    Ok(Perform::Volume(volume))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ks(data: Value) -> Result<Perform, String> {
        parse(HostActionKind::Keystroke, &data)
    }

    #[test]
    fn keystroke_reads_upstream_key_names_and_modifiers() {
        assert_eq!(
            ks(json!({"keys": "UpArrow", "modifiers": ["cmd", "shift"]})),
            Ok(Perform::Keystroke {
                modifiers: vec![Key::Meta, Key::Shift],
                keys: vec![Key::UpArrow],
                left_out_fn: false
            })
        );
        assert_eq!(
            ks(json!({"keys": "ctrl+Shift+T"})),
            Ok(Perform::Keystroke {
                modifiers: vec![Key::Control, Key::Shift],
                keys: vec![Key::Unicode('t')],
                left_out_fn: false
            })
        );
        assert_eq!(
            ks(json!({"keys": "page_up", "modifiers": []})),
            Ok(Perform::Keystroke {
                modifiers: vec![],
                keys: vec![Key::PageUp],
                left_out_fn: false
            })
        );
        assert_eq!(
            ks(json!({"keys": "ctrl++"})),
            Ok(Perform::Keystroke {
                modifiers: vec![Key::Control],
                keys: vec![Key::Unicode('+')],
                left_out_fn: false
            })
        );
        assert_eq!(
            ks(json!({"keys": ["F5", "Return"]})),
            Ok(Perform::Keystroke {
                modifiers: vec![],
                keys: vec![Key::F5, Key::Return],
                left_out_fn: false
            })
        );
    }

    #[test]
    fn unknown_key_and_modifier_names_are_named_with_the_choices() {
        let e = ks(json!({"keys": "ctrl+Spce"})).unwrap_err();
        assert!(e.contains("unknown key name \"Spce\""), "{e}");
        assert!(e.contains("space, return"), "{e}");
        let e = ks(json!({"keys": "a", "modifiers": ["hyper"]})).unwrap_err();
        assert!(e.contains("unknown modifier \"hyper\""), "{e}");
        // `fn` cannot be pressed by software: left out, as upstream does.
        assert_eq!(
            ks(json!({"keys": "f5", "modifiers": ["fn"]})),
            Ok(Perform::Keystroke {
                modifiers: vec![],
                keys: vec![Key::F5],
                left_out_fn: true
            })
        );
        assert_eq!(
            ks(json!({"keys": "fn", "modifiers": []})),
            Ok(Perform::Keystroke {
                modifiers: vec![],
                keys: vec![],
                left_out_fn: true
            })
        );
        let e = ks(json!({"keys": "f21"})).unwrap_err();
        assert!(e.contains("unknown key name \"f21\""), "{e}");
        let e = ks(json!({"keys": "a++b"})).unwrap_err();
        assert!(e.contains("empty key name"), "{e}");
    }

    #[test]
    fn mouse_text_launch_and_volume_fields() {
        assert_eq!(
            parse(
                HostActionKind::MouseClick,
                &json!({"button": "Right", "x": 10, "y": 20})
            ),
            Ok(Perform::MouseClick {
                button: Button::Right,
                at: Some((10, 20))
            })
        );
        let e = parse(
            HostActionKind::MouseClick,
            &json!({"button": "left", "x": 3}),
        )
        .unwrap_err();
        assert!(e.contains("both `x` and `y`"), "{e}");
        let e = parse(HostActionKind::MouseClick, &json!({"button": "back"})).unwrap_err();
        assert!(e.contains("unknown mouse button \"back\""), "{e}");
        let e = parse(HostActionKind::Text, &json!({"text": 5})).unwrap_err();
        assert!(e.contains("`text` must be a string"), "{e}");
        assert_eq!(
            parse(HostActionKind::Launch, &json!({"app": "Safari"})),
            Ok(Perform::Launch("Safari".into()))
        );
        assert_eq!(
            parse(
                HostActionKind::VolumeControl,
                &json!({"operation": "Set", "value": 40})
            ),
            Ok(Perform::Volume(Volume::Set(40)))
        );
        assert_eq!(
            parse(
                HostActionKind::VolumeControl,
                &json!({"operation": "set", "amount": 25})
            ),
            Ok(Perform::Volume(Volume::Set(25)))
        );
        let e = parse(
            HostActionKind::VolumeControl,
            &json!({"operation": "Set", "value": 150}),
        )
        .unwrap_err();
        assert!(e.contains("from 0 to 100"), "{e}");
        let e = parse(
            HostActionKind::VolumeControl,
            &json!({"operation": "Louder"}),
        )
        .unwrap_err();
        assert!(e.contains("unknown volume operation \"Louder\""), "{e}");
    }
}
