//! The verifier state shared by the axum extractor and the tower layer, and the rejection
//! they answer with.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use std::sync::Arc;

use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::{HeaderMap, StatusCode, Uri};

use crate::alg::Algorithm;
use crate::claims::{Claims, DecodeClaims};
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::http::source::Sources;
use crate::http::{AuthorizationError, CookieSource, QuerySource, Realm, Rejection};
use crate::key::{SigningKey, VerifyingKeys};
use crate::pipeline::{self, Transient};
use crate::replay::{
    AsyncReplayStore, InsertOutcome, MemoryStore, OneUse, ReplayId, ReplayPolicy, ReplayWindow,
    Reusable, StoreError,
};
use crate::sessions::{AsyncRevocationStore, Sessions, SharedRevocationStore};
use crate::time::NumericDate;
use crate::validation::Validation;

/// Everything a request's token is verified with: the keys, the [`Validation`] settings, the
/// clock, the realm of the challenge, the replay store for one-use (`jti`) claims types and,
/// when set, the revocation store.
///
/// Built once at start-up and kept in the application state; clones are cheap and share
/// everything, the stores included. (The setters are for start-up: a setter called on one
/// clone gives that clone its own copy of the settings.) The axum extractor finds it through
/// `Verifier<A>: FromRef<S>` for the router's state `S` (the state may also be the verifier
/// itself); the tower layer holds one.
///
/// | setting | default |
/// | --- | --- |
/// | keys | given to [`Verifier::new`]: one key, or a [`KeySet`](crate::KeySet) |
/// | signing | none: [`Verifier::new`] builds a verify-only verifier; [`Verifier::signing`] one that also signs |
/// | validation | [`Validation::new`]: each claims type's declared `iss`, `aud`, leeway |
/// | clock | [`SystemClock`] |
/// | realm | none (the challenge has no `realm`) |
/// | replay store | a [`MemoryStore`] of its own |
/// | revocation store | none: no revocation check ([`Verifier::revocation`]) |
/// | token sources | the `Authorization` header only; add a cookie ([`Verifier::cookie`]) or a query parameter ([`Verifier::query`]) |
///
/// One verifier serves every claims type of its algorithm, and one [`Validation`] with it, so
/// its run-time settings never erase a type's identity: an untyped
/// [`audience`](Validation::audience) or [`issuer`](Validation::issuer) is required of every
/// type in addition to what the type declares, and a value that replaces a declared one is
/// given for its type alone ([`audience_for::<C>`](Validation::audience_for),
/// [`issuer_for::<C>`](Validation::issuer_for)). A session token never passes as a refresh
/// token declared with another `aud` or `typ`, whatever the configuration.
///
/// The in-memory default protects one process. Servers behind a load balancer must share a
/// store, e.g. `AsyncRedisStore` (feature `redis-async`), set with [`Verifier::replay_store`]:
/// otherwise a one-use token is accepted once by each server. Each one-use claims type
/// consumes its ids in its own namespace ([`ReplayId::namespace_of`]), so one kind of token
/// never uses up another's ids.
///
/// # Signing
///
/// The second type parameter says whether the verifier can sign: [`VerifyOnly`] (the
/// default, from [`Verifier::new`]) or [`Signs`] (from [`Verifier::signing`] or
/// [`Verifier::signing_with`]), which adds [`Verifier::encode`]. A service that only verifies
/// holds a `Verifier<A>` and has no way to sign, whatever key type it was built from:
///
/// ```compile_fail
/// # use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate};
/// # use jwt_runtime::http::Verifier;
/// # #[derive(Claims)]
/// # struct Session { sub: String, exp: NumericDate }
/// # let session = Session { sub: "ada".into(), exp: NumericDate::from_secs(2_000_000_000) };
/// let verifier = Verifier::new(HmacKey::<Hs256>::generate().unwrap());
/// verifier.encode(&session); // error: `encode` needs `Verifier<Hs256, Signs>`
/// ```
pub struct Verifier<A: Algorithm, R: Role = VerifyOnly> {
    inner: Arc<Inner<A>>,
    /// Set by the signing constructors only, so a `Verifier<A, Signs>` always has one and a
    /// `Verifier<A>` never: kept out of the shared state, so that the verify-only handles
    /// ([`Verifier::verify_only`], the tower layer's) do not hold a private key.
    signer: Option<Signer<A>>,
    role: PhantomData<R>,
}

