//! [`MemoryStore`]: the in-process replay store.

use core::fmt;
use core::future::Future;
use core::num::NonZero;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hashbrown::HashTable;

use super::{
    AsyncReplayStore, DEFAULT_RETENTION_MARGIN, InsertOutcome, ReplayId, ReplayStore, ReplayWindow,
    StoreError,
};

/// The default capacity of a [`MemoryStore`]: 1,048,576 live ids, about 63 MiB when full
/// (whatever the ids' length). See [`MemoryStore`] for the measured memory per entry.
pub const DEFAULT_CAPACITY: usize = 1 << 20;

/// How many slots of the capacity a shard takes from the shared pool at a time.
const QUOTA_CHUNK: usize = 64;

/// How many expired ids an insert evicts from its shard, at most, once it has answered. Each
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
/// - **Ids**: an id (namespace and `jti`) is held as a 128-bit digest under a per-store
///   random key (two SipHash-1-3 of the id, told apart by one bit), never as its
///   bytes, so every id takes one 24-byte slot whatever its length, without an allocation. The same id always has the same digest,
///   so a replay is always caught. Two different ids share a digest with probability 2^-128
///   (the keys are secret, so an issuer cannot aim for it): with a million live ids, a fresh
///   id is mistaken for a held one with probability below 2^-108, and the mistake is a fresh
///   token refused as [`InsertOutcome::AlreadyPresent`], never a replay accepted.
/// - **Atomic**: of many callers presenting the same id at once, exactly one is told
///   [`InsertOutcome::Inserted`].
/// - **Time**: the store has no clock of its own. Its time is the latest
///   [`ReplayWindow::checked_at`] it has been told (a high-water mark: it never moves
///   backwards), and it keeps each id for the window's
///   [`remaining_secs`](ReplayWindow::remaining_secs) past that time, plus the retention
///   margin ([`DEFAULT_RETENTION_MARGIN`], five minutes, by default), rounded up to a whole
///   second. A validation whose `checked_at` is further behind the
///   store's time than the margin (a clock that stepped back, servers whose clocks or
///   leeways differ by more) is refused with [`StoreError::ClockBehind`]: the store may have
///   forgotten ids that validation would still accept, so it fails closed rather than answer
///   `Inserted` for a token it cannot protect.
/// - **Expiry**: expired ids are evicted incrementally: each insert also evicts at most four
///   expired ids of its shard, soonest-expiring first, so there is never a sweep of the whole
///   store.
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
/// `bench/replay/`: **39 to 63 bytes per id**, depending on where the hash tables are in
/// their growth (39 bytes at 900,000 ids, 49 at 700,000, 63 at 1,048,576 just after they
/// doubled), and the same for ids of any length. That is a 24-byte table slot (the id's
/// digest and its expiry second) plus a control byte, at the tables' load factor (44% to
/// 87.5%), and 8 bytes in the expiry wheel. A full store of the default capacity takes about
/// 63 MiB.
/// Tables do not shrink: after a burst the memory stays at the peak, which the capacity
/// bounds.
///
/// # Examples
///
/// ```
/// use jwt_runtime::NumericDate;
/// use jwt_runtime::replay::{InsertOutcome, MemoryStore, ReplayId, ReplayWindow, StoreError};
///
/// let store = MemoryStore::builder().capacity(2).build();
/// // Checked at 1,000, expires at 1,060.
/// let window = ReplayWindow::new(NumericDate::from_secs(1_000), NumericDate::from_secs(1_060));
/// let id = |jti| ReplayId::new("links", jti);
///
/// assert_eq!(store.insert_if_absent(id("a"), window)?, InsertOutcome::Inserted);
/// assert_eq!(store.insert_if_absent(id("a"), window)?, InsertOutcome::AlreadyPresent);
/// assert_eq!(store.insert_if_absent(id("b"), window)?, InsertOutcome::Inserted);
/// assert!(matches!(store.insert_if_absent(id("c"), window), Err(StoreError::Full { capacity: 2 })));
/// # Ok::<(), StoreError>(())
/// ```
pub struct MemoryStore {
    shards: Box<[Shard]>,
    shard_mask: usize,
    /// The key of the ids' digests.
    hasher: RandomState,
    /// Slots of the capacity no shard has reserved. Invariant: this plus every shard's
    /// `quota` is `capacity`, and a shard holds at most `quota` ids.
    pool: AtomicUsize,
    capacity: usize,
    /// The store's time: the latest `checked_at` it was told, as `f64` bits (only ever
    /// raised).
    horizon: AtomicU64,
    margin: Duration,
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

/// One held id: its digest and when it may be forgotten. 24 bytes, whatever the id's length.
struct Entry {
    /// The first half of the id's digest: the table's hash, and what picks the shard. Kept so
    /// that neither eviction nor the table's rehashing (which removals make frequent: they
    /// leave tombstones) ever hashes an id again.
    hash: u64,
    /// The second half of the digest.
    check: u64,
    /// Whole seconds on the store's time; the id is live while the store's time is before it.
    forget_at: i64,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<Entry>() == 24, "the documented slot size");

/// The 128-bit keyed digest that stands for an id (namespace and `jti`) in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Digest {
    hash: u64,
    check: u64,
}

