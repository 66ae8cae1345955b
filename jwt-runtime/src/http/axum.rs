//! Claims types as axum request extractors (feature `axum`, for axum 0.8).
//!
//! [`Bearer<C>`] reads the `Authorization: Bearer` header, verifies the token as the
//! claims type `C` with the keys, [`Validation`] and replay store of a [`Verifier`] taken from
//! the application state (through [`FromRef`]), and hands the handler the verified claims.
//! A request that does not authenticate never reaches the handler: it is answered with the
//! status and `WWW-Authenticate` challenge of [`http::Rejection`](crate::http::Rejection)
//! (see the [mapping](crate::http#the-mapping)).
//!
//! A claims type with a `jti` claim is one-use: extracting it consumes the `jti` in the
//! verifier's replay store (after every other check passed), so its token is accepted once.
//!
//! ```
//! use axum::{Router, routing::get};
//! use jwt_runtime::http::Realm;
//! use jwt_runtime::http::axum::{Bearer, Verifier};
//! use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate};
//!
//! #[derive(Claims)]
//! #[claims(iss = "https://auth.example.com", aud = "api")]
//! struct Session {
//!     sub: String,
//!     exp: NumericDate,
//!     name: String,
//! }
//!
//! async fn me(Bearer(session): Bearer<Session>) -> String {
//!     format!("hello, {} ({})", session.name, session.sub)
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = HmacKey::<Hs256>::generate()?;
//! let verifier = Verifier::new(key).realm(Realm::new("api")?);
//! // Here the verifier is the whole state; see below for a larger state.
//! let app: Router = Router::new().route("/me", get(me)).with_state(verifier);
//! # Ok(())
//! # }
//! ```
//!
//! In a larger state, derive `FromRef` (axum's `macros` feature) or implement it:
//!
//! ```
//! # use jwt_runtime::{Hs256, http::axum::Verifier};
//! use axum::extract::FromRef;
//!
//! #[derive(Clone)]
//! struct AppState {
//!     verifier: Verifier<Hs256>,
//!     // database pools, configuration, ...
//! }
//!
//! impl FromRef<AppState> for Verifier<Hs256> {
//!     fn from_ref(state: &AppState) -> Self {
//!         state.verifier.clone()
//!     }
//! }
//! ```

use core::fmt;
use core::future::Future;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use std::sync::Arc;

use axum_core::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::request::Parts;

use crate::alg::Algorithm;
use crate::claims::{Claims, DecodeClaims};
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::http::{self as bearer, AuthorizationError, Realm, Rejection};
use crate::key::VerifyingKeys;
use crate::replay::{
    AsyncReplayStore, InsertOutcome, MemoryStore, OneUse, ReplayId, ReplayPolicy, ReplayWindow,
    Reusable, StoreError,
};
use crate::time::NumericDate;
use crate::validation::Validation;

/// Everything [`Bearer`] needs to verify a token of algorithm `A`: the keys, the
/// [`Validation`] settings, the clock, the realm of the challenge, and the replay store for
/// one-use (`jti`) claims types.
///
/// Built once at start-up and kept in the application state; clones are cheap and share
/// everything, the replay store included. (The setters are for start-up: a setter called on
/// one clone gives that clone its own copy of the settings.) The extractor finds it through
/// `Verifier<A>: FromRef<S>` for the router's state `S` (the state may also be the verifier
/// itself).
///
/// | setting | default |
/// | --- | --- |
/// | keys | given to [`Verifier::new`]: one key, or a [`KeySet`](crate::KeySet) |
/// | validation | [`Validation::new`]: each claims type's declared `iss`, `aud`, leeway |
/// | clock | [`SystemClock`] |
/// | realm | none (the challenge has no `realm`) |
/// | replay store | a [`MemoryStore`] of its own |
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
pub struct Verifier<A: Algorithm> {
    inner: Arc<Inner<A>>,
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
        }
    }
}

