//! Compile-fail tests for `#[derive(Session)]`.
//!
//! The `.stderr` files are rustc 1.95 output. After a compiler upgrade run
//! `TRYBUILD=overwrite cargo test -p ui-tests`, review the diff, and bump the
//! pin below.

#[rustversion::attr(not(stable(1.95)), ignore = "ui stderr is pinned to rustc 1.95")]
#[cfg_attr(miri, ignore)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/**/*.rs");
}

#[rustversion::not(stable(1.95))]
#[test]
fn ui_toolchain_matches_snapshots() {
    panic!(
        "the ui stderr files are pinned to rustc 1.95: run `TRYBUILD=overwrite cargo test -p ui-tests`, review the diff, bump the pin in ui-tests/tests/ui.rs"
    );
}
