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
use std::time::Duration;

use redis::{Cmd, RedisError, Value};

#[cfg(feature = "redis-async")]
use super::AsyncReplayStore;
#[cfg(feature = "redis-async")]
use super::connection::AsyncConnection;
use super::connection::{Nodes, SyncPool};
use super::{
    DEFAULT_RETENTION_MARGIN, InsertOutcome, ReplayId, ReplayStore, ReplayWindow, StoreError,
    push_length_prefixed,
};

/// The default key prefix: a consumed `jti` is stored under
/// `8:jwt:jti:<namespace length>:<namespace><jti>` (see [`RedisStore`]).
pub const DEFAULT_KEY_PREFIX: &str = "jwt:jti:";

/// The default time limit for connecting to Redis and for each reply: one second. A store
/// that hears nothing back in time rejects the token ([`Error::StoreUnavailable`]).
///
/// [`Error::StoreUnavailable`]: crate::Error::StoreUnavailable
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// The default number of idle connections a [`RedisStore`] keeps for reuse.
const DEFAULT_MAX_IDLE: usize = 64;

/// The longest `PX` sent, in milliseconds: about 10,000 years, as good as forever, and far
/// from what Redis refuses (its clock plus this must fit in 63 bits).
const MAX_PX: u64 = 10_000 * 366 * 24 * 3600 * 1000;

/// Configures a [`RedisStore`] or (feature `redis-async`) an `AsyncRedisStore`.
///
/// | setting | default |
/// | --- | --- |
/// | key prefix | [`DEFAULT_KEY_PREFIX`] (`jwt:jti:`) |
/// | retention margin | [`DEFAULT_RETENTION_MARGIN`] (5 minutes) |
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
    margin: Duration,
    timeout: Duration,
    max_idle: usize,
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
            .field("retention_margin", &self.margin)
            .field("timeout", &self.timeout)
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// Stores keys under `prefix`: the key is the prefix, the namespace and the `jti`, each
    /// but the last preceded by its length, so that no two of them share a key (`app:` with
    /// the id `reset:42` is not `app:reset:` with `42`). Defaults to [`DEFAULT_KEY_PREFIX`].
    /// Give each application sharing a Redis its own; kinds of token already have their own
    /// namespaces ([`ReplayId::namespace_of`]).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long past a token's expiry, as seen by the validation that consumed its id, Redis
    /// keeps the id. It must cover the largest difference in clock and leeway between the
    /// validations sharing the store: a validation whose clock is behind the consuming one's
    /// (or whose leeway is larger) by more than the margin could accept the token once more
    /// after Redis forgot it. Defaults to [`DEFAULT_RETENTION_MARGIN`] (5 minutes).
    pub fn retention_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
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
        Ok(RedisStore {
            pool: SyncPool::new(&self.nodes, self.timeout, self.max_idle)?,
            prefix: self.prefix.into_bytes().into(),
            margin: self.margin,
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
        let connection = AsyncConnection::new(&self.nodes, self.timeout, "AsyncRedisStore")?;
        Ok(AsyncRedisStore {
            connection,
            prefix: self.prefix.into_bytes().into(),
            margin: self.margin,
        })
    }
}

/// A replay store on Redis, for synchronous callers: every server that shares the Redis (or
/// Redis Cluster) shares one view of the consumed ids.
///
/// Consuming an id is one atomic command, `SET <key> <nonce> NX PX <ms> GET` (Redis 7.0 or
/// later). The key is
/// `<prefix length>:<prefix><namespace length>:<namespace><jti>` (by default
/// `8:jwt:jti:16:<the type's namespace><jti>`), which no two (prefix, namespace, `jti`) share.
/// The time to live is relative: the time the token stays acceptable to the validation that
/// consumed it ([`ReplayWindow::remaining_secs`], measured from that validation's own clock
/// reading), plus the retention margin, rounded up to a millisecond. Redis forgets the id that
/// long after it stored it, whatever its clock says the date is: a Redis clock that is off
/// does not shorten the retention. The value is 128 random bits, new for each call: the reply
/// nil means fresh, this call's own value means fresh too (a retry of this call, by the client
/// library, after the first reply was lost), any other value means replayed. A
/// connection error before the command was sent, an error reply or an unexpected reply
/// rejects the token with [`Error::StoreUnavailable`](crate::Error::StoreUnavailable); a
/// timeout or a connection lost after it was sent, when the id may or may not be stored,
/// with [`Error::ReplayUnconfirmed`](crate::Error::ReplayUnconfirmed) (fail closed, never a
/// panic).
///
/// Connections are opened on demand, one per concurrent caller, and up to 64 idle ones are
/// kept for reuse. After an error a connection is dropped; when a reused connection turns out
/// dead (Redis restarted), the idle ones are dropped too and the command is retried once on a
/// fresh connection, so the store recovers without restarting the application. (Should that
/// first command have reached Redis before the connection died, the retry finds this call's
/// own value, and the token is accepted once, never reported as its own replay.)
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
/// - **Clocks**: the time to live is relative, so Redis's clock need not agree with the
///   servers'; it must not jump forward (a step forward expires keys early). The servers'
///   clocks and leeways may differ by up to the retention margin.
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
    pool: SyncPool,
    prefix: Box<[u8]>,
    margin: Duration,
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
            margin: DEFAULT_RETENTION_MARGIN,
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

    /// Runs `command`. The reply says whether it came from a retry, after a first attempt
    /// that may have reached Redis.
    fn run(&self, command: &Cmd) -> Result<Reply, StoreError> {
        let pooled = self.pool.take_idle();
        let reused = pooled.is_some();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => self.pool.connect()?,
        };
        match connection.query(command) {
            Ok(value) => {
                self.pool.release(connection);
                Ok(Reply::First(value))
            }
            Err(error) if reused && error.is_connection_dropped() => {
                // An idle connection died (Redis restarted, or closed it): so did the others.
                drop(connection);
                self.pool.clear_idle();
                // The first attempt may have reached Redis: whatever fails now, the id may
                // be stored.
                let mut fresh = self.pool.connect().map_err(StoreError::unconfirmed)?;
                let value = fresh.query(command).map_err(StoreError::unconfirmed)?;
                self.pool.release(fresh);
                Ok(Reply::Retried(value))
            }
            // The connection is dropped: after a timeout its late reply must never be read
            // as the answer to another command.
            Err(error) => Err(sent_error(error)),
        }
    }
}

