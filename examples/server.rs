//! A small JSON API authenticated with JWTs, from login to logout: access and refresh tokens,
//! refresh-token rotation with reuse detection, logout everywhere, one-time links, a JWKS for
//! the access-token key, and CORS for a browser front end served from another origin.
//!
//! ```text
//! cargo run --example server -- [--port 3000] [--frontend-port 8080] [--redis redis://127.0.0.1:6379/]
//! ```
//!
//! | option | environment | default |
//! | --- | --- | --- |
//! | `--port N` (0: any free port) | `PORT` | 3000 |
//! | `--host ADDR` | `HOST` | 127.0.0.1 |
//! | `--redis URL`: replay and revocation records in Redis, shared by every instance | `REDIS_URL` | in-memory stores |
//! | `--key BASE64URL`: the HS256 key of refresh and one-time tokens, 32 bytes or more | `JWT_KEY` | a fresh random key |
//! | `--signing-key KEY`: the Ed25519 private key that signs access tokens, a JWK or a PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) | `JWT_SIGNING_KEY` | a fresh random key |
//! | `--allow-origin ORIGIN` (repeatable): a browser origin allowed to call the API (CORS) | `ALLOWED_ORIGINS` (comma-separated) | none |
//! | `--frontend-port N`: also serve the demo front end on this port (0: any), and allow its origin | `FRONTEND_PORT` | not served |
//!
//! Instances that accept each other's tokens share `--key`, `--signing-key` and `--redis`.
//!
//! # Two keys, three kinds of token
//!
//! - **Access tokens** (`typ` `at+jwt`, audience `api`, 15 minutes) are signed with Ed25519,
//!   a public-key algorithm: any other service can verify them with the public key this one
//!   publishes at `/.well-known/jwks.json`, and none of them can mint one.
//! - **Refresh tokens** (`typ` `refresh+jwt`, 7 days, one-use) and **one-time action tokens**
//!   (`typ` `action+jwt`, 5 minutes, one-use) are only ever read by this service, so they
//!   stay HMAC (HS256): faster, and the key never leaves it. Both kinds share that key; their
//!   `typ` keeps them apart, so a refresh token is never redeemed as an action or the other
//!   way round.
//!
//! # Sessions that end
//!
//! `POST /token` consumes the presented refresh token (in the replay store, so every
//! instance sharing Redis agrees) and issues a new pair. A refresh token presented a second
//! time means it was copied: the whole session (its *family*) is revoked, and the newest
//! refresh token of it fails too. `POST /logout` revokes every token of the caller issued
//! before now, on every instance sharing the store; access tokens are checked against that
//! record on each request. Tokens carry `iat` in milliseconds (a JSON number may have a
//! fraction, RFC 7519 §2), so that a logout revokes exactly the tokens issued before it and
//! a login right after it works.
//!
//! Routes (all JSON):
//!
//! | route | auth | what |
//! | --- | --- | --- |
//! | `POST /login` `{"username","password"}` | none | an OAuth 2.0 token response: access and refresh token |
//! | `POST /token` `{"refresh_token"}` | refresh token in the body | the next pair; the old refresh token is used up |
//! | `POST /logout` | access | revokes every token of the caller issued before now |
//! | `GET /me` | access | the caller's verified claims |
//! | `GET /admin` | access with role `admin` | 403 `insufficient_scope` otherwise |
//! | `POST /actions/token` | access | a one-time action token (5 minutes, random `jti`) |
//! | `POST /actions/redeem` | action token | accepted once; a second use is 401 |
//! | `GET /.well-known/jwks.json` | none | the public key of the access tokens |
//! | `GET /public/ping`, `GET /protected/ping` | none / access | the same tiny answer, for benchmarks |
//!
//! Demo users (passwords hashed with Argon2id at start-up, checked with Argon2id):
//! `alice` / `correct horse battery staple` (roles `user`, `admin`) and `bob` /
//! `hunter2-but-longer` (role `user`).
//!
//! The routes for signed-in users sit behind the tower layer `BearerLayer<Session>` (their
//! handlers take the claims it verified); CORS is the outermost layer, so that a browser's
//! preflight never needs a token.
//!
//! The front end (`examples/frontend/`: plain HTML and JavaScript, no build step) keeps its
//! tokens in memory only, never in `localStorage`, and calls the API across origins.

