//! [`RedisStore`] and `AsyncRedisStore`: replay stores on Redis, shared by many servers.
//!
//! Features: `redis` is the sync store on one server; `redis-cluster` adds Redis Cluster,
//! `redis-async` the async store, `redis-cluster-async` the async store on a cluster. Each
//! pulls only the parts of the `redis` crate (and tokio) it needs.

use core::fmt;
#[cfg(feature = "redis-async")]
use core::future::Future;
#[cfg(feature = "redis-async")]
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

#[cfg(feature = "redis-async")]
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
#[cfg(feature = "redis-cluster")]
use redis::cluster::{ClusterClient, ClusterClientBuilder, ClusterConfig};
use redis::{Cmd, ConnectionLike, RedisError, Value};

#[cfg(feature = "redis-async")]
use super::AsyncReplayStore;
use super::{InsertOutcome, ReplayStore, StoreError};
use crate::time::NumericDate;

/// The default key prefix: a consumed `jti` is stored under `jwt:jti:<jti>`.
pub const DEFAULT_KEY_PREFIX: &str = "jwt:jti:";

/// The default time limit for connecting to Redis and for each reply: one second. A store
/// that hears nothing back in time rejects the token ([`Error::StoreUnavailable`]).
///
/// [`Error::StoreUnavailable`]: crate::Error::StoreUnavailable
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// The default number of idle connections a [`RedisStore`] keeps for reuse.
const DEFAULT_MAX_IDLE: usize = 64;

/// The latest `EXAT` sent: 9999-12-31T23:59:59Z. A token that expires later is remembered
/// until then, which is as good as forever.
const MAX_EXAT: i64 = 253_402_300_799;

/// Configures a [`RedisStore`] or (feature `redis-async`) an `AsyncRedisStore`.
///
/// | setting | default |
/// | --- | --- |
/// | key prefix | [`DEFAULT_KEY_PREFIX`] (`jwt:jti:`) |
/// | connect and reply timeout | [`DEFAULT_TIMEOUT`] (1 s) |
/// | idle connections kept (sync store) | 64 |
///
/// Nothing connects until the first id is consumed (or [`RedisStore::ping`] is called), so a
/// service starts while Redis is down and rejects one-use tokens until it is back.
#[derive(Clone)]
#[must_use]
pub struct RedisStoreBuilder {
    nodes: Nodes,
    prefix: String,
    timeout: Duration,
    max_idle: usize,
}

#[derive(Clone)]
enum Nodes {
    Single(String),
    #[cfg(feature = "redis-cluster")]
    Cluster(Vec<String>),
}