type Signer<A> = Arc<dyn SigningKey<A> + Send + Sync>;

/// What a [`Verifier`] may do beyond verifying: [`VerifyOnly`] or [`Signs`]. Sealed.
pub trait Role: role::Sealed + Send + Sync + 'static {}

/// A [`Verifier`] that verifies and cannot sign: the default, built by [`Verifier::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOnly {}

/// A [`Verifier`] that also signs ([`Verifier::encode`]), with the one key it verifies with
/// (HMAC) or with a private key paired with the public keys it verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signs {}

impl Role for VerifyOnly {}
impl Role for Signs {}

mod role {
    pub trait Sealed {}
    impl Sealed for super::VerifyOnly {}
    impl Sealed for super::Signs {}
}

struct Inner<A: Algorithm> {
    keys: Arc<dyn VerifyingKeys<A> + Send + Sync>,
    validation: Validation<SharedClock>,
    /// The clock `validation` holds, kept to rebuild `validation`.
    clock: SharedClock,
    realm: Option<Realm>,
    store: SharedStore,
    /// The store is the default in-memory one.
    default_store: bool,
    revocation: Option<Revocation>,
    sources: Sources,
}

/// Revocation records and the longest token lifetime they are kept for.
#[derive(Clone)]
struct Revocation {
    sessions: Sessions,
    store: SharedRevocationStore,
}

impl<A: Algorithm> Clone for Inner<A> {
    fn clone(&self) -> Self {
        Inner {
            keys: Arc::clone(&self.keys),
            validation: self.validation.clone(),
            clock: self.clock.clone(),
            realm: self.realm.clone(),
            store: self.store.clone(),
            default_store: self.default_store,
            revocation: self.revocation.clone(),
            sources: self.sources.clone(),
        }
    }
}

impl<A: Algorithm, R: Role> Clone for Verifier<A, R> {
    fn clone(&self) -> Self {
        Verifier {
            inner: Arc::clone(&self.inner),
            signer: self.signer.clone(),
            role: PhantomData,
        }
    }
}

impl<A: Algorithm, R: Role> fmt::Debug for Verifier<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("alg", &A::NAME)
            .field("signs", &self.signer.is_some())
            .field("validation", &self.inner.validation)
            .field("realm", &self.inner.realm)
            .field("default_store", &self.inner.default_store)
            .field("revocation", &self.inner.revocation.is_some())
            .finish_non_exhaustive()
    }
}

impl<A: Algorithm> Verifier<A> {
    /// A verify-only verifier with `keys` (an [`HmacKey`](crate::HmacKey), a
    /// [`KeySet`](crate::KeySet), a public key or a public key set) and the defaults of the
    /// table above.
    #[must_use]
    pub fn new(keys: impl VerifyingKeys<A> + Send + Sync + 'static) -> Self {
        Verifier::build(Arc::new(keys), None)
    }
}

impl<A: Algorithm> Verifier<A, Signs> {
    /// A verifier that also signs, with one HMAC key (or an HMAC [`KeySet`](crate::KeySet),
    /// which signs with its current key and verifies with all of them): the application
    /// keeps the key once, in the verifier.
    ///
    /// # Examples
    ///
    /// ```
    /// use jwt_runtime::http::Verifier;
    /// use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate};
    ///
    /// #[derive(Claims)]
    /// struct Session {
    ///     sub: String,
    ///     exp: NumericDate,
    /// }
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let verifier = Verifier::signing(HmacKey::<Hs256>::generate()?);
    /// let token = verifier.encode(&Session { sub: "ada".into(), exp: NumericDate::from_secs(4_000_000_000) })?;
    /// let session: Session = verifier.verify(&token).await?;
    /// assert_eq!(session.sub, "ada");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn signing<K>(key: K) -> Self
    where
        K: SigningKey<A> + VerifyingKeys<A> + Send + Sync + 'static,
    {
        let key = Arc::new(key);
        Verifier::build(key.clone(), Some(key))
    }

