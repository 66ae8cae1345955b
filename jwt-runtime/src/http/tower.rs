//! A tower [`Layer`] that verifies a request's token before any tower service (feature
//! `tower`): axum routers, tonic servers, plain hyper services.
//!
//! [`BearerLayer<C>`] reads the token from the sources of its [`Verifier`] (the
//! `Authorization` header, and an opt-in cookie or query parameter), verifies it as the
//! claims type `C` (signature, claims, the revocation records when set, and the `jti` of a
//! one-use type), and puts the claims in the request's extensions as [`Verified<C>`] before
//! calling the inner service. A request that does not authenticate never reaches the inner
//! service: it is answered with the status, `WWW-Authenticate` challenge and JSON body of
//! [`BearerRejection`] (see the [mapping](crate::http#the-mapping)), the same answer the
//! axum extractor gives.
//!
//! With axum, `Bearer<C>` reads the claims the layer put in the extensions and does not
//! verify again; without the layer in front, it verifies by itself.
//!
//! The response body type of the inner service must be buildable from the rejection's JSON
//! text (`ResBody: From<String>`): axum's `Body`, tonic's body, `String`,
//! `http_body_util::Full<Bytes>` are.
//!
//! ```
//! use std::convert::Infallible;
//! use jwt_runtime::http::tower::{BearerLayer, Verified};
//! use jwt_runtime::http::Verifier;
//! use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate};
//! use tower_layer::Layer;
//! use tower_service::Service;
//!
//! #[derive(Claims, Clone)]
//! struct Session {
//!     sub: String,
//!     exp: NumericDate,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(HmacKey::<Hs256>::generate()?);
//! // Any `Service<http::Request<B>, Response = http::Response<String>>` here.
//! let service = BearerLayer::<Session>::new(&verifier).layer(tower_service_fn());
//! # let _ = service;
//! # Ok(())
//! # }
//! # fn tower_service_fn() -> impl Service<http::Request<()>, Response = http::Response<String>, Error = Infallible, Future = std::future::Ready<Result<http::Response<String>, Infallible>>> + Clone {
//! #     #[derive(Clone)]
//! #     struct Hello;
//! #     impl Service<http::Request<()>> for Hello {
//! #         type Response = http::Response<String>;
//! #         type Error = Infallible;
//! #         type Future = std::future::Ready<Result<Self::Response, Infallible>>;
//! #         fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
//! #             std::task::Poll::Ready(Ok(()))
//! #         }
//! #         fn call(&mut self, request: http::Request<()>) -> Self::Future {
//! #             // The layer ran: the claims are in the extensions.
//! #             let sub = request.extensions().get::<Verified<Session>>().map(|s| s.sub.clone());
//! #             std::future::ready(Ok(http::Response::new(sub.unwrap_or_default())))
//! #         }
//! #     }
//! #     Hello
//! # }
//! ```

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::ops::Deref;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::claims::{Claims, DecodeClaims};
use crate::http::verifier::{BearerRejection, ReplayCheck, Role, Verifier};

/// The verified claims of a request, put in its extensions by [`BearerService`].
///
/// Only the layer builds one, so a handler that finds it knows the layer verified the token;
/// read it with `request.extensions().get::<Verified<C>>()` (or axum's `Extension`, or
/// `Bearer<C>`, which takes it over). Cheap to clone: the claims are shared.
///
/// `Bearer<C>` trusts it whichever verifier the layer was built from: give the layer the
/// verifier (audience, revocation, replay store) the handlers would use. Take the claims
/// once per handler, as `Bearer<C>` or as `Extension<Verified<C>>`: when both are taken,
/// `Bearer<C>` verifies the token again, which refuses a one-use token as replayed.
pub struct Verified<C>(Arc<C>);

impl<C> Verified<C> {
    /// The verified claims.
    #[must_use]
    pub fn claims(&self) -> &C {
        &self.0
    }

    /// The claims themselves when this is the only handle on them; otherwise `Err(self)`.
    ///
    /// # Errors
    ///
    /// `self`, when a clone of it is alive.
    pub fn try_into_inner(self) -> Result<C, Self> {
        Arc::try_unwrap(self.0).map_err(Verified)
    }
}

impl<C> Clone for Verified<C> {
    fn clone(&self) -> Self {
        Verified(Arc::clone(&self.0))
    }
}

impl<C> Deref for Verified<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C: fmt::Debug> fmt::Debug for Verified<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Verified").field(&self.0).finish()
    }
}

