//! [`RedisRevocationStore`] and `AsyncRedisRevocationStore`: revocation records on Redis,
//! shared by many servers (features `redis` and `redis-async`).

use core::fmt;
#[cfg(feature = "redis-async")]
use core::future::Future;
use std::time::Duration;

use redis::{Cmd, RedisError, Value};

#[cfg(feature = "redis-async")]
use super::AsyncRevocationStore;
use super::{Retention, Revocable, RevocationStore};
#[cfg(feature = "redis-async")]
use crate::replay::connection::AsyncConnection;
use crate::replay::connection::{Nodes, SyncPool};
use crate::replay::{DEFAULT_RETENTION_MARGIN, StoreError, push_length_prefixed};
use crate::time::NumericDate;

/// The default key prefix: a record is stored under
/// `12:jwt:revoked:<kind length>:<kind><id>`, e.g. `12:jwt:revoked:3:subada`.
pub const DEFAULT_REVOCATION_KEY_PREFIX: &str = "jwt:revoked:";

/// The default time limit for connecting and for each reply: one second.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// The default number of idle connections kept for reuse.
const DEFAULT_MAX_IDLE: usize = 64;

/// The longest `PX` sent, in milliseconds: about 10,000 years (as the replay store).
const MAX_PX: u64 = 10_000 * 366 * 24 * 3600 * 1000;

/// One atomic command: keep the later instant and the longer time to live. A new key gets
/// both; an existing key keeps its instant unless this one is later (`KEEPTTL`), and its
/// time to live unless this one is longer. A key without a time to live keeps none.
const REVOKE_SCRIPT: &str = "\
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if tonumber(ARGV[1]) > tonumber(current) then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1";

/// Configures a [`RedisRevocationStore`] or (feature `redis-async`) an
/// `AsyncRedisRevocationStore`.
///
/// | setting | default |
/// | --- | --- |
/// | key prefix | [`DEFAULT_REVOCATION_KEY_PREFIX`] (`jwt:revoked:`) |
/// | retention margin | [`DEFAULT_RETENTION_MARGIN`] (5 minutes) |
/// | connect and reply timeout | 1 s |
/// | idle connections kept (sync store) | 64 |
///
/// Nothing connects until the first command, so a service starts while Redis is down and
/// refuses the tokens it checks until Redis is back.
#[derive(Clone)]
#[must_use]
pub struct RedisRevocationStoreBuilder {
    nodes: Nodes,
    prefix: String,
    margin: Duration,
    timeout: Duration,
    max_idle: usize,
}

/// Shows no URL: it may carry a password.
impl fmt::Debug for RedisRevocationStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocationStoreBuilder")
            .field("prefix", &self.prefix)
            .field("retention_margin", &self.margin)
            .field("timeout", &self.timeout)
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

impl RedisRevocationStoreBuilder {
    /// Stores records under `prefix`, length-prefixed as the replay store's keys are, so
    /// that no two (prefix, kind, id) share a key. Defaults to
    /// [`DEFAULT_REVOCATION_KEY_PREFIX`]; give each application sharing a Redis its own.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long past its [`Retention`] Redis keeps a record: it must cover the largest
    /// difference in clock and leeway between the servers sharing it. Defaults to
    /// [`DEFAULT_RETENTION_MARGIN`] (5 minutes).
    pub fn retention_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The time limit for connecting and for each reply (at least a millisecond). Defaults
    /// to one second.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How many idle connections the sync store keeps for reuse. Defaults to 64.
    pub fn max_idle_connections(mut self, max_idle: usize) -> Self {
        self.max_idle = max_idle;
        self
    }

    /// The store for synchronous callers.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when a URL is not a valid Redis URL, or a cluster has no node.
    pub fn build(self) -> Result<RedisRevocationStore, StoreError> {
        Ok(RedisRevocationStore {
            pool: SyncPool::new(&self.nodes, self.timeout, self.max_idle)?,
            prefix: self.prefix.into_bytes().into(),
            margin: self.margin,
        })
    }

    /// The store for async callers, on the tokio runtime it is built in (feature
    /// `redis-async`): one multiplexed connection that reconnects by itself.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] outside a tokio runtime, when a URL is not a valid Redis URL,
    /// when a cluster has no node, or for a cluster builder when the feature
    /// `redis-cluster-async` is off.
    #[cfg(feature = "redis-async")]
    pub fn build_async(self) -> Result<AsyncRedisRevocationStore, StoreError> {
        let connection =
            AsyncConnection::new(&self.nodes, self.timeout, "AsyncRedisRevocationStore")?;
        Ok(AsyncRedisRevocationStore {
            connection,
            prefix: self.prefix.into_bytes().into(),
            margin: self.margin,
        })
    }
}