    /// A verifier that signs with `private_key` and verifies with `public_keys` (a public key
    /// or a [`PublicKeySet`](crate::PublicKeySet)): for the service that issues public-key
    /// tokens and also accepts them. The pairing is the caller's: `public_keys` should hold
    /// the public half of `private_key`, or the verifier refuses its own tokens.
    #[must_use]
    pub fn signing_with(
        private_key: impl SigningKey<A> + Send + Sync + 'static,
        public_keys: impl VerifyingKeys<A> + Send + Sync + 'static,
    ) -> Self {
        Verifier::build(Arc::new(public_keys), Some(Arc::new(private_key)))
    }

    /// Signs `claims` with this verifier's key: [`Claims::encode`] without handing the key
    /// around.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when the claims cannot be serialized.
    pub fn encode<C: Claims<Algorithm = A>>(&self, claims: &C) -> Result<String, Error> {
        match &self.signer {
            Some(key) => claims.encode(&**key),
            // Unreachable: every constructor of `Verifier<A, Signs>` sets a signer.
            None => Err(Error::Encode("this verifier has no signing key".into())),
        }
    }

    /// The same verifier without the power to sign, sharing everything else with this one
    /// (keys it verifies with, settings, stores, token sources): for the parts of an
    /// application that only verify.
    ///
    /// It does not hold the signing key. Built with [`Verifier::signing_with`], it keeps
    /// the public keys alone: once the signing verifier is dropped, no verify-only handle
    /// keeps the private key in memory. Built with [`Verifier::signing`] (HMAC), the key
    /// that verifies *is* the secret that signs: the verify-only handle holds that same
    /// secret, and its type merely removes [`Verifier::encode`]. A part of the application
    /// that must not be able to mint tokens even when compromised needs a public-key
    /// algorithm.
    #[must_use]
    pub fn verify_only(&self) -> Verifier<A> {
        self.verify_only_clone()
    }
}

impl<A: Algorithm, R: Role> Verifier<A, R> {
    fn build(
        keys: Arc<dyn VerifyingKeys<A> + Send + Sync>,
        signer: Option<Arc<dyn SigningKey<A> + Send + Sync>>,
    ) -> Self {
        let clock = SharedClock(Arc::new(SystemClock));
        Verifier {
            inner: Arc::new(Inner {
                keys,
                store: default_store(),
                validation: Validation::new().clock(clock.clone()),
                clock,
                realm: None,
                default_store: true,
                revocation: None,
                sources: Sources::default(),
            }),
            signer,
            role: PhantomData,
        }
    }

    /// Replaces the validation settings (issuer, audience, subject, leeway, maximum token
    /// length, and those given per claims type). Their clock is not used: set the clock with
    /// [`Verifier::clock`].
    ///
    /// The settings apply to every claims type this verifier checks: to replace a type's
    /// declared `aud` or `iss` from configuration, give the value for that type
    /// ([`Validation::audience_for`], [`Validation::issuer_for`]).
    #[must_use]
    pub fn validation(self, validation: Validation) -> Self {
        self.update(|inner| inner.validation = validation.clock(inner.clock.clone()))
    }

    /// The clock for "now": validation reads it once per token, and tells the replay store
    /// that instant. Defaults to [`SystemClock`].
    #[must_use]
    pub fn clock(self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.update(|inner| {
            let clock = SharedClock(Arc::new(clock));
            let validation = core::mem::replace(
                &mut inner.validation,
                Validation::new().clock(clock.clone()),
            );
            inner.validation = validation.clock(clock.clone());
            inner.clock = clock;
        })
    }

    /// The `realm` of every challenge. Defaults to none.
    #[must_use]
    pub fn realm(self, realm: Realm) -> Self {
        self.update(|inner| inner.realm = Some(realm))
    }

