//! Two instances of `examples/server.rs` behind one `redis-server`, over real HTTP on
//! loopback: a one-time token is accepted once across both instances; access tokens issued by
//! one are accepted by the other and verify with the key set either publishes; a refresh
//! token is used up on both, and a second use on either revokes the session on both; a
//! logout on one is seen by the other; a Redis outage refuses one-time and revocable tokens
//! with 503 without burning them.
//!
//! The test starts its own `redis-server` on a free loopback port. Without `redis-server` on
//! `PATH` these tests print a loud notice and pass, unless `JWT_REQUIRE_REDIS=1` (as in CI),
//! which turns the notice into a failure.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/server.rs"]
mod server;

#[path = "support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use jwt_runtime::{
    Ed25519PublicKey, FixedClock, HmacKey, Hs256, NumericDate, PublicKeySet, Validation,
};
use redis_server::{RedisServer as Redis, redis_installed};
use serde_json::{Value, json};
use server::{ActionToken, Config, Session};

/// The HMAC key both instances share, as `--key` / `JWT_KEY` would give it.
const KEY: &str = "c2hhcmVkIGJ5IGJvdGggaW5zdGFuY2VzIG9mIHRoZSBleGFtcGxlIHNlcnZpY2U";
/// The access-token key both instances share, as `--signing-key` / `JWT_SIGNING_KEY` would.
const SIGNING_KEY: &str = r#"{"kty":"OKP","crv":"Ed25519","d":"s21fQMnsmkqAe1cVhsAaCkFVBLbXmqftFGDXKVfmhRQ","x":"GmdSX29u9DUhhD8zOeMOP2fxMSFIsOAVp87Rdkxxp5s"}"#;

/// A running instance of the service: its base URL; its runtime serves it until dropped.
struct Service {
    base: String,
    _runtime: tokio::runtime::Runtime,
}

impl Service {
    fn start(redis: &Redis) -> Service {
        let config = Config {
            port: 0,
            redis: Some(redis.url()),
            key: Some(KEY.to_owned()),
            signing_key: Some(SIGNING_KEY.to_owned()),
            ..Config::default()
        };
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

    /// Sends a request; returns the status, the `WWW-Authenticate` header and the JSON body.
    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let response = if method == "GET" {
            let mut request = agent.get(url);
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            request.call()
        } else {
            let mut request = agent.post(url);
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            match body {
                Some(body) => request
                    .header("Content-Type", "application/json")
                    .send(body.to_string()),
                None => request.send_empty(),
            }
        };
        let mut response = response.unwrap();
        Reply {
            status: response.status().as_u16(),
            challenge: response
                .headers()
                .get("www-authenticate")
                .map(|value| value.to_str().unwrap().to_owned()),
            json: serde_json::from_str(&response.body_mut().read_to_string().unwrap())
                .unwrap_or(Value::Null),
        }
    }

    fn login(&self, username: &str, password: &str) -> String {
        self.login_pair(username, password).0
    }

    /// Logs in; returns the access and the refresh token.
    fn login_pair(&self, username: &str, password: &str) -> (String, String) {
        let reply = self.call(
            "POST",
            "/login",
            None,
            Some(json!({ "username": username, "password": password })),
        );
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.pair()
    }

    fn refresh(&self, refresh_token: &str) -> Reply {
        self.call(
            "POST",
            "/token",
            None,
            Some(json!({ "refresh_token": refresh_token })),
        )
    }

    fn action_token(&self, session: &str) -> String {
        let reply = self.call("POST", "/actions/token", Some(session), None);
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json["action_token"].as_str().unwrap().to_owned()
    }

