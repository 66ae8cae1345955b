//! Time in tokens: [`NumericDate`] and the [`TimeClaim`] types that `exp`, `nbf` and `iat`
//! fields may have.

use core::cmp::Ordering;
use core::fmt;
use core::ops::{Add, Sub};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Seconds since the Unix epoch, as RFC 7519 §2 defines NumericDate: any finite JSON number,
/// fractions and exponents included.
///
/// Values are finite `f64`s, ordered totally. Arithmetic saturates instead of overflowing,
/// so no input can make validation panic or wrap. It serializes as a JSON integer when the
/// value is whole, and as a fraction otherwise.
///
/// A time claim of a `#[derive(Claims)]` type is read exactly from the token's text (the
/// nearest `f64`, whatever serde_json's features). Its `Deserialize` implementation, used
/// outside the derive, and `f64` custom claims are read by serde_json, with the float parser
/// the application chooses (its `float_roundtrip` feature reads exactly, a little slower).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use jwt_runtime::NumericDate;
///
/// let iat = NumericDate::from_secs(1_700_000_000);
/// let exp = iat + Duration::from_secs(600);
/// assert_eq!(exp.as_secs(), 1_700_000_600);
/// assert_eq!(NumericDate::from_f64(f64::NAN), None);
/// ```
#[derive(Clone, Copy)]
pub struct NumericDate(f64);

impl NumericDate {
    /// The Unix epoch, `0`.
    pub const EPOCH: NumericDate = NumericDate(0.0);

    /// Whole seconds since the epoch (negative: before it).
    #[must_use]
    #[allow(
        clippy::cast_precision_loss,
        reason = "NumericDate is an f64 by definition"
    )]
    pub const fn from_secs(secs: i64) -> Self {
        NumericDate(secs as f64)
    }

    /// The operating system's wall clock now, in whole seconds: for issuing tokens.
    ///
    /// Validation never calls it: it reads the [`Clock`](crate::Clock) it was given
    /// ([`SystemClock`](crate::SystemClock) by default, which reads the same time).
    #[must_use]
    pub fn now() -> Self {
        NumericDate::from_secs(NumericDate::from_system_time(SystemTime::now()).as_secs())
    }

    /// Seconds since the epoch with a fraction; `None` for NaN and infinities.
    #[must_use]
    pub fn from_f64(secs: f64) -> Option<Self> {
        secs.is_finite().then_some(NumericDate(secs))
    }

    /// The time as a `SystemTime`'s distance from the epoch.
    #[must_use]
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => NumericDate(after.as_secs_f64()),
            Err(before) => NumericDate(-before.duration().as_secs_f64()),
        }
    }

    /// The value in seconds, with its fraction.
    #[must_use]
    pub const fn as_f64(self) -> f64 {
        self.0
    }

    /// Whole seconds, rounded down, saturating at the `i64` range.
    #[must_use]
    #[allow(
        clippy::cast_possible_truncation,
        reason = "`as` saturates float-to-int casts"
    )]
    pub fn as_secs(self) -> i64 {
        self.0.floor() as i64
    }

    /// The same instant as a `SystemTime`, or `None` when the platform cannot represent it.
    #[must_use]
    pub fn to_system_time(self) -> Option<SystemTime> {
        let magnitude = Duration::try_from_secs_f64(self.0.abs()).ok()?;
        if self.0 >= 0.0 {
            UNIX_EPOCH.checked_add(magnitude)
        } else {
            UNIX_EPOCH.checked_sub(magnitude)
        }
    }

    /// `self + duration`, saturating at the largest finite value.
    #[must_use]
    pub fn saturating_add(self, duration: Duration) -> Self {
        NumericDate(finite_or_max(self.0 + duration.as_secs_f64()))
    }

    /// `self - duration`, saturating at the smallest finite value.
    #[must_use]
    pub fn saturating_sub(self, duration: Duration) -> Self {
        NumericDate(finite_or_max(self.0 - duration.as_secs_f64()))
    }

    /// True when the value has no fractional part.
    #[must_use]
    pub fn is_whole(self) -> bool {
        self.0.fract() == 0.0
    }
}

