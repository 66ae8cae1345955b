//! Sessions that end: refresh-token rotation with reuse detection, and revocation of a
//! subject's tokens ("log out everywhere") without a session store.
//!
//! Both rest on one kind of record, kept in a [`RevocationStore`] (or, from async code, an
//! [`AsyncRevocationStore`]): "the tokens of this subject (or of this refresh family) issued
//! before instant `T` are revoked". A record is a few dozen bytes per subject that logged out,
//! not a row per session, and it is kept only for as long as a token it revokes could still
//! be accepted.
//!
//! - **Revocation.** [`Sessions::revoke_subject_before`] (and its shorthand
//!   [`Sessions::log_out_everywhere`]) records that the subject's tokens issued before `T`
//!   are revoked: logout on every device, a password change, a locked account.
//!   [`Sessions::check_not_revoked`] runs after a token was decoded (so after its signature
//!   and claims were checked) and refuses a token whose `iat` is before the subject's
//!   instant with [`Error::Revoked`].
//! - **Rotation.** A refresh token is one-use (it has a `jti`) and carries a *family* id,
//!   fixed at login and inherited by every refresh token rotated from it.
//!   [`Sessions::rotate`] consumes the presented refresh token in the replay store (so every
//!   server sharing the store agrees) and returns what the next pair needs. A refresh token
//!   presented a second time means two parties hold it: the whole family is revoked and the
//!   call fails with [`Error::RefreshReuse`], so that the newest refresh token of that
//!   family, whoever holds it, fails too (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
//!
//! # Retention
//!
//! A record must outlive every token it revokes. [`Sessions::new`] takes the longest lifetime
//! (`exp - iat`) of any token checked against the store, usually the refresh-token lifetime;
//! a record is kept until `T` plus that lifetime plus the validation's leeway, plus the store's
//! retention margin ([`DEFAULT_RETENTION_MARGIN`], five minutes) for other servers' clocks.
//! So that this bound holds, [`Sessions::check_not_revoked`] refuses a token whose lifetime
//! is longer ([`Error::InvalidClaim`] on `exp`), and one without `sub`, `iat` or `exp`
//! ([`Error::MissingClaim`]): a record could otherwise be forgotten while a token it revokes
//! is still valid. A store that cannot answer fails closed: the token is refused with
//! [`Error::StoreUnavailable`].
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use jwt_runtime::replay::MemoryStore;
//! use jwt_runtime::sessions::{MemoryRevocationStore, RefreshClaims, Sessions};
//! use jwt_runtime::{Claims, Error, HmacKey, Hs256, ManualClock, NumericDate, Validation, Validity};
//!
//! #[derive(Claims)]
//! #[claims(typ = "refresh+jwt")]
//! struct Refresh {
//!     sub: String,
//!     iat: NumericDate,
//!     exp: NumericDate,
//!     jti: String,
//!     fam: String,
//! }
//!
//! impl RefreshClaims for Refresh {
//!     fn family(&self) -> &str {
//!         &self.fam
//!     }
//! }
//!
//! const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
//! let key = HmacKey::<Hs256>::from_bytes(b"an example secret, 32 bytes long")?;
//! let clock = ManualClock::new(NumericDate::from_secs(1_700_000_000));
//! let sessions = Sessions::new(REFRESH_LIFETIME).validation(Validation::new().clock(clock.clone()));
//! let (replay, revocations) = (MemoryStore::new(), MemoryRevocationStore::new());
//!
//! // Login: a new family.
//! let validity = Validity::starting_at(NumericDate::from_secs(1_700_000_000), REFRESH_LIFETIME);
//! let first = Refresh {
//!     sub: "ada".into(),
//!     iat: validity.issued_at,
//!     exp: validity.expires_at,
//!     jti: jwt_runtime::random_token_id()?,
//!     fam: jwt_runtime::random_token_id()?,
//! }
//! .encode(&key)?;
//!
//! // Refresh: the old token is consumed, the next one inherits the family.
//! clock.advance(Duration::from_secs(600));
//! let rotation = sessions.rotate::<Refresh, _, _, _>(&first, &key, &replay, &revocations)?;
//! let validity = rotation.validity(REFRESH_LIFETIME);
//! let second = Refresh {
//!     sub: rotation.claims().sub.clone(),
//!     iat: validity.issued_at,
//!     exp: validity.expires_at,
//!     jti: rotation.new_token_id()?,
//!     fam: rotation.claims().fam.clone(),
//! }
//! .encode(&key)?;
//!
//! // The first token again: stolen. The family is revoked, the newest token with it.
//! let reuse = sessions.rotate::<Refresh, _, _, _>(&first, &key, &replay, &revocations);
//! assert!(matches!(reuse, Err(Error::RefreshReuse)));
//! let newest = sessions.rotate::<Refresh, _, _, _>(&second, &key, &replay, &revocations);
//! assert!(matches!(newest, Err(Error::Revoked)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::claims::{Claims, DecodeClaims};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Segment};
use crate::key::VerifyingKeys;
use crate::pipeline;
use crate::replay::{AsyncReplayStore, OneUse, ReplayStore, StoreError, push_length_prefixed};
use crate::time::{NumericDate, Validity};
use crate::token_id::{RandomnessUnavailable, random_token_id};
use crate::validation::Validation;

