//! The comparisons, one per file, each producing one or more [`Section`]s.
//!
//! [`Section`]: crate::report::Section

/// `Ok(v)` gives `v`; `Err(e)` records `e` as the contender's skip and returns the section.
macro_rules! or_skip {
    ($section:expr, $contender:expr, $result:expr) => {
        match $result {
            Ok(v) => v,
            Err(e) => {
                $section.skip($contender, format!("{e:#}"));
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