use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{FromRef, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE,
};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jwt_runtime::http::axum::Bearer;
use jwt_runtime::http::tower::BearerLayer;
use jwt_runtime::http::{BearerRejection, Realm, Rejection, Signs, TokenResponse, Verifier};
use jwt_runtime::replay::{
    AsyncRedisStore, AsyncReplayStore, InsertOutcome, MemoryStore, RedisStore, ReplayId,
    ReplayWindow, StoreError,
};
use jwt_runtime::sessions::{
    MemoryRevocationStore, RedisRevocationStore, RefreshClaims, Sessions, SharedRevocationStore,
};
use jwt_runtime::{
    Claims, Clock, Ed25519PrivateKey, EdDsa, Error, HmacKey, Hs256, NumericDate, PublicKeySet,
    Validation, Validity,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The issuer of every token this service makes, and the realm of its challenges.
pub const ISSUER: &str = "jwt-suite-example";
/// How long an access token lives.
pub const ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a refresh token lives: the longest-lived token, so revocation records are kept
/// this long.
pub const REFRESH_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a one-time action token lives.
pub const ACTION_TTL: Duration = Duration::from_secs(5 * 60);

/// An access token: what `POST /login` and `POST /token` return for the API routes. Signed
/// with Ed25519; checked against revocation on every request.
#[derive(Claims, Debug)]
#[claims(alg = "EdDSA", typ = "at+jwt", iss = "jwt-suite-example", aud = "api")]
pub struct Session {
    /// The user name.
    pub sub: String,
    /// Expiry: 15 minutes after issue.
    pub exp: NumericDate,
    /// Issued at, in milliseconds: compared with the instant of a logout.
    pub iat: NumericDate,
    /// The display name.
    pub name: String,
    /// What the user may do, e.g. `admin`.
    pub roles: Vec<String>,
}

/// A refresh token: one-use (`jti`), in a family fixed at login.
#[derive(Claims, Debug)]
#[claims(typ = "refresh+jwt", iss = "jwt-suite-example")]
pub struct Refresh {
    /// The user name.
    pub sub: String,
    /// Expiry: 7 days after issue.
    pub exp: NumericDate,
    /// Issued at.
    pub iat: NumericDate,
    /// The unique id, consumed by the refresh that uses it.
    pub jti: String,
    /// The session's family id, inherited by every refresh token rotated from it.
    pub fam: String,
}

impl RefreshClaims for Refresh {
    fn family(&self) -> &str {
        &self.fam
    }
}

/// A one-time action token (a link in an e-mail, say): its `jti` makes it one-use, consumed
/// on redemption. Its own `typ` keeps it apart from refresh tokens signed with the same key.
#[derive(Claims, Debug)]
#[claims(typ = "action+jwt", iss = "jwt-suite-example", aud = "one-time-action")]
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
    /// A Redis URL: replay and revocation records are then kept in Redis, shared by every
    /// instance.
    pub redis: Option<String>,
    /// The HS256 key of refresh and action tokens, as base64url; `None` generates one.
    pub key: Option<String>,
    /// The Ed25519 private key of access tokens, a JWK or a PKCS#8 PEM; `None` generates one.
    pub signing_key: Option<String>,
    /// Browser origins allowed to call the API (`http://127.0.0.1:8080`).
    pub allowed_origins: Vec<String>,
    /// Serve the front end on this port too (0: any free one), and allow its origin.
    pub frontend_port: Option<u16>,
}

impl Default for Config {
    /// Loopback, port 3000, memory stores, fresh keys, no other origin, no front end.
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 3000,
            redis: None,
            key: None,
            signing_key: None,
            allowed_origins: Vec::new(),
            frontend_port: None,
        }
    }
}