    fn redeem(&self, action_token: &str) -> Reply {
        self.call("POST", "/actions/redeem", Some(action_token), None)
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    challenge: Option<String>,
    json: Value,
}

impl Reply {
    /// The access and refresh token of a token response.
    fn pair(&self) -> (String, String) {
        assert_eq!(self.status, 200, "{self:?}");
        (
            self.json["access_token"].as_str().unwrap().to_owned(),
            self.json["refresh_token"].as_str().unwrap().to_owned(),
        )
    }
}

fn assert_invalid_grant(reply: &Reply, description: &str) {
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.json["error"], "invalid_grant", "{reply:?}");
    assert_eq!(reply.json["error_description"], description, "{reply:?}");
}

const REUSED: &str = "the refresh token was already used: the session is revoked, sign in again";
const REVOKED_SESSION: &str = "the session was revoked, sign in again";

fn assert_revoked(reply: &Reply) {
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(
        reply.json["error_description"], "the token has been revoked",
        "{reply:?}"
    );
}

/// The description of a 503 when the replay store could not be asked.
const UNAVAILABLE: &str = "the token cannot be checked now; try again later";

/// The description of a 503 when the replay store was asked but never answered.
const UNCONFIRMED: &str = "the token could not be checked and may have been used up; if a retry is refused, request a new token";

fn assert_replayed(reply: &Reply) {
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            "Bearer realm=\"jwt-suite-example\", error=\"invalid_token\", \
             error_description=\"the token has already been used\""
        ),
        "{reply:?}"
    );
}

/// Two instances on one fresh Redis; `None` when `redis-server` is not installed. Each test
/// has its own, so that every `redis-server` is killed when its test ends.
fn pair() -> Option<(Service, Service, Redis)> {
    if !redis_installed("two-instance HTTP tests") {
        return None;
    }
    let redis = Redis::start(&[]);
    let first = Service::start(&redis);
    let second = Service::start(&redis);
    Some((first, second, redis))
}

#[test]
fn a_one_time_token_used_on_one_instance_is_refused_by_the_other() {
    let Some((first, second, _redis)) = pair() else {
        return;
    };
    let session = first.login("alice", "correct horse battery staple");

    // Issued by the first, redeemed on the first, refused by the second.
    let token = first.action_token(&session);
    let redeemed = first.redeem(&token);
    assert_eq!(redeemed.status, 200, "{redeemed:?}");
    assert_replayed(&second.redeem(&token));
    assert_replayed(&first.redeem(&token));

    // The other way round: redeemed on the second, refused by the first.
    let token = first.action_token(&session);
    assert_eq!(second.redeem(&token).status, 200);
    assert_replayed(&first.redeem(&token));
}

#[test]
fn an_ordinary_token_issued_by_one_instance_is_accepted_by_the_other() {
    let Some((first, second, _redis)) = pair() else {
        return;
    };
    let session = first.login("bob", "hunter2-but-longer");
    for _ in 0..3 {
        for service in [&first, &second] {
            let me = service.call("GET", "/me", Some(&session), None);
            assert_eq!(me.status, 200, "{me:?}");
            assert_eq!(me.json["sub"], "bob");
        }
    }
    // And the other way round, including an action token issued by the second.
    let session = second.login("alice", "correct horse battery staple");
    assert_eq!(
        first.call("GET", "/admin", Some(&session), None).status,
        200
    );
    let token = second.action_token(&session);
    assert_eq!(first.redeem(&token).status, 200);
    assert_replayed(&second.redeem(&token));
}

#[test]
fn concurrent_redemptions_on_both_instances_have_exactly_one_winner() {
    let Some((first, second, _redis)) = pair() else {
        return;
    };
    let session = first.login("alice", "correct horse battery staple");
    for _ in 0..3 {
        let token = first.action_token(&session);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let service = if i % 2 == 0 { &first } else { &second };
                    let token = &token;
                    scope.spawn(move || service.redeem(token).status)
                })
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
}

