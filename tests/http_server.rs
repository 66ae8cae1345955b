//! `examples/server.rs` over real HTTP on loopback, driven by a real client (`ureq`), with
//! the default in-memory replay store.
//!
//! The service runs in-process on a tokio listener bound to `127.0.0.1:0`, exactly as its
//! `main` serves it. It validates with the system clock; tokens that must be expired or
//! valid regardless of the date are made here with fixed dates (2001 and 2096) and the key
//! the test hands the service, so no test reads the wall clock.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/server.rs"]
mod server;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::LazyLock;
use std::time::Duration;

use jwt_runtime::{
    Claims, Ed25519PrivateKey, Ed25519PublicKey, HmacKey, Hs256, NumericDate, PublicKeySet,
    base64url,
};
use serde_json::{Value, json};
use server::{ActionToken, Config, Refresh, Session};

/// The key of refresh and action tokens the test shares with the service, as `--key` would.
const KEY: &str = "dGVzdCBrZXkgZm9yIGh0dHAgdGVzdHMsIDMyIGJ5dGVzIGF0IGxlYXN0IQ";
/// The access-token signing key the test shares with the service, as `--signing-key` would.
const SIGNING_KEY: &str = r#"{"kty":"OKP","crv":"Ed25519","d":"nuTFofUN3OXJWbx1UlZi77dWB46amhymSBmkFXSrzUg","x":"Xyk0agtK6hWtXriYslZFYWCC1pf0pTpDpvjHSX4nbbk"}"#;
/// The origin allowed to call the API from a browser.
const ALLOWED_ORIGIN: &str = "http://app.example";

/// 2001-09-09: long past.
const PAST: i64 = 1_000_000_000;
/// 2096-10-02: far ahead.
const FUTURE: i64 = 4_000_000_000;

fn key() -> HmacKey<Hs256> {
    HmacKey::from_base64url(KEY).unwrap()
}

fn signing_key() -> Ed25519PrivateKey {
    Ed25519PrivateKey::from_jwk(SIGNING_KEY).unwrap()
}

/// A running service: its base URL; the runtime lives as long as the test process.
struct Service {
    base: String,
    _runtime: tokio::runtime::Runtime,
}

fn start(config: Config) -> Service {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (router, listener) = runtime.block_on(async {
        let router = server::app(&config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        (router, listener)
    });
    let address = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, router).await });
    Service {
        base: format!("http://{address}"),
        _runtime: runtime,
    }
}

/// One service for the whole file (Argon2 hashing at start-up is slow in debug builds).
static SERVICE: LazyLock<Service> = LazyLock::new(|| {
    start(Config {
        port: 0,
        key: Some(KEY.to_owned()),
        signing_key: Some(SIGNING_KEY.to_owned()),
        allowed_origins: vec![ALLOWED_ORIGIN.to_owned()],
        ..Config::default()
    })
});

