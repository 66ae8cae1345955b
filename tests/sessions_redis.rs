//! Sessions that end, on a real `redis-server` started by each test on a free loopback port:
//! the sessions contract with two "servers" (two store handles on one Redis, or entering a
//! three-node Redis Cluster through different nodes), the keys and times to live Redis holds,
//! failing closed while Redis is down, and the async stores.
//!
//! Without `redis-server` on `PATH` these tests print a loud notice and pass, unless
//! `JWT_REQUIRE_REDIS=1` (as in CI), which turns the notice into a failure.

#[path = "support/redis_server.rs"]
mod redis_server;
#[path = "support/sessions_contract.rs"]
mod sessions_contract;

use std::time::Duration;

use jwt_runtime::replay::{AsyncRedisStore, RedisStore};
use jwt_runtime::sessions::{
    AsyncRedisRevocationStore, RedisRevocationStore, Retention, Revocable, RevocationStore,
    SharedRevocationStore,
};
use jwt_runtime::{Error, ManualClock, NumericDate};
use redis_server::{RedisServer, free_port, redis_installed};
use sessions_contract::{
    REFRESH_LIFETIME, Refresh, START, Server, key, log_out_everywhere_refuses_older_tokens,
    log_out_one_session, rejected_tokens_revoke_nothing, reuse_revokes_the_family,
    rotation_issues_a_new_pair, subject,
};

fn send<F: Future + Send>(future: F) -> F {
    future
}

const SUITE: &str = "sessions Redis tests (tests/sessions_redis.rs)";

/// One "server": its own connections to the shared Redis.
fn stores(server: &RedisServer) -> (RedisStore, RedisRevocationStore) {
    (
        RedisStore::open(&server.url()).unwrap(),
        RedisRevocationStore::open(&server.url()).unwrap(),
    )
}

fn pttl(server: &RedisServer, key: &str) -> i64 {
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    redis::cmd("PTTL").arg(key).query(&mut connection).unwrap()
}

fn get(server: &RedisServer, key: &str) -> Option<String> {
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    redis::cmd("GET").arg(key).query(&mut connection).unwrap()
}

#[test]
fn contract_across_two_servers_on_one_redis() {
    if !redis_installed(SUITE) {
        return;
    }
    let redis = RedisServer::start(&[]);
    let (replay_a, revocations_a) = stores(&redis);
    let (replay_b, revocations_b) = stores(&redis);
    let (a, b) = ((&replay_a, &revocations_a), (&replay_b, &revocations_b));
    rotation_issues_a_new_pair(a, b);
    reuse_revokes_the_family(a, b);
    rejected_tokens_revoke_nothing(a);
    log_out_everywhere_refuses_older_tokens(a, b);
    log_out_one_session(a, b);
}

/// The record Redis holds: the documented key, the instant as its value, and a relative
/// time to live of the longest token lifetime (from the instant) plus the margin; a later
/// revocation keeps the later instant and the longer time to live, an earlier one changes
/// neither.
#[test]
fn records_have_the_documented_key_value_and_time_to_live() {
    if !redis_installed(SUITE) {
        return;
    }
    let redis = RedisServer::start(&[]);
    let margin = Duration::from_secs(300);
    let revocations = RedisRevocationStore::builder(redis.url())
        .key_prefix("app:")
        .retention_margin(margin)
        .build()
        .unwrap();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let server = Server::new(&clock);
    server
        .sessions
        .log_out_everywhere(&revocations, "ada")
        .unwrap();
    let key = "4:app:3:subada";
    assert_eq!(get(&redis, key).as_deref(), Some("1700000000"));
    let expected = (REFRESH_LIFETIME + margin).as_millis() as i64;
    let ttl = pttl(&redis, key);
    assert!(ttl <= expected && ttl > expected - 10_000, "{ttl}");

    // Revoking again later: the later instant, the longer time to live.
    clock.advance(Duration::from_secs(3_600));
    server
        .sessions
        .log_out_everywhere(&revocations, "ada")
        .unwrap();
    assert_eq!(get(&redis, key).as_deref(), Some("1700003600"));
    let ttl = pttl(&redis, key);
    assert!(ttl <= expected && ttl > expected - 10_000, "{ttl}");
    // An earlier instant, with a shorter retention, changes neither.
    revocations
        .revoke_before(
            Revocable::Subject("ada"),
            NumericDate::from_secs(START),
            Retention::new(
                NumericDate::from_secs(START),
                NumericDate::from_secs(START + 10),
            ),
        )
        .unwrap();
    assert_eq!(get(&redis, key).as_deref(), Some("1700003600"));
    assert!(pttl(&redis, key) > expected - 10_000);
    assert_eq!(
        revocations
            .revoked_before(Revocable::Subject("ada"))
            .unwrap(),
        Some(NumericDate::from_secs(START + 3_600))
    );
    // A family is another key.
    server.sessions.revoke_family(&revocations, "ada").unwrap();
    assert!(get(&redis, "4:app:3:famada").is_some());
}