/// Builds a [`MemoryStore`]: capacity, shards, retention margin.
///
/// | setting | default |
/// | --- | --- |
/// | capacity | [`DEFAULT_CAPACITY`] (1,048,576 ids) |
/// | shards | 8 per available core, rounded up to a power of two, 8 to 1024 |
/// | retention margin | [`DEFAULT_RETENTION_MARGIN`] (5 minutes) |
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryStoreBuilder {
    capacity: usize,
    shards: Option<usize>,
    margin: Duration,
}

impl MemoryStoreBuilder {
    fn new() -> Self {
        MemoryStoreBuilder {
            capacity: DEFAULT_CAPACITY,
            shards: None,
            margin: DEFAULT_RETENTION_MARGIN,
        }
    }

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

    /// How long past a token's expiry, as seen by the validation that consumed its id, the
    /// store keeps the id; and how far behind the store's time a validation may be before it
    /// is refused ([`StoreError::ClockBehind`]). It must cover the largest difference in
    /// clock and leeway between the validations sharing the store. Defaults to
    /// [`DEFAULT_RETENTION_MARGIN`] (5 minutes).
    pub fn retention_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The store, empty. Memory is allocated as ids arrive.
    #[must_use]
    pub fn build(self) -> MemoryStore {
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
            horizon: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
            margin: self.margin,
        }
    }
}

impl MemoryStore {
    /// A store with the defaults: [`DEFAULT_CAPACITY`] ids, [`DEFAULT_RETENTION_MARGIN`].
    #[must_use]
    pub fn new() -> Self {
        MemoryStoreBuilder::new().build()
    }

