//! [`MemoryStore`]: the in-process replay store.

use core::fmt;
use core::future::Future;
use core::num::NonZero;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use hashbrown::HashTable;

use super::{AsyncReplayStore, InsertOutcome, ReplayStore, StoreError};
use crate::clock::{Clock, SystemClock};
use crate::time::NumericDate;

/// The default capacity of a [`MemoryStore`]: 1,048,576 live ids, about 110 MiB when full
/// of 36-byte ids (UUIDs). See [`MemoryStore`] for the measured memory per entry.
pub const DEFAULT_CAPACITY: usize = 1 << 20;

/// How many slots of the capacity a shard takes from the shared pool at a time.
const QUOTA_CHUNK: usize = 64;

/// How many expired ids an insert evicts from its shard, at most, before inserting. Each
/// insert adds at most one id, so a backlog of expired ids shrinks with every insert, and no
/// insert ever pays for more than this many evictions (except when the store is full).
const EVICT_PER_INSERT: usize = 4;

/// The most shards a store has.
const MAX_SHARDS: usize = 1024;

/// The in-memory replay store: the embedded default, for a single server.
///
/// - **Concurrent**: ids are spread over independently locked shards by a keyed hash
///   (SipHash with per-store random keys, so token issuers cannot aim ids at one shard); a
///   lock is held for one hash-table operation, never across a call out.
/// - **Atomic**: of many callers presenting the same id at once, exactly one is told
///   [`InsertOutcome::Inserted`].
/// - **Expiry**: an id is kept until its `expires_at` (rounded up to a whole second) and
///   forgotten afterwards. Expired ids are evicted incrementally: each insert first evicts at
///   most four expired ids of its shard, soonest-expiring first, so there is never a sweep of the whole
///   store. Time comes from the store's own [`Clock`] ([`SystemClock`] by default), which
///   should be the clock the [`Validation`](crate::Validation) uses.
/// - **Bounded**: at most `capacity` ids are held ([`DEFAULT_CAPACITY`] by default; shards
///   reserve slots of it in chunks, so the common insert touches no shared counter). When
///   the store is full and no held id has expired, a new id is refused with
///   [`StoreError::Full`] (the token is rejected with [`Error::StoreUnavailable`](crate::Error::StoreUnavailable)); a live id
///   is never evicted to make room, since that would let its token be replayed.
///
/// The store lives in the process: ids are forgotten on restart, and servers behind a load
/// balancer each have their own. Share one view with the Redis store (feature `redis`).
///
/// # Memory
///
/// Measured with distinct 36-byte ids (UUIDs) on x86-64 Linux, by the `memory` binary of
/// `bench/replay/`: **66 to 110 bytes per id**, depending on where the hash tables are in
/// their growth (67 bytes at 900,000 ids, 85 at 700,000, 110 at 1,048,576 just after they
/// doubled). That is a 48-byte table slot holding the id inline (ids up to 38 bytes; a longer
/// id adds a heap allocation of its length) plus a control byte, at the tables' load factor
/// (44% to 87.5%), and 8 bytes in the expiry wheel. A full store of the default capacity
/// takes about 110 MiB. Tables do not shrink: after a burst the memory stays at the peak,
/// which the capacity bounds.
///
/// # Examples
///
/// ```
/// use jwt_runtime::NumericDate;
/// use jwt_runtime::replay::{InsertOutcome, MemoryStore, StoreError};
/// use jwt_runtime::FixedClock;
///
/// let now = NumericDate::from_secs(1_000);
/// let store = MemoryStore::builder().capacity(2).clock(FixedClock(now)).build();
/// let exp = NumericDate::from_secs(1_060);
///
/// assert_eq!(store.insert_if_absent("a", exp)?, InsertOutcome::Inserted);
/// assert_eq!(store.insert_if_absent("a", exp)?, InsertOutcome::AlreadyPresent);
/// assert_eq!(store.insert_if_absent("b", exp)?, InsertOutcome::Inserted);
/// assert!(matches!(store.insert_if_absent("c", exp), Err(StoreError::Full { capacity: 2 })));
/// # Ok::<(), StoreError>(())
/// ```
pub struct MemoryStore<K: Clock = SystemClock> {
    shards: Box<[Shard]>,
    shard_mask: usize,
    hasher: RandomState,
    /// Slots of the capacity no shard has reserved. Invariant: this plus every shard's
    /// `quota` is `capacity`, and a shard holds at most `quota` ids.
    pool: AtomicUsize,
    capacity: usize,
    clock: K,
}