fn url(path: &str) -> String {
    format!("{}{path}", SERVICE.base)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// A response, reduced to what the tests look at.
#[derive(Debug)]
struct Reply {
    status: u16,
    challenge: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn error_description(&self) -> String {
        self.json()["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.unwrap();
    Reply {
        status: response.status().as_u16(),
        challenge: response
            .headers()
            .get("www-authenticate")
            .map(|value| value.to_str().unwrap().to_owned()),
        body: response.body_mut().read_to_string().unwrap(),
    }
}

fn get(path: &str, authorization: Option<&str>) -> Reply {
    let mut request = agent().get(url(path));
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    reply(request.call())
}

fn post(path: &str, authorization: Option<&str>, body: Option<Value>) -> Reply {
    let mut request = agent().post(url(path));
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    reply(match body {
        Some(body) => request
            .header("Content-Type", "application/json")
            .send(body.to_string()),
        None => request.send_empty(),
    })
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn login(username: &str, password: &str) -> String {
    let reply = post(
        "/login",
        None,
        Some(json!({ "username": username, "password": password })),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    let json = reply.json();
    assert_eq!(json["token_type"], "Bearer");
    json["access_token"].as_str().unwrap().to_owned()
}

fn alice() -> String {
    login("alice", "correct horse battery staple")
}

/// An access token made here with the shared key, as another instance would make it.
fn session_at(sub: &str, iat: NumericDate, exp: NumericDate) -> String {
    Session {
        sub: sub.into(),
        exp,
        iat,
        name: sub.into(),
        roles: vec!["user".into()],
    }
    .encode(&signing_key())
    .unwrap()
}

/// An access token made here, long expired.
fn expired_session(sub: &str) -> String {
    session_at(
        sub,
        NumericDate::from_secs(PAST),
        NumericDate::from_secs(PAST + 60),
    )
}

/// The service's "now", as its clock puts it in the tokens it issues: the test reads no
/// clock of its own.
fn service_now() -> NumericDate {
    let me = get("/me", Some(&bearer(&alice()))).json();
    NumericDate::from_f64(me["iat"].as_f64().unwrap()).unwrap()
}

/// A valid access token made here, issued at the service's "now".
fn session(sub: &str) -> String {
    let now = service_now();
    session_at(sub, now, now.saturating_add(server::ACCESS_TTL))
}

fn action_token(jti: &str) -> String {
    ActionToken {
        sub: "alice".into(),
        exp: NumericDate::from_secs(FUTURE),
        iat: NumericDate::from_secs(PAST),
        jti: jti.into(),
        action: "delete-account".into(),
    }
    .encode(&key())
    .unwrap()
}

fn assert_invalid_token(reply: &Reply, description: &str) {
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            format!(
                "Bearer realm=\"jwt-suite-example\", error=\"invalid_token\", error_description=\"{description}\""
            )
            .as_str()
        ),
        "{reply:?}"
    );
    assert_eq!(reply.json()["error"], "invalid_token");
    assert_eq!(reply.error_description(), description);
}

fn assert_invalid_request(reply: &Reply) {
    assert_eq!(reply.status, 400, "{reply:?}");
    let challenge = reply.challenge.as_deref().unwrap_or_default();
    assert!(
        challenge.starts_with(
            "Bearer realm=\"jwt-suite-example\", error=\"invalid_request\", error_description=\""
        ),
        "{reply:?}"
    );
    assert_eq!(reply.json()["error"], "invalid_request");
}

const BARE_CHALLENGE: &str = "Bearer realm=\"jwt-suite-example\"";

#[test]
fn a_token_from_login_opens_the_protected_route() {
    let token = alice();
    let reply = get("/me", Some(&bearer(&token)));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.challenge, None);
    let me = reply.json();
    assert_eq!(me["sub"], "alice");
    assert_eq!(me["name"], "Alice");
    assert_eq!(me["roles"], json!(["user", "admin"]));
    assert_eq!(
        me["exp"].as_f64().unwrap() - me["iat"].as_f64().unwrap(),
        900.0
    );
}

#[test]
fn a_token_made_with_the_shared_key_is_accepted() {
    let reply = get("/me", Some(&bearer(&session("carol"))));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["sub"], "carol");
    // The scheme is case-insensitive.
    let reply = get("/me", Some(&format!("bEaReR {}", session("carol"))));
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[test]
fn no_header_is_401_with_a_bare_challenge() {
    let reply = get("/me", None);
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(reply.challenge.as_deref(), Some(BARE_CHALLENGE));
    // The body has the shape of every other rejection's; the challenge stays bare.
    assert_eq!(
        reply.json(),
        json!({ "error_description": "the request has no Bearer token" })
    );
}

#[test]
fn another_scheme_is_answered_like_no_header() {
    for authorization in ["Basic YWxpY2U6c2VjcmV0", "Negotiate", "Token abc"] {
        let reply = get("/me", Some(authorization));
        assert_eq!(reply.status, 401, "{authorization}: {reply:?}");
        assert_eq!(reply.challenge.as_deref(), Some(BARE_CHALLENGE));
    }
}

#[test]
fn malformed_headers_are_400_invalid_request() {
    let token = session("carol");
    for authorization in [
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer  {token}"),
        format!("Bearer {token} extra"),
        format!("Bearer {token},"),
        format!("Bearer {token}\"x"),
        format!("Bearer ={token}"),
        format!("Bearer \t{token}"),
    ] {
        let reply = get("/me", Some(&authorization));
        assert_invalid_request(&reply);
    }
    let reply = get("/me", Some("Bearer  x"));
    assert_eq!(
        reply.error_description(),
        "Bearer must be followed by exactly one space"
    );
}

/// Requests a client library would refuse to send, written byte by byte.
fn raw_get(path: &str, header_lines: &[&[u8]]) -> Reply {
    let address = SERVICE.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n").into_bytes();
    for line in header_lines {
        request.extend_from_slice(line);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    stream.write_all(&request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let challenge = lines
        .filter_map(|line| line.split_once(": "))
        .find(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, value)| value.to_owned());
    Reply {
        status,
        challenge,
        body: body.to_owned(),
    }
}

#[test]
fn repeated_or_non_ascii_headers_are_400_invalid_request() {
    let token = format!("Authorization: Bearer {}", session("carol"));
    // Control: the same raw request with one header is accepted.
    assert_eq!(raw_get("/me", &[token.as_bytes()]).status, 200);

    let reply = raw_get("/me", &[token.as_bytes(), token.as_bytes()]);
    assert_invalid_request(&reply);
    assert_eq!(
        reply.error_description(),
        "the request has more than one Authorization header"
    );

    for line in [
        &b"Authorization: Bearer \xff\xfe"[..],
        b"Authorization: Bearer caf\xc3\xa9",
        b"Authorization: Bearer\tabc",
    ] {
        assert_invalid_request(&raw_get("/me", &[line]));
    }
}

#[test]
fn an_expired_token_is_401_invalid_token() {
    let reply = get("/me", Some(&bearer(&expired_session("carol"))));
    assert_invalid_token(&reply, "the token has expired");
}

#[test]
fn a_tampered_token_is_401_invalid_token() {
    // Bob gives himself the admin role and keeps his signature.
    let token = login("bob", "hunter2-but-longer");
    let mut parts = token.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let mut claims: Value =
        serde_json::from_slice(&base64url::decode(payload.as_bytes()).unwrap()).unwrap();
    claims["roles"] = json!(["user", "admin"]);
    let forged = format!(
        "{header}.{}.{signature}",
        base64url::encode(claims.to_string().as_bytes())
    );
    assert_invalid_token(
        &get("/admin", Some(&bearer(&forged))),
        "the token signature is invalid",
    );
    assert_invalid_token(
        &get("/me", Some(&bearer(&forged))),
        "the token signature is invalid",
    );

    // A token signed with another key: under the service's key id, a bad signature; under
    // its own, a key the service does not know.
    let other = Ed25519PrivateKey::generate().unwrap();
    let stranger = |key: &Ed25519PrivateKey| {
        Session {
            sub: "mallory".into(),
            exp: NumericDate::from_secs(FUTURE),
            iat: NumericDate::from_secs(PAST),
            name: "Mallory".into(),
            roles: vec!["admin".into()],
        }
        .encode(key)
        .unwrap()
    };
    let impostor = other.clone().with_kid(signing_key().kid()).unwrap();
    assert_invalid_token(
        &get("/me", Some(&bearer(&stranger(&impostor)))),
        "the token signature is invalid",
    );
    assert_invalid_token(
        &get("/me", Some(&bearer(&stranger(&other)))),
        "the token key id is not known",
    );

    // Not a JWS at all, but valid b64token syntax: a bad token, not a bad request.
    assert_invalid_token(&get("/me", Some("Bearer abc")), "the token is malformed");
}

/// The service's session claims, for another audience.
#[derive(Claims)]
#[claims(
    alg = "EdDSA",
    typ = "at+jwt",
    iss = "jwt-suite-example",
    aud = "billing"
)]
struct BillingSession {
    sub: String,
    exp: NumericDate,
    iat: NumericDate,
    name: String,
    roles: Vec<String>,
}

#[test]
fn a_token_for_another_audience_is_401_invalid_token() {
    let token = BillingSession {
        sub: "alice".into(),
        exp: NumericDate::from_secs(FUTURE),
        iat: NumericDate::from_secs(PAST),
        name: "Alice".into(),
        roles: vec!["admin".into()],
    }
    .encode(&signing_key())
    .unwrap();
    assert_invalid_token(
        &get("/me", Some(&bearer(&token))),
        "the token audience is not accepted",
    );
    // A one-time action token is not a session either (HMAC, not Ed25519; and its `typ`
    // and audience differ) ...
    assert_invalid_token(
        &get("/me", Some(&bearer(&action_token("not-a-session")))),
        "the token algorithm is not accepted",
    );
    // ... nor is a session token an action token.
    assert_invalid_token(
        &post("/actions/redeem", Some(&bearer(&session("carol"))), None),
        "the token algorithm is not accepted",
    );
}

#[test]
fn a_one_time_action_is_accepted_once() {
    let session = alice();
    let issued = post("/actions/token", Some(&bearer(&session)), None);
    assert_eq!(issued.status, 200, "{issued:?}");
    let token = issued.json()["action_token"].as_str().unwrap().to_owned();

    let first = post("/actions/redeem", Some(&bearer(&token)), None);
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.json()["sub"], "alice");
    assert_eq!(first.json()["action"], "delete-account");

    let second = post("/actions/redeem", Some(&bearer(&token)), None);
    assert_invalid_token(&second, "the token has already been used");
}