pub use crate::replay::DEFAULT_RETENTION_MARGIN;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use self::memory::{
    DEFAULT_REVOCATION_CAPACITY, MemoryRevocationStore, MemoryRevocationStoreBuilder,
};
#[cfg(feature = "redis-async")]
pub use self::redis::AsyncRedisRevocationStore;
#[cfg(feature = "redis")]
pub use self::redis::{
    DEFAULT_REVOCATION_KEY_PREFIX, RedisRevocationStore, RedisRevocationStoreBuilder,
};

/// What a revocation record is about: a subject (`sub`), or a refresh family.
///
/// Stores keep the two apart: a family id never revokes a subject of the same name. Ids
/// compare as exact bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Revocable<'a> {
    /// Every token of this subject (`sub`).
    Subject(&'a str),
    /// Every refresh token of this family (see [`RefreshClaims::family`]).
    Family(&'a str),
}

impl<'a> Revocable<'a> {
    /// `"sub"` or `"fam"`: the kind of record, as stores encode it.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Revocable::Subject(_) => "sub",
            Revocable::Family(_) => "fam",
        }
    }

    /// The subject or family id, exactly as the token carries it.
    #[must_use]
    pub const fn id(&self) -> &'a str {
        match self {
            Revocable::Subject(id) | Revocable::Family(id) => id,
        }
    }

    /// Appends the unambiguous encoding of this record's name to `out`: the kind's length,
    /// `:`, the kind, then the id (`3:subada`), as [`ReplayId::encode_into`] does for
    /// replay ids, so that no two names share an encoding.
    ///
    /// [`ReplayId::encode_into`]: crate::replay::ReplayId::encode_into
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        push_length_prefixed(out, self.kind().as_bytes());
        out.extend_from_slice(self.id().as_bytes());
    }
}

/// How long a store must keep a revocation record: from `recorded_at` (the revoking
/// server's clock) until `needed_until` (the instant the last token it revokes stops being
/// acceptable, on the same clock).
///
/// Stores keep a record for [`remaining_secs`](Retention::remaining_secs) of their own time
/// from when they store it, plus their retention margin, the same relative rule the replay
/// stores follow, so that the retention does not depend on the store's clock agreeing with
/// the servers'. A record revoked again is kept for the longer of the two retentions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    recorded_at: NumericDate,
    needed_until: NumericDate,
}

impl Retention {
    /// A record written at `recorded_at`, needed until `needed_until`.
    #[must_use]
    pub const fn new(recorded_at: NumericDate, needed_until: NumericDate) -> Self {
        Retention {
            recorded_at,
            needed_until,
        }
    }

    /// When the record was written, by the revoking server's clock.
    #[must_use]
    pub const fn recorded_at(&self) -> NumericDate {
        self.recorded_at
    }

    /// Until when the record is needed, on the same clock.
    #[must_use]
    pub const fn needed_until(&self) -> NumericDate {
        self.needed_until
    }

