//! [`MemoryRevocationStore`]: revocation records in the process.

use core::fmt;
use core::future::Future;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use super::{AsyncRevocationStore, Retention, Revocable, RevocationStore};
use crate::replay::{DEFAULT_RETENTION_MARGIN, StoreError};
use crate::time::NumericDate;

/// The default capacity of a [`MemoryRevocationStore`]: 1,048,576 records (subjects and
/// families together).
pub const DEFAULT_REVOCATION_CAPACITY: usize = 1 << 20;

/// Revocation records in the process: for a single server.
///
/// - **Reads** (one per checked token) take a shared lock and never allocate; revocations,
///   which are rare, take the exclusive lock.
/// - **Time**: the store has no clock. Its time is the latest
///   [`Retention::recorded_at`] it has been told (it never moves backwards); a record is
///   kept for the retention's [`remaining_secs`](Retention::remaining_secs) past that time,
///   plus the retention margin ([`DEFAULT_RETENTION_MARGIN`], five minutes, by default).
///   A record revoked again keeps the later instant and the later expiry.
/// - **Bounded**: at most `capacity` records ([`DEFAULT_REVOCATION_CAPACITY`] by default).
///   Expired records are dropped only when the store is full (a sweep of the whole store,
///   rare by construction), and a live record is never dropped to make room: a revocation
///   that finds the store full of live records fails with [`StoreError::Full`].
///
/// Looking a record up needs no time: an expired record still held answers as it did,
/// which is harmless, as every token it revokes has expired.
///
/// The store lives in the process: records are forgotten on restart (every revoked token is
/// then accepted again until it expires), and servers behind a load balancer each have their
/// own. Share one view with the Redis store (feature `redis`).
///
/// # Examples
///
/// ```
/// use jwt_runtime::NumericDate;
/// use jwt_runtime::sessions::{MemoryRevocationStore, Retention, Revocable};
///
/// let store = MemoryRevocationStore::new();
/// let at = NumericDate::from_secs;
/// let retention = Retention::new(at(1_000), at(5_000));
/// store.revoke_before(Revocable::Subject("ada"), at(1_000), retention)?;
/// // An earlier instant never un-revokes.
/// store.revoke_before(Revocable::Subject("ada"), at(900), retention)?;
/// assert_eq!(store.revoked_before(Revocable::Subject("ada")), Some(at(1_000)));
/// assert_eq!(store.revoked_before(Revocable::Family("ada")), None);
/// # Ok::<(), jwt_runtime::replay::StoreError>(())
/// ```
pub struct MemoryRevocationStore {
    state: RwLock<State>,
    capacity: usize,
    margin: Duration,
}

#[derive(Default)]
struct State {
    subjects: HashMap<Box<str>, Record>,
    families: HashMap<Box<str>, Record>,
    /// The store's time: the latest `recorded_at` it was told.
    now: f64,
}

impl State {
    fn records(&self, target: Revocable<'_>) -> &HashMap<Box<str>, Record> {
        match target {
            Revocable::Subject(_) => &self.subjects,
            Revocable::Family(_) => &self.families,
        }
    }

    fn records_mut(&mut self, target: Revocable<'_>) -> &mut HashMap<Box<str>, Record> {
        match target {
            Revocable::Subject(_) => &mut self.subjects,
            Revocable::Family(_) => &mut self.families,
        }
    }

    fn len(&self) -> usize {
        self.subjects.len() + self.families.len()
    }
}

#[derive(Clone, Copy)]
struct Record {
    before: NumericDate,
    /// On the store's time; the record may be dropped once the store's time reaches it.
    forget_at: f64,
}

/// Builds a [`MemoryRevocationStore`].
///
/// | setting | default |
/// | --- | --- |
/// | capacity | [`DEFAULT_REVOCATION_CAPACITY`] (1,048,576 records) |
/// | retention margin | [`DEFAULT_RETENTION_MARGIN`] (5 minutes) |
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryRevocationStoreBuilder {
    capacity: usize,
    margin: Duration,
}

impl MemoryRevocationStoreBuilder {
    /// The most records the store holds. Defaults to [`DEFAULT_REVOCATION_CAPACITY`].
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// How long past its [`Retention`] a record is kept: it must cover the largest
    /// difference in clock and leeway between the servers sharing the store. Defaults to
    /// [`DEFAULT_RETENTION_MARGIN`] (5 minutes).
    pub fn retention_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The store, empty.
    #[must_use]
    pub fn build(self) -> MemoryRevocationStore {
        MemoryRevocationStore {
            state: RwLock::new(State {
                now: f64::NEG_INFINITY,
                ..State::default()
            }),
            capacity: self.capacity,
            margin: self.margin,
        }
    }
}

impl MemoryRevocationStore {
    /// A store with the defaults.
    #[must_use]
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder, to set the capacity or the retention margin.
    pub fn builder() -> MemoryRevocationStoreBuilder {
        MemoryRevocationStoreBuilder {
            capacity: DEFAULT_REVOCATION_CAPACITY,
            margin: DEFAULT_RETENTION_MARGIN,
        }
    }

