//! A plugin that neither declares nor is granted `Filesystem` gets no mount: its file
//! calls fail inside the guest and nothing appears under the data root.

use conductor_test_support as support;

use std::sync::{Arc, Mutex};

use conductor_core::log::{LogRecord, LogSource};
use conductor_core::plugin::{HostConfig, PluginHost, PluginOptions};
use conductor_core::{Error, ErrorKind};

#[test]
fn a_plugin_without_filesystem_opens_nothing_and_gets_no_data_folder() {
    let dir = support::temp_dir();
    let data_root = dir.path().join("plugin-data");
    let stderr = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = stderr.clone();
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(data_root.clone()))
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                if let LogSource::PluginStderr(_) = r.source {
                    sink.lock().unwrap().push(r.message.to_string());
                }
            }))
            .with_trust_store(None),
    )
    .unwrap();
    let wasm = support::plugin_wasm("hostile-undeclared-fs");
    let mut plugin = host.load(&wasm, PluginOptions::default()).unwrap();
    assert!(plugin.capabilities().is_empty(), "it declares nothing");
    assert_eq!(plugin.data_dir(), None, "no grant, no data folder");

    let result = plugin.execute(b"{}");
    let lines = stderr.lock().unwrap().clone();
    assert!(
        result.is_ok(),
        "some file call succeeded: {result:?}\n{lines:#?}"
    );
    // Every attempt reached the guest's file API and was refused there.
    let blocked = lines.iter().filter(|l| l.contains("BLOCKED: ")).count();
    assert_eq!(blocked, 5, "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("OPENED")), "{lines:#?}");
    assert!(
        !data_root.exists(),
        "the data root was created for a plugin without Filesystem"
    );
}

#[test]
fn the_same_plugin_granted_filesystem_writes_only_into_its_own_folder() {
    // The control: the fixture's attempts can succeed when a mount exists, so the test
    // above fails if a mount is ever given without the grant.
    let dir = support::temp_dir();
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.path().join("plugin-data")))
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(None),
    )
    .unwrap();
    let wasm = support::plugin_wasm("hostile-undeclared-fs");
    let options = PluginOptions::default().with_grants(
        conductor_core::plugin::Grants::none().with(conductor_core::plugin::Capability::Filesystem),
    );
    let mut plugin = host.load(&wasm, options).unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    // `/plugin.log`, `plugin.log` (relative to `/`), `/` and `.` all resolve in its
    // folder: four succeed. Only `/etc/passwd`, not in the folder, stays out of reach.
    assert!(
        matches!(err, Error::PluginReturned { code: 4, .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::PluginReturned);
    assert!(plugin.data_dir().unwrap().join("plugin.log").is_file());
}