/// Revocation records on Redis, for synchronous callers: every server sharing
/// the Redis sees every revocation.
///
/// A revocation is one atomic command (a short `EVAL` script on one key) that keeps the
/// later instant and the longer time to live; a lookup is one `GET`. The key is
/// `<prefix length>:<prefix><kind length>:<kind><id>` (kind `sub` or `fam`), the value the
/// instant in seconds. The time to live is relative, like the replay store's: the
/// [`Retention`]'s remaining time plus the margin, so that Redis's clock need not agree with
/// the servers'. Both operations are idempotent, so a command on a pooled connection that
/// turns out dead is retried once on a fresh one. Any failure is a [`StoreError`]: the
/// token checked is refused, the revocation reported as failed (never a panic).
///
/// Configure Redis as for the replay store: `maxmemory-policy noeviction` (an evicted record
/// would un-revoke tokens), and persistence (`appendonly yes`) so that a restart does not
/// forget revocations. Redis 7.0 or later. On a Redis Cluster
/// ([`cluster_builder`](RedisRevocationStore::cluster_builder), feature `redis-cluster`) each
/// record is one key, so the script runs on the node that owns it.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use jwt_runtime::sessions::{RedisRevocationStore, Sessions};
///
/// let revocations = RedisRevocationStore::builder("redis://127.0.0.1:6379/")
///     .key_prefix("shop:revoked:")
///     .build()?;
/// let sessions = Sessions::new(Duration::from_secs(30 * 24 * 3600));
/// sessions.log_out_everywhere(&revocations, "user-42")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisRevocationStore {
    pool: SyncPool,
    prefix: Box<[u8]>,
    margin: Duration,
}

impl RedisRevocationStore {
    /// A store on one Redis server, with the defaults; see [`RedisRevocationStoreBuilder`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when `url` is not a valid Redis URL.
    pub fn open(url: &str) -> Result<RedisRevocationStore, StoreError> {
        Self::builder(url).build()
    }

    /// A builder for a store on the Redis server at `url` (`redis://host:port/db`; a
    /// password goes in the URL).
    pub fn builder(url: impl Into<String>) -> RedisRevocationStoreBuilder {
        Self::builder_for(Nodes::Single(url.into()))
    }

    /// A builder for a store on a Redis Cluster (feature `redis-cluster`), reached through any
    /// of `nodes` (the others are discovered); `MOVED` and `ASK` redirections are followed.
    #[cfg(feature = "redis-cluster")]
    pub fn cluster_builder<I, S>(nodes: I) -> RedisRevocationStoreBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::builder_for(Nodes::Cluster(nodes.into_iter().map(Into::into).collect()))
    }

    fn builder_for(nodes: Nodes) -> RedisRevocationStoreBuilder {
        RedisRevocationStoreBuilder {
            nodes,
            prefix: DEFAULT_REVOCATION_KEY_PREFIX.to_owned(),
            margin: DEFAULT_RETENTION_MARGIN,
            timeout: DEFAULT_TIMEOUT,
            max_idle: DEFAULT_MAX_IDLE,
        }
    }

    /// Checks that Redis answers.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when it does not.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.run(&redis::cmd("PING")).map(drop)
    }

    fn run(&self, command: &Cmd) -> Result<Value, StoreError> {
        let pooled = self.pool.take_idle();
        let reused = pooled.is_some();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => self.pool.connect()?,
        };
        match connection.query(command) {
            Ok(value) => {
                self.pool.release(connection);
                Ok(value)
            }
            Err(error) if reused && error.is_connection_dropped() => {
                // An idle connection died (Redis restarted): so did the others. The command
                // is idempotent, so it is simply sent again.
                self.pool.clear_idle();
                let mut fresh = self.pool.connect()?;
                let value = fresh.query(command).map_err(sent_error)?;
                self.pool.release(fresh);
                Ok(value)
            }
            Err(error) => Err(sent_error(error)),
        }
    }
}

