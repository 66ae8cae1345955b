//! One-use (`jti`) tokens on a real `redis-server` (and a real three-node Redis Cluster),
//! started by each test on free loopback ports: accepted once across threads, tasks and
//! processes; fail closed while Redis is down; recover after it restarts; forgotten when the
//! token expires.
//!
//! Without `redis-server` on `PATH` these tests print a loud notice and pass, unless
//! `JWT_REQUIRE_REDIS=1` (as in CI), which turns the notice into a failure.
//!
//! Validation runs on fixed clocks set from Redis's own `TIME`, never the wall clock; Redis
//! expires keys by its clock, which is what the expiry test waits for (bounded polling, no
//! timing assertion).

#[path = "support/redis_server.rs"]
mod redis_server;
#[path = "support/store_contract.rs"]
mod store_contract;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::Duration;

use jwt_runtime::http::Rejection;
use jwt_runtime::replay::{AsyncRedisStore, RedisStore, ReplayId, StoreError};
use jwt_runtime::{Claims, Error, FixedClock, HmacKey, Hs256, NumericDate, Validation};
use redis_server::{RedisServer as Server, free_port, redis_installed};

#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com")]
struct Link {
    sub: String,
    exp: NumericDate,
    jti: String,
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"replay-redis test key, 32 bytes!").unwrap()
}

fn token(jti: &str, exp: i64) -> String {
    Link {
        sub: "ada".into(),
        exp: NumericDate::from_secs(exp),
        jti: jti.into(),
    }
    .encode(&key())
    .unwrap()
}

fn validation_at(now: i64) -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(now)))
}

macro_rules! require_redis {
    () => {
        if !redis_installed("Redis replay-store tests") {
            return;
        }
    };
}

/// What these tests ask of the server through the `redis` crate.
trait ServerExt {
    fn try_connection(&self) -> redis::RedisResult<redis::Connection>;
    fn connection(&self) -> redis::Connection;
    fn now(&self) -> i64;
}

impl ServerExt for Server {
    fn try_connection(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_millis(200))
    }

    fn connection(&self) -> redis::Connection {
        self.try_connection().expect("connect to the test redis")
    }

    /// Redis's clock, in whole seconds.
    fn now(&self) -> i64 {
        let (secs, _micros): (i64, i64) = redis::cmd("TIME").query(&mut self.connection()).unwrap();
        secs
    }
}

/// Refused because the store could not answer (unavailable, or did not confirm).
fn is_store_unavailable<T: std::fmt::Debug>(result: &Result<T, Error>) -> bool {
    result.as_ref().is_err_and(Error::is_store_unavailable)
}

/// The ids a contract test left in Redis: `DBSIZE`, every key being one consumed id.
fn stored_ids(server: &Server) -> usize {
    let size: i64 = redis::cmd("DBSIZE")
        .query(&mut server.connection())
        .unwrap();
    usize::try_from(size).unwrap()
}

// The store contract (tests/support/store_contract.rs), each test on a fresh `redis-server`
// with a store built with the defaults and validation at Redis's own time.

#[test]
fn a_token_is_accepted_once_then_replayed() {
    require_redis!();
    let server = Server::start(&[]);
    let store = RedisStore::open(&server.url()).unwrap();
    store_contract::a_token_is_accepted_once_then_replayed(&store, server.now(), |_| {
        stored_ids(&server)
    });
}

#[test]
fn ids_compare_as_exact_bytes() {
    require_redis!();
    let server = Server::start(&[]);
    let store = RedisStore::open(&server.url()).unwrap();
    store_contract::ids_compare_as_exact_bytes(&store, server.now());
}

#[test]
fn a_rejected_token_never_touches_redis() {
    require_redis!();
    let server = Server::start(&[]);
    let store = RedisStore::open(&server.url()).unwrap();
    store_contract::a_rejected_token_never_burns_its_id(&store, server.now(), |_| {
        stored_ids(&server)
    });
}