/// Shows no URL: one may carry a password.
impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cluster, nodes) = match &self.nodes {
            Nodes::Single(_) => (false, 1),
            #[cfg(feature = "redis-cluster")]
            Nodes::Cluster(nodes) => (true, nodes.len()),
        };
        f.debug_struct("RedisStoreBuilder")
            .field("cluster", &cluster)
            .field("nodes", &nodes)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// Stores keys under `prefix` followed by the `jti`'s exact bytes. Defaults to
    /// [`DEFAULT_KEY_PREFIX`]. Give each kind of one-use token its own prefix when their ids
    /// could collide, and each application sharing a Redis its own.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The time limit for connecting and for each reply. Defaults to [`DEFAULT_TIMEOUT`].
    /// A zero duration is treated as one millisecond.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How many idle connections the sync [`RedisStore`] keeps for reuse; each caller that
    /// finds none idle opens its own. Defaults to 64. The async store multiplexes every
    /// caller over one connection per node and ignores this.
    pub fn max_idle_connections(mut self, max_idle: usize) -> Self {
        self.max_idle = max_idle;
        self
    }

    /// The store for synchronous callers.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when a URL is not a valid Redis URL (`redis://host:port/db`,
    /// `rediss://` is not enabled), or a cluster has no node.
    pub fn build(self) -> Result<RedisStore, StoreError> {
        let target = match &self.nodes {
            Nodes::Single(url) => {
                SyncTarget::Single(redis::Client::open(url.as_str()).map_err(StoreError::backend)?)
            }
            #[cfg(feature = "redis-cluster")]
            Nodes::Cluster(nodes) => SyncTarget::Cluster(Box::new(self.cluster_client(nodes)?)),
        };
        Ok(RedisStore {
            target,
            prefix: self.prefix.into_bytes().into(),
            timeout: self.timeout,
            max_idle: self.max_idle,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The store for async callers, on the tokio runtime it is built in (feature
    /// `redis-async`). One multiplexed connection (per cluster node) carries every concurrent
    /// caller; it reconnects by itself after a connection is lost.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when called outside a tokio runtime, when a URL is not a valid
    /// Redis URL, when a cluster has no node, or for a cluster builder when the feature
    /// `redis-cluster-async` is off.
    #[cfg(feature = "redis-async")]
    pub fn build_async(self) -> Result<AsyncRedisStore, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::backend(
                "AsyncRedisStore must be built inside a tokio runtime",
            ));
        }
        let connection = match &self.nodes {
            Nodes::Single(url) => {
                let client = redis::Client::open(url.as_str()).map_err(StoreError::backend)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1)
                    .set_min_delay(Duration::from_millis(10))
                    .set_max_delay(Duration::from_millis(100));
                AsyncConnection::Single(
                    ConnectionManager::new_lazy_with_config(client, config)
                        .map_err(StoreError::backend)?,
                )
            }
            #[cfg(feature = "redis-cluster-async")]
            Nodes::Cluster(nodes) => {
                let client = self.cluster_client(nodes)?;
                AsyncConnection::Cluster(
                    client.get_pending_async_connection_with_config(self.cluster_config()),
                )
            }
            // Cargo features are additive, so `redis-cluster` with `redis-async` builds; only
            // `redis-cluster-async` brings the async cluster client.
            #[cfg(all(feature = "redis-cluster", not(feature = "redis-cluster-async")))]
            Nodes::Cluster(_) => {
                return Err(StoreError::backend(
                    "an async store on a Redis Cluster needs the feature `redis-cluster-async`",
                ));
            }
        };
        Ok(AsyncRedisStore {
            connection,
            prefix: self.prefix.into_bytes().into(),
        })
    }

    #[cfg(feature = "redis-cluster")]
    fn cluster_client(&self, nodes: &[String]) -> Result<ClusterClient, StoreError> {
        if nodes.is_empty() {
            return Err(StoreError::backend(
                "a Redis Cluster needs at least one node URL",
            ));
        }
        ClusterClientBuilder::new(nodes.iter().map(String::as_str))
            .connection_timeout(self.timeout)
            .response_timeout(self.timeout)
            .retries(2)
            .min_retry_wait(10)
            .max_retry_wait(100)
            .build()
            .map_err(StoreError::backend)
    }

    #[cfg(feature = "redis-cluster-async")]
    fn cluster_config(&self) -> ClusterConfig {
        ClusterConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
    }
}

/// A replay store on Redis, for synchronous callers: every server that shares the Redis (or
/// Redis Cluster) shares one view of the consumed ids.
///
/// Consuming an id is one atomic command, `SET <prefix><jti> 1 NX EXAT <t>`, where `t` is the
/// token's `exp` plus the leeway, rounded up to a whole second: Redis forgets the id when the
/// token expires. The reply `OK` means fresh, nil means replayed; anything else, and any
/// connection error or timeout, rejects the token with
/// [`Error::StoreUnavailable`](crate::Error::StoreUnavailable) (fail
/// closed, never a panic).
///
/// Connections are opened on demand, one per concurrent caller, and up to 64 idle ones are
/// kept for reuse. After an error a connection is dropped; when a reused connection turns out
/// dead (Redis restarted), the idle ones are dropped too and the command is retried once on a
/// fresh connection, so the store recovers without restarting the application. (Should that
/// first command have reached Redis before the connection died, the retry finds the id and
/// reports a replay: the token is rejected, never accepted twice.)
///
/// From async code use `AsyncRedisStore` (feature `redis-async`), so that a round trip does
/// not block the runtime.
///
/// # Configuring Redis
///
/// - **Eviction**: run Redis with `maxmemory-policy noeviction` (its default). Under any
///   other policy Redis may drop a live id when memory runs short, and the token can then be
///   replayed; with `noeviction` a full Redis refuses the write and the token is rejected.
/// - **Persistence**: without it, a restarted Redis has forgotten every consumed id, and
///   unexpired tokens can be used once more. Enable the append-only file (`appendonly yes`;
///   `appendfsync always` closes the window entirely, `everysec` leaves at most a second).
/// - **Clocks**: Redis expires keys by its own clock; keep it in sync with the servers' (the
///   validation leeway covers small skew).
///
/// # Examples
///
/// ```no_run
/// use jwt_runtime::replay::RedisStore;
/// use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate, Validation};
///
/// #[derive(Claims)]
/// struct Unsubscribe {
///     sub: String,
///     exp: NumericDate,
///     jti: String,
/// }
///
/// let store = RedisStore::builder("redis://127.0.0.1:6379/").key_prefix("mail:unsub:").build()?;
/// # let key = HmacKey::<Hs256>::from_bytes(&[7; 32])?;
/// # let token = "";
/// let link: Unsubscribe = Validation::new().decode_once(token, &key, &store)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisStore {
    target: SyncTarget,
    prefix: Box<[u8]>,
    timeout: Duration,
    max_idle: usize,
    idle: Mutex<Vec<SyncConnection>>,
}