const USAGE: &str = "usage: server [--port N] [--host ADDR] [--redis URL] [--key BASE64URL]
              [--signing-key KEY] [--allow-origin ORIGIN]... [--frontend-port N]
  --port N              API port, 0 for any free port (env PORT, default 3000)
  --host ADDR           address to listen on (env HOST, default 127.0.0.1)
  --redis URL           replay and revocation records in Redis (env REDIS_URL, default in memory)
  --key BASE64URL       HS256 key of refresh and one-time tokens, at least 32 bytes
                        (env JWT_KEY, default random)
  --signing-key KEY     Ed25519 private key of access tokens: a JWK, or a PKCS#8 PEM as
                        `openssl genpkey -algorithm ed25519` writes it (env JWT_SIGNING_KEY,
                        default random)
  --allow-origin ORIGIN a browser origin allowed to call the API; repeatable
                        (env ALLOWED_ORIGINS, comma-separated)
  --frontend-port N     serve the demo front end on this port too, 0 for any, and allow its
                        origin (env FRONTEND_PORT)";

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
        let mut signing_key = env("JWT_SIGNING_KEY");
        let mut frontend_port = env("FRONTEND_PORT");
        let mut origins: Vec<String> = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let slot = match arg.as_str() {
                "--port" => &mut port,
                "--host" => &mut host,
                "--redis" => &mut redis,
                "--key" => &mut key,
                "--signing-key" => &mut signing_key,
                "--frontend-port" => &mut frontend_port,
                "--allow-origin" => {
                    origins.push(
                        args.next()
                            .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?,
                    );
                    continue;
                }
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            };
            *slot = Some(
                args.next()
                    .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?,
            );
        }
        if origins.is_empty() {
            origins = env("ALLOWED_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|origin| !origin.is_empty())
                .map(str::to_owned)
                .collect();
        }
        let parse_port = |port: &str| port.parse().map_err(|_| format!("invalid port {port:?}"));
        Ok(Config {
            port: match port.as_deref() {
                Some(port) => parse_port(port)?,
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
            signing_key: signing_key.filter(|key| !key.is_empty()),
            allowed_origins: origins,
            frontend_port: match frontend_port.as_deref().filter(|port| !port.is_empty()) {
                Some(port) => Some(parse_port(port)?),
                None => None,
            },
        })
    }
}

/// The wall clock in milliseconds. The library's `SystemClock` reads whole seconds, as most
/// token consumers expect; here a logout must tell apart the tokens issued just before it
/// from those issued just after, within the same second.
#[derive(Debug, Clone, Copy)]
pub struct MillisecondClock;

impl Clock for MillisecondClock {
    fn now(&self) -> NumericDate {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        #[expect(
            clippy::cast_precision_loss,
            reason = "milliseconds since 1970 fit an f64's 53 bits exactly for 285,000 years"
        )]
        let secs = millis as f64 / 1000.0;
        NumericDate::from_f64(secs).unwrap_or(NumericDate::from_secs(0))
    }
}

/// The replay store of one-use tokens (refresh and action tokens): in this process, or in
/// Redis shared by every instance.
#[derive(Clone)]
enum ReplayStore {
    Memory(Arc<MemoryStore>),
    Redis(AsyncRedisStore),
}

impl AsyncReplayStore for ReplayStore {
    async fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        match self {
            ReplayStore::Memory(store) => {
                AsyncReplayStore::insert_if_absent(&**store, id, window).await
            }
            ReplayStore::Redis(store) => store.insert_if_absent(id, window).await,
        }
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
    /// Signs access tokens, and verifies them with the public key: signature, claims, then
    /// the revocation records (so a logged-out user's tokens are refused on every route).
    access: Verifier<EdDsa, Signs>,
    /// Signs refresh and action tokens, and verifies action tokens, consuming their `jti` in
    /// `replay`. (One-time links live 5 minutes and are not checked against logouts.)
    secret: Verifier<Hs256, Signs>,
    /// The same key, for `Sessions::rotate_async`, which verifies refresh tokens itself.
    refresh_keys: HmacKey<Hs256>,
    /// The published key set: the access tokens' public key.
    jwks: Arc<str>,
    sessions: Sessions<MillisecondClock>,
    replay: ReplayStore,
    revocations: SharedRevocationStore,
    users: Arc<[User]>,
    /// A hash of a random password, checked when the user name is unknown, so that a failed
    /// login takes as long whether or not the user exists.
    decoy_hash: Arc<str>,
    /// Argon2 takes 19 MiB per hash: at most this many run at once, whatever the load.
    hashing: Arc<tokio::sync::Semaphore>,
}

// The extractor `Bearer<C>` finds the verifier of `C`'s algorithm through these.
impl FromRef<AppState> for Verifier<EdDsa> {
    fn from_ref(state: &AppState) -> Self {
        state.access.verify_only()
    }
}