#[test]
fn an_overlong_jti_is_an_invalid_claim_and_not_stored() {
    require_redis!();
    let server = Server::start(&[]);
    let store = RedisStore::open(&server.url()).unwrap();
    store_contract::an_overlong_jti_is_an_invalid_claim_and_not_stored(
        &store,
        server.now(),
        |_| stored_ids(&server),
    );
}

#[test]
fn a_one_use_token_without_jti_is_refused() {
    require_redis!();
    let server = Server::start(&[]);
    let store = RedisStore::open(&server.url()).unwrap();
    store_contract::a_one_use_token_without_jti_is_refused(&store, server.now(), |_| {
        stored_ids(&server)
    });
}

#[test]
fn many_threads_on_one_sync_store_have_exactly_one_winner_per_token() {
    require_redis!();
    let server = Server::start(&[]);
    let store = RedisStore::open(&server.url()).unwrap();
    store_contract::many_threads_presenting_the_same_token_have_exactly_one_winner(
        &store,
        server.now(),
        |_| stored_ids(&server),
    );
}

#[test]
fn many_tasks_on_one_async_store_have_exactly_one_winner_per_token() {
    require_redis!();
    let server = Server::start(&[]);
    store_contract::many_tasks_presenting_the_same_token_have_exactly_one_winner(
        || AsyncRedisStore::open(&server.url()).unwrap(),
        server.now(),
        |_| stored_ids(&server),
    );
}

/// The key a `Link` id is stored under, with this prefix.
fn link_key(prefix: &str, jti: &str) -> Vec<u8> {
    let namespace = ReplayId::namespace_of::<Link>();
    format!(
        "{}:{prefix}{}:{namespace}{jti}",
        prefix.len(),
        namespace.len()
    )
    .into_bytes()
}

/// The key's remaining time to live, in milliseconds.
fn pttl(server: &Server, key: &[u8]) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query(&mut server.connection())
        .unwrap()
}

#[test]
fn sync_store_accepts_once_with_the_documented_key_and_time_to_live() {
    require_redis!();
    let server = Server::start(&[]);
    // The validation's clock need not agree with Redis's: an hour behind here.
    let now = server.now() - 3_600;
    let exp = now + 600;
    let store = RedisStore::open(&server.url()).unwrap();
    let validation = validation_at(now);
    let token = token("sync-1", exp);

    let link: Link = validation.decode_once(&token, &key(), &store).unwrap();
    assert_eq!(link.jti, "sync-1");
    let again = validation.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(matches!(again, Err(Error::Replayed)), "{again:?}");

    // `SET 8:jwt:jti:16:<namespace><jti> <nonce> NX PX <(exp - now + margin) in ms> GET`.
    let key_name = link_key("jwt:jti:", "sync-1");
    let value: String = redis::cmd("GET")
        .arg(&key_name)
        .query(&mut server.connection())
        .unwrap();
    assert!(
        value.len() == 32 && value.bytes().all(|byte| byte.is_ascii_hexdigit()),
        "{value}"
    );
    let ttl = pttl(&server, &key_name);
    assert!((899_000..=900_000).contains(&ttl), "{ttl}");

    // The leeway in force extends the memory; a custom prefix and margin.
    let lenient = RedisStore::builder(server.url())
        .key_prefix("links:")
        .retention_margin(Duration::from_secs(10))
        .build()
        .unwrap();
    let with_leeway = validation.clone().leeway(Duration::from_secs(30));
    assert!(
        with_leeway
            .decode_once::<Link, _, _>(&token, &key(), &lenient)
            .is_ok()
    );
    let ttl = pttl(&server, &link_key("links:", "sync-1"));
    assert!((639_000..=640_000).contains(&ttl), "{ttl}");
    let again = with_leeway.decode_once::<Link, _, _>(&token, &key(), &lenient);
    assert!(matches!(again, Err(Error::Replayed)), "{again:?}");
    store.ping().unwrap();
}

