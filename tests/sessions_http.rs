//! Sessions that end over real HTTP: two instances of a small axum service share one real
//! `redis-server`; login, a protected route, refresh with rotation, reuse detection and
//! logout everywhere are driven by a real client (`ureq`). The verifier checks every access
//! token against the shared revocation records (`Verifier::revocation`), so the handlers see
//! only tokens of subjects not logged out since.
//!
//! Without `redis-server` on `PATH` the test prints a loud notice and passes, unless
//! `JWT_REQUIRE_REDIS=1` (as in CI), which turns the notice into a failure.

#[path = "support/redis_server.rs"]
mod redis_server;
#[path = "support/sessions_contract.rs"]
mod sessions_contract;

use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jwt_runtime::http::Rejection;
use jwt_runtime::http::TokenResponse;
use jwt_runtime::http::axum::{Bearer, Verifier};
use jwt_runtime::replay::AsyncRedisStore;
use jwt_runtime::sessions::{AsyncRedisRevocationStore, SharedRevocationStore};
use jwt_runtime::{Claims, Clock, Error, Hs256, ManualClock, NumericDate, Validation, Validity};
use redis_server::{RedisServer, redis_installed};
use serde::Deserialize;
use serde_json::{Value, json};
use sessions_contract::{ACCESS_LIFETIME, Access, REFRESH_LIFETIME, Refresh, START, key};

#[derive(Clone)]
struct App {
    verifier: Verifier<Hs256>,
    sessions: jwt_runtime::sessions::Sessions<ManualClock>,
    clock: ManualClock,
    replay: AsyncRedisStore,
    revocations: SharedRevocationStore,
}

impl FromRef<App> for Verifier<Hs256> {
    fn from_ref(app: &App) -> Self {
        app.verifier.clone()
    }
}

impl App {
    fn pair(&self, subject: &str, family: &str, now: NumericDate) -> TokenResponse {
        let access = Validity::starting_at(now, ACCESS_LIFETIME);
        let refresh = Validity::starting_at(now, REFRESH_LIFETIME);
        let access = Access {
            sub: subject.into(),
            iat: access.issued_at,
            exp: access.expires_at,
        }
        .encode(&key())
        .unwrap();
        let refresh = Refresh {
            sub: subject.into(),
            iat: refresh.issued_at,
            exp: refresh.expires_at,
            jti: jwt_runtime::random_token_id().unwrap(),
            fam: family.into(),
        }
        .encode(&key())
        .unwrap();
        TokenResponse::bearer(access, ACCESS_LIFETIME).with_refresh_token(refresh)
    }

    fn reject(&self, error: &Error) -> Response {
        self.verifier.reject(Rejection::from(error)).into_response()
    }
}

#[derive(Deserialize)]
struct Login {
    sub: String,
}

#[derive(Deserialize)]
struct RefreshRequest {
    refresh_token: String,
}

async fn login(State(app): State<App>, Json(login): Json<Login>) -> Json<TokenResponse> {
    let family = jwt_runtime::random_token_id().unwrap();
    Json(app.pair(&login.sub, &family, app.clock.now()))
}

async fn me(Bearer(access): Bearer<Access>) -> Json<Value> {
    Json(json!({ "sub": access.sub }))
}

async fn refresh(State(app): State<App>, Json(request): Json<RefreshRequest>) -> Response {
    let rotation = app
        .sessions
        .rotate_async::<Refresh, _, _, _>(
            &request.refresh_token,
            &key(),
            &app.replay,
            &app.revocations,
        )
        .await;
    match rotation {
        Ok(rotation) => {
            let previous = rotation.claims();
            Json(app.pair(&previous.sub, &previous.fam, rotation.rotated_at())).into_response()
        }
        Err(error) => app.reject(&error),
    }
}

async fn logout_everywhere(State(app): State<App>, Bearer(access): Bearer<Access>) -> Response {
    match app
        .sessions
        .log_out_everywhere_async(&app.revocations, &access.sub)
        .await
    {
        Ok(_) => Json(json!({ "logged_out": access.sub })).into_response(),
        Err(error) => app.reject(&Error::from(error)),
    }
}