/// One lock and its table, on its own cache lines so that shards do not contend through
/// false sharing.
#[repr(align(128))]
struct Shard(Mutex<ShardState>);

struct ShardState {
    ids: HashTable<Entry>,
    /// Slots of the capacity this shard has taken from the pool, in chunks, so that the
    /// common insert touches no shared counter.
    quota: usize,
    /// The hash of every held id, by the second it may be forgotten (a timing wheel: ids of
    /// tokens with the same lifetime land in few buckets, appended and drained in order). An
    /// id refreshed after it expired leaves a stale item behind, skipped when drained.
    expiries: BTreeMap<i64, Vec<u64>>,
}

impl ShardState {
    fn schedule(&mut self, forget_at: i64, hash: u64) {
        // Ids mostly arrive in expiry order: try the latest bucket before searching.
        if let Some(mut latest) = self.expiries.last_entry()
            && *latest.key() == forget_at
        {
            latest.get_mut().push(hash);
            return;
        }
        self.expiries.entry(forget_at).or_default().push(hash);
    }
}

struct Entry {
    /// Whole seconds since the epoch; the id is live while `now < forget_at`.
    forget_at: i64,
    id: Id,
}

/// The longest id stored inline in its table slot (a UUID is 36 bytes); longer ones get a
/// heap allocation of their own.
const INLINE: usize = 38;

/// An id's exact bytes: inline when short, which saves an allocation and a cache miss per
/// operation.
enum Id {
    Inline(u8, [u8; INLINE]),
    Boxed(Box<[u8]>),
}

impl Id {
    fn new(id: &str) -> Id {
        let bytes = id.as_bytes();
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE => {
                let mut inline = [0; INLINE];
                inline[..bytes.len()].copy_from_slice(bytes);
                Id::Inline(len, inline)
            }
            _ => Id::Boxed(bytes.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Id::Inline(len, bytes) => &bytes[..usize::from(*len)],
            Id::Boxed(bytes) => bytes,
        }
    }
}

/// Builds a [`MemoryStore`]: capacity, shards, clock.
///
/// | setting | default |
/// | --- | --- |
/// | capacity | [`DEFAULT_CAPACITY`] (1,048,576 ids) |
/// | shards | 8 per available core, rounded up to a power of two, 8 to 1024 |
/// | clock | [`SystemClock`] |
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryStoreBuilder<K: Clock = SystemClock> {
    capacity: usize,
    shards: Option<usize>,
    clock: K,
}

impl MemoryStoreBuilder {
    fn new() -> Self {
        MemoryStoreBuilder {
            capacity: DEFAULT_CAPACITY,
            shards: None,
            clock: SystemClock,
        }
    }
}

impl<K: Clock> MemoryStoreBuilder<K> {
    /// The most ids the store holds; once that many are live, new ids are refused with
    /// [`StoreError::Full`]. Defaults to [`DEFAULT_CAPACITY`].
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// The number of independently locked shards, rounded up to a power of two, between 1
    /// and 1024. Defaults to 8 per available core. The capacity is shared by all shards.
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = Some(shards);
        self
    }

    /// The clock that decides when an id has expired. Defaults to [`SystemClock`]; use the
    /// clock the [`Validation`](crate::Validation) uses.
    pub fn clock<K2: Clock>(self, clock: K2) -> MemoryStoreBuilder<K2> {
        MemoryStoreBuilder {
            capacity: self.capacity,
            shards: self.shards,
            clock,
        }
    }

    /// The store, empty. Memory is allocated as ids arrive.
    #[must_use]
    pub fn build(self) -> MemoryStore<K> {
        let shards = self
            .shards
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map_or(1, NonZero::get)
                    .saturating_mul(8)
                    .max(8)
            })
            .clamp(1, MAX_SHARDS)
            .next_power_of_two();
        MemoryStore {
            shards: (0..shards)
                .map(|_| {
                    Shard(Mutex::new(ShardState {
                        ids: HashTable::new(),
                        quota: 0,
                        expiries: BTreeMap::new(),
                    }))
                })
                .collect(),
            shard_mask: shards - 1,
            hasher: RandomState::new(),
            pool: AtomicUsize::new(self.capacity),
            capacity: self.capacity,
            clock: self.clock,
        }
    }
}

