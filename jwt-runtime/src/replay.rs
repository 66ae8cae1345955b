//! One-use tokens: the type-level switch behind `jti` replay protection, the replay store
//! traits, and the stores.
//!
//! A claims type with a `#[claim(jti)]` field is [`OneUse`]: its tokens are accepted at most
//! once. The verifier remembers every consumed id in a [`ReplayStore`] (or, from async code,
//! an [`AsyncReplayStore`]) for as long as the token could still be accepted, and decoding
//! such a type without a store does not compile. The entry points are
//! [`Validation::decode_once`](crate::Validation::decode_once) and
//! [`Validation::decode_once_async`](crate::Validation::decode_once_async):
//!
//! 1. every other check runs first (length, shape, header, signature, payload, claims), so a
//!    forged, expired or wrong-audience token never burns an id;
//! 2. then the `jti` is inserted into the store if absent, in the claims type's namespace
//!    ([`ReplayId`]), with the [`ReplayWindow`] that says how long to keep it: the clock is
//!    read once per token, for the claims check and the store alike, and the store keeps the
//!    id for as long as the token stays acceptable from that reading, plus a retention margin
//!    for other servers whose clocks or leeways differ; ids compare as exact bytes;
//! 3. an id already present is [`Error::Replayed`]; a store that cannot answer, or cannot
//!    promise to keep the id, is [`Error::StoreUnavailable`], and one that was asked but never
//!    answered is [`Error::ReplayUnconfirmed`]: the token is rejected (fail closed).
//!
//! Stores:
//!
//! - [`MemoryStore`]: in-process, concurrent, bounded; for a single server.
//! - [`RedisStore`] and [`AsyncRedisStore`] (features `redis`, `redis-async`): `SET <key> <nonce> NX PX <ms>
//!   GET` on a Redis server or Redis Cluster, with a relative time to live, so that every
//!   server behind a load balancer shares one view.
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
//! let store = MemoryStore::new();
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
use std::time::Duration;

use crate::error::Error;
use crate::schema::Schema;
use crate::time::NumericDate;

mod memory;
#[cfg(feature = "redis")]
pub(crate) mod connection;
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

/// How much longer than the validation that consumed an id another validation sharing the
/// store may still accept its token, by default: five minutes (the usual bound on clock skew,
/// as in Kerberos). See [`ReplayWindow`].
pub const DEFAULT_RETENTION_MARGIN: Duration = Duration::from_secs(300);

/// One consumed token id: the `jti`, in the namespace of the kind of token it belongs to.
///
/// Stores compare ids as the pair (namespace, `jti`), exact bytes, and encode the pair so that
/// no two pairs share an encoding (see [`ReplayId::encode_into`]): `("app:", "reset:42")` and
/// `("app:reset:", "42")` are different ids.
///
/// [`Validation::decode_once`](crate::Validation::decode_once) and the axum `Verifier` give
/// every one-use claims type its own namespace by default ([`ReplayId::namespace_of`]), so one
/// kind of token never uses up the ids of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayId<'a> {
    namespace: &'a str,
    jti: &'a str,
}

impl<'a> ReplayId<'a> {
    /// The id `jti` in `namespace`.
    #[must_use]
    pub const fn new(namespace: &'a str, jti: &'a str) -> Self {
        ReplayId { namespace, jti }
    }

    /// The namespace.
    #[must_use]
    pub const fn namespace(&self) -> &'a str {
        self.namespace
    }

    /// The `jti`, exactly as the token carries it.
    #[must_use]
    pub const fn jti(&self) -> &'a str {
        self.jti
    }

    /// Appends the unambiguous encoding of this id to `out`: the namespace's length in
    /// decimal, `:`, the namespace, then the `jti` (e.g. `16:0123456789abcdefa1b2` for the
    /// `jti` `a1b2`). The length makes the encoding injective: no two (namespace, `jti`)
    /// pairs share one.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        push_length_prefixed(out, self.namespace.as_bytes());
        out.extend_from_slice(self.jti.as_bytes());
    }
}