impl FromRef<AppState> for Verifier<Hs256> {
    fn from_ref(state: &AppState) -> Self {
        state.secret.verify_only()
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

/// Builds the API: hashes the demo passwords, loads or makes the keys, picks the stores, and
/// answers CORS for `config.allowed_origins`. Must run inside a tokio runtime (the Redis
/// stores are bound to it).
///
/// # Errors
///
/// An invalid key, origin or Redis URL, or a hashing failure.
pub async fn app(config: &Config) -> Result<Router, Box<dyn StdError + Send + Sync>> {
    let cors = cors(&config.allowed_origins)?;
    let secret_key = match &config.key {
        Some(key) => HmacKey::<Hs256>::from_base64url(key)?,
        None => {
            eprintln!(
                "warning: no --key / JWT_KEY given: using a random key, so refresh tokens die with this process"
            );
            HmacKey::generate()?
        }
    };
    let signing_key = match &config.signing_key {
        Some(key) if key.trim_start().starts_with('{') => Ed25519PrivateKey::from_jwk(key)?,
        Some(pem) => Ed25519PrivateKey::from_pem(pem)?,
        None => {
            eprintln!(
                "warning: no --signing-key / JWT_SIGNING_KEY given: using a random key, so access tokens die with this process"
            );
            Ed25519PrivateKey::generate()?
        }
    };
    let public_keys = PublicKeySet::new(vec![signing_key.public_key()])?;
    let jwks: Arc<str> = public_keys.to_jwks().into();

    let (replay, revocations) = match &config.redis {
        Some(url) => {
            let replay = RedisStore::builder(url.as_str())
                .key_prefix("jwt-suite-example:jti:")
                .build_async()?;
            let revocations = RedisRevocationStore::builder(url.as_str())
                .key_prefix("jwt-suite-example:revoked:")
                .build_async()?;
            if let Err(error) = replay.ping().await {
                eprintln!(
                    "warning: Redis does not answer yet ({error}); one-use and revocable tokens are refused until it does"
                );
            }
            (
                ReplayStore::Redis(replay),
                SharedRevocationStore::new(revocations),
            )
        }
        None => (
            ReplayStore::Memory(Arc::new(MemoryStore::new())),
            SharedRevocationStore::new(MemoryRevocationStore::new()),
        ),
    };
    let sessions = Sessions::new(REFRESH_TTL).validation(Validation::new().clock(MillisecondClock));
    let realm = Realm::from_static(ISSUER);
    let access = Verifier::signing_with(signing_key, public_keys)
        .clock(MillisecondClock)
        .realm(realm.clone())
        .revocation(&sessions, revocations.clone());
    let secret = Verifier::signing(secret_key.clone())
        .clock(MillisecondClock)
        .realm(realm)
        .replay_store(replay.clone());

    // Hashing is deliberately slow: do it off the async threads.
    let (users, decoy_hash) =
        tokio::task::spawn_blocking(|| -> Result<_, Box<dyn StdError + Send + Sync>> {
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
        access,
        secret,
        refresh_keys: secret_key,
        jwks,
        sessions,
        replay,
        revocations,
        users: users.into(),
        decoy_hash: decoy_hash.into(),
        hashing: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        )),
    };
    // The routes for signed-in users sit behind the tower layer, which verifies the access
    // token once; their `Bearer<Session>` takes the claims it verified. (The other routes
    // verify their own kind of token, or none.)
    let signed_in = Router::new()
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/admin", get(admin))
        .route("/actions/token", post(issue_action_token))
        .route("/protected/ping", get(protected_ping))
        .route_layer(BearerLayer::<Session>::new(&state.access));
    Ok(Router::new()
        .route("/login", post(login))
        .route("/token", post(refresh))
        .route("/actions/redeem", post(redeem_action_token))
        .route("/.well-known/jwks.json", get(published_keys))
        .route("/public/ping", get(public_ping))
        .merge(signed_in)
        // Outermost: a preflight is answered before any token is looked for.
        .layer(cors)
        .with_state(state))
}

/// CORS for browser front ends on other origins. The layer answers a preflight `OPTIONS`
/// itself, before any route or token check; only the listed origins get an
/// `Access-Control-Allow-Origin`, so a browser on any other origin refuses to hand the
/// answer to its page. No credentials mode: the token travels in `Authorization`, not in a
/// cookie.
///
/// # Errors
///
/// An origin that is not `http(s)://host[:port]`: `*` and `null` are refused, as a browser
/// origin is compared as exact text.
pub fn cors(origins: &[String]) -> Result<CorsLayer, String> {
    let origins = origins
        .iter()
        .map(|origin| {
            let trimmed = origin.trim_end_matches('/');
            let host = trimmed
                .strip_prefix("https://")
                .or_else(|| trimmed.strip_prefix("http://"));
            match host {
                Some(host) if !host.is_empty() && !host.contains(['/', '*', '?', '#']) => {
                    HeaderValue::from_str(trimmed).map_err(|_| format!("invalid origin {origin:?}"))
                }
                _ => Err(format!(
                    "invalid origin {origin:?}: give scheme://host[:port], e.g. http://127.0.0.1:8080"
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers([WWW_AUTHENTICATE])
        .max_age(Duration::from_secs(600)))
}

/// The front end, for a browser: `index.html`, `app.js`, and `config.js`, which tells the
/// page where the API is (`api`, e.g. `http://127.0.0.1:3000`).
pub fn frontend(api: &str) -> Router {
    let config = format!(
        "window.API_BASE = {};\n",
        Value::from(api.trim_end_matches('/'))
    );
    let page = |content_type: &'static str, body: String| {
        move || async move { ([(CONTENT_TYPE, content_type)], body) }
    };
    Router::new()
        .route(
            "/",
            get(page(
                "text/html; charset=utf-8",
                include_str!("frontend/index.html").to_owned(),
            )),
        )
        .route(
            "/app.js",
            get(page(
                "text/javascript; charset=utf-8",
                include_str!("frontend/app.js").to_owned(),
            )),
        )
        .route(
            "/config.js",
            get(page("text/javascript; charset=utf-8", config)),
        )
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

#[derive(Deserialize)]
struct RefreshRequest {
    refresh_token: String,
}

/// An error response with a JSON body (RFC 6749 §5.2 names for the token routes).
fn error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn server_error(description: &str) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        description,
    )
}

impl AppState {
    /// A new access and refresh token for `user`, the refresh token in `family`, issued at
    /// `now`, as an OAuth 2.0 token response (not to be cached).
    fn token_response(&self, user: &User, family: String, now: NumericDate) -> Response {
        let access = Validity::starting_at(now, ACCESS_TTL);
        let refresh = Validity::starting_at(now, REFRESH_TTL);
        let Ok(jti) = jwt_runtime::random_token_id() else {
            return server_error("no randomness");
        };
        let access = self.access.encode(&Session {
            sub: user.name.to_owned(),
            exp: access.expires_at,
            iat: access.issued_at,
            name: user.display_name.to_owned(),
            roles: user.roles.iter().map(|&role| role.to_owned()).collect(),
        });
        let refresh = self.secret.encode(&Refresh {
            sub: user.name.to_owned(),
            exp: refresh.expires_at,
            iat: refresh.issued_at,
            jti,
            fam: family,
        });
        match (access, refresh) {
            (Ok(access), Ok(refresh)) => (
                [(CACHE_CONTROL, "no-store")],
                Json(TokenResponse::bearer(access, ACCESS_TTL).with_refresh_token(refresh)),
            )
                .into_response(),
            _ => server_error("could not issue a token"),
        }
    }

    fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|user| user.name == name)
    }
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
    // A login starts a new family: the refresh tokens of this session, and only them.
    let Ok(family) = jwt_runtime::random_token_id() else {
        return server_error("no randomness");
    };
    state.token_response(user, family, MillisecondClock.now())
}

/// Rotation: the presented refresh token is used up (on every instance sharing the store),
/// and the next pair continues its family. A second use revokes the family.
async fn refresh(State(state): State<AppState>, Json(request): Json<RefreshRequest>) -> Response {
    let rotation = state
        .sessions
        .rotate_async::<Refresh, _, _, _>(
            &request.refresh_token,
            &state.refresh_keys,
            &state.replay,
            &state.revocations,
        )
        .await;
    let rotation = match rotation {
        Ok(rotation) => rotation,
        Err(Error::StoreUnavailable(_) | Error::ReplayUnconfirmed(_)) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the refresh token cannot be checked now; try again later",
            );
        }
        Err(Error::RefreshReuse) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the refresh token was already used: the session is revoked, sign in again",
            );
        }
        Err(Error::Revoked) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the session was revoked, sign in again",
            );
        }
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the refresh token is not valid",
            );
        }
    };
    let rotated_at = rotation.rotated_at();
    let claims = rotation.into_claims();
    // Roles and names are read again: a refresh picks up changes to the account.
    match state.user(&claims.sub) {
        Some(user) => state.token_response(user, claims.fam, rotated_at),
        None => error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the account no longer exists",
        ),
    }
}