enum SyncTarget {
    Single(redis::Client),
    #[cfg(feature = "redis-cluster")]
    Cluster(Box<ClusterClient>),
}

enum SyncConnection {
    Single(redis::Connection),
    #[cfg(feature = "redis-cluster")]
    Cluster(Box<redis::cluster::ClusterConnection>),
}

impl SyncConnection {
    fn as_dyn(&mut self) -> &mut dyn ConnectionLike {
        match self {
            SyncConnection::Single(connection) => connection,
            #[cfg(feature = "redis-cluster")]
            SyncConnection::Cluster(connection) => &mut **connection,
        }
    }
}

impl RedisStore {
    /// A store on one Redis server, with the defaults; see [`RedisStoreBuilder`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when `url` is not a valid Redis URL.
    pub fn open(url: &str) -> Result<RedisStore, StoreError> {
        Self::builder(url).build()
    }

    /// A builder for a store on one Redis server at `url` (`redis://host:port/db`; a password
    /// goes in the URL: `redis://:password@host/`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        Self::builder_for(Nodes::Single(url.into()))
    }

    /// A builder for a store on a Redis Cluster (feature `redis-cluster`), reached through any
    /// of `nodes` (URLs of cluster nodes; the others are discovered). Each id's key lands on
    /// the node that owns its hash slot; `MOVED` and `ASK` redirections are followed.
    #[cfg(feature = "redis-cluster")]
    pub fn cluster_builder<I, S>(nodes: I) -> RedisStoreBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::builder_for(Nodes::Cluster(nodes.into_iter().map(Into::into).collect()))
    }

    fn builder_for(nodes: Nodes) -> RedisStoreBuilder {
        RedisStoreBuilder {
            nodes,
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_idle: DEFAULT_MAX_IDLE,
        }
    }

    /// Checks that Redis answers, e.g. at start-up or in a health check.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when it does not.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.run(&redis::cmd("PING")).map(drop)
    }

    fn run(&self, command: &Cmd) -> Result<Value, StoreError> {
        let pooled = self.idle().pop();
        let reused = pooled.is_some();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => self.connect()?,
        };
        match command.query::<Value>(connection.as_dyn()) {
            Ok(value) => {
                self.release(connection);
                Ok(value)
            }
            Err(error) if reused && error.is_connection_dropped() => {
                // An idle connection died (Redis restarted, or closed it): so did the others.
                drop(connection);
                self.idle().clear();
                let mut fresh = self.connect()?;
                let value = command
                    .query::<Value>(fresh.as_dyn())
                    .map_err(StoreError::backend)?;
                self.release(fresh);
                Ok(value)
            }
            // The connection is dropped: after a timeout its late reply must never be read
            // as the answer to another command.
            Err(error) => Err(StoreError::backend(error)),
        }
    }

    fn connect(&self) -> Result<SyncConnection, StoreError> {
        let connection = match &self.target {
            SyncTarget::Single(client) => {
                let connection = client
                    .get_connection_with_timeout(self.timeout)
                    .map_err(StoreError::backend)?;
                connection
                    .set_read_timeout(Some(self.timeout))
                    .map_err(StoreError::backend)?;
                connection
                    .set_write_timeout(Some(self.timeout))
                    .map_err(StoreError::backend)?;
                SyncConnection::Single(connection)
            }
            #[cfg(feature = "redis-cluster")]
            SyncTarget::Cluster(client) => {
                let config = ClusterConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout);
                let connection = client
                    .get_connection_with_config(config)
                    .map_err(StoreError::backend)?;
                connection
                    .set_write_timeout(Some(self.timeout))
                    .map_err(StoreError::backend)?;
                SyncConnection::Cluster(Box::new(connection))
            }
        };
        Ok(connection)
    }

    fn release(&self, connection: SyncConnection) {
        let mut idle = self.idle();
        if idle.len() < self.max_idle {
            idle.push(connection);
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<SyncConnection>> {
        // The pool holds only whole connections; a poisoned lock leaves nothing half-done.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ReplayStore for RedisStore {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> Result<InsertOutcome, StoreError> {
        outcome(self.run(&set_nx(&self.prefix, id, expires_at))?)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cluster = match self.target {
            SyncTarget::Single(_) => false,
            #[cfg(feature = "redis-cluster")]
            SyncTarget::Cluster(_) => true,
        };
        f.debug_struct("RedisStore")
            .field("cluster", &cluster)
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .field("timeout", &self.timeout)
            .field("idle", &self.idle().len())
            .finish_non_exhaustive()
    }
}

/// A replay store on Redis, for async callers (tokio): the counterpart of [`RedisStore`], with
/// the same command, key layout and Redis configuration advice.
///
/// Every concurrent caller shares one multiplexed connection (one per cluster node), which
/// pipelines their commands; when it is lost, the commands in flight fail with
/// [`Error::StoreUnavailable`] and the store reconnects in the background, so it recovers
/// after a Redis restart without restarting the application. Cheap to clone: clones share the
/// connection.
///
/// # Examples
///
/// ```no_run
/// use jwt_runtime::replay::RedisStore;
/// use jwt_runtime::{Claims, Error, HmacKey, Hs256, NumericDate, Validation};
///
/// #[derive(Claims)]
/// struct Invite {
///     exp: NumericDate,
///     jti: String,
/// }
///
/// # async fn run(key: HmacKey<Hs256>, token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// // Inside the tokio runtime, typically once at start-up:
/// let store = RedisStore::builder("redis://127.0.0.1:6379/").build_async()?;
/// let invite: Invite = Validation::new().decode_once_async(token, &key, &store).await?;
/// # Ok(())
/// # }
/// ```
///
/// [`Error::StoreUnavailable`]: crate::Error::StoreUnavailable
#[cfg(feature = "redis-async")]
#[derive(Clone)]
pub struct AsyncRedisStore {
    connection: AsyncConnection,
    prefix: Arc<[u8]>,
}

#[cfg(feature = "redis-async")]
#[derive(Clone)]
enum AsyncConnection {
    Single(ConnectionManager),
    #[cfg(feature = "redis-cluster-async")]
    Cluster(redis::cluster_async::ClusterConnection),
}

#[cfg(feature = "redis-async")]
impl AsyncRedisStore {
    /// A store on one Redis server, with the defaults; see [`RedisStoreBuilder`]. Must be
    /// called inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] outside a tokio runtime, or when `url` is not a valid Redis URL.
    pub fn open(url: &str) -> Result<AsyncRedisStore, StoreError> {
        RedisStore::builder(url).build_async()
    }

    /// Checks that Redis answers, e.g. at start-up or in a health check.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run(redis::cmd("PING")).await.map(drop)
    }

    async fn run(&self, command: Cmd) -> Result<Value, StoreError> {
        let result = match &self.connection {
            AsyncConnection::Single(connection) => {
                command.query_async::<Value>(&mut connection.clone()).await
            }
            #[cfg(feature = "redis-cluster-async")]
            AsyncConnection::Cluster(connection) => {
                command.query_async::<Value>(&mut connection.clone()).await
            }
        };
        result.map_err(StoreError::backend)
    }
}