fn finite_or_max(value: f64) -> f64 {
    if value.is_finite() {
        value
    } else if value > 0.0 {
        f64::MAX
    } else {
        f64::MIN
    }
}

impl Add<Duration> for NumericDate {
    type Output = NumericDate;

    /// Saturating addition; see [`NumericDate::saturating_add`].
    fn add(self, duration: Duration) -> NumericDate {
        self.saturating_add(duration)
    }
}

impl Sub<Duration> for NumericDate {
    type Output = NumericDate;

    /// Saturating subtraction; see [`NumericDate::saturating_sub`].
    fn sub(self, duration: Duration) -> NumericDate {
        self.saturating_sub(duration)
    }
}

impl PartialEq for NumericDate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NumericDate {}

impl PartialOrd for NumericDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NumericDate {
    fn cmp(&self, other: &Self) -> Ordering {
        // Both are finite; total_cmp only differs from `<` on -0.0, which equals 0.0 here.
        if self.0 == other.0 {
            Ordering::Equal
        } else {
            self.0.total_cmp(&other.0)
        }
    }
}

impl fmt::Debug for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumericDate({self})")
    }
}

impl fmt::Display for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(whole) = self.as_whole_i64() {
            write!(f, "{whole}")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl NumericDate {
    /// The value as an `i64` when it is whole and within the `i64` range.
    ///
    /// Every whole `f64` in `[-2^63, 2^63)` is exactly an `i64`, so writing it as a JSON
    /// integer is exact, and reading that integer back gives the same `f64`. Written as a
    /// float (`1.2517043064994917e17`) it would not survive serde_json's default float parser,
    /// which may be one unit in the last place off.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "the range check makes the cast exact"
    )]
    fn as_whole_i64(self) -> Option<i64> {
        const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
        (self.is_whole() && self.0 >= -LIMIT && self.0 < LIMIT).then_some(self.0 as i64)
    }
}

impl Serialize for NumericDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_whole_i64() {
            Some(whole) => serializer.serialize_i64(whole),
            None => serializer.serialize_f64(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumericDateVisitor)
    }
}

struct NumericDateVisitor;

impl Visitor<'_> for NumericDateVisitor {
    type Value = NumericDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a finite JSON number")
    }

    #[allow(
        clippy::cast_precision_loss,
        reason = "NumericDate is an f64 by definition"
    )]
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<NumericDate, E> {
        Ok(NumericDate(value as f64))
    }

    #[allow(
        clippy::cast_precision_loss,
        reason = "NumericDate is an f64 by definition"
    )]
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<NumericDate, E> {
        Ok(NumericDate(value as f64))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<NumericDate, E> {
        NumericDate::from_f64(value)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(value), &self))
    }
}

/// The `iat` and `exp` of a token issued at one instant for a lifetime: "valid for 15
/// minutes" without arithmetic at every call site.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use jwt_runtime::{NumericDate, Validity};
///
/// // Issuing in a service: `Validity::from_now(Duration::from_secs(15 * 60))`.
/// let validity = Validity::starting_at(NumericDate::from_secs(1_000), Duration::from_secs(900));
/// assert_eq!(validity.issued_at.as_secs(), 1_000);
/// assert_eq!(validity.expires_at.as_secs(), 1_900);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// The issue instant, for `iat`.
    pub issued_at: NumericDate,
    /// The issue instant plus the lifetime, for `exp` (saturating, never overflowing).
    pub expires_at: NumericDate,
}

impl Validity {
    /// Issued now ([`NumericDate::now`]), valid for `lifetime`.
    #[must_use]
    pub fn from_now(lifetime: Duration) -> Self {
        Self::starting_at(NumericDate::now(), lifetime)
    }

    /// Issued at `issued_at` (e.g. a [`Clock`](crate::Clock)'s now), valid for `lifetime`.
    #[must_use]
    pub fn starting_at(issued_at: NumericDate, lifetime: Duration) -> Self {
        Validity {
            issued_at,
            expires_at: issued_at.saturating_add(lifetime),
        }
    }
}