    /// `needed_until - recorded_at` in seconds, never negative.
    #[must_use]
    pub fn remaining_secs(&self) -> f64 {
        (self.needed_until.as_f64() - self.recorded_at.as_f64()).max(0.0)
    }
}

/// A store of revocation records, for synchronous callers.
///
/// A record says: the tokens of a subject or family issued before an instant are revoked.
/// Implementations must keep, per [`Revocable`], the **latest** instant they were told
/// (revoking again never un-revokes), for at least the longest [`Retention`] they were told
/// plus a retention margin, and must never forget a live record to make room (report
/// [`StoreError::Full`] instead). Both operations are idempotent, so a caller may retry them.
///
/// Implemented by [`MemoryRevocationStore`] and, with the feature `redis`,
/// [`RedisRevocationStore`]; and by `&S`, `Box<S>` and `Arc<S>`.
pub trait RevocationStore {
    /// Records that the tokens of `target` issued before `before` are revoked, to be kept as
    /// `retention` requires. An earlier instant than the one held changes nothing.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the record may not be stored: the revocation must then be
    /// reported as failed (and retried), never as done.
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> Result<(), StoreError>;

    /// The instant before which `target`'s tokens are revoked, if a record is held.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the store cannot answer: the caller must refuse the token.
    fn revoked_before(&self, target: Revocable<'_>) -> Result<Option<NumericDate>, StoreError>;
}

/// A store of revocation records, for async callers: the asynchronous counterpart of
/// [`RevocationStore`], with the same contract.
///
/// Implemented by [`MemoryRevocationStore`] (which never waits) and, with the feature
/// `redis-async`, [`AsyncRedisRevocationStore`]; and by `&S`.
pub trait AsyncRevocationStore {
    /// As [`RevocationStore::revoke_before`].
    ///
    /// # Errors
    ///
    /// As [`RevocationStore::revoke_before`].
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// As [`RevocationStore::revoked_before`].
    ///
    /// # Errors
    ///
    /// As [`RevocationStore::revoked_before`].
    fn revoked_before(
        &self,
        target: Revocable<'_>,
    ) -> impl Future<Output = Result<Option<NumericDate>, StoreError>> + Send;
}

macro_rules! forward_revocation_store {
    ($($ty:ty),*) => {$(
        impl<S: RevocationStore + ?Sized> RevocationStore for $ty {
            fn revoke_before(
                &self,
                target: Revocable<'_>,
                before: NumericDate,
                retention: Retention,
            ) -> Result<(), StoreError> {
                (**self).revoke_before(target, before, retention)
            }

            fn revoked_before(
                &self,
                target: Revocable<'_>,
            ) -> Result<Option<NumericDate>, StoreError> {
                (**self).revoked_before(target)
            }
        }
    )*};
}

forward_revocation_store!(&S, Box<S>, Arc<S>);

impl<S: AsyncRevocationStore + Sync> AsyncRevocationStore for &S {
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).revoke_before(target, before, retention)
    }

    fn revoked_before(
        &self,
        target: Revocable<'_>,
    ) -> impl Future<Output = Result<Option<NumericDate>, StoreError>> + Send {
        (**self).revoked_before(target)
    }
}

/// Any [`AsyncRevocationStore`] behind one type: what a verifier or a tower layer holds when
/// the application picks the store (memory or Redis) at start-up. Cheap to clone (an `Arc`).
///
/// # Examples
///
/// ```
/// use jwt_runtime::sessions::{MemoryRevocationStore, SharedRevocationStore};
///
/// let store = SharedRevocationStore::new(MemoryRevocationStore::new());
/// let for_another_handler = store.clone();
/// # let _ = for_another_handler;
/// ```
#[derive(Clone)]
pub struct SharedRevocationStore(Arc<dyn DynRevocationStore>);

impl SharedRevocationStore {
    /// Shares `store`.
    #[must_use]
    pub fn new<S: AsyncRevocationStore + Send + Sync + 'static>(store: S) -> Self {
        SharedRevocationStore(Arc::new(store))
    }

    /// Shares a store the application also holds.
    #[must_use]
    pub fn from_arc<S: AsyncRevocationStore + Send + Sync + 'static>(store: Arc<S>) -> Self {
        SharedRevocationStore(store)
    }
}

