//! Durations (`15m`), UTC dates and relative times ("expires in 4m 12s").

/// Why a duration was refused; the message says what to write instead.
#[derive(Debug, PartialEq, Eq)]
pub enum DurationError {
    Syntax,
    Unit(String),
    Overflow,
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::Syntax => f.write_str(
                "expected a whole number followed by a unit, like \"30s\", \"5m\", \"1h\" or \"7d\"",
            ),
            DurationError::Unit(unit) => write!(
                f,
                "unknown unit `{unit}`; expected one of `s` (seconds), `m` (minutes), `h` (hours), `d` (days)"
            ),
            DurationError::Overflow => f.write_str("duration is too large"),
        }
    }
}

impl std::error::Error for DurationError {}

/// Seconds in a duration like `"5m"`: the rules of the derive's `window = "5m"` and
/// `leeway = "30s"` (a whole number and one of `s`, `m`, `h`, `d`; at most 2^53 seconds), so
/// that a duration means the same on the command line as in a claims declaration.
pub fn parse_secs(text: &str) -> Result<u64, DurationError> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err(DurationError::Syntax);
    }
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "" => return Err(DurationError::Syntax),
        other => return Err(DurationError::Unit(other.to_owned())),
    };
    let count: u64 = digits.parse().map_err(|_| DurationError::Overflow)?;
    let secs = count.checked_mul(scale).ok_or(DurationError::Overflow)?;
    // Keep every duration exactly representable as an f64 number of seconds.
    if secs > 1 << 53 {
        return Err(DurationError::Overflow);
    }
    Ok(secs)
}

/// The clap value parser for duration options.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, DurationError> {
    parse_secs(text).map(std::time::Duration::from_secs)
}

/// Seconds since the epoch of 9999-12-31T23:59:59Z, the last instant shown as a date.
const MAX_SHOWN: f64 = 253_402_300_799.0;
/// ... and of 0000-01-01T00:00:00Z, the first.
const MIN_SHOWN: f64 = -62_167_219_200.0;

/// `2023-11-14 22:13:20 UTC` (fractions as milliseconds), or a note for dates outside years
/// 0 to 9999.
pub fn utc(secs: f64) -> String {
    if !(MIN_SHOWN..=MAX_SHOWN).contains(&secs) {
        return "a date outside years 0 to 9999".to_owned();
    }
    let whole = secs.floor();
    // In range, the cast is exact.
    let whole_secs = whole as i64;
    let millis = ((secs - whole) * 1000.0).floor() as u32;
    let days = whole_secs.div_euclid(86_400);
    let of_day = whole_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let time = format!(
        "{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    );
    if millis == 0 {
        format!("{year:04}-{month:02}-{day:02} {time} UTC")
    } else {
        format!("{year:04}-{month:02}-{day:02} {time}.{millis:03} UTC")
    }
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A span of seconds in its two largest units: `4m 12s`, `3h`, `2d 5h`, `0s`.
/// Years are 365 days; the span is truncated to whole seconds.
pub fn span(secs: f64) -> String {
    // `as` saturates: a span beyond u64 seconds shows as the largest one.
    let total = secs.abs() as u64;
    let units = [
        (365 * 86_400, "y"),
        (86_400, "d"),
        (3_600, "h"),
        (60, "m"),
        (1, "s"),
    ];
    let mut rest = total;
    let mut parts = Vec::new();
    for (size, name) in units {
        let count = rest / size;
        rest %= size;
        if count > 0 || !parts.is_empty() {
            parts.push((count, name));
        }
        if parts.len() == 2 {
            break;
        }
    }
    match parts.as_slice() {
        [] => "0s".to_owned(),
        [(count, name)] | [(count, name), (0, _)] => format!("{count}{name}"),
        [(first, first_name), (second, second_name), ..] => {
            format!("{first}{first_name} {second}{second_name}")
        }
    }
}

/// What a time claim means at `now`, in the library's own terms: `exp` passes while
/// `now < exp`, `nbf` once `now >= nbf`, `iat` must not be in the future (leeway zero).
pub fn relative(claim: &str, at: f64, now: f64) -> String {
    let delta = at - now;
    match claim {
        "exp" if delta > 0.0 => format!("expires in {}", span(delta)),
        "exp" => format!("expired {} ago", span(delta)),
        "nbf" if delta > 0.0 => format!("not valid for another {}", span(delta)),
        "nbf" => format!("valid since {} ago", span(delta)),
        _ if delta > 0.0 => format!("{} in the future", span(delta)),
        _ => format!("{} ago", span(delta)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_secs("0s"), Ok(0));
        assert_eq!(parse_secs("30s"), Ok(30));
        assert_eq!(parse_secs("5m"), Ok(300));
        assert_eq!(parse_secs("2h"), Ok(7_200));
        assert_eq!(parse_secs("7d"), Ok(604_800));
    }

    #[test]
    fn refuses_the_rest() {
        assert_eq!(parse_secs(""), Err(DurationError::Syntax));
        assert_eq!(parse_secs("5"), Err(DurationError::Syntax));
        assert_eq!(parse_secs("m"), Err(DurationError::Syntax));
        assert_eq!(parse_secs("-5m"), Err(DurationError::Syntax));
        assert_eq!(parse_secs(" 5m"), Err(DurationError::Syntax));
        assert_eq!(parse_secs("5x"), Err(DurationError::Unit("x".into())));
        assert_eq!(parse_secs("5min"), Err(DurationError::Unit("min".into())));
        assert_eq!(
            parse_secs("99999999999999999999s"),
            Err(DurationError::Overflow)
        );
        assert_eq!(
            parse_secs("999999999999999999d"),
            Err(DurationError::Overflow)
        );
    }

    #[test]
    fn formats_utc() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000.0), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(1_700_000_000.25), "2023-11-14 22:13:20.250 UTC");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(-1.0), "1969-12-31 23:59:59 UTC");
        assert_eq!(utc(MAX_SHOWN), "9999-12-31 23:59:59 UTC");
        assert_eq!(utc(MIN_SHOWN), "0000-01-01 00:00:00 UTC");
        assert_eq!(utc(1e300), "a date outside years 0 to 9999");
        assert_eq!(utc(f64::NAN), "a date outside years 0 to 9999");
    }

    #[test]
    fn formats_spans() {
        assert_eq!(span(0.0), "0s");
        assert_eq!(span(0.9), "0s");
        assert_eq!(span(252.0), "4m 12s");
        assert_eq!(span(-10_800.0), "3h");
        assert_eq!(span(10_805.0), "3h");
        assert_eq!(span(90_061.0), "1d 1h");
        assert_eq!(span(400.0 * 86_400.0), "1y 35d");
        assert_eq!(span(1e300), "584942417355y 26d");
        assert_eq!(relative("exp", 1_252.0, 1_000.0), "expires in 4m 12s");
        assert_eq!(relative("exp", 1_000.0, 11_800.0), "expired 3h ago");
        assert_eq!(relative("exp", 1_000.0, 1_000.0), "expired 0s ago");
        assert_eq!(
            relative("nbf", 1_060.0, 1_000.0),
            "not valid for another 1m"
        );
        assert_eq!(relative("nbf", 1_000.0, 1_000.0), "valid since 0s ago");
        assert_eq!(relative("iat", 1_000.0, 1_030.0), "30s ago");
        assert_eq!(relative("iat", 1_030.0, 1_000.0), "30s in the future");
    }
}