#[test]
fn async_store_accepts_once() {
    require_redis!();
    let server = Server::start(&[]);
    let now = server.now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = AsyncRedisStore::open(&server.url()).unwrap();
        store.ping().await.unwrap();
        let validation = validation_at(now);
        let token = token("async-1", now + 600);
        let link: Link = validation
            .decode_once_async(&token, &key(), &store)
            .await
            .unwrap();
        assert_eq!(link.jti, "async-1");
        let again = validation
            .decode_once_async::<Link, _, _>(&token, &key(), &store)
            .await;
        assert!(matches!(again, Err(Error::Replayed)), "{again:?}");
    });
    let ttl = pttl(&server, &link_key("jwt:jti:", "async-1"));
    assert!((899_000..=900_000).contains(&ttl), "{ttl}");
}

const CHILD_URL: &str = "JWT_REPLAY_CHILD_URL";
const CHILD_NOW: &str = "JWT_REPLAY_CHILD_NOW";
const CHILD_TOKENS: &str = "JWT_REPLAY_CHILD_TOKENS";

/// Spawns this test binary as a separate process running [`child_process`].
fn spawn_child(url: &str, now: i64, tokens: &[String]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_URL, url)
        .env(CHILD_NOW, now.to_string())
        .env(CHILD_TOKENS, tokens.join(","))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The outcome of each token presented by a child, in order: `true` when accepted.
fn child_outcomes(child: Child) -> Vec<bool> {
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "child failed: {output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        // libtest may print "test child_process ... " on the same line as the first outcome.
        .filter_map(|line| line.split_once("OUTCOME ").map(|(_, outcome)| outcome))
        .map(|outcome| match outcome {
            "accepted" => true,
            "replayed" => false,
            other => panic!("child saw {other}"),
        })
        .collect()
}

/// Not a test of its own: the second (third, fourth) process of
/// `two_processes_share_one_redis`, which runs this binary again with this test selected.
#[test]
#[ignore = "run as a child process by two_processes_share_one_redis"]
fn child_process() {
    let url = std::env::var(CHILD_URL).expect("run by two_processes_share_one_redis");
    let now: i64 = std::env::var(CHILD_NOW).unwrap().parse().unwrap();
    let tokens = std::env::var(CHILD_TOKENS).unwrap();
    let store = RedisStore::open(&url).unwrap();
    let validation = validation_at(now);
    for token in tokens.split(',') {
        let outcome = match validation.decode_once::<Link, _, _>(token, &key(), &store) {
            Ok(_) => "accepted".to_owned(),
            Err(Error::Replayed) => "replayed".to_owned(),
            Err(other) => format!("error: {other}"),
        };
        println!("OUTCOME {outcome}");
    }
}

#[test]
fn two_processes_share_one_redis() {
    require_redis!();
    let server = Server::start(&[]);
    let now = server.now();
    let store = RedisStore::open(&server.url()).unwrap();
    let validation = validation_at(now);

    // Consumed here: rejected there.
    let consumed_here: Vec<String> = (0..5)
        .map(|i| token(&format!("here-{i}"), now + 600))
        .collect();
    for token in &consumed_here {
        assert!(
            validation
                .decode_once::<Link, _, _>(token, &key(), &store)
                .is_ok()
        );
    }
    let outcomes = child_outcomes(spawn_child(&server.url(), now, &consumed_here));
    assert_eq!(outcomes, vec![false; 5]);

    // Consumed there: rejected here.
    let consumed_there: Vec<String> = (0..5)
        .map(|i| token(&format!("there-{i}"), now + 600))
        .collect();
    let outcomes = child_outcomes(spawn_child(&server.url(), now, &consumed_there));
    assert_eq!(outcomes, vec![true; 5]);
    for token in &consumed_there {
        let replayed = validation.decode_once::<Link, _, _>(token, &key(), &store);
        assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    }

    // Three processes race over the same fresh tokens: each is accepted exactly once overall.
    let raced: Vec<String> = (0..40)
        .map(|i| token(&format!("raced-{i}"), now + 600))
        .collect();
    let children: Vec<Child> = (0..3)
        .map(|_| spawn_child(&server.url(), now, &raced))
        .collect();
    let mine: Vec<bool> = raced
        .iter()
        .map(|token| {
            validation
                .decode_once::<Link, _, _>(token, &key(), &store)
                .is_ok()
        })
        .collect();
    let theirs: Vec<Vec<bool>> = children.into_iter().map(child_outcomes).collect();
    for (i, &here) in mine.iter().enumerate() {
        let winners = usize::from(here) + theirs.iter().filter(|outcomes| outcomes[i]).count();
        assert_eq!(
            winners, 1,
            "token {i} accepted {winners} times across processes"
        );
    }
}