impl core::fmt::Debug for SharedRevocationStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedRevocationStore")
    }
}

type BoxFuture<'a, T> = core::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`AsyncRevocationStore`] made object-safe.
trait DynRevocationStore: Send + Sync {
    fn revoke<'a>(
        &'a self,
        target: Revocable<'a>,
        before: NumericDate,
        retention: Retention,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    fn lookup<'a>(
        &'a self,
        target: Revocable<'a>,
    ) -> BoxFuture<'a, Result<Option<NumericDate>, StoreError>>;
}

impl<S: AsyncRevocationStore + Send + Sync> DynRevocationStore for S {
    fn revoke<'a>(
        &'a self,
        target: Revocable<'a>,
        before: NumericDate,
        retention: Retention,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(AsyncRevocationStore::revoke_before(
            self, target, before, retention,
        ))
    }

    fn lookup<'a>(
        &'a self,
        target: Revocable<'a>,
    ) -> BoxFuture<'a, Result<Option<NumericDate>, StoreError>> {
        Box::pin(AsyncRevocationStore::revoked_before(self, target))
    }
}

impl AsyncRevocationStore for SharedRevocationStore {
    // An `async fn` keeps the two borrows' lifetimes apart in the future's type.
    async fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> Result<(), StoreError> {
        self.0.revoke(target, before, retention).await
    }

    async fn revoked_before(
        &self,
        target: Revocable<'_>,
    ) -> Result<Option<NumericDate>, StoreError> {
        self.0.lookup(target).await
    }
}

/// A refresh-token claims type: one-use (it has a `jti`), with a family id.
///
/// Implemented by the application for its own `#[derive(Claims)]` type, which must also have
/// `sub`, `iat` and `exp` fields (checked at run time: a token without them is refused with
/// [`Error::MissingClaim`]). Give it its own `typ` (e.g. `refresh+jwt`) or audience, so that
/// a refresh token is never accepted as an access token.
pub trait RefreshClaims: Claims<Replay = OneUse> + for<'de> DecodeClaims<'de> {
    /// The family id: chosen at login ([`random_token_id`]) and copied into every refresh
    /// token rotated from it.
    fn family(&self) -> &str;
}

/// The instant recorded for a revoked family: every token of it, whenever issued.
const WHOLE_FAMILY: NumericDate = NumericDate::from_secs(i64::MAX);

/// Revocation and refresh rotation, for one service: the longest token lifetime (which sets
/// how long records are kept), and the [`Validation`] refresh tokens are decoded with.
///
/// | setting | default |
/// | --- | --- |
/// | longest token lifetime | required ([`Sessions::new`]) |
/// | validation (clock, leeway, issuer, …) | [`Validation::new`]: the system clock, declared leeway |
///
/// Built once at start-up and shared; the stores are passed to each call, as replay stores
/// are to [`Validation::decode_once`]. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Sessions<K: Clock = SystemClock> {
    validation: Validation<K>,
    max_token_lifetime: Duration,
}

impl Sessions {
    /// Sessions whose tokens live at most `max_token_lifetime` (`exp - iat`): the longest
    /// lifetime of any token checked against the revocation store, usually the refresh
    /// token's. Records are kept that long past their instant, plus the leeway and the
    /// store's margin; a longer-lived token is refused by
    /// [`check_not_revoked`](Sessions::check_not_revoked).
    #[must_use]
    pub fn new(max_token_lifetime: Duration) -> Self {
        Sessions {
            validation: Validation::new(),
            max_token_lifetime,
        }
    }
}

impl<K: Clock> Sessions<K> {
    /// Decodes refresh tokens with `validation`, and reads "now" from its clock. Defaults to
    /// [`Validation::new`]. Its leeway, when set, is added to every record's retention.
    #[must_use]
    pub fn validation<K2: Clock>(self, validation: Validation<K2>) -> Sessions<K2> {
        Sessions {
            validation,
            max_token_lifetime: self.max_token_lifetime,
        }
    }

    /// The longest token lifetime these sessions allow.
    #[must_use]
    pub fn max_token_lifetime(&self) -> Duration {
        self.max_token_lifetime
    }