    /// The store one-use (`jti`) tokens are consumed in; share one store between every server
    /// that accepts the same tokens. Defaults to an in-memory store of this verifier's own.
    ///
    /// To keep using the store elsewhere too, pass it in an `Arc` to
    /// [`Verifier::shared_replay_store`].
    #[must_use]
    pub fn replay_store<S: AsyncReplayStore + Send + Sync + 'static>(self, store: S) -> Self {
        self.shared_replay_store(Arc::new(store))
    }

    /// [`Verifier::replay_store`] with a store the application also holds.
    #[must_use]
    pub fn shared_replay_store<S: AsyncReplayStore + Send + Sync + 'static>(
        self,
        store: Arc<S>,
    ) -> Self {
        self.update(|inner| {
            inner.store = SharedStore(store);
            inner.default_store = false;
        })
    }

    /// Checks every verified token against the revocation records of `store` ("the tokens of
    /// subject S issued before T are revoked", written by
    /// [`Sessions::log_out_everywhere`](crate::sessions::Sessions::log_out_everywhere) and
    /// [`Sessions::revoke_subject_before`](crate::sessions::Sessions::revoke_subject_before)).
    /// Defaults to no revocation check.
    ///
    /// The check runs after the signature and the claims were verified, and before a
    /// one-use token's `jti` is consumed (a revoked one-time token is not used up). It is
    /// [`Sessions::check_not_revoked_async`](crate::sessions::Sessions::check_not_revoked_async)
    /// with the longest token lifetime of `sessions`: every claims type this verifier checks
    /// must then have `sub`, `iat` and `exp`, and live no longer than that lifetime, or its
    /// tokens are refused. A store that cannot answer refuses the token
    /// ([`Error::StoreUnavailable`], a 503): fail closed, as the replay store does.
    ///
    /// Pass a [`SharedRevocationStore`] (or an `Arc`) to keep using the store to write
    /// records elsewhere in the application.
    #[must_use]
    pub fn revocation<K: Clock, S: AsyncRevocationStore + Send + Sync + 'static>(
        self,
        sessions: &Sessions<K>,
        store: S,
    ) -> Self {
        let revocation = Revocation {
            sessions: Sessions::new(sessions.max_token_lifetime()),
            store: SharedRevocationStore::new(store),
        };
        self.update(|inner| inner.revocation = Some(revocation))
    }

    /// Also reads the token from a cookie (`Authorization` stays read). Defaults to none.
    ///
    /// A request with a token in two places (the header and the cookie, or the cookie twice)
    /// is refused as ambiguous (400 `invalid_request`); an empty cookie counts as absent, so
    /// that a cleared cookie ([`CookieSource::clear_cookie`]) means signed out. Read
    /// [`CookieSource`] on the cross-site request forgery this opens.
    #[must_use]
    pub fn cookie(self, source: CookieSource) -> Self {
        self.update(|inner| inner.sources.cookie = Some(source))
    }

    /// Also reads the token from a query parameter (`Authorization` stays read), e.g.
    /// [`QuerySource::ACCESS_TOKEN`]. Defaults to none.
    ///
    /// A token in two places is refused as ambiguous, as with [`Verifier::cookie`], and so is
    /// the parameter given twice or under an encoded name (`%61ccess_token`). Read
    /// [`QuerySource`] on how tokens in URLs leak.
    #[must_use]
    pub fn query(self, source: QuerySource) -> Self {
        self.update(|inner| inner.sources.query = Some(source))
    }

    /// Verifies `token` as `C` with this verifier's settings: the signature and the claims,
    /// then the revocation records (when set), then, for a one-use type, consumes its `jti`
    /// in the replay store. What the extractor and the layer do once they have the token; for
    /// tokens that travel elsewhere (e.g. in a request body).
    ///
    /// # Errors
    ///
    /// The first check the token fails, as an [`Error`]; with a revocation store also
    /// [`Error::Revoked`] and [`Error::StoreUnavailable`]; for one-use types also
    /// [`Error::Replayed`], [`Error::StoreUnavailable`] and [`Error::ReplayUnconfirmed`].
    pub async fn verify<C>(&self, token: &str) -> Result<C, Error>
    where
        C: Claims<Algorithm = A> + for<'de> DecodeClaims<'de> + Send,
        C::Replay: ReplayCheck,
    {
        <C::Replay as ReplayCheck>::verify(self, token).await
    }

    /// A response for `rejection` with this verifier's realm in its challenge: e.g. the 403 of
    /// [`Rejection::insufficient_scope`] when a handler finds the caller lacks a role.
    #[must_use]
    pub fn reject(&self, rejection: Rejection) -> BearerRejection {
        BearerRejection::new(rejection, self.inner.realm.clone(), None)
    }

    /// A verify-only handle on the same state, without the signing key.
    pub(crate) fn verify_only_clone(&self) -> Verifier<A> {
        Verifier {
            inner: Arc::clone(&self.inner),
            signer: None,
            role: PhantomData,
        }
    }

    fn update(self, change: impl FnOnce(&mut Inner<A>)) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        change(&mut inner);
        Verifier {
            inner: Arc::new(inner),
            signer: self.signer,
            role: PhantomData,
        }
    }

    /// The request's token.
    pub(crate) fn token<'r>(
        &self,
        headers: &'r HeaderMap,
        uri: &'r Uri,
    ) -> Result<&'r str, AuthorizationError> {
        self.inner.sources.token(headers, uri)
    }

    /// `error` as the rejection the client gets.
    pub(crate) fn token_rejection(&self, error: Error) -> BearerRejection {
        let kind = error_kind(&error);
        BearerRejection::new_with_kind(
            Rejection::from(&error),
            self.inner.realm.clone(),
            Some(error),
            kind,
        )
    }

    /// A request error (no token, a malformed header, …) as the rejection the client gets.
    pub(crate) fn request_rejection(&self, error: AuthorizationError) -> BearerRejection {
        BearerRejection::new_with_kind(
            Rejection::from(error),
            self.inner.realm.clone(),
            None,
            request_error_kind(error),
        )
    }
}