/// Presents fresh probe tokens until the store answers again (bounded), as a service would
/// see it recover after Redis comes back.
fn wait_until_recovered(
    label: &str,
    mut present: impl FnMut(&str) -> Result<Link, Error>,
    now: i64,
) {
    for attempt in 0..200 {
        let probe = token(&format!("probe-{label}-{attempt}"), now + 600);
        match present(&probe) {
            Ok(_) => return,
            Err(Error::StoreUnavailable(_)) => std::thread::sleep(Duration::from_millis(25)),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    panic!("the store did not recover after Redis restarted");
}

#[test]
fn redis_killed_mid_run_fails_closed_and_the_app_recovers_after_restart() {
    require_redis!();
    // Persistence as documented: every consumed id survives the crash.
    let mut server = Server::start(&["--appendonly", "yes", "--appendfsync", "always"]);
    let now = server.now();
    let validation = validation_at(now);
    let sync_store = RedisStore::builder(server.url())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_store = runtime.block_on(async {
        RedisStore::builder(server.url())
            .timeout(Duration::from_millis(500))
            .build_async()
            .unwrap()
    });
    let present_sync =
        |token: &str| validation.decode_once::<Link, _, _>(token, &key(), &sync_store);
    let present_async = |token: &str| {
        runtime.block_on(validation.decode_once_async::<Link, _, _>(token, &key(), &async_store))
    };

    let consumed_sync = token("before-crash-sync", now + 600);
    let consumed_async = token("before-crash-async", now + 600);
    assert!(present_sync(&consumed_sync).is_ok());
    assert!(present_async(&consumed_async).is_ok());

    server.kill();
    for attempt in 0..3 {
        let fresh = token(&format!("while-down-{attempt}"), now + 600);
        for result in [present_sync(&fresh), present_async(&fresh)] {
            let error = result.unwrap_err();
            if attempt == 0 && matches!(error, Error::ReplayUnconfirmed(_)) {
                // Sent on a connection that was open when Redis died: for all the store can
                // tell, Redis may have run the command before it went, and it says so.
                continue;
            }
            // Nothing connects: nothing was sent, the id is certainly not consumed.
            assert!(matches!(error, Error::StoreUnavailable(_)), "{error:?}");
            let message = error.to_string();
            assert!(message.contains("replay store unavailable"), "{message}");
        }
        // Neither accepted nor "replayed": the store cannot tell, so the token is refused.
        assert!(is_store_unavailable(&present_sync(&consumed_sync)));
        assert!(is_store_unavailable(&present_async(&consumed_async)));
    }

    server.restart();
    wait_until_recovered("sync", present_sync, now);
    wait_until_recovered("async", present_async, now);
    // The same store objects work again, and the ids consumed before the crash stayed consumed.
    for consumed in [&consumed_sync, &consumed_async] {
        assert!(matches!(present_sync(consumed), Err(Error::Replayed)));
        assert!(matches!(present_async(consumed), Err(Error::Replayed)));
    }
    let after = token("after-restart", now + 600);
    assert!(present_async(&after).is_ok());
    assert!(matches!(present_sync(&after), Err(Error::Replayed)));
}

#[test]
fn a_service_started_before_redis_fails_closed_then_works() {
    require_redis!();
    let port = free_port(false);
    let url = format!("redis://127.0.0.1:{port}/");
    let sync_store = RedisStore::open(&url).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_store = runtime.block_on(async { AsyncRedisStore::open(&url).unwrap() });
    let validation = validation_at(1_700_000_000);
    let early = token("early", 1_700_000_600);
    let result = validation.decode_once::<Link, _, _>(&early, &key(), &sync_store);
    assert!(is_store_unavailable(&result), "{result:?}");
    let result =
        runtime.block_on(validation.decode_once_async::<Link, _, _>(&early, &key(), &async_store));
    assert!(is_store_unavailable(&result), "{result:?}");
    assert!(sync_store.ping().is_err());

    let server = Server::start_on(port, &[]);
    let now = server.now();
    let validation = validation_at(now);
    wait_until_recovered(
        "sync",
        |token| validation.decode_once(token, &key(), &sync_store),
        now,
    );
    wait_until_recovered(
        "async",
        |token| runtime.block_on(validation.decode_once_async(token, &key(), &async_store)),
        now,
    );
}

#[test]
fn redis_refusing_writes_fails_closed() {
    require_redis!();
    // Out of memory under `noeviction` (the default, and the documented setting): Redis refuses
    // the write instead of dropping a live id, and the token is rejected.
    let server = Server::start(&[]);
    let now = server.now();
    let validation = validation_at(now);
    let store = RedisStore::open(&server.url()).unwrap();
    let mut admin = server.connection();
    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "maxmemory", "1"])
        .query(&mut admin)
        .unwrap();

    let result = validation.decode_once::<Link, _, _>(&token("oom", now + 600), &key(), &store);
    let Err(Error::StoreUnavailable(source)) = &result else {
        panic!("{result:?}")
    };
    assert!(matches!(
        source.downcast_ref::<StoreError>(),
        Some(StoreError::Backend(_))
    ));
    assert!(source.to_string().contains("OOM"), "{source}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let store = AsyncRedisStore::open(&server.url()).unwrap();
        validation
            .decode_once_async::<Link, _, _>(&token("oom", now + 600), &key(), &store)
            .await
    });
    assert!(is_store_unavailable(&result), "{result:?}");

    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "maxmemory", "0"])
        .query(&mut admin)
        .unwrap();
    assert!(
        validation
            .decode_once::<Link, _, _>(&token("oom", now + 600), &key(), &store)
            .is_ok()
    );
}