    /// How long a record written `now` must be kept: until the last token it revokes (issued
    /// at `last_issued`: `before` for a subject, now for a family, which is refused from now
    /// on) has expired, with the leeway.
    fn retention(&self, now: NumericDate, last_issued: NumericDate, leeway: Duration) -> Retention {
        let needed_until = last_issued
            .saturating_add(self.max_token_lifetime)
            .saturating_add(leeway);
        Retention::new(now, needed_until)
    }

    /// The leeway the validation sets for every type, or zero (declared leeways are per
    /// type; the store's retention margin covers them up to its size).
    fn leeway(&self) -> Duration {
        self.validation
            .effective_leeway(&crate::schema::Schema::DEFAULT)
    }

    /// The revocation record for `subject`: its tokens issued before `before` (`iat <
    /// before`) are revoked; tokens issued at `before` or later are not.
    ///
    /// # Errors
    ///
    /// The store's [`StoreError`]: the revocation did not happen (or may not have), and must
    /// be reported as failed and retried.
    pub fn revoke_subject_before<S: RevocationStore + ?Sized>(
        &self,
        store: &S,
        subject: &str,
        before: NumericDate,
    ) -> Result<(), StoreError> {
        let retention = self.retention(self.validation.now(), before, self.leeway());
        store.revoke_before(Revocable::Subject(subject), before, retention)
    }

    /// [`revoke_subject_before`](Sessions::revoke_subject_before) for async callers.
    ///
    /// # Errors
    ///
    /// As [`revoke_subject_before`](Sessions::revoke_subject_before).
    pub async fn revoke_subject_before_async<S: AsyncRevocationStore + ?Sized>(
        &self,
        store: &S,
        subject: &str,
        before: NumericDate,
    ) -> Result<(), StoreError> {
        let retention = self.retention(self.validation.now(), before, self.leeway());
        store
            .revoke_before(Revocable::Subject(subject), before, retention)
            .await
    }

    /// Logs `subject` out everywhere: revokes its tokens issued before now (the validation's
    /// clock), and returns that instant. Tokens are issued in whole seconds: one issued in
    /// the same second as the logout, but after it, stays valid; pass the next second to
    /// [`revoke_subject_before`](Sessions::revoke_subject_before) to revoke those too (and
    /// any new login in that second).
    ///
    /// # Errors
    ///
    /// As [`revoke_subject_before`](Sessions::revoke_subject_before).
    pub fn log_out_everywhere<S: RevocationStore + ?Sized>(
        &self,
        store: &S,
        subject: &str,
    ) -> Result<NumericDate, StoreError> {
        let now = self.validation.now();
        self.revoke_subject_before(store, subject, now)?;
        Ok(now)
    }

    /// [`log_out_everywhere`](Sessions::log_out_everywhere) for async callers.
    ///
    /// # Errors
    ///
    /// As [`revoke_subject_before`](Sessions::revoke_subject_before).
    pub async fn log_out_everywhere_async<S: AsyncRevocationStore + ?Sized>(
        &self,
        store: &S,
        subject: &str,
    ) -> Result<NumericDate, StoreError> {
        let now = self.validation.now();
        self.revoke_subject_before_async(store, subject, now)
            .await?;
        Ok(now)
    }

    /// Revokes every refresh token of `family`: logout of one session (pass the family of
    /// the refresh token presented at logout). The session's access tokens stay valid until
    /// they expire unless they carry the family too and are checked with
    /// [`check_family_not_revoked`](Sessions::check_family_not_revoked).
    ///
    /// # Errors
    ///
    /// As [`revoke_subject_before`](Sessions::revoke_subject_before).
    pub fn revoke_family<S: RevocationStore + ?Sized>(
        &self,
        store: &S,
        family: &str,
    ) -> Result<(), StoreError> {
        let now = self.validation.now();
        let retention = self.retention(now, now, self.leeway());
        store.revoke_before(Revocable::Family(family), WHOLE_FAMILY, retention)
    }

