//! One-use tokens: the type-level switch behind `jti` replay protection, the replay store
//! traits, and the stores.
//!
//! A claims type with a `#[claim(jti)]` field is [`OneUse`]: its tokens are accepted at most
//! once. The verifier remembers every consumed id in a [`ReplayStore`] (or, from async code,
//! an [`AsyncReplayStore`]) until the token's own expiry, and decoding such a type without a
//! store does not compile. The entry points are [`Validation::decode_once`](crate::Validation::decode_once) and
//! [`Validation::decode_once_async`](crate::Validation::decode_once_async):
//!
//! 1. every other check runs first (length, shape, header, signature, payload, claims), so a
//!    forged, expired or wrong-audience token never burns an id;
//! 2. then the `jti` is inserted into the store if absent, to be forgotten at the token's
//!    `exp` plus the leeway in force (after that instant the token fails the `exp` check
//!    anyway); the comparison is exact bytes;
//! 3. an id already present is [`Error::Replayed`]; a store that cannot answer is
//!    [`Error::StoreUnavailable`]: the token is rejected (fail closed).
//!
//! Stores:
//!
//! - [`MemoryStore`]: in-process, concurrent, bounded; for a single server.
//! - [`RedisStore`] and [`AsyncRedisStore`] (feature `redis`): `SET <prefix><jti> 1 NX EXAT
//!   <exp>` on a Redis server or Redis Cluster, so that every server behind a load balancer
//!   shares one view.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use jwt_runtime::replay::MemoryStore;
//! use jwt_runtime::{Claims, Error, FixedClock, HmacKey, Hs256, NumericDate, Validation};
//!
//! #[derive(Claims)]
//! struct ResetLink {
//!     sub: String,
//!     exp: NumericDate,
//!     jti: String,
//! }
//!
//! let key = HmacKey::<Hs256>::from_bytes(b"an example secret, 32 bytes long")?;
//! let now = NumericDate::from_secs(1_700_000_000);
//! let link = ResetLink { sub: "ada".into(), exp: now + Duration::from_secs(900), jti: "a1b2".into() };
//! let token = link.encode(&key)?;
//!
//! let store = MemoryStore::builder().clock(FixedClock(now)).build();
//! let validation = Validation::new().clock(FixedClock(now));
//!
//! let first: ResetLink = validation.decode_once(&token, &key, &store)?;
//! assert_eq!(first.sub, "ada");
//! let second = validation.decode_once::<ResetLink, _, _>(&token, &key, &store);
//! assert!(matches!(second, Err(Error::Replayed)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::future::Future;
use std::sync::Arc;

use crate::error::Error;
use crate::time::NumericDate;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use self::memory::{DEFAULT_CAPACITY, MemoryStore, MemoryStoreBuilder};
#[cfg(feature = "redis-async")]
pub use self::redis::AsyncRedisStore;
#[cfg(feature = "redis")]
pub use self::redis::{DEFAULT_KEY_PREFIX, DEFAULT_TIMEOUT, RedisStore, RedisStoreBuilder};

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

/// The replay policy of claims types that decode without a replay store: [`Reusable`] only.
/// It exists for its compile error, which tells what to do instead.
#[diagnostic::on_unimplemented(
    message = "a claims type with `jti` is one-use: it is decoded through a replay store",
    label = "this claims type declares `jti`",
    note = "use `Validation::decode_once(token, keys, &store)`, `decode_once_async`, or `Claims::decode_once`",
    note = "tools that only inspect tokens: `jwt_runtime::dangerous::decode_without_replay_check`"
)]
pub trait DecodableWithoutStore: ReplayPolicy {}

impl DecodableWithoutStore for Reusable {}

/// What [`ReplayStore::insert_if_absent`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum InsertOutcome {
    /// The id was not present (or had expired): it is now stored, and the token is fresh.
    Inserted,
    /// The id is present and has not expired: the token is a replay.
    AlreadyPresent,
}

/// Why a replay store could not answer. The token is then rejected with
/// [`Error::StoreUnavailable`], which carries this error as its source.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The store holds as many live ids as its capacity allows. It refuses new ids rather
    /// than forget a live one (which would let that token be replayed); ids are freed as
    /// their tokens expire.
    Full {
        /// The configured capacity, in ids.
        capacity: usize,
    },
    /// The store's backend failed: unreachable, timed out, out of memory, or an unexpected
    /// reply.
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A [`StoreError::Backend`] from any error.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Backend(error.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Full { capacity } => write!(
                f,
                "replay store full: {capacity} live ids, none expired yet; refusing new ids rather than forgetting a live one"
            ),
            StoreError::Backend(source) => write!(f, "replay store backend error: {source}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Full { .. } => None,
            StoreError::Backend(source) => Some(&**source),
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        Error::StoreUnavailable(Arc::new(error))
    }
}

/// A store of consumed token ids, for synchronous callers.
///
/// Implementations must make [`insert_if_absent`](ReplayStore::insert_if_absent) atomic:
/// when many callers present the same id at once, exactly one gets
/// [`InsertOutcome::Inserted`]. They must keep an id at least until `expires_at`, and must
/// never forget a live id to make room (report [`StoreError::Full`] instead).
///
/// Implemented by [`MemoryStore`] and, with the feature `redis`, [`RedisStore`]; and by `&S`,
/// `Box<S>` and `Arc<S>` for any store `S`. From async code use an [`AsyncReplayStore`], so
/// that a network round trip does not block the runtime.
pub trait ReplayStore {
    /// Inserts `id` unless the store already holds it unexpired; the store may forget it once
    /// its clock reaches `expires_at`.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the store cannot answer (full, unreachable): the caller must
    /// then reject the token.
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> Result<InsertOutcome, StoreError>;
}

/// A store of consumed token ids, for async callers: the asynchronous counterpart of
/// [`ReplayStore`], with the same contract.
///
/// Implemented by [`MemoryStore`] (which never waits) and, with the feature `redis`,
/// [`AsyncRedisStore`]; and by `&S` for any store `S` (pass `&*arc` for an `Arc<S>`).
pub trait AsyncReplayStore {
    /// Inserts `id` unless the store already holds it unexpired; the store may forget it once
    /// its clock reaches `expires_at`.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the store cannot answer (full, unreachable): the caller must
    /// then reject the token.
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send;
}

impl<S: ReplayStore + ?Sized> ReplayStore for &S {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> Result<InsertOutcome, StoreError> {
        (**self).insert_if_absent(id, expires_at)
    }
}

impl<S: ReplayStore + ?Sized> ReplayStore for Box<S> {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> Result<InsertOutcome, StoreError> {
        (**self).insert_if_absent(id, expires_at)
    }
}

impl<S: ReplayStore + ?Sized> ReplayStore for Arc<S> {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> Result<InsertOutcome, StoreError> {
        (**self).insert_if_absent(id, expires_at)
    }
}

impl<S: AsyncReplayStore + Sync> AsyncReplayStore for &S {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send {
        (**self).insert_if_absent(id, expires_at)
    }
}
