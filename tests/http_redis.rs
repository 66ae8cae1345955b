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

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jwt_runtime::{HmacKey, Hs256, NumericDate};
use serde_json::{Value, json};
use server::{ActionToken, Config};

/// The key both instances share, as `--key` / `JWT_KEY` would give it.
const KEY: &str = "c2hhcmVkIGJ5IGJvdGggaW5zdGFuY2VzIG9mIHRoZSBleGFtcGxlIHNlcnZpY2U";

const SKIP_NOTICE: &str = "\n\
    ******************************************************************************\n\
    *  SKIPPED: redis-server is not on PATH, so the two-instance HTTP tests did   *\n\
    *  NOT run. Install it (apt-get install redis-server), or set                 *\n\
    *  JWT_REQUIRE_REDIS=1 to turn this notice into a failure.                    *\n\
    ******************************************************************************\n";

fn redis_installed() -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var("JWT_REQUIRE_REDIS").as_deref() != Ok("1"),
            "redis-server is not on PATH and JWT_REQUIRE_REDIS=1: install it (apt-get install redis-server)"
        );
        // Straight to the file descriptor: the test harness captures `eprintln!`.
        let _ = std::io::stderr().write_all(SKIP_NOTICE.as_bytes());
    }
    found
}

/// A `redis-server` child on a free loopback port, killed on drop.
struct Redis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Redis {
    fn start() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("jwt-http-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut redis = Redis {
            port,
            dir,
            child: None,
        };
        redis.restart();
        redis
    }

    fn restart(&mut self) {
        let port = self.port.to_string();
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--logfile",
                "",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        for _ in 0..400 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("redis-server on port {port} exited: {status}");
            }
            if self.ping() {
                self.child = Some(child);
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server on port {port} did not answer");
    }

    /// `PING` in the Redis protocol, over a plain socket.
    fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

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
    if !redis_installed() {
        return None;
    }
    let redis = Redis::start();
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
    if !redis_installed() {
        return;
    }
    let mut redis = Redis::start();
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
    let down = service.redeem(&token);
    assert_eq!(down.status, 503, "{down:?}");
    // Not the client's fault: no challenge, the token may well be good.
    assert_eq!(down.challenge, None);
    assert_eq!(
        down.json["error_description"],
        "the token cannot be checked now; try again later"
    );
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