    /// [`revoke_family`](Sessions::revoke_family) for async callers.
    ///
    /// # Errors
    ///
    /// As [`revoke_subject_before`](Sessions::revoke_subject_before).
    pub async fn revoke_family_async<S: AsyncRevocationStore + ?Sized>(
        &self,
        store: &S,
        family: &str,
    ) -> Result<(), StoreError> {
        let now = self.validation.now();
        let retention = self.retention(now, now, self.leeway());
        store
            .revoke_before(Revocable::Family(family), WHOLE_FAMILY, retention)
            .await
    }

    /// Refuses decoded `claims` whose subject's tokens issued before their `iat` were
    /// revoked. Call it after decoding (the signature and the claims are then verified):
    /// with an access token on every request, and [`rotate`](Sessions::rotate) calls it on
    /// refresh tokens.
    ///
    /// # Errors
    ///
    /// [`Error::MissingClaim`] when the claims type has no `sub`, `iat` or `exp` field (or
    /// the token lacks one); [`Error::InvalidClaim`] on `exp` when `exp - iat` is longer than
    /// the longest token lifetime (the record could be forgotten while the token is still
    /// valid); [`Error::Revoked`]; [`Error::StoreUnavailable`] when the store cannot answer
    /// (fail closed).
    pub fn check_not_revoked<C: Claims, S: RevocationStore + ?Sized>(
        &self,
        claims: &C,
        store: &S,
    ) -> Result<(), Error> {
        let (subject, issued_at) = self.revocable(claims)?;
        let cutoff = store
            .revoked_before(Revocable::Subject(subject))
            .map_err(unavailable)?;
        not_revoked(issued_at, cutoff)
    }

    /// [`check_not_revoked`](Sessions::check_not_revoked) for async callers.
    ///
    /// The future holds the subject, not the claims, so it is `Send` whatever the claims
    /// type (no `Sync` bound): a verifier can await it right after decoding.
    ///
    /// # Errors
    ///
    /// As [`check_not_revoked`](Sessions::check_not_revoked).
    pub fn check_not_revoked_async<'a, C, S>(
        &self,
        claims: &'a C,
        store: &'a S,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a
    where
        C: Claims,
        S: AsyncRevocationStore + Sync + ?Sized,
    {
        let revocable = self.revocable(claims);
        async move {
            let (subject, issued_at) = revocable?;
            let cutoff = store
                .revoked_before(Revocable::Subject(subject))
                .await
                .map_err(unavailable)?;
            not_revoked(issued_at, cutoff)
        }
    }

    /// Refuses a token of a revoked refresh family (e.g. an access token that carries its
    /// session's family id).
    ///
    /// # Errors
    ///
    /// [`Error::Revoked`]; [`Error::StoreUnavailable`] when the store cannot answer.
    pub fn check_family_not_revoked<S: RevocationStore + ?Sized>(
        &self,
        family: &str,
        store: &S,
    ) -> Result<(), Error> {
        match store
            .revoked_before(Revocable::Family(family))
            .map_err(unavailable)?
        {
            Some(_) => Err(Error::Revoked),
            None => Ok(()),
        }
    }

    /// [`check_family_not_revoked`](Sessions::check_family_not_revoked) for async callers.
    ///
    /// # Errors
    ///
    /// As [`check_family_not_revoked`](Sessions::check_family_not_revoked).
    pub async fn check_family_not_revoked_async<S: AsyncRevocationStore + ?Sized>(
        &self,
        family: &str,
        store: &S,
    ) -> Result<(), Error> {
        match store
            .revoked_before(Revocable::Family(family))
            .await
            .map_err(unavailable)?
        {
            Some(_) => Err(Error::Revoked),
            None => Ok(()),
        }
    }

