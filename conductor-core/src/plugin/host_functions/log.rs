//! `log(level, ptr, len) -> i32`: a line in the host's log under the plugin's name.
//! Always available; it leaves the result buffer alone, so a plugin can log between a
//! call and reading its result.

use wasmtime::Linker;

use super::{read_guest, HostCaller, HostErrorCode};
use crate::log::{LogLevel, LogRecord, LogSource};
use crate::plugin::instance::StoreState;
use crate::plugin::module_check::HOST_MODULE;

pub(super) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    linker.func_wrap(HOST_MODULE, "log", log)?;
    Ok(())
}

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
/// sink as a [`LogSource::PluginStderr`] record with the given level, one record per
/// line. Returns 0, [`HostErrorCode::Invalid`] for an unknown level or
/// [`HostErrorCode::Memory`] for a range outside guest memory.
fn log(mut caller: HostCaller<'_>, level_number: i32, ptr: i32, len: i32) -> i32 {
    let Some(level) = level(level_number) else {
        return HostErrorCode::Invalid.code();
    };
    let Ok(bytes) = read_guest(&mut caller, "the log message", ptr, len) else {
        return HostErrorCode::Memory.code();
    };
    let text = String::from_utf8_lossy(&bytes);
    let env = &caller.data().host.env;
    for line in text.trim_end_matches('\n').split('\n') {
        env.log_sink.log(&LogRecord {
            level,
            source: LogSource::PluginStderr(&env.name),
            message: line.trim_end_matches('\r'),
        });
    }
    0
}