#[test]
fn a_rejected_one_time_token_does_not_burn_its_jti() {
    let token = action_token("burn-test");
    // The same claims signed with another key, and an expired twin: both refused ...
    let other = HmacKey::<Hs256>::from_bytes(&[9; 32]).unwrap();
    let forged = ActionToken {
        sub: "alice".into(),
        exp: NumericDate::from_secs(FUTURE),
        iat: NumericDate::from_secs(PAST),
        jti: "burn-test".into(),
        action: "delete-account".into(),
    }
    .encode(&other)
    .unwrap();
    let expired = ActionToken {
        sub: "alice".into(),
        exp: NumericDate::from_secs(PAST + 60),
        iat: NumericDate::from_secs(PAST),
        jti: "burn-test".into(),
        action: "delete-account".into(),
    }
    .encode(&key())
    .unwrap();
    assert_invalid_token(
        &post("/actions/redeem", Some(&bearer(&forged)), None),
        "the token signature is invalid",
    );
    assert_invalid_token(
        &post("/actions/redeem", Some(&bearer(&expired)), None),
        "the token has expired",
    );
    // ... and the genuine token is still good, once.
    assert_eq!(
        post("/actions/redeem", Some(&bearer(&token)), None).status,
        200
    );
    assert_invalid_token(
        &post("/actions/redeem", Some(&bearer(&token)), None),
        "the token has already been used",
    );
}