#[cfg(feature = "redis-async")]
impl AsyncReplayStore for AsyncRedisStore {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send {
        let command = set_nx(&self.prefix, id, expires_at);
        async move { outcome(self.run(command).await?) }
    }
}

#[cfg(feature = "redis-async")]
impl fmt::Debug for AsyncRedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cluster = match self.connection {
            AsyncConnection::Single(_) => false,
            #[cfg(feature = "redis-cluster-async")]
            AsyncConnection::Cluster(_) => true,
        };
        f.debug_struct("AsyncRedisStore")
            .field("cluster", &cluster)
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .finish_non_exhaustive()
    }
}

/// `SET <prefix><id> 1 NX EXAT <expires_at, rounded up>`.
fn set_nx(prefix: &[u8], id: &str, expires_at: NumericDate) -> Cmd {
    let mut key = Vec::with_capacity(prefix.len() + id.len());
    key.extend_from_slice(prefix);
    key.extend_from_slice(id.as_bytes());
    let mut command = redis::cmd("SET");
    command
        .arg(key)
        .arg(1)
        .arg("NX")
        .arg("EXAT")
        .arg(exat(expires_at));
    command
}

/// Whole seconds, rounded up so that Redis never forgets an id early, within what `EXAT`
/// accepts (positive, and not so large that Redis refuses it).
#[allow(
    clippy::cast_possible_truncation,
    reason = "`as` saturates float-to-int casts"
)]
fn exat(expires_at: NumericDate) -> i64 {
    (expires_at.as_f64().ceil() as i64).clamp(1, MAX_EXAT)
}