    /// A builder, to set the capacity, the shards or the retention margin.
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder::new()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// Stores `id` unless the store holds it; see [`ReplayStore::insert_if_absent`] and the
    /// type's documentation for how long it is kept.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when `capacity` ids are live and `id` is not one of them;
    /// [`StoreError::ClockBehind`] when `window.checked_at()` is further behind the store's
    /// time than the retention margin.
    pub fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        let checked_at = window.checked_at().as_f64();
        let digest = self.digest(id.namespace().as_bytes(), id.jti().as_bytes());
        let hash = digest.hash;
        let index = self.shard_index(hash);
        for first_try in [true, false] {
            let mut guard = self.lock(index);
            let state = &mut *guard;
            // Under the shard's lock: every eviction this shard has seen used a time no later
            // than this one, so the check below covers them all.
            let now = self.advance(checked_at)?;
            let forget_at = ceil_secs(now + window.remaining_secs() + self.margin.as_secs_f64());
            let now_secs = floor_secs(now);
            let outcome = if let Some(entry) = state.ids.find_mut(hash, |entry| {
                entry.hash == hash && entry.check == digest.check
            }) {
                if entry.forget_at > now_secs {
                    InsertOutcome::AlreadyPresent
                } else {
                    // Expired but not yet evicted: refresh it in place.
                    entry.forget_at = forget_at;
                    state.schedule(forget_at, hash);
                    InsertOutcome::Inserted
                }
            } else {
                if state.ids.len() >= state.quota && !self.make_room(state, now_secs) {
                    drop(guard);
                    if first_try {
                        self.reclaim_spare_quota(now_secs, index);
                        continue;
                    }
                    return Err(StoreError::Full {
                        capacity: self.capacity,
                    });
                }
                state.ids.insert_unique(
                    hash,
                    Entry {
                        hash,
                        check: digest.check,
                        forget_at,
                    },
                    |entry| entry.hash,
                );
                state.schedule(forget_at, hash);
                InsertOutcome::Inserted
            };
            // After the insert, not before: the reads of the evicted ids' slots then overlap
            // the write of the new one, where each would otherwise wait for the other.
            self.evict(state, now_secs, EVICT_PER_INSERT);
            return Ok(outcome);
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

    /// The retention margin.
    #[must_use]
    pub fn retention_margin(&self) -> Duration {
        self.margin
    }

    /// Raises the store's time to `checked_at` if it is later, and returns the store's time;
    /// refuses a `checked_at` further behind it than the margin.
    fn advance(&self, checked_at: f64) -> Result<f64, StoreError> {
        let previous = self
            .horizon
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |bits| {
                (checked_at > f64::from_bits(bits)).then_some(checked_at.to_bits())
            })
            .unwrap_or_else(|bits| bits);
        let now = f64::from_bits(previous).max(checked_at);
        let behind = now - checked_at;
        if behind > self.margin.as_secs_f64() {
            return Err(StoreError::ClockBehind {
                behind_secs: behind,
                margin: self.margin,
            });
        }
        Ok(now)
    }

    /// The id's digest: two SipHash-1-3 under the store's key, of the namespace's length,
    /// the namespace and the `jti` (the pair, not the concatenation), told apart by the top
    /// bit of the length (0, then 1; no length reaches it). Under one key, distinct inputs
    /// give unrelated outputs: the two halves make one 128-bit keyed digest.
    fn digest(&self, namespace: &[u8], jti: &[u8]) -> Digest {
        const SECOND: u64 = 1 << 63;
        let (mut first, mut second) = (self.hasher.build_hasher(), self.hasher.build_hasher());
        let length = namespace.len() as u64;
        // SipHash is a stream: one write of the whole hashes as several writes do, and costs
        // less, so short ids are packed.
        let len = size_of::<u64>() + namespace.len() + jti.len();
        let mut packed = [0_u8; 96];
        if let Some(buffer) = packed.get_mut(..len) {
            let (head, rest) = buffer.split_at_mut(size_of::<u64>());
            let (middle, tail) = rest.split_at_mut(namespace.len());
            head.copy_from_slice(&length.to_le_bytes());
            middle.copy_from_slice(namespace);
            tail.copy_from_slice(jti);
            first.write(buffer);
            // A whole word, where a single byte would stall the word's read that follows.
            buffer[..size_of::<u64>()].copy_from_slice(&(length | SECOND).to_le_bytes());
            second.write(buffer);
        } else {
            for (hasher, domain) in [(&mut first, 0), (&mut second, SECOND)] {
                hasher.write(&(length | domain).to_le_bytes());
                hasher.write(namespace);
                hasher.write(jti);
            }
        }
        Digest {
            hash: first.finish(),
            check: second.finish(),
        }
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
            let candidate = |entry: &Entry| entry.hash == hash && entry.forget_at == forget_at;
            if let Ok(entry) = state.ids.find_entry(hash, candidate) {
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
fn ceil_secs(secs: f64) -> i64 {
    secs.ceil() as i64
}

/// Whole seconds, rounded down, saturating (the store's time before anything was told is
/// `i64::MIN`).
#[allow(
    clippy::cast_possible_truncation,
    reason = "`as` saturates float-to-int casts"
)]
fn floor_secs(secs: f64) -> i64 {
    secs.floor() as i64
}

impl ReplayStore for MemoryStore {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        MemoryStore::insert_if_absent(self, id, window)
    }
}