impl RevocationStore for RedisRevocationStore {
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> Result<(), StoreError> {
        let command = revoke_command(&self.prefix, target, before, retention, self.margin);
        revoked(&self.run(&command)?)
    }

    fn revoked_before(&self, target: Revocable<'_>) -> Result<Option<NumericDate>, StoreError> {
        let command = lookup_command(&self.prefix, target);
        instant(self.run(&command)?)
    }
}

impl fmt::Debug for RedisRevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocationStore")
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .field("retention_margin", &self.margin)
            .field("timeout", &self.pool.timeout())
            .finish_non_exhaustive()
    }
}

/// Revocation records on one Redis server, for async callers (tokio): the counterpart of
/// [`RedisRevocationStore`], with the same commands and keys. Every caller shares one
/// multiplexed connection, which reconnects by itself after Redis restarts. Cheap to clone:
/// clones share the connection.
#[cfg(feature = "redis-async")]
#[derive(Clone)]
pub struct AsyncRedisRevocationStore {
    connection: AsyncConnection,
    prefix: std::sync::Arc<[u8]>,
    margin: Duration,
}

#[cfg(feature = "redis-async")]
impl AsyncRedisRevocationStore {
    /// A store on one Redis server, with the defaults. Must be called inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] outside a tokio runtime, or when `url` is not a valid Redis
    /// URL.
    pub fn open(url: &str) -> Result<AsyncRedisRevocationStore, StoreError> {
        RedisRevocationStore::builder(url).build_async()
    }

    /// Checks that Redis answers.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.connection
            .query(redis::cmd("PING"))
            .await
            .map(drop)
            .map_err(sent_error)
    }
}

#[cfg(feature = "redis-async")]
impl AsyncRevocationStore for AsyncRedisRevocationStore {
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let command = revoke_command(&self.prefix, target, before, retention, self.margin);
        let connection = self.connection.clone();
        async move { revoked(&connection.query(command).await.map_err(sent_error)?) }
    }

    fn revoked_before(
        &self,
        target: Revocable<'_>,
    ) -> impl Future<Output = Result<Option<NumericDate>, StoreError>> + Send {
        let command = lookup_command(&self.prefix, target);
        let connection = self.connection.clone();
        async move { instant(connection.query(command).await.map_err(sent_error)?) }
    }
}

#[cfg(feature = "redis-async")]
impl fmt::Debug for AsyncRedisRevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncRedisRevocationStore")
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .field("retention_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

/// `<prefix length>:<prefix><kind length>:<kind><id>`.
fn key(prefix: &[u8], target: Revocable<'_>) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + target.id().len() + 12);
    push_length_prefixed(&mut key, prefix);
    target.encode_into(&mut key);
    key
}

/// `EVAL <script> 1 <key> <instant> <ms>`.
fn revoke_command(
    prefix: &[u8],
    target: Revocable<'_>,
    before: NumericDate,
    retention: Retention,
    margin: Duration,
) -> Cmd {
    let mut command = redis::cmd("EVAL");
    command
        .arg(REVOKE_SCRIPT)
        .arg(1)
        .arg(key(prefix, target))
        // `Display` of an `f64` is the shortest text that reads back exactly, never an
        // exponent, which Lua's `tonumber` reads too.
        .arg(before.as_f64().to_string())
        .arg(px(retention, margin));
    command
}

/// `GET <key>`.
fn lookup_command(prefix: &[u8], target: Revocable<'_>) -> Cmd {
    let mut command = redis::cmd("GET");
    command.arg(key(prefix, target));
    command
}

/// The time to live in milliseconds: the retention's remaining time plus the margin, rounded
/// up; at least 1 and at most [`MAX_PX`].
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "`as` saturates float-to-int casts, and the value is clamped"
)]
fn px(retention: Retention, margin: Duration) -> u64 {
    let millis = ((retention.remaining_secs() + margin.as_secs_f64()) * 1000.0).ceil();
    (millis as u64).clamp(1, MAX_PX)
}

fn revoked(reply: &Value) -> Result<(), StoreError> {
    match reply {
        Value::Int(1) => Ok(()),
        other => Err(StoreError::backend(format!(
            "unexpected reply to the revocation script: {}",
            short(other)
        ))),
    }
}

