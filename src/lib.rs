//! The workspace's root package: it owns `tests/` and `examples/`, and runs the README's code
//! blocks as doctests so that the README cannot drift from the crate.

#![doc = include_str!("../README.md")]

/// `docs/guide.md`, the task-oriented guide: its code blocks run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../docs/guide.md")]
pub struct Guide;