#[test]
fn a_redis_outage_refuses_one_time_tokens_with_503_and_burns_nothing() {
    if !redis_installed("two-instance HTTP tests") {
        return;
    }
    let mut redis = Redis::start(&[]);
    let service = Service::start(&redis);
    // A token made with the shared key, valid until 2096, so nothing depends on the date.
    let token = ActionToken {
        sub: "alice".into(),
        exp: NumericDate::from_secs(4_000_000_000),
        iat: NumericDate::from_secs(1_000_000_000),
        jti: "outage".into(),
        action: "delete-account".into(),
    };
    let token =
        jwt_runtime::Claims::encode(&token, &HmacKey::<Hs256>::from_base64url(KEY).unwrap())
            .unwrap();

    redis.kill();
    for attempt in 0..3 {
        let down = service.redeem(&token);
        assert_eq!(down.status, 503, "{down:?}");
        // Not the client's fault: no challenge, the token may well be good.
        assert_eq!(down.challenge, None);
        let description = down.json["error_description"].as_str().unwrap();
        if attempt == 0 && description == UNCONFIRMED {
            // Sent on the connection that was open when Redis died: the store cannot tell
            // whether Redis ran it first, and says so.
            continue;
        }
        // Nothing connects, nothing was sent: the token was certainly not used.
        assert_eq!(description, UNAVAILABLE, "{down:?}");
    }
    // Logging in does not need Redis; using the access token does (its revocation record
    // cannot be read), and fails closed, with the same honest 503.
    let session = service.login("bob", "hunter2-but-longer");
    let me = service.call("GET", "/me", Some(&session), None);
    assert_eq!(me.status, 503, "{me:?}");
    assert_eq!(me.json["error_description"], UNAVAILABLE, "{me:?}");

    redis.restart();
    // The store reconnects by itself; the refused token was not burned.
    let mut reply = service.redeem(&token);
    for _ in 0..100 {
        if reply.status != 503 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        reply = service.redeem(&token);
    }
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_replayed(&service.redeem(&token));
}