impl<A: Algorithm> Inner<A> {
    /// The revocation check of `claims`, when a revocation store is set. The future holds
    /// the subject, not the claims, so it is `Send` whatever the claims type.
    fn revocation_check<'a, C: Claims>(
        &'a self,
        claims: &'a C,
    ) -> Option<impl Future<Output = Result<(), Error>> + Send + 'a> {
        self.revocation.as_ref().map(|revocation| {
            revocation
                .sessions
                .check_not_revoked_async(claims, &revocation.store)
        })
    }
}

fn default_store() -> SharedStore {
    SharedStore(Arc::new(MemoryStore::new()))
}

/// The clock of a [`Verifier`].
#[derive(Clone)]
struct SharedClock(Arc<dyn Clock + Send + Sync>);

impl Clock for SharedClock {
    fn now(&self) -> NumericDate {
        self.0.now()
    }
}

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`AsyncReplayStore`] made object-safe, so that a [`Verifier`] can hold any store.
trait DynStore: Send + Sync {
    fn insert<'a>(
        &'a self,
        id: ReplayId<'a>,
        window: ReplayWindow,
    ) -> BoxFuture<'a, Result<InsertOutcome, StoreError>>;
}

impl<S: AsyncReplayStore + Send + Sync> DynStore for S {
    fn insert<'a>(
        &'a self,
        id: ReplayId<'a>,
        window: ReplayWindow,
    ) -> BoxFuture<'a, Result<InsertOutcome, StoreError>> {
        Box::pin(AsyncReplayStore::insert_if_absent(self, id, window))
    }
}

#[derive(Clone)]
struct SharedStore(Arc<dyn DynStore>);

impl AsyncReplayStore for SharedStore {
    // An `async fn` keeps the two borrows' lifetimes apart in the future's type.
    async fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        self.0.insert(id, window).await
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::replay::Reusable {}
    impl Sealed for crate::replay::OneUse {}
}

