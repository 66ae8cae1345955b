//! Whether a claims type is one-use: the type-level switch behind `jti` replay protection.

mod sealed {
    pub trait Sealed {}
}

/// Marks a claims type as [`Reusable`] or [`OneUse`]; set by `#[derive(Claims)]`.
pub trait ReplayPolicy: sealed::Sealed {}

/// A claims type without `jti`: a valid token may be presented any number of times until it
/// expires. [`Claims::decode`](crate::Claims::decode) is available.
#[derive(Debug, Clone, Copy)]
pub struct Reusable;

/// A claims type with `jti`: every token is accepted at most once, which needs a replay
/// store that remembers consumed ids. Plain `decode` does not compile for these types;
/// [`dangerous::decode_without_replay_check`](crate::dangerous::decode_without_replay_check)
/// is the one escape hatch, for tools that only inspect tokens.
#[derive(Debug, Clone, Copy)]
pub struct OneUse;

impl sealed::Sealed for Reusable {}
impl sealed::Sealed for OneUse {}
impl ReplayPolicy for Reusable {}
impl ReplayPolicy for OneUse {}
