//! Every compile error `#[derive(Claims)]` can produce, against reviewed `.stderr` snapshots.
//! Regenerate with `TRYBUILD=overwrite cargo test --test compiletest` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
