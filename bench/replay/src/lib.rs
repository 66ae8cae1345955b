//! Helpers shared by the replay-store benchmarks.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use jwt_runtime::{Clock, NumericDate};

/// A clock the benchmark advances by hand, so that ids expire and the memory store reaches a
/// steady state (inserting and evicting) instead of growing for the whole run.
#[derive(Debug)]
pub struct TickingClock(AtomicI64);

impl TickingClock {
    /// A clock at `secs`.
    #[must_use]
    pub fn at(secs: i64) -> Self {
        TickingClock(AtomicI64::new(secs))
    }

    /// One second later.
    pub fn tick(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Clock for TickingClock {
    fn now(&self) -> NumericDate {
        NumericDate::from_secs(self.0.load(Ordering::Relaxed))
    }
}

/// Ids are live for this long (in clock seconds) in the memory benchmarks; the clock ticks
/// every [`TICK_EVERY`] ids, so about `LIFETIME * TICK_EVERY` ids are live at a time.
pub const LIFETIME: i64 = 2;

/// See [`LIFETIME`].
pub const TICK_EVERY: u64 = 65_536;

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A fresh 36-byte id shaped like a UUID v4, distinct across the process (and, with `salt`,
/// across runs), as a `jti` typically is.
#[must_use]
pub fn fresh_id(salt: u64) -> String {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let mixed = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        mixed >> 32,
        (mixed >> 16) & 0xffff,
        mixed & 0xfff,
        salt & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

pub mod baseline;
pub mod floor;
