//! A small JSON API authenticated with JWTs: log in, call protected routes with the token,
//! and redeem one-time action tokens (protected by `jti`).
//!
//! ```text
//! cargo run --example server -- [--port 3000] [--host 127.0.0.1] [--redis redis://127.0.0.1:6379/] [--key BASE64URL]
//! ```
//!
//! | option | environment | default |
//! | --- | --- | --- |
//! | `--port N` (0: any free port) | `PORT` | 3000 |
//! | `--host ADDR` | `HOST` | 127.0.0.1 |
//! | `--redis URL`: consume one-time tokens in Redis, shared by every instance | `REDIS_URL` | in-memory store |
//! | `--key BASE64URL`: the HS256 key, 32 bytes or more; instances that share tokens share it | `JWT_KEY` | a fresh random key |
//!
//! Routes (all JSON):
//!
//! | route | auth | what |
//! | --- | --- | --- |
//! | `POST /login` `{"username","password"}` | none | a 15-minute session token |
//! | `GET /me` | session | the caller's verified claims |
//! | `GET /admin` | session with role `admin` | 403 `insufficient_scope` otherwise |
//! | `POST /actions/token` | session | a one-time action token (5 minutes, random `jti`) |
//! | `POST /actions/redeem` | action token | accepted once; a second use is 401 |
//! | `GET /public/ping`, `GET /protected/ping` | none / session | the same tiny answer, for benchmarks |
//!
//! Demo users (passwords hashed with Argon2id at start-up, checked with Argon2id):
//! `alice` / `correct horse battery staple` (roles `user`, `admin`) and `bob` /
//! `hunter2-but-longer` (role `user`).

use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jwt_runtime::http::axum::{Bearer, BearerRejection, Verifier};
use jwt_runtime::http::{Realm, Rejection};
use jwt_runtime::replay::RedisStore;
use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate};
use serde::Deserialize;
use serde_json::{Value, json};

/// The issuer of every token this service makes, and the realm of its challenges.
pub const ISSUER: &str = "jwt-suite-example";
/// How long a session token lives.
pub const SESSION_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a one-time action token lives.
pub const ACTION_TTL: Duration = Duration::from_secs(5 * 60);

/// A session: the token `POST /login` returns, for the API routes.
#[derive(Claims, Debug)]
#[claims(iss = "jwt-suite-example", aud = "api")]
pub struct Session {
    /// The user name.
    pub sub: String,
    /// Expiry: 15 minutes after login.
    pub exp: NumericDate,
    /// Issued at: never in the future.
    pub iat: NumericDate,
    /// The display name.
    pub name: String,
    /// What the user may do, e.g. `admin`.
    pub roles: Vec<String>,
}

/// A one-time action token: its `jti` makes it one-use, consumed on redemption. Its own
/// audience keeps it apart from session tokens.
#[derive(Claims, Debug)]
#[claims(iss = "jwt-suite-example", aud = "one-time-action")]
pub struct ActionToken {
    /// The user it was issued to.
    pub sub: String,
    /// Expiry: 5 minutes after issue.
    pub exp: NumericDate,
    /// Issued at.
    pub iat: NumericDate,
    /// The unique id, remembered by the replay store once redeemed.
    pub jti: String,
    /// What redeeming it does.
    pub action: String,
}

/// Start-up settings, from arguments and the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on.
    pub host: IpAddr,
    /// The port to listen on; 0 picks a free one.
    pub port: u16,
    /// A Redis URL: one-time tokens are then consumed in Redis, shared by every instance.
    pub redis: Option<String>,
    /// The HS256 key as base64url; `None` generates one.
    pub key: Option<String>,
}

const USAGE: &str = "usage: server [--port N] [--host ADDR] [--redis URL] [--key BASE64URL]
  --port N          port to listen on, 0 for any free port (env PORT, default 3000)
  --host ADDR       address to listen on (env HOST, default 127.0.0.1)
  --redis URL       consume one-time tokens in Redis (env REDIS_URL, default in memory)
  --key BASE64URL   HS256 key, at least 32 bytes (env JWT_KEY, default random)";