/// The memory store never waits: the future is ready when returned.
impl AsyncReplayStore for MemoryStore {
    fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> impl Future<Output = Result<InsertOutcome, StoreError>> + Send {
        core::future::ready(MemoryStore::insert_if_absent(self, id, window))
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .field("retention_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;
    use crate::time::NumericDate;

    /// A window checked at `now`, the token expiring at `exp`.
    fn at(now: i64, exp: i64) -> ReplayWindow {
        ReplayWindow::new(NumericDate::from_secs(now), NumericDate::from_secs(exp))
    }

    fn id(jti: &str) -> ReplayId<'_> {
        ReplayId::new("ns", jti)
    }

    /// A store without a margin, so that retention is exactly the window.
    fn exact() -> MemoryStore {
        MemoryStore::builder()
            .retention_margin(Duration::ZERO)
            .build()
    }

    /// The capacity invariant: reserved quotas plus the pool make the capacity, and no
    /// shard holds more ids than its quota.
    fn assert_accounting(store: &MemoryStore) {
        let mut reserved = 0;
        for shard in &store.shards {
            let state = shard.0.lock().unwrap();
            assert!(state.ids.len() <= state.quota);
            reserved += state.quota;
        }
        assert_eq!(reserved + store.pool.load(Ordering::SeqCst), store.capacity);
    }

    fn queued(store: &MemoryStore) -> usize {
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
        let store = exact();
        assert_eq!(
            store.insert_if_absent(id("a"), at(100, 200)).unwrap(),
            Inserted
        );
        assert_eq!(
            store.insert_if_absent(id("a"), at(100, 200)).unwrap(),
            AlreadyPresent
        );
        assert_eq!(
            store.insert_if_absent(id("b"), at(100, 200)).unwrap(),
            Inserted
        );
        // Exact bytes: no normalisation of case, whitespace or Unicode.
        assert_eq!(
            store.insert_if_absent(id("A"), at(100, 200)).unwrap(),
            Inserted
        );
        assert_eq!(
            store.insert_if_absent(id("a "), at(100, 200)).unwrap(),
            Inserted
        );
        assert_eq!(
            store.insert_if_absent(id(""), at(100, 200)).unwrap(),
            Inserted
        );
        assert_eq!(
            store.insert_if_absent(id(""), at(100, 200)).unwrap(),
            AlreadyPresent
        );
        assert_eq!(store.len(), 5);
    }

    #[test]
    fn ids_of_any_length_are_told_apart_by_every_byte() {
        let store = exact();
        // Around the length where the digest stops packing the id on the stack, and well
        // past it.
        for len in [0, 1, 35, 36, 37, 80, 87, 88, 89, 90, 200, 4_096] {
            // A namespace per length, so that lengths do not meet each other's ids.
            let namespace = len.to_string();
            let id = |jti| ReplayId::new(&namespace, jti);
            let base = "x".repeat(len);
            let variants: Vec<String> = (0..len.min(3))
                .map(|at| {
                    let mut bytes = base.clone().into_bytes();
                    let last = len - 1 - at;
                    bytes[last] = b'y';
                    String::from_utf8(bytes).unwrap()
                })
                .chain([format!("{base}x")])
                .collect();
            assert_eq!(
                store.insert_if_absent(id(&base), at(100, 200)).unwrap(),
                Inserted
            );
            for variant in &variants {
                assert_eq!(
                    store.insert_if_absent(id(variant), at(100, 200)).unwrap(),
                    Inserted,
                    "{len}"
                );
            }
            assert_eq!(
                store.insert_if_absent(id(&base), at(100, 200)).unwrap(),
                AlreadyPresent,
                "{len}"
            );
            for variant in &variants {
                assert_eq!(
                    store.insert_if_absent(id(variant), at(100, 200)).unwrap(),
                    AlreadyPresent,
                    "{len}"
                );
            }
        }
    }

    #[test]
    fn the_digest_is_keyed_per_store_and_covers_namespace_and_jti() {
        let (one, other) = (MemoryStore::new(), MemoryStore::new());
        let digest = |store: &MemoryStore, namespace: &str, jti: &str| {
            store.digest(namespace.as_bytes(), jti.as_bytes())
        };
        assert_eq!(digest(&one, "ns", "a"), digest(&one, "ns", "a"));
        assert_ne!(digest(&one, "ns", "a"), digest(&other, "ns", "a"));
        assert_ne!(digest(&one, "ns", "a"), digest(&one, "ns", "b"));
        assert_ne!(digest(&one, "ns:", "a"), digest(&one, "ns", ":a"));
        // The two halves hash distinct inputs.
        let halves = digest(&one, "ns", "a");
        assert_ne!(halves.hash, halves.check);
    }

    #[test]
    fn ids_sharing_the_table_hash_but_not_the_digest_are_kept_apart() {
        // A 64-bit table-hash collision (about 2^-64 per pair, so forced here): the second
        // half of the digest tells the ids apart.
        let store = MemoryStore::builder()
            .shards(1)
            .retention_margin(Duration::ZERO)
            .build();
        let digest = store.digest(b"ns", b"a");
        {
            let mut state = store.lock(0);
            state.ids.insert_unique(
                digest.hash,
                Entry {
                    hash: digest.hash,
                    check: !digest.check,
                    forget_at: 1_000,
                },
                |entry| entry.hash,
            );
            state.quota = 64;
        }
        assert_eq!(
            store.insert_if_absent(id("a"), at(100, 200)).unwrap(),
            Inserted
        );
        assert_eq!(
            store.insert_if_absent(id("a"), at(100, 200)).unwrap(),
            AlreadyPresent
        );
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn namespaces_keep_equal_jtis_apart() {
        let store = exact();
        let pairs = [
            ("app:", "reset:42"),
            ("app:reset:", "42"),
            ("", "app:reset:42"),
        ];
        for (namespace, jti) in pairs {
            let id = ReplayId::new(namespace, jti);
            assert_eq!(store.insert_if_absent(id, at(100, 200)).unwrap(), Inserted);
        }
        for (namespace, jti) in pairs {
            let id = ReplayId::new(namespace, jti);
            assert_eq!(
                store.insert_if_absent(id, at(100, 200)).unwrap(),
                AlreadyPresent
            );
        }
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn kept_for_the_window_plus_the_margin_then_forgotten() {
        let store = MemoryStore::builder()
            .retention_margin(Duration::from_secs(30))
            .build();
        assert_eq!(
            store.insert_if_absent(id("a"), at(100, 200)).unwrap(),
            Inserted
        );
        // Another id moves the store's time along.
        let _ = store.insert_if_absent(id("x"), at(229, 300)).unwrap();
        assert_eq!(
            store.insert_if_absent(id("a"), at(229, 300)).unwrap(),
            AlreadyPresent
        );
        let _ = store.insert_if_absent(id("y"), at(230, 300)).unwrap();
        assert_eq!(
            store.insert_if_absent(id("a"), at(230, 300)).unwrap(),
            Inserted
        );
    }

    #[test]
    fn retention_is_relative_to_the_checking_clock() {
        // A validation 50 s behind the store's time, within the margin, is served.
        let store = MemoryStore::builder()
            .retention_margin(Duration::from_secs(100))
            .build();
        let _ = store
            .insert_if_absent(id("ahead"), at(1_100, 2_000))
            .unwrap();
        // Checked at 1,050 (50 s behind), acceptable until 1,060: kept until the store's time
        // reaches 1,100 + 10 + 100.
        assert_eq!(
            store.insert_if_absent(id("a"), at(1_050, 1_060)).unwrap(),
            Inserted
        );
        let _ = store
            .insert_if_absent(id("tick"), at(1_209, 2_000))
            .unwrap();
        assert_eq!(
            store.insert_if_absent(id("a"), at(1_209, 1_260)).unwrap(),
            AlreadyPresent
        );
        let _ = store
            .insert_if_absent(id("tick2"), at(1_210, 2_000))
            .unwrap();
        assert_eq!(
            store.insert_if_absent(id("a"), at(1_210, 1_260)).unwrap(),
            Inserted
        );
    }

    #[test]
    fn a_clock_behind_by_more_than_the_margin_is_refused() {
        let store = MemoryStore::builder()
            .retention_margin(Duration::from_secs(60))
            .build();
        let _ = store.insert_if_absent(id("a"), at(1_000, 2_000)).unwrap();
        assert_eq!(
            store.insert_if_absent(id("b"), at(940, 2_000)).unwrap(),
            Inserted
        );
        let error = store.insert_if_absent(id("c"), at(939, 2_000)).unwrap_err();
        assert!(
            matches!(error, StoreError::ClockBehind { behind_secs, .. } if behind_secs == 61.0),
            "{error}"
        );
        assert!(error.to_string().contains("behind"), "{error}");
        // Nothing was stored for the refused call.
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn fractional_windows_round_up() {
        let store = exact();
        let window = ReplayWindow::new(
            NumericDate::from_secs(100),
            NumericDate::from_f64(150.25).unwrap(),
        );
        assert_eq!(store.insert_if_absent(id("a"), window).unwrap(), Inserted);
        let later = |now| ReplayWindow::new(NumericDate::from_secs(now), window.expires_at());
        assert_eq!(
            store.insert_if_absent(id("a"), later(150)).unwrap(),
            AlreadyPresent
        );
        assert_eq!(
            store.insert_if_absent(id("a"), later(151)).unwrap(),
            Inserted
        );
    }

    #[test]
    fn full_store_refuses_new_ids_and_never_evicts_live_ones() {
        let store = MemoryStore::builder()
            .capacity(3)
            .shards(4)
            .retention_margin(Duration::ZERO)
            .build();
        for jti in ["a", "b", "c"] {
            assert_eq!(
                store.insert_if_absent(id(jti), at(100, 200)).unwrap(),
                Inserted
            );
        }
        let error = store.insert_if_absent(id("d"), at(100, 200)).unwrap_err();
        assert!(matches!(error, StoreError::Full { capacity: 3 }));
        assert!(error.to_string().contains("replay store full"), "{error}");
        // The live ids are all still there.
        for jti in ["a", "b", "c"] {
            assert_eq!(
                store.insert_if_absent(id(jti), at(100, 200)).unwrap(),
                AlreadyPresent
            );
        }
        assert_eq!(store.len(), 3);
        // Once they expire, the room is reclaimed, whichever shard the new id lands in.
        for jti in ["d", "e", "f"] {
            assert_eq!(
                store.insert_if_absent(id(jti), at(200, 300)).unwrap(),
                Inserted
            );
        }
        assert!(matches!(
            store.insert_if_absent(id("g"), at(200, 300)),
            Err(StoreError::Full { .. })
        ));
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn zero_capacity_refuses_everything() {
        let store = MemoryStore::builder().capacity(0).build();
        assert!(matches!(
            store.insert_if_absent(id("a"), at(0, 10)),
            Err(StoreError::Full { capacity: 0 })
        ));
        assert!(store.is_empty());
    }

    #[test]
    fn eviction_is_incremental_and_keeps_memory_bounded() {
        let store = MemoryStore::builder()
            .shards(1)
            .retention_margin(Duration::ZERO)
            .build();
        for i in 0..1_000 {
            assert_eq!(
                store
                    .insert_if_absent(id(&format!("old-{i}")), at(0, 10))
                    .unwrap(),
                Inserted
            );
        }
        // Each insert evicts at most EVICT_PER_INSERT expired ids: no sweep.
        assert_eq!(
            store.insert_if_absent(id("new-0"), at(10, 20)).unwrap(),
            Inserted
        );
        assert_eq!(store.len(), 1_000 + 1 - EVICT_PER_INSERT);
        // And the backlog drains as inserts go on.
        for i in 1..400 {
            let _ = store
                .insert_if_absent(id(&format!("new-{i}")), at(10, 20))
                .unwrap();
        }
        assert_eq!(store.len(), 400);
        assert_eq!(queued(&store), 400);

        // A long stream of distinct ids, each live for 10 s, the time ticking every 100 ids:
        // the store holds about 1,000 ids at any time, never the whole stream.
        let mut most = 0;
        for i in 0..100_000_i64 {
            let now = 1_000 + i / 100;
            let _ = store
                .insert_if_absent(id(&format!("stream-{i}")), at(now, now + 10))
                .unwrap();
            most = most.max(store.len());
        }
        assert!(most <= 1_500, "held {most} ids");
        assert!(queued(&store) <= 1_500);
        assert_accounting(&store);
    }

    #[test]
    fn refreshed_ids_leave_no_stale_entries() {
        let store = MemoryStore::builder()
            .shards(1)
            .retention_margin(Duration::ZERO)
            .build();
        for round in 0..100 {
            let window = at(round * 10, round * 10 + 10);
            assert_eq!(
                store.insert_if_absent(id("same"), window).unwrap(),
                Inserted
            );
            assert_eq!(
                store.insert_if_absent(id("same"), window).unwrap(),
                AlreadyPresent
            );
        }
        assert_eq!(store.len(), 1);
        assert!(queued(&store) <= 1 + EVICT_PER_INSERT);
    }

    #[test]
    fn an_already_expired_window_is_kept_for_the_margin() {
        let store = MemoryStore::builder()
            .retention_margin(Duration::from_secs(5))
            .build();
        assert_eq!(
            store.insert_if_absent(id("a"), at(100, 50)).unwrap(),
            Inserted
        );
        assert_eq!(
            store.insert_if_absent(id("a"), at(104, 50)).unwrap(),
            AlreadyPresent
        );
        assert_eq!(
            store.insert_if_absent(id("a"), at(105, 50)).unwrap(),
            Inserted
        );
    }

    #[test]
    fn extreme_windows_never_panic() {
        let store = exact();
        let extremes = [f64::MIN, -1e300, -0.5, 0.0, 0.5, 1e19, f64::MAX];
        for (i, &checked) in extremes.iter().enumerate() {
            for (j, &exp) in extremes.iter().enumerate() {
                let jti = format!("x{i}-{j}");
                let window = ReplayWindow::new(
                    NumericDate::from_f64(checked).unwrap(),
                    NumericDate::from_f64(exp).unwrap(),
                );
                let _ = store.insert_if_absent(id(&jti), window);
            }
        }
        for secs in [i64::MIN, -1, 0, i64::MAX] {
            let _ = store.insert_if_absent(id("y"), at(secs, secs));
        }
    }

    #[test]
    fn shard_counts() {
        assert_eq!(MemoryStore::builder().shards(0).build().shards.len(), 1);
        assert_eq!(MemoryStore::builder().shards(3).build().shards.len(), 4);
        assert_eq!(
            MemoryStore::builder()
                .shards(usize::MAX)
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
        let store = Arc::new(MemoryStore::builder().shards(4).build());
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..IDS)
                        .filter(|i| {
                            store
                                .insert_if_absent(id(&format!("id-{i}")), at(0, 100))
                                .unwrap()
                                == Inserted
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
        let store = Arc::new(MemoryStore::builder().capacity(1_000).build());
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
                                .insert_if_absent(id(&format!("{thread}-{i}")), at(0, 100))
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