/// One instance on `redis`, on a free port; returns its base URL.
fn start(runtime: &tokio::runtime::Runtime, redis: &RedisServer, clock: &ManualClock) -> String {
    runtime.block_on(async {
        let sessions = jwt_runtime::sessions::Sessions::new(REFRESH_LIFETIME)
            .validation(Validation::new().clock(clock.clone()));
        let revocations =
            SharedRevocationStore::new(AsyncRedisRevocationStore::open(&redis.url()).unwrap());
        let app = App {
            verifier: Verifier::new(key())
                .clock(clock.clone())
                .revocation(&sessions, revocations.clone()),
            sessions,
            clock: clock.clone(),
            replay: AsyncRedisStore::open(&redis.url()).unwrap(),
            revocations,
        };
        let router = Router::new()
            .route("/login", post(login))
            .route("/me", get(me))
            .route("/refresh", post(refresh))
            .route("/logout-everywhere", post(logout_everywhere))
            .with_state(app);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    })
}

#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
}

fn call(base: &str, method: &str, path: &str, bearer: Option<&str>, body: Option<Value>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{base}{path}");
    let authorization = bearer.map(|token| format!("Bearer {token}"));
    let response = if method == "GET" {
        let mut request = agent.get(&url);
        if let Some(authorization) = &authorization {
            request = request.header("Authorization", authorization);
        }
        request.call()
    } else {
        let mut request = agent.post(&url);
        if let Some(authorization) = &authorization {
            request = request.header("Authorization", authorization);
        }
        match body {
            Some(body) => request
                .header("Content-Type", "application/json")
                .send(body.to_string()),
            None => request.send_empty(),
        }
    };
    let mut response = response.unwrap();
    let text = response.body_mut().read_to_string().unwrap();
    Reply {
        status: response.status().as_u16(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn tokens(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, 200, "{reply:?}");
    (
        reply.body["access_token"].as_str().unwrap().to_owned(),
        reply.body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn two_instances_on_one_redis_rotate_detect_reuse_and_log_out() {
    if !redis_installed("sessions HTTP test (tests/sessions_http.rs)") {
        return;
    }
    let redis = RedisServer::start(&[]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let (a, b) = (
        start(&runtime, &redis, &clock),
        start(&runtime, &redis, &clock),
    );

    // Login on A, refresh on B, the new access token works on A.
    let (access, first) = tokens(&call(
        &a,
        "POST",
        "/login",
        None,
        Some(json!({"sub": "ada"})),
    ));
    assert_eq!(
        call(&b, "GET", "/me", Some(&access), None).body["sub"],
        "ada"
    );
    clock.advance(Duration::from_secs(60));
    let (access, second) = tokens(&call(
        &b,
        "POST",
        "/refresh",
        None,
        Some(json!({"refresh_token": first})),
    ));
    assert_eq!(call(&a, "GET", "/me", Some(&access), None).status, 200);

    // The first refresh token again, on A: reuse; the family is revoked on both.
    let reuse = call(
        &a,
        "POST",
        "/refresh",
        None,
        Some(json!({"refresh_token": first})),
    );
    assert_eq!(reuse.status, 401, "{reuse:?}");
    assert_eq!(reuse.body["error"], "invalid_token");
    assert_eq!(
        reuse.body["error_description"],
        "the refresh token was already used; sign in again"
    );
    let newest = call(
        &b,
        "POST",
        "/refresh",
        None,
        Some(json!({"refresh_token": second})),
    );
    assert_eq!(newest.status, 401, "{newest:?}");
    assert_eq!(
        newest.body["error_description"],
        "the token has been revoked"
    );

    // A second device, then logout everywhere on B: both devices' tokens stop on A.
    let (other_access, other_refresh) = tokens(&call(
        &a,
        "POST",
        "/login",
        None,
        Some(json!({"sub": "ada"})),
    ));
    let (bob, _) = tokens(&call(
        &a,
        "POST",
        "/login",
        None,
        Some(json!({"sub": "bob"})),
    ));
    clock.advance(Duration::from_secs(1));
    let out = call(&b, "POST", "/logout-everywhere", Some(&access), None);
    assert_eq!(out.status, 200, "{out:?}");
    for token in [&access, &other_access] {
        let reply = call(&a, "GET", "/me", Some(token), None);
        assert_eq!(reply.status, 401, "{reply:?}");
        assert_eq!(
            reply.body["error_description"],
            "the token has been revoked"
        );
    }
    let refreshed = call(
        &a,
        "POST",
        "/refresh",
        None,
        Some(json!({"refresh_token": other_refresh})),
    );
    assert_eq!(refreshed.status, 401, "{refreshed:?}");
    assert_eq!(call(&a, "GET", "/me", Some(&bob), None).status, 200);

    // A new login after the logout works everywhere.
    clock.advance(Duration::from_secs(1));
    let (fresh, _) = tokens(&call(
        &b,
        "POST",
        "/login",
        None,
        Some(json!({"sub": "ada"})),
    ));
    assert_eq!(call(&a, "GET", "/me", Some(&fresh), None).status, 200);
}