impl<A: Algorithm> Clone for Verifier<A> {
    fn clone(&self) -> Self {
        Verifier {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<A: Algorithm> fmt::Debug for Verifier<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("alg", &A::NAME)
            .field("validation", &self.inner.validation)
            .field("realm", &self.inner.realm)
            .field("default_store", &self.inner.default_store)
            .finish_non_exhaustive()
    }
}

impl<A: Algorithm> Verifier<A> {
    /// A verifier with `keys` (an [`HmacKey`](crate::HmacKey) or a [`KeySet`](crate::KeySet))
    /// and the defaults of the table above.
    #[must_use]
    pub fn new(keys: impl VerifyingKeys<A> + Send + Sync + 'static) -> Self {
        let clock = SharedClock(Arc::new(SystemClock));
        Verifier {
            inner: Arc::new(Inner {
                keys: Arc::new(keys),
                store: default_store(),
                validation: Validation::new().clock(clock.clone()),
                clock,
                realm: None,
                default_store: true,
            }),
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

    /// Verifies `token` as `C` with this verifier's settings, consuming the `jti` of a
    /// one-use type in the replay store: what [`Bearer`] does once it has the token. For
    /// tokens that travel elsewhere than the `Authorization` header.
    ///
    /// # Errors
    ///
    /// The first check the token fails, as an [`Error`]; for one-use types also
    /// [`Error::Replayed`] and [`Error::StoreUnavailable`].
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
        BearerRejection {
            rejection,
            realm: self.inner.realm.clone(),
            error: None,
        }
    }

    fn update(self, change: impl FnOnce(&mut Inner<A>)) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        change(&mut inner);
        Verifier {
            inner: Arc::new(inner),
        }
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

/// How [`Bearer`] verifies a claims type: plain decoding for [`Reusable`] types, decoding
/// plus consuming the `jti` in the verifier's replay store for [`OneUse`] types.
/// Implemented for both; sealed.
pub trait ReplayCheck: ReplayPolicy + sealed::Sealed {
    #[doc(hidden)]
    fn verify<C>(
        verifier: &Verifier<C::Algorithm>,
        token: &str,
    ) -> impl Future<Output = Result<C, Error>> + Send
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de> + Send;
}

impl ReplayCheck for Reusable {
    fn verify<C>(
        verifier: &Verifier<C::Algorithm>,
        token: &str,
    ) -> impl Future<Output = Result<C, Error>> + Send
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de> + Send,
    {
        let inner = &verifier.inner;
        core::future::ready(inner.validation.decode::<C, _>(token, &*inner.keys))
    }
}

impl ReplayCheck for OneUse {
    fn verify<C>(
        verifier: &Verifier<C::Algorithm>,
        token: &str,
    ) -> impl Future<Output = Result<C, Error>> + Send
    where
        C: Claims<Replay = Self> + for<'de> DecodeClaims<'de> + Send,
    {
        let inner = &verifier.inner;
        inner
            .validation
            .decode_once_async::<C, _, _>(token, &*inner.keys, &inner.store)
    }
}

/// A request extractor: the verified claims of the request's `Authorization: Bearer` token.
///
/// Verifies with the [`Verifier`] of the router's state; a one-use (`jti`) claims type has
/// its `jti` consumed in the verifier's replay store. On failure the handler is not called
/// and the client gets a [`BearerRejection`]: 400, 401 or 403 with a `WWW-Authenticate`
/// challenge (503 when the replay store is unavailable).
///
/// As `Option<Bearer<C>>` it makes authentication optional: no header (or credentials of
/// another scheme) gives `None`, while a header that is present but malformed or carries a
/// bad token is still rejected.
///
/// # Examples
///
/// See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Bearer<C>(pub C);

impl<C> Bearer<C> {
    /// The verified claims.
    pub fn into_inner(self) -> C {
        self.0
    }
}

impl<C> Deref for Bearer<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C> DerefMut for Bearer<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.0
    }
}

impl<S, C> FromRequestParts<S> for Bearer<C>
where
    S: Send + Sync,
    C: Claims + for<'de> DecodeClaims<'de> + Send,
    C::Replay: ReplayCheck,
    Verifier<C::Algorithm>: FromRef<S>,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, BearerRejection> {
        let verifier = Verifier::<C::Algorithm>::from_ref(state);
        let token = header_token(parts).map_err(|error| verifier.reject(error.into()))?;
        extract(&verifier, token).await.map(Bearer)
    }
}

impl<S, C> OptionalFromRequestParts<S> for Bearer<C>
where
    S: Send + Sync,
    C: Claims + for<'de> DecodeClaims<'de> + Send,
    C::Replay: ReplayCheck,
    Verifier<C::Algorithm>: FromRef<S>,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, BearerRejection> {
        let verifier = Verifier::<C::Algorithm>::from_ref(state);
        let token = match header_token(parts) {
            Ok(token) => token,
            Err(AuthorizationError::Missing | AuthorizationError::OtherScheme) => return Ok(None),
            Err(error) => return Err(verifier.reject(error.into())),
        };
        extract(&verifier, token)
            .await
            .map(|claims| Some(Bearer(claims)))
    }
}

fn header_token(parts: &Parts) -> Result<&str, AuthorizationError> {
    bearer::bearer_token(
        parts
            .headers
            .get_all(AUTHORIZATION)
            .iter()
            .map(HeaderValue::as_bytes),
    )
}

async fn extract<C>(verifier: &Verifier<C::Algorithm>, token: &str) -> Result<C, BearerRejection>
where
    C: Claims + for<'de> DecodeClaims<'de> + Send,
    C::Replay: ReplayCheck,
{
    <C::Replay as ReplayCheck>::verify::<C>(verifier, token)
        .await
        .map_err(|error| BearerRejection {
            rejection: Rejection::from(&error),
            realm: verifier.inner.realm.clone(),
            error: Some(error),
        })
}

/// Why [`Bearer`] refused a request; answers it as an HTTP response.
///
/// The response has the rejection's status, a `WWW-Authenticate` challenge (for 4xx),
/// `Cache-Control: no-store`, and a JSON body such as
/// `{"error":"invalid_token","error_description":"the token has expired"}`. The detailed
/// [`Error`] stays on the server, for logging.
#[derive(Debug, Clone)]
pub struct BearerRejection {
    rejection: Rejection,
    realm: Option<Realm>,
    error: Option<Error>,
}

impl BearerRejection {
    /// The status, error code and description the client gets.
    #[must_use]
    pub fn rejection(&self) -> &Rejection {
        &self.rejection
    }

    /// The token error, when the token (not the header) was at fault: detailed, for the
    /// server's logs, never for the client.
    #[must_use]
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
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

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.rejection.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        let mut response = (status, self.rejection.json_body()).into_response();
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
