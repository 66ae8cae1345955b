//! Where validation gets "now" from: injected, never read inside validation itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::NumericDate;

/// A source of the current time.
///
/// Validation asks the clock once per token. Tests pass a [`FixedClock`] or a
/// [`ManualClock`]; services use the default [`SystemClock`].
pub trait Clock {
    /// The current time.
    fn now(&self) -> NumericDate;
}

/// The operating system's wall clock, in whole seconds (the default).
///
/// Whole seconds keep tokens built from `now` free of fractions, as most peers expect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NumericDate {
        NumericDate::now()
    }
}

/// A clock stopped at one instant, for tests and for replaying a decision.
///
/// # Examples
///
/// ```
/// use jwt_runtime::{Clock, FixedClock, NumericDate};
///
/// let clock = FixedClock(NumericDate::from_secs(1_300_819_379));
/// assert_eq!(clock.now().as_secs(), 1_300_819_379);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub NumericDate);

impl Clock for FixedClock {
    fn now(&self) -> NumericDate {
        self.0
    }
}

/// A clock that moves only when told to: for tests of expiry, of replay-store retention, and
/// of anything else that depends on time passing.
///
/// Clones share one time: hand a clone to a [`Validation`](crate::Validation) or a replay
/// store, keep one, and [`set`](Self::set) or [`advance`](Self::advance) it from any thread.
/// The time is held in one atomic (the bits of the [`NumericDate`]), so reading it never
/// blocks; fractions of a second are kept exactly.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use jwt_runtime::{Clock, ManualClock, NumericDate};
///
/// let clock = ManualClock::new(NumericDate::from_secs(1_700_000_000));
/// let shared = clock.clone();
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(shared.now().as_secs(), 1_700_000_090);
/// shared.set(NumericDate::from_secs(1_800_000_000));
/// assert_eq!(clock.now().as_secs(), 1_800_000_000);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock showing `now` until it is set or advanced.
    #[must_use]
    pub fn new(now: NumericDate) -> Self {
        ManualClock(Arc::new(AtomicU64::new(now.as_f64().to_bits())))
    }

    /// Sets the time shown by this clock and every clone of it.
    pub fn set(&self, now: NumericDate) {
        self.0.store(now.as_f64().to_bits(), Ordering::SeqCst);
    }

    /// Moves the time forward by `by` (saturating at the largest representable date), for
    /// this clock and every clone of it. Concurrent calls all take effect.
    pub fn advance(&self, by: Duration) {
        let step = |bits: u64| {
            let now = NumericDate::from_f64(f64::from_bits(bits))?;
            Some(now.saturating_add(by).as_f64().to_bits())
        };
        // `step` returns `None` only for bits that no `NumericDate` has; the atomic holds
        // only bits written from one, so the update always applies.
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, step);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> NumericDate {
        // Only bits of a `NumericDate` are ever stored, so this always reads one back.
        NumericDate::from_f64(f64::from_bits(self.0.load(Ordering::SeqCst)))
            .unwrap_or(NumericDate::from_secs(0))
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> NumericDate {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_time() {
        let clock = ManualClock::new(NumericDate::from_secs(100));
        let clone = clock.clone();
        clone.set(NumericDate::from_secs(250));
        assert_eq!(clock.now(), NumericDate::from_secs(250));
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(clone.now().as_f64(), 251.5);
    }

    #[test]
    fn concurrent_advances_all_take_effect() {
        let clock = ManualClock::new(NumericDate::from_secs(0));
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let clock = clock.clone();
                scope.spawn(move || {
                    for _ in 0..1_000 {
                        clock.advance(Duration::from_secs(1));
                    }
                });
            }
        });
        assert_eq!(clock.now(), NumericDate::from_secs(4_000));
    }

    #[test]
    fn advancing_saturates() {
        let clock = ManualClock::new(NumericDate::from_f64(f64::MAX).unwrap());
        clock.advance(Duration::MAX);
        assert_eq!(clock.now().as_f64(), f64::MAX);
    }
}