#[test]
fn a_redis_timeout_is_answered_honestly_not_try_again_later() {
    if !redis_installed("two-instance HTTP tests") {
        return;
    }
    let redis = Redis::start(&["--enable-debug-command", "local"]);
    let service = Service::start(&redis);
    let token = ActionToken {
        sub: "alice".into(),
        exp: NumericDate::from_secs(4_000_000_000),
        iat: NumericDate::from_secs(1_000_000_000),
        jti: "late".into(),
        action: "delete-account".into(),
    };
    let token =
        jwt_runtime::Claims::encode(&token, &HmacKey::<Hs256>::from_base64url(KEY).unwrap())
            .unwrap();
    // A first one-use token, so that the service is connected to Redis.
    let session = service.login("alice", "correct horse battery staple");
    let warm_up = service.action_token(&session);
    assert_eq!(service.redeem(&warm_up).status, 200);

    // Redis is busy for longer than the service's 1 s timeout: the SET waits in its socket,
    // the service gives up, and Redis runs the SET when it wakes.
    let mut sleeping = std::net::TcpStream::connect(("127.0.0.1", redis.port)).unwrap();
    std::io::Write::write_all(&mut sleeping, b"DEBUG SLEEP 1.6\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let late = service.redeem(&token);
    let mut awake = [0; 5];
    std::io::Read::read_exact(&mut sleeping, &mut awake).unwrap();

    // Not "try again later": the token may be used up, and the answer says so.
    assert_eq!(late.status, 503, "{late:?}");
    assert_eq!(late.challenge, None);
    assert_eq!(late.json["error_description"], UNCONFIRMED, "{late:?}");
    // It was: the retry is refused as used.
    assert_replayed(&service.redeem(&token));
}

#[test]
fn a_refresh_token_rotated_on_one_instance_is_used_up_on_the_other() {
    let Some((first, second, _redis)) = pair() else {
        return;
    };
    let (_, issued) = first.login_pair("alice", "correct horse battery staple");
    // Rotated on the second instance ...
    let (access, rotated) = second.refresh(&issued).pair();
    assert_eq!(
        first.call("GET", "/me", Some(&access), None).status,
        200,
        "the new access token works on both"
    );
    // ... and presented again on the first: a reuse. The session is revoked on both, so the
    // rotated token (the thief's or the user's) is refused everywhere.
    assert_invalid_grant(&first.refresh(&issued), REUSED);
    assert_invalid_grant(&second.refresh(&rotated), REVOKED_SESSION);
    // (That refusal used it up: presented again, it is a reuse.)
    assert_invalid_grant(&first.refresh(&rotated), REUSED);
    // A new login is a new session.
    let (_, fresh) = second.login_pair("alice", "correct horse battery staple");
    let (_, next) = first.refresh(&fresh).pair();
    assert_eq!(second.refresh(&next).status, 200);
}

#[test]
fn concurrent_refreshes_on_both_instances_consume_once_and_revoke_the_session() {
    let Some((first, second, _redis)) = pair() else {
        return;
    };
    let (_, refresh_token) = first.login_pair("bob", "hunter2-but-longer");
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let service = if i % 2 == 0 { &first } else { &second };
                let token = &refresh_token;
                scope.spawn(move || service.refresh(token))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    // Exactly one request consumed the token; every other one is a reuse.
    let (reused, consumed): (Vec<&Reply>, Vec<&Reply>) = replies
        .iter()
        .partition(|reply| reply.json["error_description"] == REUSED);
    assert_eq!(consumed.len(), 1, "{replies:?}");
    for loser in reused {
        assert_invalid_grant(loser, REUSED);
    }
    // Two parties held the token, so the session is revoked. The request that consumed it
    // either got its new pair before a reuse revoked the session (then that new refresh
    // token is refused), or was refused itself when the revocation came first.
    let winner = consumed[0];
    if winner.status == 200 {
        let (_, won) = winner.pair();
        assert_invalid_grant(&second.refresh(&won), REVOKED_SESSION);
    } else {
        assert_invalid_grant(winner, REVOKED_SESSION);
    }
}

#[test]
fn a_logout_on_one_instance_is_seen_by_the_other() {
    let Some((first, second, _redis)) = pair() else {
        return;
    };
    // Two devices: one signed in through each instance.
    let (phone, phone_refresh) = first.login_pair("bob", "hunter2-but-longer");
    let (laptop, _) = second.login_pair("bob", "hunter2-but-longer");
    let alice = first.login("alice", "correct horse battery staple");

    let logout = second.call("POST", "/logout", Some(&laptop), None);
    assert_eq!(logout.status, 200, "{logout:?}");
    for service in [&first, &second] {
        assert_revoked(&service.call("GET", "/me", Some(&phone), None));
        assert_revoked(&service.call("GET", "/me", Some(&laptop), None));
        assert_eq!(service.call("GET", "/me", Some(&alice), None).status, 200);
    }
    assert_invalid_grant(&first.refresh(&phone_refresh), REVOKED_SESSION);

    // Signing in again right away works on both (the logout instant is in milliseconds).
    let (again, again_refresh) = first.login_pair("bob", "hunter2-but-longer");
    assert_eq!(second.call("GET", "/me", Some(&again), None).status, 200);
    assert_eq!(second.refresh(&again_refresh).status, 200);
}

#[test]
fn either_instance_publishes_the_key_that_verifies_the_others_tokens() {
    let Some((first, second, _redis)) = pair() else {
        return;
    };
    let access = first.login("alice", "correct horse battery staple");
    let iat = first.call("GET", "/me", Some(&access), None).json["iat"]
        .as_f64()
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let document = agent
        .get(format!("{}/.well-known/jwks.json", second.base))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let keys = PublicKeySet::<Ed25519PublicKey>::from_jwks(&document).unwrap();
    // A third service with the published keys only, its clock fixed within the token's life.
    let validation = Validation::new().clock(FixedClock(NumericDate::from_f64(iat + 1.0).unwrap()));
    let session: Session = validation.decode(&access, &keys).unwrap();
    assert_eq!(session.sub, "alice");
    assert_eq!(session.roles, ["user", "admin"]);
}