fn instant(reply: Value) -> Result<Option<NumericDate>, StoreError> {
    let text = match reply {
        Value::Nil => return Ok(None),
        Value::BulkString(bytes) => bytes,
        other => {
            return Err(StoreError::backend(format!(
                "unexpected reply to GET: {}",
                short(&other)
            )));
        }
    };
    core::str::from_utf8(&text)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .and_then(NumericDate::from_f64)
        .map(Some)
        .ok_or_else(|| StoreError::backend("a revocation record is not a number"))
}

/// A reply, shortened for an error message.
fn short(value: &Value) -> String {
    let mut text = format!("{value:?}");
    if text.len() > 64 {
        let mut end = 64;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// An error from a command that was (or may have been) sent: when nothing says it never
/// reached Redis, a revocation may have been stored (and retrying it is harmless).
fn sent_error(error: RedisError) -> StoreError {
    if error.is_connection_refusal() {
        StoreError::backend(error)
    } else if error.is_timeout() || error.is_connection_dropped() || error.is_io_error() {
        StoreError::unconfirmed(error)
    } else {
        StoreError::backend(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments(command: &Cmd) -> Vec<Vec<u8>> {
        command
            .args_iter()
            .map(|arg| match arg {
                redis::Arg::Simple(bytes) => bytes.to_vec(),
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn command_layout() {
        let retention =
            Retention::new(NumericDate::from_secs(1_000), NumericDate::from_secs(1_060));
        let command = revoke_command(
            b"jwt:revoked:",
            Revocable::Subject("ada"),
            NumericDate::from_f64(1_000.5).unwrap(),
            retention,
            Duration::from_secs(300),
        );
        let expected: Vec<&[u8]> = vec![
            b"EVAL",
            REVOKE_SCRIPT.as_bytes(),
            b"1",
            b"12:jwt:revoked:3:subada",
            b"1000.5",
            b"360000",
        ];
        assert_eq!(arguments(&command), expected);
        let lookup = lookup_command(b"jwt:revoked:", Revocable::Family("f1"));
        let expected: Vec<&[u8]> = vec![b"GET", b"12:jwt:revoked:3:famf1"];
        assert_eq!(arguments(&lookup), expected);
        // The whole-family instant is written without an exponent, and reads back exactly.
        let whole_family = NumericDate::from_secs(i64::MAX).as_f64();
        assert_eq!(whole_family.to_string(), "9223372036854776000");
        assert_eq!(
            instant(Value::BulkString(whole_family.to_string().into_bytes())).unwrap(),
            NumericDate::from_f64(whole_family)
        );
    }

    #[test]
    fn keys_never_collide() {
        let pairs = [
            (&b"app:"[..], Revocable::Subject("x")),
            (&b"app:"[..], Revocable::Family("x")),
            (&b"app:3:sub"[..], Revocable::Subject("")),
            (&b""[..], Revocable::Subject("app:x")),
        ];
        for (i, (prefix, target)) in pairs.iter().enumerate() {
            for (other_prefix, other) in &pairs[i + 1..] {
                assert_ne!(key(prefix, *target), key(other_prefix, *other));
            }
        }
    }

    #[test]
    fn replies() {
        assert_eq!(instant(Value::Nil).unwrap(), None);
        assert_eq!(
            instant(Value::BulkString(b"1700000000.25".to_vec())).unwrap(),
            NumericDate::from_f64(1_700_000_000.25)
        );
        for bad in [
            Value::BulkString(b"soon".to_vec()),
            Value::BulkString(b"inf".to_vec()),
            Value::Int(3),
        ] {
            assert!(instant(bad).is_err());
        }
        revoked(&Value::Int(1)).unwrap();
        assert!(revoked(&Value::Okay).is_err());
    }

    #[test]
    fn invalid_configurations_are_errors() {
        assert!(RedisRevocationStore::open("not a url").is_err());
        #[cfg(feature = "redis-cluster")]
        assert!(
            RedisRevocationStore::cluster_builder(Vec::<String>::new())
                .build()
                .is_err()
        );
        // Outside a tokio runtime the async store refuses to be built (no panic).
        #[cfg(feature = "redis-async")]
        assert!(
            RedisRevocationStore::builder("redis://127.0.0.1/")
                .build_async()
                .is_err()
        );
    }

    #[test]
    fn unreachable_redis_fails_closed() {
        let store = RedisRevocationStore::builder("redis://127.0.0.1:1/")
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        assert!(store.revoked_before(Revocable::Subject("ada")).is_err());
        assert!(!format!("{store:?}").contains("127.0.0.1"));
    }
}
