//! The C++ wrapper's callbacks are owned by libconductor through finalizers: they stay
//! alive exactly as long as an options object, host config or engine holds them, and
//! are freed after. `tests/cpp/callback_ownership.cpp` checks that from the
//! application's side (by counting the copies of a captured `shared_ptr`);
//! `valgrind.rs` runs it under memcheck too.

mod common;
use conductor_test_support as support;

use common::{build_program, isolated, repo_root, run, Lang, Linkage};

#[test]
fn callbacks_live_as_long_as_their_holders_and_no_longer() {
    let dir = support::temp_dir();
    let exe = build_program(
        Lang::Cpp,
        Linkage::Shared,
        &[repo_root().join("conductor-ffi/tests/cpp/callback_ownership.cpp")],
        dir.path(),
        "callback-ownership",
    );
    let result = run(&mut isolated(&exe, dir.path()));
    result.assert_success("the C++ callback ownership check");
    assert_eq!(result.stdout, "ok\n");
}