#[test]
fn concurrent_redemptions_have_exactly_one_winner() {
    let token = action_token("race");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| post("/actions/redeem", Some(&bearer(&token)), None).status))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&status| status == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&status| status == 401).count(),
        7,
        "{statuses:?}"
    );
}

#[test]
fn a_missing_role_is_403_insufficient_scope() {
    let alice = get("/admin", Some(&bearer(&alice())));
    assert_eq!(alice.status, 200, "{alice:?}");

    let bob = get("/admin", Some(&bearer(&login("bob", "hunter2-but-longer"))));
    assert_eq!(bob.status, 403, "{bob:?}");
    assert_eq!(
        bob.challenge.as_deref(),
        Some(
            "Bearer realm=\"jwt-suite-example\", error=\"insufficient_scope\", \
             error_description=\"the token does not grant access to this resource\", scope=\"admin\""
        )
    );
}

#[test]
fn wrong_credentials_get_no_token() {
    for (username, password) in [
        ("alice", "wrong"),
        ("alice", ""),
        ("nobody", "correct horse battery staple"),
    ] {
        let reply = post(
            "/login",
            None,
            Some(json!({ "username": username, "password": password })),
        );
        assert_eq!(reply.status, 400, "{reply:?}");
        assert_eq!(reply.json()["error"], "invalid_grant");
        assert!(reply.json().get("access_token").is_none());
    }
}

#[test]
fn rejections_never_echo_the_token() {
    let token = expired_session("carol");
    let signature = token.rsplit('.').next().unwrap();
    for authorization in [
        bearer(&token),
        format!("Bearer  {token}"),
        format!("Bearer {token}x y"),
    ] {
        let reply = get("/me", Some(&authorization));
        assert!(reply.status == 400 || reply.status == 401, "{reply:?}");
        for part in token.split('.').chain([signature, KEY]) {
            assert!(!reply.body.contains(part), "{reply:?}");
            assert!(
                !reply
                    .challenge
                    .as_deref()
                    .unwrap_or_default()
                    .contains(part)
            );
        }
    }
}

