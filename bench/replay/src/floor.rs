//! The floor of consuming a fresh id: what any sharded in-memory set must do, and nothing
//! more. The id is hashed with a per-store keyed SipHash (as the store must, to pick a
//! shard an issuer cannot aim at), its shard is locked, the id is copied into a heap
//! allocation of its own and inserted into a hash table if absent. No expiry, no capacity
//! accounting, no clock: to stay at a steady size like the store, a shard is simply cleared
//! when it reaches its share of `live` ids (which frees those allocations, the other half of
//! the id's allocation cost).

use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

use hashbrown::HashTable;

/// See the module documentation.
pub struct FloorStore {
    shards: Box<[Mutex<HashTable<Box<str>>>]>,
    mask: usize,
    per_shard: usize,
    hasher: RandomState,
}

impl FloorStore {
    /// `shards` (a power of two) shards holding about `live` ids between them.
    #[must_use]
    pub fn new(shards: usize, live: usize) -> Self {
        assert!(shards.is_power_of_two());
        FloorStore {
            shards: (0..shards).map(|_| Mutex::new(HashTable::new())).collect(),
            mask: shards - 1,
            per_shard: (live / shards).max(1),
            hasher: RandomState::new(),
        }
    }

    /// Inserts `jti` of `namespace` unless held; true when it was absent.
    ///
    /// # Panics
    ///
    /// If a shard's lock is poisoned.
    pub fn insert(&self, namespace: &str, jti: &str) -> bool {
        let hash = self.hasher.hash_one((namespace.as_bytes(), jti.as_bytes()));
        #[allow(clippy::cast_possible_truncation)]
        let mut table = self.shards[(hash >> 32) as usize & self.mask]
            .lock()
            .unwrap();
        if table.len() >= self.per_shard {
            table.clear();
        }
        match table.entry(
            hash,
            |held| held.as_bytes() == jti.as_bytes(),
            |held| {
                self.hasher
                    .hash_one((namespace.as_bytes(), held.as_bytes()))
            },
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                vacant.insert(Box::from(jti));
                true
            }
        }
    }
}