/// Appends `<decimal length>:<bytes>`: a self-delimiting field, so that what follows cannot
/// be mistaken for part of it.
pub(crate) fn push_length_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut digits = [0_u8; 20];
    let mut len = bytes.len();
    let mut at = digits.len();
    loop {
        at -= 1;
        #[allow(clippy::cast_possible_truncation, reason = "a decimal digit")]
        let digit = (len % 10) as u8;
        digits[at] = b'0' + digit;
        len /= 10;
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// FNV-1a (64 bits) over a canonical encoding of what a type accepts, as 16 hex digits. Not
/// a defence against an adversary: the inputs are the developer's own declarations.
pub(crate) const fn namespace_digest(alg: &str, schema: &Schema) -> [u8; 16] {
    const fn feed(mut hash: u64, bytes: &[u8]) -> u64 {
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        hash
    }
    // Every field is tagged and length-prefixed, so that no two declarations feed the same
    // bytes.
    const fn field(hash: u64, tag: u8, value: Option<&str>) -> u64 {
        let hash = feed(hash, &[tag]);
        match value {
            None => feed(hash, &[0]),
            Some(text) => {
                let hash = feed(hash, &[1]);
                let hash = feed(hash, &(text.len() as u64).to_le_bytes());
                feed(hash, text.as_bytes())
            }
        }
    }
    let mut hash = 0xcbf2_9ce4_8422_2325;
    hash = field(hash, b'a', Some(alg));
    hash = field(hash, b't', schema.typ);
    hash = field(hash, b'i', schema.issuer);
    hash = feed(hash, &(schema.audience.len() as u64).to_le_bytes());
    let mut i = 0;
    while i < schema.audience.len() {
        hash = field(hash, b'u', Some(schema.audience[i]));
        i += 1;
    }
    let mut text = [0_u8; 16];
    let mut at = 0;
    while at < 16 {
        let nibble = ((hash >> (60 - 4 * at)) & 0xf) as u8;
        text[at] = if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        };
        at += 1;
    }
    text
}

/// When a token was accepted and until when it stays acceptable: what a replay store is told
/// with each id, to decide how long to keep it.
///
/// Both instants are on the token's time scale: `checked_at` is the validation's one clock
/// reading for this token minus the leeway in force, and the validation accepted the token
/// because `checked_at < expires_at` (its `exp`). A store keeps the id for at least
/// `expires_at - checked_at` of its own time from the moment it stores it, plus its retention
/// margin ([`DEFAULT_RETENTION_MARGIN`] by default), which covers another validation sharing
/// the store whose clock is behind, or whose leeway is larger, by up to that margin.
/// Measured relative to the validation's own reading, the retention does not depend on the
/// store's clock agreeing with the validation's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayWindow {
    checked_at: NumericDate,
    expires_at: NumericDate,
}

impl ReplayWindow {
    /// A window for a token checked at `checked_at` (the clock minus the leeway) that expires
    /// at `expires_at` (its `exp`).
    #[must_use]
    pub const fn new(checked_at: NumericDate, expires_at: NumericDate) -> Self {
        ReplayWindow {
            checked_at,
            expires_at,
        }
    }

    /// The validation's clock reading minus its leeway.
    #[must_use]
    pub const fn checked_at(&self) -> NumericDate {
        self.checked_at
    }

    /// The token's `exp`.
    #[must_use]
    pub const fn expires_at(&self) -> NumericDate {
        self.expires_at
    }

    /// How long the token stays acceptable to the validation that checked it, in seconds:
    /// `expires_at - checked_at`, never negative.
    #[must_use]
    pub fn remaining_secs(&self) -> f64 {
        (self.expires_at.as_f64() - self.checked_at.as_f64()).max(0.0)
    }
}

/// What [`ReplayStore::insert_if_absent`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum InsertOutcome {
    /// The id was not present (or had been forgotten): it is now stored, for as long as any
    /// validation sharing the store could still accept the token (see [`ReplayWindow`]), and
    /// the token is fresh.
    Inserted,
    /// The id is present: the token is a replay.
    AlreadyPresent,
}

/// Why a replay store could not answer. The token is then rejected with
/// [`Error::StoreUnavailable`] (or, for [`StoreError::Unconfirmed`],
/// [`Error::ReplayUnconfirmed`]), which carries this error as its source.
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
    /// The validation's clock (minus its leeway) is further behind the latest time the store
    /// has been told than the store's retention margin: the store may already have forgotten
    /// ids of tokens this validation still accepts, so it cannot promise a replay would be
    /// caught. Seen after a clock stepped back, or between servers whose clocks or leeways
    /// differ by more than the margin.
    ClockBehind {
        /// How far behind, in seconds.
        behind_secs: f64,
        /// The store's retention margin.
        margin: Duration,
    },
    /// The store's backend failed before the id could have been stored: unreachable, refused
    /// the write (out of memory), or an unexpected reply. The id was not consumed.
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// The request to store the id was sent, but no answer came back (a timeout, a connection
    /// lost mid-reply): the id may or may not be stored now. Presenting the token again may
    /// then find it "already used".
    Unconfirmed(Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A [`StoreError::Backend`] from any error.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Backend(error.into())
    }

    /// A [`StoreError::Unconfirmed`] from any error.
    pub fn unconfirmed(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Unconfirmed(error.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Full { capacity } => write!(
                f,
                "replay store full: {capacity} live ids, none expired yet; refusing new ids rather than forgetting a live one"
            ),
            StoreError::ClockBehind {
                behind_secs,
                margin,
            } => write!(
                f,
                "the validation clock (minus its leeway) is {behind_secs:.3}s behind the latest time this replay store was told, more than its retention margin of {margin:?}: it may have forgotten ids this validation still accepts"
            ),
            StoreError::Backend(source) => write!(f, "replay store backend error: {source}"),
            StoreError::Unconfirmed(source) => write!(
                f,
                "replay store did not confirm; the id may or may not have been consumed: {source}"
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Full { .. } | StoreError::ClockBehind { .. } => None,
            StoreError::Backend(source) | StoreError::Unconfirmed(source) => Some(&**source),
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unconfirmed(_) => Error::ReplayUnconfirmed(Arc::new(error)),
            _ => Error::StoreUnavailable(Arc::new(error)),
        }
    }
}

