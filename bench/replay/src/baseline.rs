//! The in-memory store as it was before its hot path was reworked: a verbatim copy (docs
//! trimmed; public API types from `jwt_runtime`), so that one benchmark run times the old and
//! the new store side by side (`benches/memory.rs`). Not for use outside the benchmarks.
#![allow(dead_code, clippy::all, clippy::pedantic, missing_docs)]

use core::num::NonZero;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hashbrown::HashTable;

use jwt_runtime::replay::{
    DEFAULT_RETENTION_MARGIN, InsertOutcome, ReplayId, ReplayWindow, StoreError,
};

pub const DEFAULT_CAPACITY: usize = 1 << 20;

const QUOTA_CHUNK: usize = 64;

const EVICT_PER_INSERT: usize = 4;

const MAX_SHARDS: usize = 1024;

const MAX_NAMESPACES: usize = 1 << 16;

pub struct BaselineStore {
    shards: Box<[Shard]>,
    shard_mask: usize,
    hasher: RandomState,
    pool: AtomicUsize,
    capacity: usize,
    horizon: AtomicU64,
    margin: Duration,
}

#[repr(align(128))]
struct Shard(Mutex<ShardState>);

struct ShardState {
    ids: HashTable<Entry>,
    namespaces: Vec<Box<str>>,
    quota: usize,
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

    fn namespace_index(&self, namespace: &str) -> Option<u16> {
        let index = self
            .namespaces
            .iter()
            .position(|held| **held == *namespace)?;
        u16::try_from(index).ok()
    }
}

struct Entry {
    forget_at: i64,
    id: Id,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<Entry>() == 48, "the documented slot size");

const INLINE: usize = 36;

enum Id {
    Inline {
        namespace: u16,
        len: u8,
        bytes: [u8; INLINE],
    },
    Boxed {
        namespace: u16,
        bytes: Box<[u8]>,
    },
}

impl Id {
    fn new(namespace: u16, jti: &str) -> Id {
        let bytes = jti.as_bytes();
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE => {
                let mut inline = [0; INLINE];
                inline[..bytes.len()].copy_from_slice(bytes);
                Id::Inline {
                    namespace,
                    len,
                    bytes: inline,
                }
            }
            _ => Id::Boxed {
                namespace,
                bytes: bytes.into(),
            },
        }
    }

    fn namespace(&self) -> u16 {
        match self {
            Id::Inline { namespace, .. } | Id::Boxed { namespace, .. } => *namespace,
        }
    }

    fn jti(&self) -> &[u8] {
        match self {
            Id::Inline { len, bytes, .. } => &bytes[..usize::from(*len)],
            Id::Boxed { bytes, .. } => bytes,
        }
    }

    fn is(&self, namespace: u16, jti: &str) -> bool {
        self.namespace() == namespace && self.jti() == jti.as_bytes()
    }
}

#[derive(Debug, Clone)]
#[must_use]
pub struct BaselineStoreBuilder {
    capacity: usize,
    shards: Option<usize>,
    margin: Duration,
}

impl BaselineStoreBuilder {
    fn new() -> Self {
        BaselineStoreBuilder {
            capacity: DEFAULT_CAPACITY,
            shards: None,
            margin: DEFAULT_RETENTION_MARGIN,
        }
    }

    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = Some(shards);
        self
    }

    pub fn retention_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    #[must_use]
    pub fn build(self) -> BaselineStore {
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
        BaselineStore {
            shards: (0..shards)
                .map(|_| {
                    Shard(Mutex::new(ShardState {
                        ids: HashTable::new(),
                        namespaces: Vec::new(),
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

impl BaselineStore {
    #[must_use]
    pub fn new() -> Self {
        BaselineStoreBuilder::new().build()
    }

    pub fn builder() -> BaselineStoreBuilder {
        BaselineStoreBuilder::new()
    }
}

impl Default for BaselineStore {
    fn default() -> Self {
        Self::new()
    }
}

impl BaselineStore {
    pub fn insert_if_absent(
        &self,
        id: ReplayId<'_>,
        window: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        let checked_at = window.checked_at().as_f64();
        let hash = self.hash(id.namespace().as_bytes(), id.jti().as_bytes());
        let index = self.shard_index(hash);
        for first_try in [true, false] {
            let mut guard = self.lock(index);
            let state = &mut *guard;
            // Under the shard's lock: every eviction this shard has seen used a time no later
            // than this one, so the check below covers them all.
            let now = self.advance(checked_at)?;
            let forget_at = ceil_secs(now + window.remaining_secs() + self.margin.as_secs_f64());
            let now_secs = floor_secs(now);
            self.evict(state, now_secs, EVICT_PER_INSERT);
            let namespace = state.namespace_index(id.namespace());
            if let Some(namespace) = namespace
                && let Some(entry) = state
                    .ids
                    .find_mut(hash, |entry| entry.id.is(namespace, id.jti()))
            {
                if entry.forget_at > now_secs {
                    return Ok(InsertOutcome::AlreadyPresent);
                }
                // Expired but not yet evicted: refresh it in place.
                entry.forget_at = forget_at;
                state.schedule(forget_at, hash);
                return Ok(InsertOutcome::Inserted);
            }
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
            let namespace = match namespace {
                Some(namespace) => namespace,
                None => {
                    let next = u16::try_from(state.namespaces.len())
                        .ok()
                        .filter(|&next| usize::from(next) < MAX_NAMESPACES - 1)
                        .ok_or_else(|| {
                            StoreError::backend("the memory store holds 65,535 namespaces already")
                        })?;
                    state.namespaces.push(id.namespace().into());
                    next
                }
            };
            let ShardState {
                ids, namespaces, ..
            } = state;
            ids.insert_unique(
                hash,
                Entry {
                    forget_at,
                    id: Id::new(namespace, id.jti()),
                },
                |entry| self.hash_entry(namespaces, entry),
            );
            state.schedule(forget_at, hash);
            return Ok(InsertOutcome::Inserted);
        }
        Err(StoreError::Full {
            capacity: self.capacity,
        })
    }

    #[must_use]
    pub fn len(&self) -> usize {
        (0..self.shards.len())
            .map(|index| self.lock(index).ids.len())
            .sum()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    #[must_use]
    pub fn retention_margin(&self) -> Duration {
        self.margin
    }

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

    fn hash(&self, namespace: &[u8], jti: &[u8]) -> u64 {
        // A tuple of slices hashes each with its length: the pair, not the concatenation.
        self.hasher.hash_one((namespace, jti))
    }

    fn hash_entry(&self, namespaces: &[Box<str>], entry: &Entry) -> u64 {
        let namespace = namespaces
            .get(usize::from(entry.id.namespace()))
            .map_or(&[][..], |namespace| namespace.as_bytes());
        self.hash(namespace, entry.id.jti())
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
            let ShardState {
                ids, namespaces, ..
            } = &mut *state;
            let candidate = |entry: &Entry| {
                entry.forget_at == forget_at && self.hash_entry(namespaces, entry) == hash
            };
            if let Ok(entry) = ids.find_entry(hash, candidate) {
                entry.remove();
            }
        }
    }

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

#[allow(
    clippy::cast_possible_truncation,
    reason = "`as` saturates float-to-int casts"
)]
fn ceil_secs(secs: f64) -> i64 {
    secs.ceil() as i64
}

#[allow(
    clippy::cast_possible_truncation,
    reason = "`as` saturates float-to-int casts"
)]
fn floor_secs(secs: f64) -> i64 {
    secs.floor() as i64
}