/// While Redis is down, every check is refused (503), and a logout fails rather than being
/// taken for done; after a restart the store recovers without being rebuilt.
#[test]
fn redis_down_fails_closed_and_recovers() {
    if !redis_installed(SUITE) {
        return;
    }
    let mut redis = RedisServer::start(&[]);
    let (replay, revocations) = stores(&redis);
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let server = Server::new(&clock);
    let user = subject();
    let access = server.access(&user);
    let (_, refresh) = server.login(&user);
    server.protected(&access, &revocations).unwrap();

    redis.kill();
    let checked = server.protected(&access, &revocations);
    assert!(
        matches!(checked, Err(Error::StoreUnavailable(_))),
        "{checked:?}"
    );
    assert!(
        server
            .sessions
            .log_out_everywhere(&revocations, &user)
            .is_err()
    );
    let rotated = server.refresh_endpoint(&refresh, &replay, &revocations);
    assert!(
        matches!(rotated, Err(Error::StoreUnavailable(_))),
        "{rotated:?}"
    );

    redis.restart();
    server.protected(&access, &revocations).unwrap();
    server
        .refresh_endpoint(&refresh, &replay, &revocations)
        .unwrap();
}

/// The async stores: rotation on one handle, reuse detected on another, and the family
/// revoked for both; a logout on one seen by the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_stores_share_rotation_and_revocation() {
    if !redis_installed(SUITE) {
        return;
    }
    let redis = RedisServer::start(&[]);
    let handles = || {
        (
            AsyncRedisStore::open(&redis.url()).unwrap(),
            AsyncRedisRevocationStore::open(&redis.url()).unwrap(),
        )
    };
    let ((replay_a, revocations_a), (replay_b, revocations_b)) = (handles(), handles());
    // The second server holds its store type-erased, as a verifier or a tower layer would.
    let revocations_b = SharedRevocationStore::new(revocations_b);
    revocations_a.ping().await.unwrap();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let server = Server::new(&clock);
    let user = subject();
    let (family, first) = server.login(&user);

    clock.advance(Duration::from_secs(60));
    let rotation = server
        .sessions
        .rotate_async::<Refresh, _, _, _>(&first, &key(), &replay_a, &revocations_a)
        .await
        .unwrap();
    assert_eq!(rotation.claims().fam, family);
    // Send: usable in a tokio task or an axum handler.
    let reuse = send(server.sessions.rotate_async::<Refresh, _, _, _>(
        &first,
        &key(),
        &replay_b,
        &revocations_b,
    ))
    .await;
    assert!(matches!(reuse, Err(Error::RefreshReuse)), "{reuse:?}");
    let revoked = server
        .sessions
        .check_family_not_revoked_async(&family, &revocations_a)
        .await;
    assert!(matches!(revoked, Err(Error::Revoked)), "{revoked:?}");

    let access = server.access(&user);
    clock.advance(Duration::from_secs(1));
    server
        .sessions
        .log_out_everywhere_async(&revocations_b, &user)
        .await
        .unwrap();
    let claims: sessions_contract::Access = jwt_runtime::Validation::new()
        .clock(clock.clone())
        .decode(&access, &key())
        .unwrap();
    let result = server
        .sessions
        .check_not_revoked_async(&claims, &revocations_a)
        .await;
    assert!(matches!(result, Err(Error::Revoked)), "{result:?}");
}

/// Three masters on loopback, slots spread by `redis-cli --cluster create`.
fn cluster() -> Vec<RedisServer> {
    let nodes: Vec<RedisServer> = (0..3)
        .map(|_| {
            RedisServer::start_on(
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
    let status = std::process::Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&addresses)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("redis-cli (package redis-tools) is needed for the cluster test");
    assert!(status.success(), "redis-cli --cluster create failed");
    for _ in 0..400 {
        let ready = nodes.iter().all(|node| {
            let client = redis::Client::open(node.url()).unwrap();
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query(&mut client.get_connection().unwrap())
                .unwrap();
            info.contains("cluster_state:ok")
        });
        if ready {
            return nodes;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the cluster did not reach cluster_state:ok");
}

/// The contract on a Redis Cluster, the two servers entering through different nodes; then
/// the async stores on the cluster.
#[test]
fn contract_on_a_redis_cluster() {
    if !redis_installed(SUITE) {
        return;
    }
    let nodes = cluster();
    let handles = |node: &RedisServer| {
        (
            RedisStore::cluster_builder([node.url()]).build().unwrap(),
            RedisRevocationStore::cluster_builder([node.url()])
                .build()
                .unwrap(),
        )
    };
    let ((replay_a, revocations_a), (replay_b, revocations_b)) =
        (handles(&nodes[0]), handles(&nodes[1]));
    let (a, b) = ((&replay_a, &revocations_a), (&replay_b, &revocations_b));
    rotation_issues_a_new_pair(a, b);
    reuse_revokes_the_family(a, b);
    log_out_everywhere_refuses_older_tokens(a, b);
    log_out_one_session(a, b);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let replay = RedisStore::cluster_builder([nodes[2].url()])
            .build_async()
            .unwrap();
        let revocations = RedisRevocationStore::cluster_builder([nodes[2].url()])
            .build_async()
            .unwrap();
        revocations.ping().await.unwrap();
        let clock = ManualClock::new(NumericDate::from_secs(START));
        let server = Server::new(&clock);
        let (family, first) = server.login(&subject());
        let rotation = server
            .sessions
            .rotate_async::<Refresh, _, _, _>(&first, &key(), &replay, &revocations)
            .await
            .unwrap();
        assert_eq!(rotation.claims().fam, family);
        let reuse = server
            .sessions
            .rotate_async::<Refresh, _, _, _>(&first, &key(), &replay, &revocations)
            .await;
        assert!(matches!(reuse, Err(Error::RefreshReuse)), "{reuse:?}");
        // Seen through another node by the sync store.
        assert!(matches!(
            server
                .sessions
                .check_family_not_revoked(&family, &revocations_a),
            Err(Error::Revoked)
        ));
    });
}
