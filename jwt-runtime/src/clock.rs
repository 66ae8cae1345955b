//! Where validation gets "now" from: injected, never read inside validation itself.

use std::time::SystemTime;

use crate::NumericDate;

/// A source of the current time.
///
/// Validation asks the clock once per token. Tests pass a [`FixedClock`]; services use the
/// default [`SystemClock`].
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
        NumericDate::from_secs(NumericDate::from_system_time(SystemTime::now()).as_secs())
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

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> NumericDate {
        (**self).now()
    }
}