/// Logout everywhere: every token of the caller issued before now, access and refresh, on
/// every instance sharing the store.
async fn logout(State(state): State<AppState>, Bearer(session): Bearer<Session>) -> Response {
    match state
        .sessions
        .log_out_everywhere_async(&state.revocations, &session.sub)
        .await
    {
        Ok(at) => Json(json!({ "logged_out": session.sub, "revoked_before": at.as_f64() }))
            .into_response(),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the logout was not recorded; try again",
        ),
    }
}

async fn me(Bearer(session): Bearer<Session>) -> Json<Value> {
    Json(json!({
        "sub": session.sub,
        "name": session.name,
        "roles": session.roles,
        "iat": session.iat.as_f64(),
        "exp": session.exp.as_f64(),
    }))
}

async fn admin(
    State(state): State<AppState>,
    Bearer(session): Bearer<Session>,
) -> Result<Json<Value>, BearerRejection> {
    if !session.roles.iter().any(|role| role == "admin") {
        return Err(state
            .access
            .reject(Rejection::insufficient_scope_for("admin")));
    }
    Ok(Json(json!({ "admin": true, "sub": session.sub })))
}

async fn issue_action_token(
    State(state): State<AppState>,
    Bearer(session): Bearer<Session>,
) -> Response {
    let Ok(jti) = jwt_runtime::random_token_id() else {
        return server_error("no randomness");
    };
    let validity = Validity::starting_at(MillisecondClock.now(), ACTION_TTL);
    let action = ActionToken {
        sub: session.sub,
        exp: validity.expires_at,
        iat: validity.issued_at,
        jti,
        action: "delete-account".to_owned(),
    };
    match state.secret.encode(&action) {
        Ok(token) => Json(json!({ "action_token": token, "expires_in": ACTION_TTL.as_secs() }))
            .into_response(),
        Err(_) => server_error("could not issue a token"),
    }
}