fn outcome(reply: Value) -> Result<InsertOutcome, StoreError> {
    match reply {
        Value::Okay => Ok(InsertOutcome::Inserted),
        Value::SimpleString(text) if text == "OK" => Ok(InsertOutcome::Inserted),
        Value::Nil => Ok(InsertOutcome::AlreadyPresent),
        other => Err(StoreError::backend(UnexpectedReply(other))),
    }
}

/// Redis answered `SET ... NX` with neither `OK` nor nil.
#[derive(Debug)]
struct UnexpectedReply(Value);

impl fmt::Display for UnexpectedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = format!("{:?}", self.0);
        if text.len() > 64 {
            let mut end = 64;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        write!(f, "unexpected reply to SET NX: {text}")
    }
}

impl std::error::Error for UnexpectedReply {}

impl From<RedisError> for StoreError {
    fn from(error: RedisError) -> Self {
        StoreError::backend(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_layout() {
        let command = set_nx(
            b"jwt:jti:",
            "abc",
            NumericDate::from_f64(1_700_000_000.2).unwrap(),
        );
        let args: Vec<Vec<u8>> = command
            .args_iter()
            .map(|arg| match arg {
                redis::Arg::Simple(bytes) => bytes.to_vec(),
                _ => Vec::new(),
            })
            .collect();
        let expected: Vec<&[u8]> =
            vec![b"SET", b"jwt:jti:abc", b"1", b"NX", b"EXAT", b"1700000001"];
        assert_eq!(args, expected);
    }

    #[test]
    fn exat_rounds_up_and_stays_in_range() {
        let at = |secs: f64| exat(NumericDate::from_f64(secs).unwrap());
        assert_eq!(at(100.0), 100);
        assert_eq!(at(100.000_001), 101);
        assert_eq!(at(0.0), 1);
        assert_eq!(at(-5.0), 1);
        assert_eq!(at(f64::MIN), 1);
        assert_eq!(at(f64::MAX), MAX_EXAT);
        assert_eq!(at(1e300), MAX_EXAT);
    }

    #[test]
    fn replies() {
        assert_eq!(outcome(Value::Okay).unwrap(), InsertOutcome::Inserted);
        assert_eq!(
            outcome(Value::SimpleString("OK".into())).unwrap(),
            InsertOutcome::Inserted
        );
        assert_eq!(outcome(Value::Nil).unwrap(), InsertOutcome::AlreadyPresent);
        for unexpected in [
            Value::Int(1),
            Value::SimpleString("QUEUED".into()),
            Value::BulkString(vec![b'x'; 1_000]),
            Value::Array(vec![]),
        ] {
            let error = outcome(unexpected).unwrap_err();
            assert!(error.to_string().len() < 160, "{error}");
        }
    }

    #[test]
    fn debug_output_shows_no_password() {
        let builder = RedisStore::builder("redis://:hunter2@127.0.0.1:6379/");
        assert!(!format!("{builder:?}").contains("hunter2"));
        let store = builder.build().unwrap();
        assert!(!format!("{store:?}").contains("hunter2"));
    }

    #[test]
    fn invalid_urls_are_errors() {
        assert!(RedisStore::open("not a url").is_err());
        assert!(RedisStore::open("http://127.0.0.1/").is_err());
        #[cfg(feature = "redis-cluster")]
        assert!(
            RedisStore::cluster_builder(Vec::<String>::new())
                .build()
                .is_err()
        );
        // Outside a tokio runtime the async store refuses to be built (no panic).
        #[cfg(feature = "redis-async")]
        assert!(
            RedisStore::builder("redis://127.0.0.1/")
                .build_async()
                .is_err()
        );
    }

    /// `redis-cluster` with `redis-async` but without `redis-cluster-async`: the async
    /// cluster store is refused with an error naming the feature, not a panic.
    #[cfg(all(
        feature = "redis-cluster",
        feature = "redis-async",
        not(feature = "redis-cluster-async")
    ))]
    #[test]
    fn an_async_cluster_store_needs_its_feature() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let error = runtime
            .block_on(async {
                RedisStore::cluster_builder(["redis://127.0.0.1:7000/"]).build_async()
            })
            .unwrap_err();
        assert!(error.to_string().contains("redis-cluster-async"), "{error}");
    }

    #[test]
    fn unreachable_redis_fails_closed() {
        // Port 1 on loopback: nothing listens there (connection refused).
        let store = RedisStore::builder("redis://127.0.0.1:1/")
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let error = store
            .insert_if_absent("a", NumericDate::from_secs(2_000_000_000))
            .unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error}");
    }
}