    /// The number of records held, counting expired ones not yet dropped.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// True when no record is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records that `target`'s tokens issued before `before` are revoked; see
    /// [`RevocationStore::revoke_before`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when `capacity` records are live and `target` is not one of them.
    pub fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> Result<(), StoreError> {
        let mut state = self.write();
        state.now = state.now.max(retention.recorded_at().as_f64());
        let forget_at = state.now + retention.remaining_secs() + self.margin.as_secs_f64();
        if let Some(record) = state.records_mut(target).get_mut(target.id()) {
            record.before = record.before.max(before);
            record.forget_at = record.forget_at.max(forget_at);
            return Ok(());
        }
        if state.len() >= self.capacity {
            let now = state.now;
            state.subjects.retain(|_, record| record.forget_at > now);
            state.families.retain(|_, record| record.forget_at > now);
            if state.len() >= self.capacity {
                return Err(StoreError::Full {
                    capacity: self.capacity,
                });
            }
        }
        state
            .records_mut(target)
            .insert(target.id().into(), Record { before, forget_at });
        Ok(())
    }

    /// The instant before which `target`'s tokens are revoked; see
    /// [`RevocationStore::revoked_before`]. Never fails.
    #[must_use]
    pub fn revoked_before(&self, target: Revocable<'_>) -> Option<NumericDate> {
        self.read()
            .records(target)
            .get(target.id())
            .map(|record| record.before)
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // Every write leaves whole records behind: a poisoned lock holds a usable state.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryRevocationStore {
    fn default() -> Self {
        Self::new()
    }
}

impl RevocationStore for MemoryRevocationStore {
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> Result<(), StoreError> {
        MemoryRevocationStore::revoke_before(self, target, before, retention)
    }

    fn revoked_before(&self, target: Revocable<'_>) -> Result<Option<NumericDate>, StoreError> {
        Ok(MemoryRevocationStore::revoked_before(self, target))
    }
}

/// The memory store never waits: the futures are ready when returned.
impl AsyncRevocationStore for MemoryRevocationStore {
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        core::future::ready(MemoryRevocationStore::revoke_before(
            self, target, before, retention,
        ))
    }

    fn revoked_before(
        &self,
        target: Revocable<'_>,
    ) -> impl Future<Output = Result<Option<NumericDate>, StoreError>> + Send {
        core::future::ready(Ok(MemoryRevocationStore::revoked_before(self, target)))
    }
}

impl fmt::Debug for MemoryRevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRevocationStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("retention_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> NumericDate {
        NumericDate::from_secs(secs)
    }

    #[test]
    fn the_latest_instant_and_the_longest_retention_win() {
        let store = MemoryRevocationStore::builder()
            .retention_margin(Duration::ZERO)
            .capacity(1)
            .build();
        let ada = Revocable::Subject("ada");
        store
            .revoke_before(ada, at(200), Retention::new(at(100), at(1_000)))
            .unwrap();
        store
            .revoke_before(ada, at(150), Retention::new(at(100), at(500)))
            .unwrap();
        assert_eq!(store.revoked_before(ada), Some(at(200)));
        // Store time 999: the record (kept until 1,000) is live, so the store is full.
        let other = Revocable::Subject("bob");
        let error = store
            .revoke_before(other, at(999), Retention::new(at(999), at(999)))
            .unwrap_err();
        assert!(matches!(error, StoreError::Full { capacity: 1 }));
        assert_eq!(store.revoked_before(ada), Some(at(200)));
        // At 1,000 it has expired and makes room.
        store
            .revoke_before(other, at(1_000), Retention::new(at(1_000), at(1_000)))
            .unwrap();
        assert_eq!(store.revoked_before(ada), None);
        assert_eq!(store.revoked_before(other), Some(at(1_000)));
    }

    #[test]
    fn the_margin_extends_retention_and_time_never_moves_back() {
        let store = MemoryRevocationStore::builder()
            .retention_margin(Duration::from_secs(60))
            .capacity(1)
            .build();
        let ada = Revocable::Subject("ada");
        store
            .revoke_before(ada, at(100), Retention::new(at(100), at(200)))
            .unwrap();
        // A revoker whose clock is behind does not pull the store's time back.
        let late = Retention::new(at(0), at(0));
        assert!(matches!(
            store.revoke_before(Revocable::Family("f"), at(0), late),
            Err(StoreError::Full { .. })
        ));
        // Kept until 100 + 100 + 60 = 260: full at 259, room at 260.
        let full = store.revoke_before(
            Revocable::Family("f"),
            at(0),
            Retention::new(at(259), at(259)),
        );
        assert!(matches!(full, Err(StoreError::Full { .. })));
        store
            .revoke_before(
                Revocable::Family("f"),
                at(0),
                Retention::new(at(260), at(260)),
            )
            .unwrap();
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn subjects_and_families_are_apart() {
        let store = MemoryRevocationStore::new();
        let retention = Retention::new(at(0), at(10));
        store
            .revoke_before(Revocable::Family("x"), at(5), retention)
            .unwrap();
        assert_eq!(store.revoked_before(Revocable::Subject("x")), None);
        assert_eq!(store.revoked_before(Revocable::Family("x")), Some(at(5)));
        assert_eq!(store.revoked_before(Revocable::Family("X")), None);
    }
}