    /// The subject and `iat` of `claims`, once their lifetime is known to be within bounds.
    fn revocable<'c, C: Claims>(&self, claims: &'c C) -> Result<(&'c str, NumericDate), Error> {
        let registered = claims.__registered();
        let subject = registered.sub.ok_or(Error::MissingClaim { claim: "sub" })?;
        let issued_at = registered.iat.ok_or(Error::MissingClaim { claim: "iat" })?;
        let expires_at = registered.exp.ok_or(Error::MissingClaim { claim: "exp" })?;
        if expires_at > issued_at.saturating_add(self.max_token_lifetime) {
            return Err(Error::InvalidClaim {
                claim: "exp",
                reason: "the token lives longer than revocation records are kept",
            });
        }
        Ok((subject, issued_at))
    }

    /// Exchanges a refresh token for what the next pair needs, consuming it.
    ///
    /// In order: the token is decoded with [`Validation::decode_once`] (every check, then
    /// its `jti` is consumed in `replay`, on every server sharing that store); a token
    /// already consumed revokes its whole family in `revocations` and is
    /// [`Error::RefreshReuse`]; then a token of a revoked family, or of a subject revoked
    /// since it was issued ([`check_not_revoked`](Sessions::check_not_revoked)), is
    /// [`Error::Revoked`]. The [`Rotation`] holds the verified claims; issue the next refresh
    /// token with the same subject and family, a new `jti`
    /// ([`Rotation::new_token_id`]) and [`Rotation::validity`].
    ///
    /// A client that lost the reply to a refresh and retries with the same token is treated
    /// as a reuse: its family is revoked and it must log in again, as RFC 9700 §4.14.2
    /// prescribes.
    ///
    /// # Errors
    ///
    /// Any error of [`Validation::decode_once`] (the token is not consumed unless all its
    /// checks passed); [`Error::RefreshReuse`]; [`Error::Revoked`]; the errors of
    /// [`check_not_revoked`](Sessions::check_not_revoked); [`Error::StoreUnavailable`] when
    /// the revocation store cannot answer or, on reuse, cannot record the family's revocation
    /// (the next presentation tries again).
    pub fn rotate<C, Ks, R, S>(
        &self,
        token: &str,
        keys: &Ks,
        replay: &R,
        revocations: &S,
    ) -> Result<Rotation<C>, Error>
    where
        C: RefreshClaims,
        Ks: VerifyingKeys<C::Algorithm> + ?Sized,
        R: ReplayStore + ?Sized,
        S: RevocationStore + ?Sized,
    {
        match self.validation.decode_once::<C, _, _>(token, keys, replay) {
            Ok(claims) => {
                self.check_family_not_revoked(claims.family(), revocations)?;
                self.check_not_revoked(&claims, revocations)?;
                Ok(Rotation::new(claims, self.validation.now()))
            }
            Err(Error::Replayed) => {
                let family = replayed_claims::<C>(token, self.validation.max_len())?;
                self.revoke_family(revocations, family.family())
                    .map_err(unavailable)?;
                Err(Error::RefreshReuse)
            }
            Err(error) => Err(error),
        }
    }

    /// [`rotate`](Sessions::rotate) for async callers: the same steps, on an
    /// [`AsyncReplayStore`] and an [`AsyncRevocationStore`].
    ///
    /// # Errors
    ///
    /// As [`rotate`](Sessions::rotate).
    pub async fn rotate_async<C, Ks, R, S>(
        &self,
        token: &str,
        keys: &Ks,
        replay: &R,
        revocations: &S,
    ) -> Result<Rotation<C>, Error>
    where
        C: RefreshClaims + Sync,
        Ks: VerifyingKeys<C::Algorithm> + ?Sized,
        R: AsyncReplayStore,
        S: AsyncRevocationStore + Sync + ?Sized,
    {
        match self
            .validation
            .decode_once_async::<C, _, _>(token, keys, replay)
            .await
        {
            Ok(claims) => {
                self.check_family_not_revoked_async(claims.family(), revocations)
                    .await?;
                self.check_not_revoked_async(&claims, revocations).await?;
                Ok(Rotation::new(claims, self.validation.now()))
            }
            Err(Error::Replayed) => {
                let family = replayed_claims::<C>(token, self.validation.max_len())?;
                self.revoke_family_async(revocations, family.family())
                    .await
                    .map_err(unavailable)?;
                Err(Error::RefreshReuse)
            }
            Err(error) => Err(error),
        }
    }
}

/// The claims of a token `decode_once` found replayed. [`Error::Replayed`] comes only after
/// every other check passed, the signature included, so these claims are authentic: they are
/// read again here (the payload only, under the same length limit) because `decode_once` does
/// not return the claims of a replayed token.
fn replayed_claims<C: RefreshClaims>(token: &str, max_len: usize) -> Result<C, Error> {
    let parts = pipeline::split(token, max_len)?;
    pipeline::decode_segment(Segment::Payload, parts.payload, |json| {
        pipeline::decode_payload::<C>(json).map(|(claims, _)| claims)
    })
}

