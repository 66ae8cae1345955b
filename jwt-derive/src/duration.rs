//! Duration literals such as `"30s"`, `"5m"`, `"1h"`, `"7d"`, parsed at compile time.

/// Why a duration literal was refused; the message says what to write instead.
#[derive(Debug, PartialEq, Eq)]
pub enum DurationError {
    Syntax,
    Unit(String),
    Overflow,
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::Syntax => {
                f.write_str("expected a whole number followed by a unit, like \"30s\", \"5m\", \"1h\" or \"7d\"")
            }
            DurationError::Unit(unit) => write!(
                f,
                "unknown unit `{unit}`; expected one of `s` (seconds), `m` (minutes), `h` (hours), `d` (days)"
            ),
            DurationError::Overflow => f.write_str("duration is too large"),
        }
    }
}

/// Seconds in a literal like `"5m"`.
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
    // Keep every declared duration exactly representable as an f64 number of seconds.
    if secs > 1 << 53 {
        return Err(DurationError::Overflow);
    }
    Ok(secs)
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
        assert_eq!(parse_secs("5 m"), Err(DurationError::Unit(" m".into())));
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
}
