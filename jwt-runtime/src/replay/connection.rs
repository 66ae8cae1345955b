//! Connections to Redis, shared by the Redis stores of consumed ids (`replay::redis`) and of
//! revocation records (`sessions::redis`): the nodes a builder names, a pool of sync
//! connections, and the multiplexed async connection.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

#[cfg(feature = "redis-async")]
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
#[cfg(feature = "redis-cluster")]
use redis::cluster::{ClusterClient, ClusterClientBuilder, ClusterConfig};
use redis::{Cmd, ConnectionLike, RedisResult, Value};

use super::StoreError;

/// Where a store's Redis is: one server, or a cluster reached through any of its nodes.
#[derive(Clone)]
pub(crate) enum Nodes {
    Single(String),
    #[cfg(feature = "redis-cluster")]
    Cluster(Vec<String>),
}

/// Sync connections, opened on demand and kept for reuse up to a number of idle ones.
pub(crate) struct SyncPool {
    target: SyncTarget,
    timeout: Duration,
    max_idle: usize,
    idle: Mutex<Vec<SyncConnection>>,
}

enum SyncTarget {
    Single(redis::Client),
    #[cfg(feature = "redis-cluster")]
    Cluster(Box<ClusterClient>),
}

/// One sync connection, to a server or to a cluster.
pub(crate) enum SyncConnection {
    Single(redis::Connection),
    #[cfg(feature = "redis-cluster")]
    Cluster(Box<redis::cluster::ClusterConnection>),
}

impl SyncConnection {
    /// Sends `command` and reads its reply.
    #[allow(
        clippy::infallible_destructuring_match,
        reason = "a second variant exists with the feature `redis-cluster`"
    )]
    pub(crate) fn query(&mut self, command: &Cmd) -> RedisResult<Value> {
        let connection: &mut dyn ConnectionLike = match self {
            SyncConnection::Single(connection) => connection,
            #[cfg(feature = "redis-cluster")]
            SyncConnection::Cluster(connection) => &mut **connection,
        };
        command.query::<Value>(connection)
    }
}

impl SyncPool {
    /// A pool for `nodes`, with `timeout` for connecting and for each reply. Nothing connects
    /// yet.
    pub(crate) fn new(
        nodes: &Nodes,
        timeout: Duration,
        max_idle: usize,
    ) -> Result<Self, StoreError> {
        let target = match nodes {
            Nodes::Single(url) => {
                SyncTarget::Single(redis::Client::open(url.as_str()).map_err(StoreError::backend)?)
            }
            #[cfg(feature = "redis-cluster")]
            Nodes::Cluster(nodes) => SyncTarget::Cluster(Box::new(cluster_client(nodes, timeout)?)),
        };
        Ok(SyncPool {
            target,
            timeout,
            max_idle,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// An idle connection, if the pool holds one.
    pub(crate) fn take_idle(&self) -> Option<SyncConnection> {
        self.idle().pop()
    }

    /// A new connection.
    pub(crate) fn connect(&self) -> Result<SyncConnection, StoreError> {
        match &self.target {
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
                Ok(SyncConnection::Single(connection))
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
                Ok(SyncConnection::Cluster(Box::new(connection)))
            }
        }
    }

    /// Keeps a connection that answered, unless enough are idle.
    pub(crate) fn release(&self, connection: SyncConnection) {
        let mut idle = self.idle();
        if idle.len() < self.max_idle {
            idle.push(connection);
        }
    }

    /// Drops every idle connection: one died (Redis restarted), so did the others.
    pub(crate) fn clear_idle(&self) {
        self.idle().clear();
    }

    /// Whether the pool is on a Redis Cluster, for `Debug`.
    pub(crate) fn is_cluster(&self) -> bool {
        match self.target {
            SyncTarget::Single(_) => false,
            #[cfg(feature = "redis-cluster")]
            SyncTarget::Cluster(_) => true,
        }
    }

    /// The connect and reply timeout, for `Debug`.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How many connections are idle, for `Debug`.
    pub(crate) fn idle_len(&self) -> usize {
        self.idle().len()
    }

    fn idle(&self) -> MutexGuard<'_, Vec<SyncConnection>> {
        // The pool holds only whole connections; a poisoned lock leaves nothing half-done.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The async connection: one multiplexed connection (one per cluster node) that every
/// caller shares and that reconnects by itself. Cheap to clone.
#[cfg(feature = "redis-async")]
#[derive(Clone)]
pub(crate) enum AsyncConnection {
    Single(ConnectionManager),
    #[cfg(feature = "redis-cluster-async")]
    Cluster(redis::cluster_async::ClusterConnection),
}

#[cfg(feature = "redis-async")]
impl AsyncConnection {
    /// The connection to `nodes` for the store named `store` (in errors). Nothing connects
    /// yet.
    ///
    /// Errors outside a tokio runtime, for a URL that is not a Redis URL, for a cluster
    /// without a node, and for a cluster without the feature `redis-cluster-async`.
    pub(crate) fn new(nodes: &Nodes, timeout: Duration, store: &str) -> Result<Self, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::backend(format!(
                "{store} must be built inside a tokio runtime"
            )));
        }
        match nodes {
            Nodes::Single(url) => {
                let client = redis::Client::open(url.as_str()).map_err(StoreError::backend)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(1)
                    .set_min_delay(Duration::from_millis(10))
                    .set_max_delay(Duration::from_millis(100));
                Ok(AsyncConnection::Single(
                    ConnectionManager::new_lazy_with_config(client, config)
                        .map_err(StoreError::backend)?,
                ))
            }
            #[cfg(feature = "redis-cluster-async")]
            Nodes::Cluster(nodes) => {
                let config = ClusterConfig::new()
                    .set_connection_timeout(timeout)
                    .set_response_timeout(timeout);
                Ok(AsyncConnection::Cluster(
                    cluster_client(nodes, timeout)?
                        .get_pending_async_connection_with_config(config),
                ))
            }
            // Cargo features are additive, so `redis-cluster` with `redis-async` builds; only
            // `redis-cluster-async` brings the async cluster client.
            #[cfg(all(feature = "redis-cluster", not(feature = "redis-cluster-async")))]
            Nodes::Cluster(_) => Err(StoreError::backend(
                "an async store on a Redis Cluster needs the feature `redis-cluster-async`",
            )),
        }
    }

    /// Sends `command` and reads its reply.
    pub(crate) async fn query(&self, command: Cmd) -> RedisResult<Value> {
        match self {
            AsyncConnection::Single(connection) => {
                command.query_async::<Value>(&mut connection.clone()).await
            }
            #[cfg(feature = "redis-cluster-async")]
            AsyncConnection::Cluster(connection) => {
                command.query_async::<Value>(&mut connection.clone()).await
            }
        }
    }
}

#[cfg(feature = "redis-cluster")]
fn cluster_client(nodes: &[String], timeout: Duration) -> Result<ClusterClient, StoreError> {
    if nodes.is_empty() {
        return Err(StoreError::backend(
            "a Redis Cluster needs at least one node URL",
        ));
    }
    ClusterClientBuilder::new(nodes.iter().map(String::as_str))
        .connection_timeout(timeout)
        .response_timeout(timeout)
        .retries(2)
        .min_retry_wait(10)
        .max_retry_wait(100)
        .build()
        .map_err(StoreError::backend)
}
