//! Claims types as axum request extractors (feature `axum`, for axum 0.8).
//!
//! [`Bearer<C>`] reads the `Authorization: Bearer` header (or the verifier's opt-in cookie or
//! query parameter), verifies the token as the claims type `C` with the keys, validation,
//! revocation and replay stores of a [`Verifier`] taken from the application state (through
//! [`FromRef`]), and hands the handler the verified claims.
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
//! With the `tower` feature, a `BearerLayer<C>` (`jwt_runtime::http::tower`) in front
//! of the router verifies first, and `Bearer<C>` then takes the claims it verified instead of
//! verifying again; without the layer, `Bearer<C>` verifies by itself. A handler that wants the
//! detailed error (for its logs, or its own answer) takes `Result<Bearer<C>, BearerRejection>`:
//!
//! ```
//! # use jwt_runtime::{Claims, NumericDate};
//! use axum::response::{IntoResponse, Response};
//! use jwt_runtime::http::axum::{Bearer, BearerRejection};
//! # #[derive(Claims)]
//! # struct Session { sub: String, exp: NumericDate }
//!
//! async fn me(session: Result<Bearer<Session>, BearerRejection>) -> Response {
//!     match session {
//!         Ok(Bearer(session)) => session.sub.into_response(),
//!         Err(rejection) => {
//!             if let Some(error) = rejection.error() {
//!                 eprintln!("refused: {error}"); // e.g. "the token expired at …"
//!             }
//!             rejection.into_response()
//!         }
//!     }
//! }
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

use core::ops::{Deref, DerefMut};

use axum_core::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use crate::alg::Algorithm;
use crate::claims::{Claims, DecodeClaims};
use crate::http::AuthorizationError;
#[cfg(feature = "tower")]
use crate::http::tower::Verified;
#[doc(no_inline)]
pub use crate::http::verifier::{BearerRejection, ReplayCheck, Role, Signs, Verifier, VerifyOnly};

/// A request extractor: the verified claims of the request's `Authorization: Bearer` token.
///
/// Verifies with the [`Verifier`] of the router's state (or takes the claims a tower
/// `BearerLayer<C>` in front verified); a one-use (`jti`) claims type has its `jti` consumed
/// in the verifier's replay store. On failure the handler is not called and the client gets a
/// [`BearerRejection`]: 400, 401 or 403 with a `WWW-Authenticate` challenge (503 when a store
/// is unavailable).
///
/// `C` is `Send + Sync + 'static` (plain data, as claims types are), so that the layer can
/// hand it over in the request extensions.
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
    C: Claims + for<'de> DecodeClaims<'de> + Send + Sync + 'static,
    C::Replay: ReplayCheck,
    Verifier<C::Algorithm>: FromRef<S>,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, BearerRejection> {
        if let Some(claims) = verified_by_layer::<C>(parts) {
            return Ok(Bearer(claims));
        }
        let verifier = Verifier::<C::Algorithm>::from_ref(state);
        let token = verifier
            .token(&parts.headers, &parts.uri)
            .map_err(|error| verifier.request_rejection(error))?;
        extract(&verifier, token).await.map(Bearer)
    }
}

impl<S, C> OptionalFromRequestParts<S> for Bearer<C>
where
    S: Send + Sync,
    C: Claims + for<'de> DecodeClaims<'de> + Send + Sync + 'static,
    C::Replay: ReplayCheck,
    Verifier<C::Algorithm>: FromRef<S>,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, BearerRejection> {
        if let Some(claims) = verified_by_layer::<C>(parts) {
            return Ok(Some(Bearer(claims)));
        }
        let verifier = Verifier::<C::Algorithm>::from_ref(state);
        let token = match verifier.token(&parts.headers, &parts.uri) {
            Ok(token) => token,
            Err(AuthorizationError::Missing | AuthorizationError::OtherScheme) => return Ok(None),
            Err(error) => return Err(verifier.request_rejection(error)),
        };
        extract(&verifier, token)
            .await
            .map(|claims| Some(Bearer(claims)))
    }
}

/// The claims the tower layer verified, taken over when nothing else holds them. When
/// something does (an `Extension<Verified<C>>` taken first, a second `Bearer<C>`), they stay
/// in the extensions for it and this extractor verifies the token by itself: a one-use token
/// is then refused as replayed, so a handler takes one-use claims once.
#[cfg(feature = "tower")]
fn verified_by_layer<C: Send + Sync + 'static>(parts: &mut Parts) -> Option<C> {
    let verified = parts.extensions.remove::<Verified<C>>()?;
    match verified.try_into_inner() {
        Ok(claims) => Some(claims),
        Err(shared) => {
            parts.extensions.insert(shared);
            None
        }
    }
}

#[cfg(not(feature = "tower"))]
fn verified_by_layer<C>(_: &mut Parts) -> Option<C> {
    None
}

async fn extract<C>(verifier: &Verifier<C::Algorithm>, token: &str) -> Result<C, BearerRejection>
where
    C: Claims + for<'de> DecodeClaims<'de> + Send,
    C::Replay: ReplayCheck,
{
    verifier
        .verify::<C>(token)
        .await
        .map_err(|error| verifier.token_rejection(error))
}

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        self.into_http_response()
    }
}

/// A signing verifier in the state serves the extractor as the verify-only verifier it
/// contains.
impl<A: Algorithm> FromRef<Verifier<A, Signs>> for Verifier<A> {
    fn from_ref(verifier: &Verifier<A, Signs>) -> Self {
        verifier.verify_only()
    }
}