/// A type an `exp`, `nbf` or `iat` field may have.
///
/// Implemented for [`NumericDate`] (any finite number), `u64` and `i64` (whole seconds only:
/// `1.5` is a type error), [`SystemTime`], and, behind the `time` and `chrono` features,
/// `time::OffsetDateTime` and `chrono::DateTime<Utc>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a time type, so it cannot hold a JWT time claim",
    label = "`exp`, `nbf` and `iat` need a time type",
    note = "use `jwt_runtime::NumericDate`, `u64`, `i64` or `std::time::SystemTime`"
)]
pub trait TimeClaim: Sized {
    /// What the JSON value must be, for [`crate::Error::ClaimType`].
    const EXPECTED: &'static str;

    /// The instant, for validation.
    fn to_numeric_date(&self) -> NumericDate;

    /// Writes the instant as a JSON number.
    ///
    /// # Errors
    ///
    /// Whatever the serializer reports.
    fn serialize_claim<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// Reads the instant from a JSON number.
    ///
    /// # Errors
    ///
    /// A type error for anything but a number this type can represent.
    fn deserialize_claim<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

impl TimeClaim for NumericDate {
    const EXPECTED: &'static str = "a number of seconds since the epoch (NumericDate)";

    fn to_numeric_date(&self) -> NumericDate {
        *self
    }

    fn serialize_claim<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }

    fn deserialize_claim<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        NumericDate::deserialize(deserializer)
    }
}

impl TimeClaim for u64 {
    const EXPECTED: &'static str = "a non-negative whole number of seconds since the epoch";

    #[allow(
        clippy::cast_precision_loss,
        reason = "NumericDate is an f64 by definition"
    )]
    fn to_numeric_date(&self) -> NumericDate {
        NumericDate(*self as f64)
    }

    fn serialize_claim<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }

    fn deserialize_claim<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer)
    }
}

impl TimeClaim for i64 {
    const EXPECTED: &'static str = "a whole number of seconds since the epoch";

    #[allow(
        clippy::cast_precision_loss,
        reason = "NumericDate is an f64 by definition"
    )]
    fn to_numeric_date(&self) -> NumericDate {
        NumericDate(*self as f64)
    }

    fn serialize_claim<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }

    fn deserialize_claim<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer)
    }
}

impl TimeClaim for SystemTime {
    const EXPECTED: &'static str = "a number of seconds since the epoch that SystemTime can hold";

    fn to_numeric_date(&self) -> NumericDate {
        NumericDate::from_system_time(*self)
    }

    fn serialize_claim<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_numeric_date().serialize(serializer)
    }

    fn deserialize_claim<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let date = NumericDate::deserialize(deserializer)?;
        date.to_system_time()
            .ok_or_else(|| de::Error::custom("NumericDate out of SystemTime's range"))
    }
}

#[cfg(feature = "time")]
impl TimeClaim for time::OffsetDateTime {
    const EXPECTED: &'static str =
        "a number of seconds since the epoch within OffsetDateTime's range";

    #[allow(
        clippy::cast_precision_loss,
        reason = "NumericDate is an f64 by definition"
    )]
    fn to_numeric_date(&self) -> NumericDate {
        NumericDate(self.unix_timestamp_nanos() as f64 / 1e9)
    }

    fn serialize_claim<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_numeric_date().serialize(serializer)
    }

    #[allow(
        clippy::cast_possible_truncation,
        reason = "range-checked by the `time` crate"
    )]
    fn deserialize_claim<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let date = NumericDate::deserialize(deserializer)?;
        let nanos = date.as_f64() * 1e9;
        // Beyond ±2^127 ns `as` would saturate; the range check below rejects those anyway.
        if !(-1e38..=1e38).contains(&nanos) {
            return Err(de::Error::custom(
                "NumericDate out of OffsetDateTime's range",
            ));
        }
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos as i128)
            .map_err(|_| de::Error::custom("NumericDate out of OffsetDateTime's range"))
    }
}

#[cfg(feature = "chrono")]
impl TimeClaim for chrono::DateTime<chrono::Utc> {
    const EXPECTED: &'static str = "a number of seconds since the epoch within DateTime's range";

