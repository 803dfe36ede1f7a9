//! Plugins' SystemControl and Audio requests reach a C application's callback
//! (`tests/c/host_requests.c`), which accepts or refuses them; the engine options'
//! signature policy overrides the config's.

mod common;
use conductor_test_support as support;

use common::{build_program, isolated, run, Lang, Linkage};

#[test]
fn system_and_audio_requests_reach_the_c_callback() {
    let work = support::temp_dir();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/host_requests.c");
    let exe = build_program(
        Lang::C,
        Linkage::Shared,
        &[source],
        work.path(),
        "host_requests",
    );
    let out =
        run(isolated(&exe, work.path())
            .env("SYSTEM_PLUGIN", support::plugin_wasm("sdk-system-plugin")));
    out.assert_success("host_requests");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[..3],
        [
            r#"request 1: plugin=sdk_system_plugin capability=SystemControl json={"volume":0.5}"#,
            r#"request 2: plugin=sdk_system_plugin capability=Audio json={"cue":"click"}"#,
            "outcome: ok",
        ],
        "{}",
        out.stdout
    );
    assert!(lines[3].starts_with("request 1: plugin=sdk_system_plugin capability=SystemControl"));
    assert!(
        lines[4] == "outcome: plugin sdk_system_plugin returned error code 1",
        "a refused request fails the plugin's call: {}",
        lines[4]
    );
    assert_eq!(
        lines[5], "require: engine=refused kind=signature",
        "{}",
        out.stdout
    );
}