#[test]
fn the_benchmark_routes_differ_only_in_authentication() {
    let open = get("/public/ping", None);
    let protected = get("/protected/ping", Some(&bearer(&session("carol"))));
    assert_eq!((open.status, protected.status), (200, 200));
    assert_eq!(open.body, protected.body);
    assert_eq!(get("/protected/ping", None).status, 401);
}

#[test]
fn the_command_line_and_environment_are_read() {
    let env = |name: &str| match name {
        "PORT" => Some("8080".to_owned()),
        "REDIS_URL" => Some("redis://127.0.0.1:6390/".to_owned()),
        _ => None,
    };
    let config = Config::parse(Vec::new(), env).unwrap();
    assert_eq!(config.port, 8080);
    assert_eq!(config.redis.as_deref(), Some("redis://127.0.0.1:6390/"));
    assert_eq!(config.host.to_string(), "127.0.0.1");

    assert!(config.allowed_origins.is_empty());
    assert_eq!(config.frontend_port, None);

    let args = [
        "--port",
        "0",
        "--redis",
        "redis://h:1/",
        "--host",
        "::1",
        "--allow-origin",
        "http://a.example",
        "--allow-origin",
        "https://b.example",
        "--frontend-port",
        "8081",
        "--signing-key",
        SIGNING_KEY,
    ]
    .map(String::from);
    let config = Config::parse(args, env).unwrap();
    assert_eq!(config.port, 0);
    assert_eq!(config.redis.as_deref(), Some("redis://h:1/"));
    assert_eq!(config.host.to_string(), "::1");
    assert_eq!(
        config.allowed_origins,
        ["http://a.example", "https://b.example"]
    );
    assert_eq!(config.frontend_port, Some(8081));
    assert_eq!(config.signing_key.as_deref(), Some(SIGNING_KEY));

    let env = |name: &str| match name {
        "ALLOWED_ORIGINS" => Some(" http://a.example, https://b.example ,".to_owned()),
        "FRONTEND_PORT" => Some("0".to_owned()),
        _ => None,
    };
    let config = Config::parse(Vec::new(), env).unwrap();
    assert_eq!(
        config.allowed_origins,
        ["http://a.example", "https://b.example"]
    );
    assert_eq!(config.frontend_port, Some(0));

    assert!(Config::parse(["--port".to_owned()], |_| None).is_err());
    assert!(Config::parse(["--port", "http"].map(String::from), |_| None).is_err());
    assert!(Config::parse(["--verbose".to_owned()], |_| None).is_err());
}