/// How a [`Verifier`] verifies a claims type: plain decoding for [`Reusable`] types, decoding
/// plus consuming the `jti` in the verifier's replay store for [`OneUse`] types.
/// Implemented for both; sealed.
pub trait ReplayCheck: ReplayPolicy + sealed::Sealed {
    #[doc(hidden)]
    fn verify<C, R: Role>(
        verifier: &Verifier<C::Algorithm, R>,
        token: &str,
    ) -> impl Future<Output = Result<C, Error>> + Send
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de> + Send;

    /// Verifies a token without any store, when nothing needs one (a reusable type, no
    /// revocation store): `None` otherwise.
    #[doc(hidden)]
    fn verify_at_once<C, R: Role>(
        verifier: &Verifier<C::Algorithm, R>,
        token: &str,
    ) -> Option<Result<C, Error>>
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de>;
}

impl ReplayCheck for Reusable {
    fn verify<C, R: Role>(
        verifier: &Verifier<C::Algorithm, R>,
        token: &str,
    ) -> impl Future<Output = Result<C, Error>> + Send
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de> + Send,
    {
        let verifier = &*verifier.inner;
        let decoded = verifier.validation.decode::<C, _>(token, &*verifier.keys);
        async move {
            let claims = decoded?;
            if let Some(check) = verifier.revocation_check(&claims) {
                check.await?;
            }
            Ok(claims)
        }
    }

    fn verify_at_once<C, R: Role>(
        verifier: &Verifier<C::Algorithm, R>,
        token: &str,
    ) -> Option<Result<C, Error>>
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de>,
    {
        let verifier = &*verifier.inner;
        if verifier.revocation.is_some() {
            return None;
        }
        Some(verifier.validation.decode::<C, _>(token, &*verifier.keys))
    }
}

impl ReplayCheck for OneUse {
    fn verify<C, R: Role>(
        verifier: &Verifier<C::Algorithm, R>,
        token: &str,
    ) -> impl Future<Output = Result<C, Error>> + Send
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de> + Send,
    {
        let verifier = &*verifier.inner;
        let decoded = pipeline::decode_checked::<C, _, _, _>(
            &verifier.validation,
            token,
            &*verifier.keys,
            Transient,
        );
        async move {
            let (claims, checked_at) = decoded?;
            // Revocation before consumption: a revoked one-time token, or one refused because
            // the revocation store is down, keeps its id for a later, legitimate attempt.
            if let Some(check) = verifier.revocation_check(&claims) {
                check.await?;
            }
            let outcome = {
                let (id, window) =
                    pipeline::replay_request(&claims, &verifier.validation, checked_at)?;
                verifier.store.insert_if_absent(id, window).await
            };
            match outcome? {
                InsertOutcome::Inserted => Ok(claims),
                InsertOutcome::AlreadyPresent => Err(Error::Replayed),
            }
        }
    }

    fn verify_at_once<C, R: Role>(
        _: &Verifier<C::Algorithm, R>,
        _: &str,
    ) -> Option<Result<C, Error>>
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de>,
    {
        None
    }
}

/// Why a request was refused; answers it as an HTTP response.
///
/// The response has the rejection's status, a `WWW-Authenticate` challenge (for 4xx),
/// `Cache-Control: no-store`, and a JSON body such as
/// `{"error":"invalid_token","error_description":"the token has expired"}` (see
/// [`Rejection::json_body`]). The detailed [`Error`] stays on the server, for logging: a
/// handler that takes `Result<Bearer<C>, BearerRejection>` gets it from
/// [`BearerRejection::error`].
#[derive(Debug, Clone)]
pub struct BearerRejection {
    rejection: Rejection,
    realm: Option<Realm>,
    error: Option<Error>,
}

impl BearerRejection {
    /// A rejection the application built ([`Verifier::reject`]).
    fn new(rejection: Rejection, realm: Option<Realm>, error: Option<Error>) -> Self {
        let kind = rejection
            .error_code()
            .map_or("application", |code| code.as_str());
        BearerRejection::new_with_kind(rejection, realm, error, kind)
    }