    #[allow(
        clippy::cast_precision_loss,
        reason = "NumericDate is an f64 by definition"
    )]
    fn to_numeric_date(&self) -> NumericDate {
        NumericDate(self.timestamp() as f64 + f64::from(self.timestamp_subsec_nanos()) / 1e9)
    }

    fn serialize_claim<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_numeric_date().serialize(serializer)
    }

    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "range-checked before the casts"
    )]
    fn deserialize_claim<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let date = NumericDate::deserialize(deserializer)?;
        let secs = date.as_f64().floor();
        if !(-1e15..=1e15).contains(&secs) {
            return Err(de::Error::custom("NumericDate out of DateTime's range"));
        }
        let nanos = ((date.as_f64() - secs) * 1e9).min(999_999_999.0) as u32;
        chrono::DateTime::from_timestamp(secs as i64, nanos)
            .ok_or_else(|| de::Error::custom("NumericDate out of DateTime's range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        let max = NumericDate::from_f64(f64::MAX).unwrap();
        assert_eq!(max + Duration::MAX, max);
        let min = NumericDate::from_f64(f64::MIN).unwrap();
        assert_eq!(min - Duration::MAX, min);
        assert_eq!(max.as_secs(), i64::MAX);
        assert_eq!(min.as_secs(), i64::MIN);
    }

    #[test]
    fn whole_values_serialize_as_integers() {
        let json = |date: NumericDate| serde_json::to_string(&date).unwrap();
        assert_eq!(json(NumericDate::from_secs(1_300_819_380)), "1300819380");
        assert_eq!(json(NumericDate::from_f64(1.5).unwrap()), "1.5");
        assert_eq!(json(NumericDate::from_secs(-1)), "-1");
        assert_eq!(json(NumericDate::from_f64(1e300).unwrap()), "1e+300");
        // Whole values beyond 2^53 are written as exact integers, and read back unchanged.
        for value in [
            125_170_430_649_949_170.0,
            9.2e18,
            -9.2e18,
            -9_223_372_036_854_775_808.0,
        ] {
            let date = NumericDate::from_f64(value).unwrap();
            let text = json(date);
            assert!(!text.contains(['e', '.']), "{text}");
            let back: NumericDate = serde_json::from_str(&text).unwrap();
            assert_eq!(back.as_f64().to_bits(), value.to_bits(), "{text}");
        }
        assert_eq!(
            json(NumericDate::from_f64(9_223_372_036_854_775_808.0).unwrap()),
            "9.223372036854776e+18"
        );
    }

    #[test]
    fn deserializes_any_finite_number_and_nothing_else() {
        let parse = |text: &str| serde_json::from_str::<NumericDate>(text).map(NumericDate::as_f64);
        assert_eq!(parse("1300819380").unwrap(), 1_300_819_380.0);
        assert_eq!(parse("1.7e9").unwrap(), 1.7e9);
        assert_eq!(parse("-5.25").unwrap(), -5.25);
        assert_eq!(
            parse("18446744073709551616").unwrap(),
            18_446_744_073_709_551_616.0
        );
        for bad in ["\"1\"", "null", "true", "[]", "{}", "1e400", "-1e400"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn integer_time_claims_refuse_fractions() {
        let parse =
            |text: &str| u64::deserialize_claim(&mut serde_json::Deserializer::from_str(text));
        assert_eq!(parse("10").unwrap(), 10);
        assert!(parse("1.5").is_err());
        assert!(parse("-1").is_err());
        assert!(parse("18446744073709551616").is_err());
    }

    #[test]
    fn system_time_round_trips_and_bounds() {
        let date = NumericDate::from_f64(1_700_000_000.25).unwrap();
        let time = date.to_system_time().unwrap();
        assert_eq!(NumericDate::from_system_time(time), date);
        let before = NumericDate::from_secs(-10).to_system_time().unwrap();
        assert_eq!(NumericDate::from_system_time(before).as_secs(), -10);
        assert!(
            NumericDate::from_f64(1e300)
                .unwrap()
                .to_system_time()
                .is_none()
        );
    }
}