impl ReplayStore for RedisStore {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        let nonce = Nonce::new()?;
        let command = set_nx(&self.prefix, id, window, self.margin, &nonce);
        // A retry's reply is exact too: the nonce tells this caller's own earlier write apart.
        match self.run(&command)? {
            Reply::First(value) | Reply::Retried(value) => outcome(value, &nonce),
        }
    }
}

/// A reply, and whether it answers a retry.
enum Reply {
    First(Value),
    Retried(Value),
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("cluster", &self.pool.is_cluster())
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .field("retention_margin", &self.margin)
            .field("timeout", &self.pool.timeout())
            .field("idle", &self.pool.idle_len())
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
    margin: Duration,
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
        self.connection.query(command).await.map_err(sent_error)
    }
}

#[cfg(feature = "redis-async")]
impl AsyncReplayStore for AsyncRedisStore {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send {
        let command = Nonce::new()
            .map(|nonce| (set_nx(&self.prefix, id, window, self.margin, &nonce), nonce));
        async move {
            let (command, nonce) = command?;
            outcome(self.run(command).await?, &nonce)
        }
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
            .field("retention_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

/// `SET <key> <nonce> NX PX <ms> GET`: the key as [`key`] builds it, the time to live as
/// [`px`]. `GET` returns the value already there (nil when this call stored it), so that a
/// command the client library retried after a lost reply is still answered exactly: finding
/// this call's own nonce means this call stored it.
fn set_nx(
    prefix: &[u8],
    id: ReplayId<'_>,
    window: ReplayWindow,
    margin: Duration,
    nonce: &Nonce,
) -> Cmd {
    let mut command = redis::cmd("SET");
    command
        .arg(key(prefix, id))
        .arg(&nonce.0[..])
        .arg("NX")
        .arg("PX")
        .arg(px(window, margin))
        .arg("GET");
    command
}

/// 128 random bits in hex, distinct for every insert: the value stored under a key.
struct Nonce([u8; 32]);

impl Nonce {
    fn new() -> Result<Nonce, StoreError> {
        let mut random = [0_u8; 16];
        getrandom::fill(&mut random).map_err(|error| StoreError::backend(error.to_string()))?;
        let mut hex = [0_u8; 32];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(random) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0xf)];
        }
        Ok(Nonce(hex))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `<prefix length>:<prefix><namespace length>:<namespace><jti>`: every part but the last
/// is length-prefixed, so no two (prefix, namespace, `jti`) share a key.
fn key(prefix: &[u8], id: ReplayId<'_>) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + id.namespace().len() + id.jti().len() + 8);
    push_length_prefixed(&mut key, prefix);
    id.encode_into(&mut key);
    key
}

/// The time to live in milliseconds: the time the token stays acceptable to the validation
/// that consumed it, plus the margin, rounded up; at least 1 and at most [`MAX_PX`].
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "`as` saturates float-to-int casts, and the value is clamped"
)]
fn px(window: ReplayWindow, margin: Duration) -> u64 {
    let millis = ((window.remaining_secs() + margin.as_secs_f64()) * 1000.0).ceil();
    (millis as u64).clamp(1, MAX_PX)
}

/// An error from a command that was (or may have been) written: when nothing says it never
/// reached Redis, the id may be stored.
fn sent_error(error: RedisError) -> StoreError {
    if error.is_connection_refusal() {
        // Nothing was sent: the connection was never made.
        StoreError::backend(error)
    } else if error.is_timeout() || error.is_connection_dropped() || error.is_io_error() {
        StoreError::unconfirmed(error)
    } else {
        // Redis answered with an error (out of memory, a wrong type, a cluster refusal): it
        // did not run the command.
        StoreError::backend(error)
    }
}