impl MemoryStore {
    /// A store with the defaults: [`DEFAULT_CAPACITY`] ids, on the [`SystemClock`].
    #[must_use]
    pub fn new() -> Self {
        MemoryStoreBuilder::new().build()
    }

    /// A builder, to set the capacity, the shards or the clock.
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder::new()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Clock> MemoryStore<K> {
    /// Inserts `id` unless the store holds it unexpired; it is forgotten once the store's
    /// clock reaches `expires_at`, rounded up to a whole second. See
    /// [`ReplayStore::insert_if_absent`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when `capacity` ids are live and `id` is not one of them.
    pub fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> Result<InsertOutcome, StoreError> {
        let now = self.clock.now().as_secs();
        let forget_at = ceil_secs(expires_at);
        let hash = self.hasher.hash_one(id.as_bytes());
        let index = self.shard_index(hash);
        for first_try in [true, false] {
            let mut guard = self.lock(index);
            let state = &mut *guard;
            self.evict(state, now, EVICT_PER_INSERT);
            if let Some(entry) = state
                .ids
                .find_mut(hash, |entry| entry.id.as_bytes() == id.as_bytes())
            {
                if entry.forget_at > now {
                    return Ok(InsertOutcome::AlreadyPresent);
                }
                // Expired but not yet evicted: refresh it in place.
                entry.forget_at = forget_at;
                state.schedule(forget_at, hash);
                return Ok(InsertOutcome::Inserted);
            }
            if state.ids.len() >= state.quota && !self.make_room(state, now) {
                drop(guard);
                if first_try {
                    self.reclaim_spare_quota(now, index);
                    continue;
                }
                return Err(StoreError::Full {
                    capacity: self.capacity,
                });
            }
            state.ids.insert_unique(
                hash,
                Entry {
                    forget_at,
                    id: Id::new(id),
                },
                |entry| self.hasher.hash_one(entry.id.as_bytes()),
            );
            state.schedule(forget_at, hash);
            return Ok(InsertOutcome::Inserted);
        }
        Err(StoreError::Full {
            capacity: self.capacity,
        })
    }

    /// The number of ids held, counting expired ones not yet evicted. Locks each shard in
    /// turn: meant for monitoring, not for every request.
    #[must_use]
    pub fn len(&self) -> usize {
        (0..self.shards.len())
            .map(|index| self.lock(index).ids.len())
            .sum()
    }

    /// True when no id is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most ids the store holds.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn shard_index(&self, hash: u64) -> usize {
        // Bits 32.. pick the shard: hashbrown uses the low bits for the bucket and the top
        // seven for the control byte, so the shard choice correlates with neither.
        #[allow(clippy::cast_possible_truncation, reason = "masked to the shard count")]
        let bits = (hash >> 32) as usize;
        bits & self.shard_mask
    }

    fn lock(&self, index: usize) -> MutexGuard<'_, ShardState> {
        // A panic while a shard was locked cannot have dropped a held id: every operation
        // inserts into the table before it touches the queue, so the state is safe to reuse.
        self.shards[index]
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A shard whose ids fill its quota: takes a chunk of slots from the pool, else (the
    /// store is nearly full) evicts all its expired ids. False when neither frees a slot.
    fn make_room(&self, state: &mut ShardState, now: i64) -> bool {
        let taken = self
            .pool
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |pool| {
                (pool > 0).then(|| pool - pool.min(QUOTA_CHUNK))
            })
            .map_or(0, |pool| pool.min(QUOTA_CHUNK));
        state.quota += taken;
        if taken > 0 {
            return true;
        }
        self.evict(state, now, usize::MAX);
        state.ids.len() < state.quota
    }