#[test]
fn redis_forgets_the_id_once_the_token_has_expired() {
    require_redis!();
    let server = Server::start(&[]);
    // Far from Redis's clock on purpose: the retention is relative to the validation's.
    let now = 1_000_000_000;
    let validation = validation_at(now);
    let store = RedisStore::builder(server.url())
        .retention_margin(Duration::from_millis(200))
        .build()
        .unwrap();
    let exp = NumericDate::from_f64(now as f64 + 0.3).unwrap();
    let token = Link {
        sub: "ada".into(),
        exp,
        jti: "short-lived".into(),
    }
    .encode(&key())
    .unwrap();

    assert!(
        validation
            .decode_once::<Link, _, _>(&token, &key(), &store)
            .is_ok()
    );
    assert!(matches!(
        validation.decode_once::<Link, _, _>(&token, &key(), &store),
        Err(Error::Replayed)
    ));
    let key_name = link_key("jwt:jti:", "short-lived");
    let ttl = pttl(&server, &key_name);
    assert!((1..=500).contains(&ttl), "{ttl}");
    // Wait (bounded) until Redis drops the key, 0.5 s after it was stored.
    let mut gone = false;
    for _ in 0..400 {
        let exists: i64 = redis::cmd("EXISTS")
            .arg(&key_name)
            .query(&mut server.connection())
            .unwrap();
        if exists == 0 {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(gone, "the key outlived its PX");
    // By then, a validation in step with the one that consumed it refuses the token as
    // expired. (One whose clock stood still would accept it once more: the retention margin
    // is what covers clocks that lag.)
    let later = validation_at(now + 1);
    let expired = later.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(matches!(expired, Err(Error::Expired { .. })), "{expired:?}");
}

/// Sends `DEBUG SLEEP <secs>` on a connection of its own and returns without waiting: Redis
/// then answers nobody for that long. Read the stream to wait for the end.
fn make_redis_sleep(server: &Server, secs: f64) -> std::net::TcpStream {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(stream, "DEBUG SLEEP {secs}\r\n").unwrap();
    // Loopback: the server is asleep well within this.
    std::thread::sleep(Duration::from_millis(100));
    stream
}

fn wait_until_awake(mut stream: std::net::TcpStream) {
    use std::io::Read;
    let mut reply = [0; 5];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"+OK\r\n");
}

#[test]
fn a_redis_timeout_after_the_set_was_sent_is_answered_as_unconfirmed_not_try_again_later() {
    require_redis!();
    let server = Server::start(&["--enable-debug-command", "local"]);
    let now = server.now();
    let validation = validation_at(now);
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    store.ping().unwrap();
    let token = token("late", now + 600);

    // Redis is busy for 0.8 s: the SET waits in its socket, the store gives up after 0.2 s,
    // and Redis runs the SET when it wakes.
    let sleeping = make_redis_sleep(&server, 0.8);
    let first = validation
        .decode_once::<Link, _, _>(&token, &key(), &store)
        .unwrap_err();
    wait_until_awake(sleeping);

    // The answer does not promise that a retry works: the id may have been consumed...
    assert!(matches!(first, Error::ReplayUnconfirmed(_)), "{first:?}");
    let rejection = Rejection::from(&first);
    assert_eq!(rejection.status(), 503);
    let description = rejection.description().unwrap();
    assert!(!description.contains("try again later"), "{description}");
    assert!(description.contains("may have been used"), "{description}");
    // ...and it was: the late SET landed, so the retry is refused as used, as announced.
    let retry = validation.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(matches!(retry, Err(Error::Replayed)), "{retry:?}");

    // The async store says the same.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_store = runtime.block_on(async {
        let store = RedisStore::builder(server.url())
            .timeout(Duration::from_millis(200))
            .build_async()
            .unwrap();
        store.ping().await.unwrap();
        store
    });
    let token = self::token("late-async", now + 600);
    let sleeping = make_redis_sleep(&server, 0.8);
    let first = runtime
        .block_on(validation.decode_once_async::<Link, _, _>(&token, &key(), &async_store))
        .unwrap_err();
    wait_until_awake(sleeping);
    assert!(matches!(first, Error::ReplayUnconfirmed(_)), "{first:?}");
    let retry =
        runtime.block_on(validation.decode_once_async::<Link, _, _>(&token, &key(), &async_store));
    assert!(matches!(retry, Err(Error::Replayed)), "{retry:?}");
}