    fn new_with_kind(
        rejection: Rejection,
        realm: Option<Realm>,
        error: Option<Error>,
        kind: &'static str,
    ) -> Self {
        #[cfg(feature = "tracing")]
        trace_rejection(&rejection, kind);
        #[cfg(not(feature = "tracing"))]
        let _ = kind;
        BearerRejection {
            rejection,
            realm,
            error,
        }
    }

    /// The status, error code and description the client gets.
    #[must_use]
    pub fn rejection(&self) -> &Rejection {
        &self.rejection
    }

    /// The token error, when the token (not the request) was at fault: detailed, for the
    /// server's logs, never for the client.
    #[must_use]
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// The response, with any body type that can be built from the JSON text (axum's
    /// `Body`, `String`, `http_body_util::Full<Bytes>`, …): what the axum extractor and
    /// the tower layer answer with.
    #[must_use]
    pub fn into_http_response<B: From<String>>(self) -> http::Response<B> {
        let status =
            StatusCode::from_u16(self.rejection.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        let mut response = http::Response::new(B::from(self.rejection.json_body()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = self.rejection.challenge(self.realm.as_ref()) {
            // Realm, scope and descriptions are checked printable ASCII: this cannot fail.
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

impl fmt::Display for BearerRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(error) => write!(f, "{}: {error}", self.rejection),
            None => write!(f, "{}", self.rejection),
        }
    }
}

impl std::error::Error for BearerRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error
            .as_ref()
            .map(|error| error as &(dyn std::error::Error + 'static))
    }
}

/// One event per refused request: its status, its RFC 6750 code and the cause's kind, all
/// fixed texts (never the token, never a claim value).
#[cfg(feature = "tracing")]
fn trace_rejection(rejection: &Rejection, kind: &'static str) {
    let code = rejection.error_code().map_or("none", |code| code.as_str());
    if rejection.status() >= 500 {
        tracing::warn!(
            target: "jwt_runtime::http",
            status = rejection.status(),
            error = code,
            kind,
            "request refused: the token could not be checked"
        );
    } else {
        tracing::info!(
            target: "jwt_runtime::http",
            status = rejection.status(),
            error = code,
            kind,
            "request refused"
        );
    }
}

/// The kind of a token error, for the operator: a fixed name per variant.
fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::TooLarge { .. } => "too_large",
        Error::JweNotSupported => "jwe",
        Error::Malformed { .. } => "malformed",
        Error::DuplicateMember { .. } => "duplicate_member",
        Error::Algorithm { .. } => "algorithm",
        Error::Crit => "crit",
        Error::TokenType { .. } => "token_type",
        Error::UnknownKeyId { .. } => "unknown_key_id",
        Error::Signature => "signature",
        Error::Expired { .. } => "expired",
        Error::NotYetValid { .. } => "not_yet_valid",
        Error::IssuedInFuture { .. } => "issued_in_future",
        Error::IssuedTooLongAgo { .. } => "issued_too_long_ago",
        Error::Issuer => "issuer",
        Error::Audience => "audience",
        Error::Subject => "subject",
        Error::MissingClaim { .. } => "missing_claim",
        Error::ClaimType { .. } => "claim_type",
        Error::InvalidClaim { .. } => "invalid_claim",
        Error::Replayed => "replayed",
        Error::StoreUnavailable(_) => "store_unavailable",
        Error::ReplayUnconfirmed(_) => "replay_unconfirmed",
        Error::KeysUnavailable(_) => "keys_unavailable",
        Error::Encode(_) => "encode",
        Error::Revoked => "revoked",
        Error::RefreshReuse => "refresh_reuse",
    }
}

/// The kind of a request error, for the operator.
fn request_error_kind(error: AuthorizationError) -> &'static str {
    match error {
        AuthorizationError::Missing => "missing",
        AuthorizationError::OtherScheme => "other_scheme",
        AuthorizationError::Repeated => "repeated_header",
        AuthorizationError::Malformed(_) => "malformed_request",
        AuthorizationError::Ambiguous => "ambiguous",
    }
}
