//! The comparisons, one per file, each producing one or more [`Section`]s.
//!
//! [`Section`]: crate::report::Section

/// `Ok(v)` gives `v`; `Err(e)` records `e` as the contender's failure and returns the
/// section. Errors are never skips: only an absent environment is
/// ([`Section::skip`](crate::report::Section::skip)).
macro_rules! or_fail {
    ($section:expr, $contender:expr, $result:expr) => {
        match $result {
            Ok(v) => v,
            Err(e) => {
                $section.fail($contender, format!("{e:#}"));
                return $section;
            }
        }
    };
}

pub mod beside_slow;
pub mod engine_process;
pub mod load;
pub mod midi_path;
pub mod plugin_c;
pub mod plugin_python;
pub mod plugin_rust;
pub mod push;
pub mod push_throughput;

/// Every comparison's id, in the order a full run performs them.
pub const ALL: &[&str] = &[
    "plugin-rust",
    "plugin-python",
    "plugin-c",
    "engine-process",
    "push",
    "push-throughput",
    "beside-slow",
    "load",
    "midi",
];