    /// Evicts up to `limit` expired ids of one shard, soonest-expiring first.
    fn evict(&self, state: &mut ShardState, now: i64, limit: usize) {
        let mut popped = 0;
        while popped < limit {
            let Some(mut soonest) = state.expiries.first_entry() else {
                return;
            };
            let forget_at = *soonest.key();
            if forget_at > now {
                return;
            }
            let hash = soonest.get_mut().pop();
            if soonest.get().is_empty() {
                soonest.remove();
            }
            let Some(hash) = hash else {
                continue;
            };
            popped += 1;
            // The table matches candidates by a 7-bit tag of the hash only: compare the whole
            // hash too, or another id expiring in the same second could be evicted in this
            // one's place, leaving this one behind for ever. (Two ids with one full hash and
            // one `forget_at` each have an item here, so either may go first.) A refreshed id
            // no longer has this `forget_at`: its item is stale, skip it.
            if let Ok(entry) = state.ids.find_entry(hash, |entry| {
                entry.forget_at == forget_at && self.hasher.hash_one(entry.id.as_bytes()) == hash
            }) {
                entry.remove();
            }
        }
    }

    /// When the pool is empty: the other shards, one at a time, evict their expired ids and
    /// return the slots they reserved but do not use, until the pool has some.
    fn reclaim_spare_quota(&self, now: i64, skip: usize) {
        for index in (0..self.shards.len()).filter(|&index| index != skip) {
            if self.pool.load(Ordering::Relaxed) > 0 {
                return;
            }
            let mut guard = self.lock(index);
            let state = &mut *guard;
            self.evict(state, now, usize::MAX);
            let spare = state.quota.saturating_sub(state.ids.len());
            state.quota -= spare;
            self.pool.fetch_add(spare, Ordering::Relaxed);
        }
    }
}

/// Whole seconds, rounded up (an id is never forgotten before its instant), saturating.
#[allow(
    clippy::cast_possible_truncation,
    reason = "`as` saturates float-to-int casts"
)]
fn ceil_secs(date: NumericDate) -> i64 {
    date.as_f64().ceil() as i64
}

impl<K: Clock> ReplayStore for MemoryStore<K> {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> Result<InsertOutcome, StoreError> {
        MemoryStore::insert_if_absent(self, id, expires_at)
    }
}

/// The memory store never waits: the future is ready when returned.
impl<K: Clock> AsyncReplayStore for MemoryStore<K> {
    fn insert_if_absent(
        &self,
        id: &str,
        expires_at: NumericDate,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send {
        core::future::ready(MemoryStore::insert_if_absent(self, id, expires_at))
    }
}

impl<K: Clock> fmt::Debug for MemoryStore<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;
    use crate::clock::ManualClock;

    fn at(secs: i64) -> NumericDate {
        NumericDate::from_secs(secs)
    }

    /// The capacity invariant: reserved quotas plus the pool make the capacity, and no
    /// shard holds more ids than its quota.
    fn assert_accounting(store: &MemoryStore<impl Clock>) {
        let mut reserved = 0;
        for shard in &store.shards {
            let state = shard.0.lock().unwrap();
            assert!(state.ids.len() <= state.quota);
            reserved += state.quota;
        }
        assert_eq!(reserved + store.pool.load(Ordering::SeqCst), store.capacity);
    }

    fn queued(store: &MemoryStore<impl Clock>) -> usize {
        store
            .shards
            .iter()
            .map(|shard| {
                shard
                    .0
                    .lock()
                    .unwrap()
                    .expiries
                    .values()
                    .map(Vec::len)
                    .sum::<usize>()
            })
            .sum()
    }

    use InsertOutcome::{AlreadyPresent, Inserted};

    #[test]
    fn first_insert_is_fresh_then_present() {
        let clock = ManualClock::new(at(100));
        let store = MemoryStore::builder().clock(&clock).build();
        assert_eq!(store.insert_if_absent("a", at(200)).unwrap(), Inserted);
        assert_eq!(
            store.insert_if_absent("a", at(200)).unwrap(),
            AlreadyPresent
        );
        assert_eq!(store.insert_if_absent("b", at(200)).unwrap(), Inserted);
        // Exact bytes: no normalisation of case, whitespace or Unicode.
        assert_eq!(store.insert_if_absent("A", at(200)).unwrap(), Inserted);
        assert_eq!(store.insert_if_absent("a ", at(200)).unwrap(), Inserted);
        assert_eq!(store.insert_if_absent("", at(200)).unwrap(), Inserted);
        assert_eq!(store.insert_if_absent("", at(200)).unwrap(), AlreadyPresent);
        assert_eq!(store.len(), 5);
    }

