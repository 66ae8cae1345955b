//! Revocation wired into the verifier, over real HTTP, on two instances sharing one real
//! `redis-server`: instance A (axum, `Bearer<C>`) logs a subject out everywhere, and instance
//! B (the tower layer in front of a plain hyper service) refuses the subject's older tokens at
//! once; with Redis gone, B fails closed (503).
//!
//! Without `redis-server` on `PATH` the test prints a loud notice and passes, unless
//! `JWT_REQUIRE_REDIS=1` (as in CI), which turns the notice into a failure.

#[path = "support/serve.rs"]
mod serve;

#[path = "support/redis_server.rs"]
mod redis_server;

use std::convert::Infallible;
use std::future::Ready;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use hyper::{Request, Response};
use jwt_runtime::http::axum::Bearer;
use jwt_runtime::http::tower::{BearerLayer, Verified};
use jwt_runtime::http::{Signs, Verifier};
use jwt_runtime::replay::AsyncRedisStore;
use jwt_runtime::sessions::{AsyncRedisRevocationStore, Sessions, SharedRevocationStore};
use jwt_runtime::{Claims, HmacKey, Hs256, ManualClock, NumericDate, Validation};
use redis_server::{RedisServer, redis_installed};
use tower_layer::Layer;

const START: i64 = 1_700_000_000;

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"a key for the revocation HTTP test, 32+ bytes").unwrap()
}

#[derive(Claims, Debug, Clone)]
#[claims(aud = "api")]
struct Access {
    sub: String,
    iat: NumericDate,
    exp: NumericDate,
}

#[derive(Clone)]
struct App {
    verifier: Verifier<Hs256, Signs>,
    sessions: Sessions<ManualClock>,
    revocations: SharedRevocationStore,
}

impl axum::extract::FromRef<App> for Verifier<Hs256> {
    fn from_ref(app: &App) -> Self {
        app.verifier.verify_only()
    }
}

async fn me(Bearer(access): Bearer<Access>) -> String {
    access.sub
}

async fn logout_everywhere(State(app): State<App>, Bearer(access): Bearer<Access>) -> String {
    app.sessions
        .log_out_everywhere_async(&app.revocations, &access.sub)
        .await
        .unwrap();
    "logged out".into()
}

#[derive(Clone)]
struct WhoAmI;

impl<B> tower_service::Service<Request<B>> for WhoAmI {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let sub = request
            .extensions()
            .get::<Verified<Access>>()
            .map_or_else(String::new, |access| access.sub.clone());
        std::future::ready(Ok(Response::new(sub)))
    }
}

fn app(redis: &RedisServer, clock: &ManualClock) -> App {
    let sessions =
        Sessions::new(Duration::from_secs(3600)).validation(Validation::new().clock(clock.clone()));
    let revocations =
        SharedRevocationStore::new(AsyncRedisRevocationStore::open(&redis.url()).unwrap());
    let verifier = Verifier::signing(key())
        .clock(clock.clone())
        .replay_store(AsyncRedisStore::open(&redis.url()).unwrap())
        .revocation(&sessions, revocations.clone());
    App {
        verifier,
        sessions,
        revocations,
    }
}

fn serve_axum(runtime: &tokio::runtime::Runtime, app: App) -> String {
    let router = Router::new()
        .route("/me", get(me))
        .route("/logout-everywhere", post(logout_everywhere))
        .with_state(app);
    serve::serve_axum(runtime, router)
}

fn serve_layer(runtime: &tokio::runtime::Runtime, app: &App) -> String {
    serve::serve_hyper(
        runtime,
        BearerLayer::<Access>::new(&app.verifier).layer(WhoAmI),
    )
}

fn call(method: &str, url: &str, token: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let authorization = format!("Bearer {token}");
    let response = if method == "POST" {
        agent
            .post(url)
            .header("Authorization", &authorization)
            .send_empty()
    } else {
        agent
            .get(url)
            .header("Authorization", &authorization)
            .call()
    };
    let mut response = response.unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    (response.status().as_u16(), body)
}

fn issue(app: &App, sub: &str, clock: &ManualClock) -> String {
    use jwt_runtime::Clock;
    let now = clock.now();
    app.verifier
        .encode(&Access {
            sub: sub.into(),
            iat: now,
            exp: now.saturating_add(Duration::from_secs(900)),
        })
        .unwrap()
}

#[test]
fn a_logout_on_one_instance_is_refused_on_the_other() {
    if !redis_installed("revocation HTTP test (tests/http_revocation_redis.rs)") {
        return;
    }
    let mut redis = RedisServer::start(&[]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    // The Redis stores are built inside the runtime they run on.
    let (a_app, b_app) = runtime.block_on(async { (app(&redis, &clock), app(&redis, &clock)) });
    let a = serve_axum(&runtime, a_app.clone());
    let b = serve_layer(&runtime, &b_app);

    let ada = issue(&a_app, "ada", &clock);
    let bob = issue(&b_app, "bob", &clock);
    assert_eq!(call("GET", &format!("{a}/me"), &ada), (200, "ada".into()));
    assert_eq!(call("GET", &format!("{b}/me"), &ada), (200, "ada".into()));

    clock.advance(Duration::from_secs(60));
    let (status, _) = call("POST", &format!("{a}/logout-everywhere"), &ada);
    assert_eq!(status, 200);
    // B, which shares only Redis with A, refuses ada's older token at once.
    let (status, body) = call("GET", &format!("{b}/me"), &ada);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("revoked"), "{body}");
    let (status, _) = call("GET", &format!("{a}/me"), &ada);
    assert_eq!(status, 401);
    // Other subjects, and ada's tokens issued since, pass on both.
    assert_eq!(call("GET", &format!("{b}/me"), &bob), (200, "bob".into()));
    let fresh = issue(&a_app, "ada", &clock);
    assert_eq!(call("GET", &format!("{b}/me"), &fresh), (200, "ada".into()));

    // Redis gone: the revocation records cannot be read, so B fails closed.
    redis.kill();
    let (status, body) = call("GET", &format!("{b}/me"), &bob);
    assert_eq!(status, 503, "{body}");
    let (status, _) = call("GET", &format!("{a}/me"), &bob);
    assert_eq!(status, 503);
}
