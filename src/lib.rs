//! The workspace's root package: it owns `tests/` and `examples/`, and runs the README's code
//! blocks as doctests so that the README cannot drift from the crate.

#![doc = include_str!("../README.md")]