    #[test]
    fn kept_until_expiry_then_forgotten() {
        let clock = ManualClock::new(at(100));
        let store = MemoryStore::builder().clock(&clock).build();
        assert_eq!(store.insert_if_absent("a", at(200)).unwrap(), Inserted);
        clock.set(at(199));
        assert_eq!(
            store.insert_if_absent("a", at(200)).unwrap(),
            AlreadyPresent
        );
        clock.set(at(200));
        assert_eq!(store.insert_if_absent("a", at(300)).unwrap(), Inserted);
        clock.set(at(299));
        assert_eq!(
            store.insert_if_absent("a", at(300)).unwrap(),
            AlreadyPresent
        );
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn fractional_expiry_rounds_up() {
        let clock = ManualClock::new(at(100));
        let store = MemoryStore::builder().clock(&clock).build();
        let exp = NumericDate::from_f64(150.25).unwrap();
        assert_eq!(store.insert_if_absent("a", exp).unwrap(), Inserted);
        clock.set(at(150));
        assert_eq!(store.insert_if_absent("a", exp).unwrap(), AlreadyPresent);
        clock.set(at(151));
        assert_eq!(store.insert_if_absent("a", exp).unwrap(), Inserted);
    }

    #[test]
    fn full_store_refuses_new_ids_and_never_evicts_live_ones() {
        let clock = ManualClock::new(at(100));
        let store = MemoryStore::builder()
            .capacity(3)
            .shards(4)
            .clock(&clock)
            .build();
        for id in ["a", "b", "c"] {
            assert_eq!(store.insert_if_absent(id, at(200)).unwrap(), Inserted);
        }
        let error = store.insert_if_absent("d", at(200)).unwrap_err();
        assert!(matches!(error, StoreError::Full { capacity: 3 }));
        assert!(error.to_string().contains("replay store full"), "{error}");
        // The live ids are all still there.
        for id in ["a", "b", "c"] {
            assert_eq!(store.insert_if_absent(id, at(200)).unwrap(), AlreadyPresent);
        }
        assert_eq!(store.len(), 3);
        // Once they expire, the room is reclaimed, whichever shard the new id lands in.
        clock.set(at(200));
        for id in ["d", "e", "f"] {
            assert_eq!(store.insert_if_absent(id, at(300)).unwrap(), Inserted);
        }
        assert!(matches!(
            store.insert_if_absent("g", at(300)),
            Err(StoreError::Full { .. })
        ));
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn zero_capacity_refuses_everything() {
        let store = MemoryStore::builder()
            .capacity(0)
            .clock(ManualClock::new(at(0)))
            .build();
        assert!(matches!(
            store.insert_if_absent("a", at(10)),
            Err(StoreError::Full { capacity: 0 })
        ));
        assert!(store.is_empty());
    }

    #[test]
    fn eviction_is_incremental_and_keeps_memory_bounded() {
        let clock = ManualClock::new(at(0));
        let store = MemoryStore::builder().shards(1).clock(&clock).build();
        for i in 0..1_000 {
            assert_eq!(
                store.insert_if_absent(&format!("old-{i}"), at(10)).unwrap(),
                Inserted
            );
        }
        clock.set(at(10));
        // Each insert evicts at most EVICT_PER_INSERT expired ids: no sweep.
        assert_eq!(store.insert_if_absent("new-0", at(20)).unwrap(), Inserted);
        assert_eq!(store.len(), 1_000 + 1 - EVICT_PER_INSERT);
        // And the backlog drains as inserts go on.
        for i in 1..400 {
            let _ = store.insert_if_absent(&format!("new-{i}"), at(20)).unwrap();
        }
        assert_eq!(store.len(), 400);
        assert_eq!(queued(&store), 400);

        // A long stream of distinct ids, each live for 10 s, the clock ticking every 100 ids:
        // the store holds about 1,000 ids at any time, never the whole stream.
        let mut most = 0;
        for i in 0..100_000_i64 {
            let now = 1_000 + i / 100;
            clock.set(at(now));
            let _ = store
                .insert_if_absent(&format!("stream-{i}"), at(now + 10))
                .unwrap();
            most = most.max(store.len());
        }
        assert!(most <= 1_500, "held {most} ids");
        assert!(queued(&store) <= 1_500);
        assert_accounting(&store);
    }

    #[test]
    fn refreshed_ids_leave_no_stale_entries() {
        let clock = ManualClock::new(at(0));
        let store = MemoryStore::builder().shards(1).clock(&clock).build();
        for round in 0..100 {
            clock.set(at(round * 10));
            assert_eq!(
                store.insert_if_absent("same", at(round * 10 + 10)).unwrap(),
                Inserted
            );
            assert_eq!(
                store.insert_if_absent("same", at(round * 10 + 10)).unwrap(),
                AlreadyPresent
            );
        }
        assert_eq!(store.len(), 1);
        assert!(queued(&store) <= 1 + EVICT_PER_INSERT);
    }

    #[test]
    fn an_already_expired_id_is_accepted_once_and_forgotten() {
        let clock = ManualClock::new(at(100));
        let store = MemoryStore::builder().clock(&clock).build();
        assert_eq!(store.insert_if_absent("a", at(50)).unwrap(), Inserted);
        assert_eq!(store.insert_if_absent("b", at(150)).unwrap(), Inserted);
        assert!(store.len() <= 2);
    }

    #[test]
    fn extreme_expiries_never_panic() {
        let clock = ManualClock::new(at(0));
        let store = MemoryStore::builder().clock(&clock).build();
        let extremes = [f64::MIN, -1e300, -0.5, 0.0, 0.5, 1e19, f64::MAX];
        for (i, &exp) in extremes.iter().enumerate() {
            let id = format!("x{i}");
            let _ = store
                .insert_if_absent(&id, NumericDate::from_f64(exp).unwrap())
                .unwrap();
        }
        for secs in [i64::MIN, -1, 0, i64::MAX] {
            clock.set(at(secs));
            let _ = store.insert_if_absent("y", at(secs)).unwrap();
        }
    }

    #[test]
    fn shard_counts() {
        let clock = ManualClock::new(at(0));
        assert_eq!(
            MemoryStore::builder()
                .shards(0)
                .clock(&clock)
                .build()
                .shards
                .len(),
            1
        );
        assert_eq!(
            MemoryStore::builder()
                .shards(3)
                .clock(&clock)
                .build()
                .shards
                .len(),
            4
        );
        assert_eq!(
            MemoryStore::builder()
                .shards(usize::MAX)
                .clock(&clock)
                .build()
                .shards
                .len(),
            MAX_SHARDS
        );
        let default = MemoryStore::new().shards.len();
        assert!(default.is_power_of_two() && (8..=MAX_SHARDS).contains(&default));
    }

    #[test]
    fn concurrent_inserts_of_the_same_ids_have_one_winner_each() {
        const THREADS: usize = 8;
        const IDS: usize = 2_000;
        let store = Arc::new(
            MemoryStore::builder()
                .shards(4)
                .clock(ManualClock::new(at(0)))
                .build(),
        );
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..IDS)
                        .filter(|i| {
                            store.insert_if_absent(&format!("id-{i}"), at(100)).unwrap() == Inserted
                        })
                        .count()
                })
            })
            .collect();
        let inserted: usize = handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .sum();
        assert_eq!(inserted, IDS);
        assert_eq!(store.len(), IDS);
    }

    #[test]
    fn concurrent_inserts_never_exceed_capacity() {
        const THREADS: usize = 8;
        let store = Arc::new(
            MemoryStore::builder()
                .capacity(1_000)
                .clock(ManualClock::new(at(0)))
                .build(),
        );
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|thread| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..500)
                        .filter(|i| {
                            store
                                .insert_if_absent(&format!("{thread}-{i}"), at(100))
                                .is_ok()
                        })
                        .count()
                })
            })
            .collect();
        let inserted: usize = handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .sum();
        assert_eq!(inserted, 1_000);
        assert_eq!(store.len(), 1_000);
        assert_accounting(&store);
    }
}