/// The reply to `SET ... NX GET`: nil when this call stored the id; the value already there
/// otherwise, which is this call's own nonce only when a retry of this very call stored it.
fn outcome(reply: Value, nonce: &Nonce) -> Result<InsertOutcome, StoreError> {
    match reply {
        Value::Nil => Ok(InsertOutcome::Inserted),
        Value::BulkString(value) if value == nonce.0 => Ok(InsertOutcome::Inserted),
        Value::BulkString(_) => Ok(InsertOutcome::AlreadyPresent),
        other => Err(StoreError::backend(UnexpectedReply(other))),
    }
}

/// Redis answered `SET ... NX GET` with neither a value nor nil.
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
        write!(f, "unexpected reply to SET NX GET: {text}")
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
    use crate::time::NumericDate;

    fn arguments(command: &Cmd) -> Vec<Vec<u8>> {
        command
            .args_iter()
            .map(|arg| match arg {
                redis::Arg::Simple(bytes) => bytes.to_vec(),
                _ => Vec::new(),
            })
            .collect()
    }

    fn window(checked_at: f64, expires_at: f64) -> ReplayWindow {
        ReplayWindow::new(
            NumericDate::from_f64(checked_at).unwrap(),
            NumericDate::from_f64(expires_at).unwrap(),
        )
    }

    #[test]
    fn command_layout() {
        let nonce = Nonce::new().unwrap();
        let command = set_nx(
            b"jwt:jti:",
            ReplayId::new("links", "abc"),
            window(1_700_000_000.0, 1_700_000_600.25),
            Duration::from_secs(300),
            &nonce,
        );
        let expected: Vec<&[u8]> = vec![
            b"SET",
            b"8:jwt:jti:5:linksabc",
            &nonce.0,
            b"NX",
            b"PX",
            b"900250",
            b"GET",
        ];
        assert_eq!(arguments(&command), expected);
        assert!(nonce.0.iter().all(u8::is_ascii_hexdigit));
        assert_ne!(Nonce::new().unwrap().0, nonce.0);
    }

    #[test]
    fn keys_never_collide_across_prefixes_and_namespaces() {
        let pairs = [
            (&b"app:"[..], ReplayId::new("", "reset:42")),
            (&b"app:reset:"[..], ReplayId::new("", "42")),
            (&b"app:"[..], ReplayId::new("reset:", "42")),
            (&b""[..], ReplayId::new("app:reset:", "42")),
            (&b""[..], ReplayId::new("", "app:reset:42")),
        ];
        for (i, (prefix, id)) in pairs.iter().enumerate() {
            for (other_prefix, other_id) in &pairs[i + 1..] {
                assert_ne!(key(prefix, *id), key(other_prefix, *other_id));
            }
        }
    }

    #[test]
    fn px_is_relative_rounds_up_and_stays_in_range() {
        let margin = Duration::from_secs(300);
        // Relative: the same remaining time whatever the date.
        assert_eq!(px(window(100.0, 160.0), margin), 360_000);
        assert_eq!(px(window(1e12, 1e12 + 60.0), margin), 360_000);
        assert_eq!(px(window(100.0, 100.000_1), Duration::ZERO), 1);
        // Past its expiry already (not what a validation sends): kept for the margin.
        assert_eq!(px(window(100.0, 50.0), margin), 300_000);
        assert_eq!(px(window(100.0, 50.0), Duration::ZERO), 1);
        assert_eq!(px(window(f64::MIN, f64::MAX), margin), MAX_PX);
        assert_eq!(px(window(0.0, 1e300), margin), MAX_PX);
    }

    #[test]
    fn replies() {
        let nonce = Nonce::new().unwrap();
        let outcome = |reply| outcome(reply, &nonce);
        assert_eq!(outcome(Value::Nil).unwrap(), InsertOutcome::Inserted);
        // This call's own write, found by a retry: fresh, not a replay.
        assert_eq!(
            outcome(Value::BulkString(nonce.0.to_vec())).unwrap(),
            InsertOutcome::Inserted
        );
        // Anyone else's value, or the "1" of an older version: a replay.
        for other in [Nonce::new().unwrap().0.to_vec(), b"1".to_vec()] {
            assert_eq!(
                outcome(Value::BulkString(other)).unwrap(),
                InsertOutcome::AlreadyPresent
            );
        }
        for unexpected in [
            Value::Okay,
            Value::Int(1),
            Value::SimpleString("QUEUED".into()),
            Value::Array(vec![Value::BulkString(vec![b'x'; 1_000])]),
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
            .insert_if_absent(
                ReplayId::new("", "a"),
                window(1_000_000_000.0, 2_000_000_000.0),
            )
            .unwrap_err();
        // Refused: nothing was sent, so the id is certainly not consumed.
        assert!(matches!(error, StoreError::Backend(_)), "{error}");
    }
}