impl Config {
    /// Reads `args` (without the program name), falling back to the environment for each
    /// setting an argument does not give.
    ///
    /// # Errors
    ///
    /// A message for an unknown option, a missing value or an invalid port or address.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, String> {
        let mut port = env("PORT");
        let mut host = env("HOST");
        let mut redis = env("REDIS_URL");
        let mut key = env("JWT_KEY");
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let slot = match arg.as_str() {
                "--port" => &mut port,
                "--host" => &mut host,
                "--redis" => &mut redis,
                "--key" => &mut key,
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            };
            *slot = Some(
                args.next()
                    .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?,
            );
        }
        Ok(Config {
            port: match port.as_deref() {
                Some(port) => port.parse().map_err(|_| format!("invalid port {port:?}"))?,
                None => 3000,
            },
            host: match host.as_deref() {
                Some(host) => host
                    .parse()
                    .map_err(|_| format!("invalid address {host:?}"))?,
                None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            },
            redis: redis.filter(|url| !url.is_empty()),
            key: key.filter(|key| !key.is_empty()),
        })
    }
}

/// A demo user: the password is kept only as an Argon2id hash.
struct User {
    name: &'static str,
    display_name: &'static str,
    roles: &'static [&'static str],
    password_hash: String,
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    key: HmacKey<Hs256>,
    verifier: Verifier<Hs256>,
    users: Arc<[User]>,
    /// A hash of a random password, checked when the user name is unknown, so that a failed
    /// login takes as long whether or not the user exists.
    decoy_hash: Arc<str>,
    /// Argon2 takes 19 MiB per hash: at most this many run at once, whatever the load.
    hashing: Arc<tokio::sync::Semaphore>,
}

impl FromRef<AppState> for Verifier<Hs256> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

fn hash_password(password: &[u8]) -> Result<String, Box<dyn StdError + Send + Sync>> {
    Ok(Argon2::default()
        .hash_password(password)
        .map_err(|error| error.to_string())?
        .to_string())
}

fn verify_password(password: &[u8], hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|hash| Argon2::default().verify_password(password, &hash).is_ok())
}

/// Builds the service: hashes the demo passwords, loads or makes the key, and picks the
/// replay store. Must run inside a tokio runtime (the Redis store is bound to it).
///
/// # Errors
///
/// An invalid key or Redis URL, or a hashing failure.
pub async fn app(config: &Config) -> Result<Router, Box<dyn StdError + Send + Sync>> {
    let key = match &config.key {
        Some(key) => HmacKey::<Hs256>::from_base64url(key)?,
        None => {
            eprintln!(
                "warning: no --key / JWT_KEY given: using a random key, so tokens die with this process"
            );
            HmacKey::generate()?
        }
    };
    let mut verifier = Verifier::new(key.clone()).realm(Realm::from_static(ISSUER));
    if let Some(url) = &config.redis {
        let store = RedisStore::builder(url.as_str())
            .key_prefix("jwt-suite-example:jti:")
            .build_async()?;
        if let Err(error) = store.ping().await {
            eprintln!(
                "warning: Redis does not answer yet ({error}); one-time tokens are refused until it does"
            );
        }
        verifier = verifier.replay_store(store);
    }

    // Hashing is deliberately slow: do it off the async threads.
    let users = tokio::task::spawn_blocking(|| -> Result<_, Box<dyn StdError + Send + Sync>> {
        let decoy = HmacKey::<Hs256>::generate_base64url()?;
        let users = [
            (
                "alice",
                "Alice",
                &["user", "admin"][..],
                "correct horse battery staple",
            ),
            ("bob", "Bob", &["user"][..], "hunter2-but-longer"),
        ]
        .into_iter()
        .map(|(name, display_name, roles, password)| {
            Ok(User {
                name,
                display_name,
                roles,
                password_hash: hash_password(password.as_bytes())?,
            })
        })
        .collect::<Result<Vec<User>, Box<dyn StdError + Send + Sync>>>()?;
        Ok((users, hash_password(decoy.as_bytes())?))
    })
    .await??;

    let state = AppState {
        key,
        verifier,
        users: users.0.into(),
        decoy_hash: users.1.into(),
        hashing: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        )),
    };
    Ok(Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/admin", get(admin))
        .route("/actions/token", post(issue_action_token))
        .route("/actions/redeem", post(redeem_action_token))
        .route("/public/ping", get(public_ping))
        .route("/protected/ping", get(protected_ping))
        .with_state(state))
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// An error response with a JSON body.
fn error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn now() -> NumericDate {
    NumericDate::now()
}

