//! Duration literals such as `"30s"`, `"5m"`, `"1h"`, `"7d"`, parsed at compile time.

/// Why a duration literal was refused; the message says what to write instead.
#[derive(Debug, PartialEq, Eq)]
pub enum DurationError {
    Syntax,
    Unit(String),
    /// `"1.5h"`, with the whole-unit equivalent when there is one.
    Fraction(Option<String>),
    /// `"1h30m"`, with its total in one unit.
    Compound(Option<String>),
    Overflow,
}

/// The largest duration accepted, in seconds: every declared duration stays exactly
/// representable as an f64 number of seconds.
pub const MAX_SECS: u64 = 1 << 53;

const UNITS: [(&str, u64); 4] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];

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
            DurationError::Fraction(instead) => {
                f.write_str("fractions are not supported; write a whole number of a smaller unit")?;
                match instead {
                    Some(instead) => write!(f, ", like \"{instead}\""),
                    None => Ok(()),
                }
            }
            DurationError::Compound(instead) => {
                f.write_str("compound durations are not supported; write one number and one unit")?;
                match instead {
                    Some(instead) => write!(f, ", like \"{instead}\""),
                    None => Ok(()),
                }
            }
            DurationError::Overflow => write!(
                f,
                "duration is too large; the limit is {MAX_SECS} seconds (2^53 s, about 285 million years)"
            ),
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
    if let Some(fraction) = unit.strip_prefix('.') {
        return Err(DurationError::Fraction(fraction_instead(digits, fraction)));
    }
    let Some(scale) = scale_of(unit) else {
        if unit.is_empty() {
            return Err(DurationError::Syntax);
        }
        // `1h30m`: a unit followed by more digits.
        let unit_end = unit
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(unit.len());
        if unit_end < unit.len() && scale_of(&unit[..unit_end]).is_some() {
            return Err(DurationError::Compound(compound_instead(text)));
        }
        return Err(DurationError::Unit(unit.to_owned()));
    };
    let count: u64 = digits.parse().map_err(|_| DurationError::Overflow)?;
    let secs = count.checked_mul(scale).ok_or(DurationError::Overflow)?;
    if secs > MAX_SECS {
        return Err(DurationError::Overflow);
    }
    Ok(secs)
}

fn scale_of(unit: &str) -> Option<u64> {
    UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, scale)| *scale)
}

/// `secs` in the largest unit that divides it: 5400 -> "90m".
fn in_one_unit(secs: u64) -> Option<String> {
    if secs == 0 || secs > MAX_SECS {
        return None;
    }
    UNITS
        .iter()
        .find(|(_, scale)| secs.is_multiple_of(*scale))
        .map(|(unit, scale)| format!("{}{unit}", secs / scale))
}

/// `"1.5h"` -> `"90m"`; `None` when the fraction is not a whole number of seconds.
fn fraction_instead(whole: &str, rest: &str) -> Option<String> {
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (fraction, unit) = rest.split_at(digits_end);
    let scale = scale_of(unit)?;
    if fraction.is_empty() || fraction.len() > 9 {
        return None;
    }
    let denominator = 10u64.pow(u32::try_from(fraction.len()).ok()?);
    let numerator = whole
        .parse::<u64>()
        .ok()?
        .checked_mul(denominator)?
        .checked_add(fraction.parse::<u64>().ok()?)?;
    let scaled = numerator.checked_mul(scale)?;
    if !scaled.is_multiple_of(denominator) {
        return None;
    }
    in_one_unit(scaled / denominator)
}

/// `"1h30m"` -> `"90m"`; `None` when a part is not a number and a unit.
fn compound_instead(text: &str) -> Option<String> {
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits_end = rest.find(|c: char| !c.is_ascii_digit())?;
        let unit_end = rest[digits_end..]
            .find(|c: char| c.is_ascii_digit())
            .map_or(rest.len(), |end| digits_end + end);
        let count: u64 = rest[..digits_end].parse().ok()?;
        let scale = scale_of(&rest[digits_end..unit_end])?;
        total = total.checked_add(count.checked_mul(scale)?)?;
        rest = &rest[unit_end..];
    }
    in_one_unit(total)
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

    #[test]
    fn fractions_and_compounds_suggest_one_unit() {
        let fraction = |instead: &str| Err(DurationError::Fraction(Some(instead.into())));
        let compound = |instead: &str| Err(DurationError::Compound(Some(instead.into())));
        assert_eq!(parse_secs("1.5h"), fraction("90m"));
        assert_eq!(parse_secs("0.5m"), fraction("30s"));
        assert_eq!(parse_secs("2.0d"), fraction("2d"));
        assert_eq!(parse_secs("1.25s"), Err(DurationError::Fraction(None)));
        assert_eq!(parse_secs("1.h"), Err(DurationError::Fraction(None)));
        assert_eq!(parse_secs("1h30m"), compound("90m"));
        assert_eq!(parse_secs("1d12h"), compound("36h"));
        assert_eq!(parse_secs("1m60s"), compound("2m"));
        assert_eq!(parse_secs("1h30"), Err(DurationError::Compound(None)));
    }

    #[test]
    fn the_limit_is_inclusive() {
        assert_eq!(parse_secs("9007199254740992s"), Ok(MAX_SECS));
        assert_eq!(
            parse_secs("9007199254740993s"),
            Err(DurationError::Overflow)
        );
        assert!(
            DurationError::Overflow
                .to_string()
                .contains("9007199254740992")
        );
    }
}