/// A revocation store's failure as a token's fate: refused, as the store is unavailable.
/// (Looking a record up never consumes anything, so there is nothing "unconfirmed".)
fn unavailable(error: StoreError) -> Error {
    Error::StoreUnavailable(Arc::new(error))
}

/// `iat < cutoff` is revoked.
fn not_revoked(issued_at: NumericDate, cutoff: Option<NumericDate>) -> Result<(), Error> {
    match cutoff {
        Some(cutoff) if issued_at < cutoff => Err(Error::Revoked),
        _ => Ok(()),
    }
}

/// A refresh token that was consumed by [`Sessions::rotate`]: its verified claims, and the
/// instant of the rotation, for the next pair.
#[derive(Debug)]
#[must_use]
pub struct Rotation<C> {
    claims: C,
    rotated_at: NumericDate,
}

impl<C> Rotation<C> {
    fn new(claims: C, rotated_at: NumericDate) -> Self {
        Rotation { claims, rotated_at }
    }

    /// The consumed token's verified claims: copy its subject and family into the next one.
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// The consumed token's verified claims, by value.
    pub fn into_claims(self) -> C {
        self.claims
    }

    /// The instant of the rotation (the validation's clock).
    #[must_use]
    pub fn rotated_at(&self) -> NumericDate {
        self.rotated_at
    }

    /// `iat` and `exp` for a token issued by this rotation, valid for `lifetime`.
    #[must_use]
    pub fn validity(&self, lifetime: Duration) -> Validity {
        Validity::starting_at(self.rotated_at, lifetime)
    }

    /// A fresh `jti` for the next refresh token ([`random_token_id`]).
    ///
    /// # Errors
    ///
    /// [`RandomnessUnavailable`] when the operating system's RNG fails: issue no token.
    pub fn new_token_id(&self) -> Result<String, RandomnessUnavailable> {
        random_token_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(target: Revocable<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        target.encode_into(&mut out);
        out
    }

    #[test]
    fn names_are_length_prefixed_and_kinds_apart() {
        assert_eq!(encoded(Revocable::Subject("ada")), b"3:subada");
        assert_eq!(encoded(Revocable::Family("ada")), b"3:famada");
        assert_ne!(
            encoded(Revocable::Subject("ada")),
            encoded(Revocable::Family("ada"))
        );
    }

    #[test]
    fn revoked_means_issued_strictly_before() {
        let at = NumericDate::from_secs;
        assert!(matches!(
            not_revoked(at(99), Some(at(100))),
            Err(Error::Revoked)
        ));
        assert!(not_revoked(at(100), Some(at(100))).is_ok());
        assert!(not_revoked(at(101), Some(at(100))).is_ok());
        assert!(not_revoked(at(0), None).is_ok());
        let half = NumericDate::from_f64(99.5).unwrap();
        assert!(matches!(
            not_revoked(half, Some(at(100))),
            Err(Error::Revoked)
        ));
    }

    #[test]
    fn retention_covers_the_last_token_a_record_revokes() {
        let sessions = Sessions::new(Duration::from_secs(3_600));
        let at = NumericDate::from_secs;
        // The last revoked token was issued at 400: it is acceptable until 400 + 3,600 + 30.
        let retention = sessions.retention(at(1_000), at(400), Duration::from_secs(30));
        assert_eq!(retention.recorded_at(), at(1_000));
        assert_eq!(retention.needed_until(), at(400 + 3_600 + 30));
        assert_eq!(retention.remaining_secs(), 3_030.0);
        // Long past: nothing left to revoke.
        let retention = sessions.retention(at(1_000_000), at(0), Duration::ZERO);
        assert_eq!(retention.remaining_secs(), 0.0);
        // Saturates rather than overflowing.
        let retention = sessions.retention(at(0), WHOLE_FAMILY, Duration::MAX);
        assert!(retention.remaining_secs().is_finite());
    }
}