async fn login(State(state): State<AppState>, Json(login): Json<Login>) -> Response {
    let user = state
        .users
        .iter()
        .position(|user| user.name == login.username);
    let hash = match user {
        Some(index) => state.users[index].password_hash.clone(),
        None => state.decoy_hash.to_string(),
    };
    let password = login.password;
    // The permit moves into the hashing task, so that it is held until the hash is done even
    // if the client goes away.
    let Ok(permit) = Arc::clone(&state.hashing).acquire_owned().await else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "try again later",
        );
    };
    let verified = tokio::task::spawn_blocking(move || {
        let verified = verify_password(password.as_bytes(), &hash);
        drop(permit);
        verified
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| verified).map(|index| &state.users[index]) else {
        // RFC 6749 §5.2: wrong resource owner credentials are `invalid_grant`.
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "unknown user or wrong password",
        );
    };

    let now = now();
    let session = Session {
        sub: user.name.to_owned(),
        exp: now + SESSION_TTL,
        iat: now,
        name: user.display_name.to_owned(),
        roles: user.roles.iter().map(|&role| role.to_owned()).collect(),
    };
    match session.encode(&state.key) {
        Ok(token) => Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": SESSION_TTL.as_secs(),
        }))
        .into_response(),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "could not issue a token",
        ),
    }
}

async fn me(Bearer(session): Bearer<Session>) -> Json<Value> {
    Json(json!({
        "sub": session.sub,
        "name": session.name,
        "roles": session.roles,
        "iat": session.iat.as_secs(),
        "exp": session.exp.as_secs(),
    }))
}

async fn admin(
    State(state): State<AppState>,
    Bearer(session): Bearer<Session>,
) -> Result<Json<Value>, BearerRejection> {
    if !session.roles.iter().any(|role| role == "admin") {
        return Err(state
            .verifier
            .reject(Rejection::insufficient_scope_for("admin")));
    }
    Ok(Json(json!({ "admin": true, "sub": session.sub })))
}

async fn issue_action_token(
    State(state): State<AppState>,
    Bearer(session): Bearer<Session>,
) -> Response {
    let jti = match jwt_runtime::random_token_id() {
        Ok(id) => id,
        Err(_) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "no randomness",
            );
        }
    };
    let now = now();
    let action = ActionToken {
        sub: session.sub,
        exp: now + ACTION_TTL,
        iat: now,
        jti,
        action: "delete-account".to_owned(),
    };
    match action.encode(&state.key) {
        Ok(token) => Json(json!({ "action_token": token, "expires_in": ACTION_TTL.as_secs() }))
            .into_response(),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "could not issue a token",
        ),
    }
}

/// The extractor consumes the `jti` in the replay store before this runs: a second
/// redemption never gets here.
async fn redeem_action_token(Bearer(action): Bearer<ActionToken>) -> Json<Value> {
    Json(json!({ "redeemed": action.jti, "action": action.action, "sub": action.sub }))
}

async fn public_ping() -> Json<Value> {
    Json(json!({ "pong": true }))
}

async fn protected_ping(_: Bearer<Session>) -> Json<Value> {
    Json(json!({ "pong": true }))
}

/// Binds, prints where it listens, and serves until the process ends.
async fn run(config: Config) -> Result<(), Box<dyn StdError + Send + Sync>> {
    let router = app(&config).await?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(config.host, config.port)).await?;
    let address = listener.local_addr()?;
    let store = if config.redis.is_some() {
        "Redis"
    } else {
        "in-memory"
    };
    println!("listening on http://{address} (one-time tokens: {store} store)");
    axum::serve(listener, router).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = match Config::parse(std::env::args().skip(1), |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