/// A store of consumed token ids, for synchronous callers.
///
/// Implementations must make [`insert_if_absent`](ReplayStore::insert_if_absent) atomic:
/// when many callers present the same id at once, exactly one gets
/// [`InsertOutcome::Inserted`]. `Inserted` promises that the id stays stored for as long as
/// any validation sharing the store could still accept the token: at least
/// [`ReplayWindow::remaining_secs`] of the store's own time from now, plus a retention margin
/// for the other validations' clocks and leeways (see [`ReplayWindow`]). A store that cannot
/// promise that answers an error, never `Inserted`; and it never forgets a live id to make
/// room (it reports [`StoreError::Full`] instead).
///
/// Implemented by [`MemoryStore`] and, with the feature `redis`, [`RedisStore`]; and by `&S`,
/// `Box<S>` and `Arc<S>` for any store `S`. From async code use an [`AsyncReplayStore`], so
/// that a network round trip does not block the runtime.
pub trait ReplayStore {
    /// Stores `id` unless the store already holds it, to be kept as `window` requires.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the store cannot answer or cannot keep the promise of
    /// [`InsertOutcome::Inserted`] (full, unreachable, a clock too far behind): the caller
    /// must then reject the token.
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError>;
}

/// A store of consumed token ids, for async callers: the asynchronous counterpart of
/// [`ReplayStore`], with the same contract.
///
/// Implemented by [`MemoryStore`] (which never waits) and, with the feature `redis-async`,
/// [`AsyncRedisStore`]; and by `&S` for any store `S` (pass `&*arc` for an `Arc<S>`).
pub trait AsyncReplayStore {
    /// Stores `id` unless the store already holds it, to be kept as `window` requires.
    ///
    /// # Errors
    ///
    /// As [`ReplayStore::insert_if_absent`].
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send;
}

impl<S: ReplayStore + ?Sized> ReplayStore for &S {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        (**self).insert_if_absent(id, window)
    }
}

impl<S: ReplayStore + ?Sized> ReplayStore for Box<S> {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        (**self).insert_if_absent(id, window)
    }
}

impl<S: ReplayStore + ?Sized> ReplayStore for Arc<S> {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        (**self).insert_if_absent(id, window)
    }
}

impl<S: AsyncReplayStore + Sync> AsyncReplayStore for &S {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send {
        (**self).insert_if_absent(id, window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(namespace: &str, jti: &str) -> Vec<u8> {
        let mut out = Vec::new();
        ReplayId::new(namespace, jti).encode_into(&mut out);
        out
    }

    #[test]
    fn the_encoding_is_length_prefixed() {
        assert_eq!(encoded("", ""), b"0:");
        assert_eq!(encoded("reset", "42"), b"5:reset42");
        let long = "n".repeat(1234);
        assert!(encoded(&long, "x").starts_with(b"1234:nnn"));
        assert_ne!(encoded("app:", "reset:42"), encoded("app:reset:", "42"));
        assert_ne!(encoded("1", "2:ab"), encoded("12", "ab"));
    }

    #[test]
    fn namespace_digests_are_hex_and_tell_declarations_apart() {
        let base = Schema::DEFAULT;
        let digest = |alg, schema: &Schema| namespace_digest(alg, schema);
        let plain = digest("HS256", &base);
        assert!(plain.iter().all(u8::is_ascii_hexdigit));
        let variants = [
            digest("HS512", &base),
            digest(
                "HS256",
                &Schema {
                    typ: Some("reset+jwt"),
                    ..base
                },
            ),
            digest(
                "HS256",
                &Schema {
                    issuer: Some("https://a"),
                    ..base
                },
            ),
            digest(
                "HS256",
                &Schema {
                    audience: &["a"],
                    ..base
                },
            ),
            digest(
                "HS256",
                &Schema {
                    audience: &["a", "b"],
                    ..base
                },
            ),
            digest(
                "HS256",
                &Schema {
                    audience: &["ab"],
                    ..base
                },
            ),
            // Fields are delimited: an issuer of "" differs from none.
            digest(
                "HS256",
                &Schema {
                    issuer: Some(""),
                    ..base
                },
            ),
        ];
        for (i, variant) in variants.iter().enumerate() {
            assert_ne!(*variant, plain, "variant {i}");
            for other in &variants[i + 1..] {
                assert_ne!(variant, other);
            }
        }
        // The leeway and the iat window change nothing the type accepts as a kind.
        assert_eq!(
            digest(
                "HS256",
                &Schema {
                    leeway: Duration::from_secs(30),
                    ..base
                }
            ),
            plain
        );
    }
}
