//! Two instances of `examples/server.rs` behind one `redis-server`, over real HTTP on
//! loopback: a one-time token is accepted once across both instances, ordinary tokens are
//! accepted by either (no server-side session), and a Redis outage refuses one-time tokens
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

use jwt_runtime::{HmacKey, Hs256, NumericDate};
use redis_server::{RedisServer as Redis, redis_installed};
use serde_json::{Value, json};
use server::{ActionToken, Config};

/// The key both instances share, as `--key` / `JWT_KEY` would give it.
const KEY: &str = "c2hhcmVkIGJ5IGJvdGggaW5zdGFuY2VzIG9mIHRoZSBleGFtcGxlIHNlcnZpY2U";

/// A running instance of the service: its base URL; its runtime serves it until dropped.
struct Service {
    base: String,
    _runtime: tokio::runtime::Runtime,
}

impl Service {
    fn start(redis: &Redis) -> Service {
        let config = Config {
            host: [127, 0, 0, 1].into(),
            port: 0,
            redis: Some(redis.url()),
            key: Some(KEY.to_owned()),
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
        let reply = self.call(
            "POST",
            "/login",
            None,
            Some(json!({ "username": username, "password": password })),
        );
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json["access_token"].as_str().unwrap().to_owned()
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
    // Ordinary tokens do not need Redis.
    let session = service.login("bob", "hunter2-but-longer");
    assert_eq!(service.call("GET", "/me", Some(&session), None).status, 200);

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