/// The extractor consumes the `jti` in the replay store before this runs: a second
/// redemption never gets here.
async fn redeem_action_token(Bearer(action): Bearer<ActionToken>) -> Json<Value> {
    Json(json!({ "redeemed": action.jti, "action": action.action, "sub": action.sub }))
}

/// The access tokens' public key (RFC 7517 key set), for other services.
async fn published_keys(State(state): State<AppState>) -> Response {
    (
        [
            (CONTENT_TYPE, "application/jwk-set+json"),
            (CACHE_CONTROL, "max-age=300"),
        ],
        state.jwks.to_string(),
    )
        .into_response()
}

async fn public_ping() -> Json<Value> {
    Json(json!({ "pong": true }))
}

async fn protected_ping(_: Bearer<Session>) -> Json<Value> {
    Json(json!({ "pong": true }))
}

/// Binds, prints where it listens, and serves until the process ends.
async fn run(mut config: Config) -> Result<(), Box<dyn StdError + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(config.host, config.port)).await?;
    let address = listener.local_addr()?;
    let frontend_listener = match config.frontend_port {
        Some(port) => {
            let listener =
                tokio::net::TcpListener::bind(SocketAddr::new(config.host, port)).await?;
            let frontend_address = listener.local_addr()?;
            config
                .allowed_origins
                .push(format!("http://{frontend_address}"));
            Some(listener)
        }
        None => None,
    };
    let router = app(&config).await?;
    let store = if config.redis.is_some() {
        "Redis"
    } else {
        "in-memory"
    };
    println!("listening on http://{address} (replay and revocation records: {store} stores)");
    if let Some(listener) = frontend_listener {
        println!("front end on http://{}", listener.local_addr()?);
        let page = frontend(&format!("http://{address}"));
        tokio::spawn(async move { axum::serve(listener, page).await });
    }
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
