//! `log(level, ptr, len) -> i32`: a line in the host's log under the plugin's name.
//! Always available; it leaves the result buffer alone, so a plugin can log between a
//! call and reading its result.

use super::{guest_range, memory, HostCaller, HostErrorCode};
use crate::log::LogLevel;

/// The level for a guest's level number: 0 debug, 1 info, 2 warn, 3 error.
fn level(n: i32) -> Option<LogLevel> {
    Some(match n {
        0 => LogLevel::Debug,
        1 => LogLevel::Info,
        2 => LogLevel::Warn,
        3 => LogLevel::Error,
        _ => return None,
    })
}

/// Writes the UTF-8 text at `ptr..ptr+len` (invalid UTF-8 is replaced) to the log
/// sink as [`LogSource::PluginStderr`](crate::log::LogSource::PluginStderr) records
/// with the given level, one record per line. The bytes count against the call's
/// output budget, shared with stdout and stderr: beyond it they are not even read, and
/// one truncation marker is logged. Returns 0, [`HostErrorCode::Invalid`] for an
/// unknown level or [`HostErrorCode::Memory`] for a range outside guest memory.
pub(super) fn log(mut caller: HostCaller<'_>, level_number: i32, ptr: i32, len: i32) -> i32 {
    let Some(level) = level(level_number) else {
        return HostErrorCode::Invalid.code();
    };
    if len == 0 {
        return 0;
    }
    let Ok(memory) = memory(&mut caller) else {
        return HostErrorCode::Memory.code();
    };
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let Some(range) = guest_range(data.len(), ptr, len) else {
        return HostErrorCode::Memory.code();
    };
    let output = &state.host.output;
    let kept = range.len().min(output.room());
    // Within the budget only, so a huge call costs no more than the budget; one byte
    // past it tells the output it was cut.
    let end = range.start + (kept + 1).min(range.len());
    output.log(level, &data[range.start..end]);
    0
}