#[test]
fn replay_ids_are_namespaced_unambiguously_across_redis_prefixes() {
    require_redis!();
    let server = Server::start(&[]);
    let now = server.now();
    let validation = validation_at(now);
    // `app:` + `reset:42` and `app:reset:` + `42`: one key once, two keys now.
    let app = RedisStore::builder(server.url())
        .key_prefix("app:")
        .build()
        .unwrap();
    let app_reset = RedisStore::builder(server.url())
        .key_prefix("app:reset:")
        .build()
        .unwrap();
    let first = token("reset:42", now + 600);
    let second = token("42", now + 600);
    let accepted = validation.decode_once::<Link, _, _>(&first, &key(), &app);
    assert!(accepted.is_ok(), "{accepted:?}");
    let accepted = validation.decode_once::<Link, _, _>(&second, &key(), &app_reset);
    assert!(accepted.is_ok(), "{accepted:?}");
    for (token, store) in [(&first, &app), (&second, &app_reset)] {
        let replayed = validation.decode_once::<Link, _, _>(token, &key(), store);
        assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    }
    assert_eq!(stored_ids(&server), 2);
}

/// A loopback proxy to Redis that, when `drop_next_reply` is set, passes the next command on
/// and closes the client's connection instead of returning the reply: Redis ran the command,
/// the client never heard. Commands and replies here are small: one read each.
fn lossy_proxy(redis_port: u16) -> (u16, Arc<AtomicBool>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let drop_next_reply = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&drop_next_reply);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let (Ok(mut client), flag) = (client, Arc::clone(&flag)) else {
                return;
            };
            std::thread::spawn(move || {
                let mut upstream = std::net::TcpStream::connect(("127.0.0.1", redis_port)).unwrap();
                let mut buffer = vec![0; 1 << 16];
                loop {
                    let Ok(read) = client.read(&mut buffer) else {
                        return;
                    };
                    if read == 0 || upstream.write_all(&buffer[..read]).is_err() {
                        return;
                    }
                    let Ok(replied) = upstream.read(&mut buffer) else {
                        return;
                    };
                    if flag.swap(false, AtomicOrdering::SeqCst) {
                        let _ = client.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                    if client.write_all(&buffer[..replied]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, drop_next_reply)
}

#[test]
fn a_set_retried_after_its_reply_was_lost_is_accepted_not_reported_as_its_own_replay() {
    require_redis!();
    let server = Server::start(&[]);
    let (port, drop_next_reply) = lossy_proxy(server.port);
    let store = RedisStore::open(&format!("redis://127.0.0.1:{port}/")).unwrap();
    // One idle connection in the pool; the next command's reply is lost on it.
    store.ping().unwrap();
    drop_next_reply.store(true, AtomicOrdering::SeqCst);
    let now = server.now();
    let validation = validation_at(now);
    let token = token("lost-reply", now + 600);

    // Redis stored the id, the reply never came, the store retried on a fresh connection and
    // found its own value: the token is accepted, once.
    let first = validation.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(first.is_ok(), "{first:?}");
    assert!(
        !drop_next_reply.load(AtomicOrdering::SeqCst),
        "the reply was not dropped"
    );
    let again = validation.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(matches!(again, Err(Error::Replayed)), "{again:?}");
}

/// Three masters on loopback, slots spread by `redis-cli --cluster create`.
struct Cluster {
    nodes: Vec<Server>,
}

impl Cluster {
    fn start() -> Cluster {
        let nodes: Vec<Server> = (0..3)
            .map(|_| {
                Server::start_on(
                    free_port(true),
                    &[
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                    ],
                )
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let status = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli (package redis-tools) is needed for the cluster test");
        assert!(status.success(), "redis-cli --cluster create failed");
        for _ in 0..400 {
            let ready = nodes.iter().all(|node| {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut node.connection())
                    .unwrap();
                info.contains("cluster_state:ok")
            });
            if ready {
                return Cluster { nodes };
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the cluster did not reach cluster_state:ok");
    }
}

#[test]
fn redis_cluster_accepts_each_token_once_across_nodes() {
    require_redis!();
    let cluster = Cluster::start();
    let now = cluster.nodes[0].now();
    let validation = validation_at(now);
    // Reached through one node; the others are discovered.
    let store = RedisStore::cluster_builder([cluster.nodes[0].url()])
        .build()
        .unwrap();
    let tokens: Vec<String> = (0..60)
        .map(|i| token(&format!("cluster-{i}"), now + 600))
        .collect();
    for token in &tokens {
        assert!(
            validation
                .decode_once::<Link, _, _>(token, &key(), &store)
                .is_ok()
        );
        assert!(matches!(
            validation.decode_once::<Link, _, _>(token, &key(), &store),
            Err(Error::Replayed)
        ));
    }
    // The async store, reached through another node, sees the same ids, and adds its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = RedisStore::cluster_builder([cluster.nodes[1].url()])
            .build_async()
            .unwrap();
        for token in &tokens {
            let replayed = validation
                .decode_once_async::<Link, _, _>(token, &key(), &store)
                .await;
            assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
        }
        let fresh = token("cluster-async", now + 600);
        assert!(
            validation
                .decode_once_async::<Link, _, _>(&fresh, &key(), &store)
                .await
                .is_ok()
        );
        let again = validation
            .decode_once_async::<Link, _, _>(&fresh, &key(), &store)
            .await;
        assert!(matches!(again, Err(Error::Replayed)), "{again:?}");
    });
    // The keys really are spread over the masters.
    let sizes: Vec<i64> = cluster
        .nodes
        .iter()
        .map(|node| redis::cmd("DBSIZE").query(&mut node.connection()).unwrap())
        .collect();
    assert_eq!(sizes.iter().sum::<i64>(), 61);
    assert!(
        sizes.iter().all(|&size| size > 0),
        "keys per node: {sizes:?}"
    );
}