/// Logs in; returns the access and the refresh token.
fn login_pair(username: &str, password: &str) -> (String, String) {
    let reply = post(
        "/login",
        None,
        Some(json!({ "username": username, "password": password })),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    pair(&reply)
}

fn pair(reply: &Reply) -> (String, String) {
    let json = reply.json();
    assert_eq!(json["token_type"], "Bearer", "{reply:?}");
    assert_eq!(json["expires_in"], 900, "{reply:?}");
    (
        json["access_token"].as_str().unwrap().to_owned(),
        json["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn refresh(refresh_token: &str) -> Reply {
    post(
        "/token",
        None,
        Some(json!({ "refresh_token": refresh_token })),
    )
}

fn assert_invalid_grant(reply: &Reply, description: &str) {
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.json()["error"], "invalid_grant", "{reply:?}");
    assert_eq!(reply.error_description(), description, "{reply:?}");
}

#[test]
fn login_returns_an_oauth_token_response_that_is_not_cached() {
    let response = agent()
        .post(url("/login"))
        .header("Content-Type", "application/json")
        .send(json!({ "username": "bob", "password": "hunter2-but-longer" }).to_string())
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let mut response = response;
    let json: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    let mut members: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
}

#[test]
fn a_refresh_rotates_the_pair_and_a_second_use_revokes_the_session() {
    let (access, first) = login_pair("alice", "correct horse battery staple");
    let rotated = refresh(&first);
    assert_eq!(rotated.status, 200, "{rotated:?}");
    let (new_access, second) = pair(&rotated);
    assert_ne!(second, first);
    assert_eq!(get("/me", Some(&bearer(&new_access))).status, 200);
    assert_eq!(get("/me", Some(&bearer(&access))).status, 200);

    // The first refresh token again: someone kept a copy. The whole session is revoked ...
    assert_invalid_grant(
        &refresh(&first),
        "the refresh token was already used: the session is revoked, sign in again",
    );
    // ... so the newest refresh token, whoever holds it, is refused too.
    assert_invalid_grant(&refresh(&second), "the session was revoked, sign in again");
    // Another session of the same user is not affected.
    let (_, other) = login_pair("alice", "correct horse battery staple");
    assert_eq!(refresh(&other).status, 200);
}

#[test]
fn refresh_and_action_tokens_share_a_key_but_never_cross() {
    let (access, refresh_token) = login_pair("alice", "correct horse battery staple");
    let issued = post("/actions/token", Some(&bearer(&access)), None);
    let action = issued.json()["action_token"].as_str().unwrap().to_owned();

    // A refresh token is not a one-time link, nor an access token ...
    assert_invalid_token(
        &post("/actions/redeem", Some(&bearer(&refresh_token)), None),
        "the token type is not accepted",
    );
    assert_invalid_token(
        &get("/me", Some(&bearer(&refresh_token))),
        "the token algorithm is not accepted",
    );
    // ... a one-time link is not a refresh token, and an access token is neither.
    assert_invalid_grant(&refresh(&action), "the refresh token is not valid");
    assert_invalid_grant(&refresh(&access), "the refresh token is not valid");
    // None of the refusals used anything up.
    assert_eq!(refresh(&refresh_token).status, 200);
    assert_eq!(
        post("/actions/redeem", Some(&bearer(&action)), None).status,
        200
    );
}

#[test]
fn logout_revokes_exactly_the_tokens_issued_before_it() {
    // A subject of its own, so that no other test's tokens are revoked.
    let now = service_now();
    let exp = now.saturating_add(server::ACCESS_TTL);
    let (phone, laptop) = (session_at("dave", now, exp), session_at("dave", now, exp));
    let refresh_token = Refresh {
        sub: "dave".into(),
        exp: now.saturating_add(server::REFRESH_TTL),
        iat: now,
        jti: "dave-refresh".into(),
        fam: "dave-family".into(),
    }
    .encode(&key())
    .unwrap();

    let logout = post("/logout", Some(&bearer(&phone)), None);
    assert_eq!(logout.status, 200, "{logout:?}");
    assert_eq!(logout.json()["logged_out"], "dave");
    let cutoff = NumericDate::from_f64(logout.json()["revoked_before"].as_f64().unwrap()).unwrap();

    for token in [&phone, &laptop] {
        assert_invalid_token(
            &get("/me", Some(&bearer(token))),
            "the token has been revoked",
        );
    }
    assert_invalid_grant(
        &refresh(&refresh_token),
        "the session was revoked, sign in again",
    );
    assert_invalid_token(
        &post("/logout", Some(&bearer(&phone)), None),
        "the token has been revoked",
    );
    // The boundary, to the millisecond: issued at the logout instant is fine, a
    // millisecond before is not.
    let at = session_at("dave", cutoff, exp);
    let before = session_at(
        "dave",
        NumericDate::from_f64(cutoff.as_f64() - 0.001).unwrap(),
        exp,
    );
    assert_eq!(get("/me", Some(&bearer(&at))).status, 200);
    assert_invalid_token(
        &get("/me", Some(&bearer(&before))),
        "the token has been revoked",
    );
    // Other users are not affected.
    assert_eq!(get("/me", Some(&bearer(&session("erin")))).status, 200);
}

#[test]
fn a_token_living_longer_than_revocation_records_are_kept_is_refused() {
    let now = service_now();
    let token = session_at(
        "frank",
        now,
        now.saturating_add(server::REFRESH_TTL + Duration::from_secs(1)),
    );
    assert_invalid_token(
        &get("/me", Some(&bearer(&token))),
        "the token claims are invalid",
    );
}

#[test]
fn the_published_key_set_verifies_the_access_tokens() {
    let reply = agent().get(url("/.well-known/jwks.json")).call().unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/jwk-set+json");
    let mut reply = reply;
    let document = reply.body_mut().read_to_string().unwrap();
    assert!(!document.contains("\"d\""), "a private member: {document}");
    let keys = PublicKeySet::<Ed25519PublicKey>::from_jwks(&document).unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys.get(signing_key().kid()).is_some());

    // Another service verifies an access token with the published keys alone (its own
    // clock, fixed before the token expires: time is injected).
    let access = alice();
    let iat = get("/me", Some(&bearer(&access))).json()["iat"]
        .as_f64()
        .unwrap();
    let validation = jwt_runtime::Validation::new().clock(jwt_runtime::FixedClock(
        NumericDate::from_f64(iat + 1.0).unwrap(),
    ));
    let session: Session = validation.decode(&access, &keys).unwrap();
    assert_eq!(session.sub, "alice");
    // A refresh token does not verify with them: it is HMAC, the service's own.
    let (_, refresh_token) = login_pair("alice", "correct horse battery staple");
    assert!(
        validation
            .decode::<Session, _>(&refresh_token, &keys)
            .is_err()
    );
}

/// A CORS request (a preflight when `method` is `OPTIONS`) from `origin`; returns the status
/// and the `Access-Control-Allow-*` headers.
fn cors(method: &str, path: &str, origin: &str) -> (u16, Vec<(String, String)>) {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .body(())
        .unwrap();
    let response = agent().run(request).unwrap();
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-"))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    (response.status().as_u16(), headers)
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[test]
fn a_preflight_needs_no_token_and_names_only_the_allowed_origin() {
    let (status, headers) = cors("OPTIONS", "/me", ALLOWED_ORIGIN);
    assert_eq!(status, 200, "{headers:?}");
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    let allowed = header(&headers, "access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{headers:?}");
    assert!(allowed.contains("content-type"), "{headers:?}");
    assert_eq!(header(&headers, "access-control-allow-credentials"), None);

    // Another origin gets no permission: the browser withholds the answer from its page.
    for origin in ["http://evil.example", "http://app.example:8080", "null"] {
        let (_, headers) = cors("OPTIONS", "/me", origin);
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        let (_, headers) = cors("GET", "/.well-known/jwks.json", origin);
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    // The actual request from the allowed origin carries the permission, and lets the page
    // read the challenge of a refusal.
    let (status, headers) = cors("GET", "/me", ALLOWED_ORIGIN);
    assert_eq!(status, 401);
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert_eq!(
        header(&headers, "access-control-expose-headers"),
        Some("www-authenticate")
    );
}

#[test]
fn the_signing_key_may_be_a_pem_file_as_openssl_writes_it() {
    // The same key as `SIGNING_KEY`, as `openssl genpkey -algorithm ed25519` writes a key.
    const PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
        MC4CAQAwBQYDK2VwBCIEIJ7kxaH1DdzlyVm8dVJWYu+3VgeOmpocpkgZpBV0q81I\n\
        -----END PRIVATE KEY-----\n";
    let service = start(Config {
        port: 0,
        signing_key: Some(PEM.to_owned()),
        ..Config::default()
    });
    let jwks = agent()
        .get(format!("{}/.well-known/jwks.json", service.base))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let keys = PublicKeySet::<Ed25519PublicKey>::from_jwks(&jwks).unwrap();
    assert_eq!(
        keys.get(signing_key().kid())
            .map(Ed25519PublicKey::as_bytes),
        Some(signing_key().public_key().as_bytes())
    );
}

#[test]
fn only_exact_origins_may_be_allowed() {
    for origin in [
        "http://127.0.0.1:8080",
        "https://app.example",
        "https://app.example/",
    ] {
        assert!(server::cors(&[origin.to_owned()]).is_ok(), "{origin}");
    }
    for origin in [
        "*",
        "null",
        "app.example",
        "https://",
        "https://app.example/path",
        "https://*.example",
        "ftp://app.example",
        "https://app.example\n",
    ] {
        let error = server::cors(&[origin.to_owned()]).unwrap_err();
        assert!(error.starts_with("invalid origin"), "{origin}: {error}");
    }
}