/// A [`Layer`] that verifies each request's token as the claims type `C`; see the
/// [module documentation](self).
pub struct BearerLayer<C: Claims> {
    verifier: Verifier<C::Algorithm>,
    claims: PhantomData<fn() -> C>,
}

impl<C: Claims> BearerLayer<C> {
    /// A layer verifying with `verifier`'s keys, settings, stores and token sources (a signing
    /// verifier lends its verify-only half).
    #[must_use]
    pub fn new<R: Role>(verifier: &Verifier<C::Algorithm, R>) -> Self {
        BearerLayer {
            verifier: verifier.verify_only_clone(),
            claims: PhantomData,
        }
    }
}

impl<C: Claims> Clone for BearerLayer<C> {
    fn clone(&self) -> Self {
        BearerLayer {
            verifier: self.verifier.clone(),
            claims: PhantomData,
        }
    }
}

impl<C: Claims> fmt::Debug for BearerLayer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerLayer")
            .field("verifier", &self.verifier)
            .finish()
    }
}

impl<S, C: Claims> Layer<S> for BearerLayer<C> {
    type Service = BearerService<S, C>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerService {
            inner,
            verifier: self.verifier.clone(),
            claims: PhantomData,
        }
    }
}

/// The service [`BearerLayer`] wraps around an inner service.
pub struct BearerService<S, C: Claims> {
    inner: S,
    verifier: Verifier<C::Algorithm>,
    claims: PhantomData<fn() -> C>,
}

impl<S: Clone, C: Claims> Clone for BearerService<S, C> {
    fn clone(&self) -> Self {
        BearerService {
            inner: self.inner.clone(),
            verifier: self.verifier.clone(),
            claims: PhantomData,
        }
    }
}

impl<S: fmt::Debug, C: Claims> fmt::Debug for BearerService<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerService")
            .field("inner", &self.inner)
            .field("verifier", &self.verifier)
            .finish()
    }
}

impl<S, C, ReqBody, ResBody> Service<Request<ReqBody>> for BearerService<S, C>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: From<String> + Send + 'static,
    C: Claims + for<'de> DecodeClaims<'de> + Send + Sync + 'static,
    C::Replay: ReplayCheck,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let token = match self.verifier.token(request.headers(), request.uri()) {
            Ok(token) => token,
            Err(error) => {
                return ResponseFuture::rejected(self.verifier.request_rejection(error));
            }
        };
        // Without a store to ask, the token is verified here and the inner service is called
        // at once: no allocation, no extra future.
        match <C::Replay as ReplayCheck>::verify_at_once::<C, _>(&self.verifier, token) {
            Some(Ok(claims)) => {
                request.extensions_mut().insert(Verified(Arc::new(claims)));
                return ResponseFuture::called(self.inner.call(request));
            }
            Some(Err(error)) => {
                return ResponseFuture::rejected(self.verifier.token_rejection(error));
            }
            None => {}
        }
        // The service that was polled ready goes into the future; this one keeps a clone.
        let clone = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        ResponseFuture::verifying(Box::pin(async move {
            let verified = match verifier.token(request.headers(), request.uri()) {
                Ok(token) => verifier.verify::<C>(token).await,
                Err(error) => return Ok(verifier.request_rejection(error).into_http_response()),
            };
            match verified {
                Ok(claims) => {
                    request.extensions_mut().insert(Verified(Arc::new(claims)));
                    inner.call(request).await
                }
                Err(error) => Ok(verifier.token_rejection(error).into_http_response()),
            }
        }))
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pin_project! {
    /// The future of [`BearerService`]: the inner service's response, or the rejection.
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        state: State<F, B, E>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F, B, E> {
        Called { #[pin] future: F },
        Rejected { response: Option<Response<B>> },
        Verifying { future: BoxFuture<Result<Response<B>, E>> },
    }
}

impl<F, B, E> ResponseFuture<F, B, E> {
    fn called(future: F) -> Self {
        ResponseFuture {
            state: State::Called { future },
        }
    }

    fn rejected(rejection: BearerRejection) -> Self
    where
        B: From<String>,
    {
        ResponseFuture {
            state: State::Rejected {
                response: Some(rejection.into_http_response()),
            },
        }
    }

    fn verifying(future: BoxFuture<Result<Response<B>, E>>) -> Self {
        ResponseFuture {
            state: State::Verifying { future },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Called { future } => future.poll(cx),
            StateProjection::Rejected { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after it completed: a caller's bug, answered without panicking.
                None => Poll::Pending,
            },
            StateProjection::Verifying { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, B, E> fmt::Debug for ResponseFuture<F, B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseFuture")
    }
}
