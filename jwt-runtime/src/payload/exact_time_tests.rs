//! Time claims get the same value on both paths, bit for bit, where serde_json reads floats
//! with its default parser: this is the runtime's own unit-test build, whose graph does not
//! enable serde_json's `float_roundtrip` (`cargo test -p jwt-runtime --lib`; a workspace run
//! unifies it on through the root package's dev-dependencies).

use std::fmt::Debug;
use std::time::SystemTime;

use crate::claims::DecodeClaims;
use crate::json::scan::Scanner;
use crate::payload::{DecodeState, decode_scanned, decode_with_serde};
use crate::pipeline::decode_payload;
use crate::{NumericDate, TimeClaim};

#[derive(crate::Claims)]
#[claims(crate = "crate")]
struct Declared {
    exp: NumericDate,
    nbf: Option<NumericDate>,
}

/// Any time claim type, read from the same number.
#[derive(crate::Claims)]
#[claims(crate = "crate")]
struct Typed<T> {
    exp: T,
}

/// No time field: a time claim goes to the decode state's hidden slots.
#[derive(crate::Claims)]
#[claims(crate = "crate")]
struct Undeclared {
    sub: Option<String>,
}

/// A member the scanner leaves to the serde path although the payload is valid: a float
/// past 1e308, where serde_json's rounding decides the range.
const FORCES_SERDE: &str = r#","big":1.5e308"#;

fn bits(date: NumericDate) -> u64 {
    date.as_f64().to_bits()
}

/// The value the scanner reads in `text` alone, when it reads one.
fn scanned_number(text: &str) -> Option<f64> {
    let mut scanner = Scanner::new(text.as_bytes()).ok()?;
    let number = scanner.number().ok()?;
    scanner.end().ok()?;
    number.into_json().as_f64()
}

/// Decodes `text` as `exp` (declared and hidden) and `nbf` on every path, and checks they
/// all agree with the exactly rounded value of the text.
fn check(text: &str) {
    let exact: f64 = text.parse().unwrap();
    let exact = exact.to_bits();

    let plain = format!(r#"{{"exp":{text},"nbf":{text}}}"#);
    let bailing = format!(r#"{{"exp":{text},"nbf":{text}{FORCES_SERDE}}}"#);
    let escaped_name = format!(r#"{{"\u0065xp":{text}{FORCES_SERDE}}}"#);

    // The scanner: exact whenever it decides.
    if scanned_number(text).is_some() {
        let (claims, _) = decode_scanned::<Declared>(plain.as_bytes()).expect(text);
        assert_eq!(bits(claims.exp), exact, "scanner: {text}");
    }
    assert!(
        decode_scanned::<Declared>(bailing.as_bytes()).is_none(),
        "{bailing}"
    );

    // The serde path, alone and as the pipeline's fallback.
    for json in [&plain, &bailing, &escaped_name] {
        let mut state = DecodeState::default();
        let claims = decode_with_serde::<Declared>(json.as_bytes(), &mut state).expect(json);
        assert_eq!(bits(claims.exp), exact, "serde path: {json}");
        let (claims, _) = decode_payload::<Declared>(json.as_bytes()).expect(json);
        assert_eq!(bits(claims.exp), exact, "pipeline: {json}");
    }
    let mut state = DecodeState::default();
    let claims = decode_with_serde::<Declared>(bailing.as_bytes(), &mut state).expect(text);
    assert_eq!(claims.nbf.map(bits), Some(exact), "nbf: {text}");

    check_type::<SystemTime>(text, exact);
    #[cfg(feature = "time")]
    check_type::<time::OffsetDateTime>(text, exact);
    #[cfg(feature = "chrono")]
    check_type::<chrono::DateTime<chrono::Utc>>(text, exact);

    // A time claim without a field, kept in the state for validation.
    let mut state = DecodeState::default();
    decode_with_serde::<Undeclared>(bailing.as_bytes(), &mut state).expect(text);
    assert_eq!(state.hidden.exp.map(bits), Some(exact), "hidden: {text}");
    if let Some((_, state)) = decode_scanned::<Undeclared>(plain.as_bytes()) {
        assert_eq!(
            state.hidden.exp.map(bits),
            Some(exact),
            "hidden, scanned: {text}"
        );
    }
}

/// Any time claim type: the type's own conversion of the exact number, on both paths.
fn check_type<T>(text: &str, exact: u64)
where
    T: TimeClaim + PartialEq + Debug,
    for<'de> Typed<T>: DecodeClaims<'de>,
{
    let number = serde_json::Number::from_f64(f64::from_bits(exact)).unwrap();
    let expected = T::deserialize_claim(number).ok();
    let plain = format!(r#"{{"exp":{text}}}"#);
    let bailing = format!(r#"{{"exp":{text}{FORCES_SERDE}}}"#);
    let mut state = DecodeState::default();
    let decoded = decode_with_serde::<Typed<T>>(bailing.as_bytes(), &mut state);
    assert_eq!(decoded.ok().map(|claims| claims.exp), expected, "{text}");
    if let Some((claims, _)) = decode_scanned::<Typed<T>>(plain.as_bytes()) {
        assert_eq!(Some(claims.exp), expected, "scanned: {text}");
    }
}

#[test]
fn hard_time_values_are_read_exactly_on_both_paths() {
    for text in [
        "1700000000.12345678901234567890",
        "1700000000.1234567890123456789012345678901234567890",
        "1700000000.000000000000000000000000000000000000000001",
        // Halfway between two f64s: ties to even, and just off the tie both ways.
        "9007199254740993.0",
        "9007199254740993.00000000000000000001",
        "9007199254740992.99999999999999999999",
        "1700000000.0000001192092895507812500",
        "1700000000.00000011920928955078125000000000001",
        "123456789012345678901234567890",
        "-123456789012345678901234567890.5",
        "18446744073709551616",
        "1.7976931348623157e308",
        "1.3e308",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "4.9e-324",
        "2.4703282292062327e-324",
        "-0",
        "-0.0",
        "0e999999999999999999999",
        "1e-999999999999999999999",
        "-1e-400",
        "1E2",
        "1.7e+9",
        "17000000001234567e-7",
        "0.00000000000000000000000000000000001700000000123456789e44",
    ] {
        check(text);
    }
}

/// splitmix64: a deterministic stream, no clock and no seed from outside.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> usize {
        usize::try_from(self.next() % bound).unwrap()
    }

    fn digits(&mut self, out: &mut String, count: usize) {
        for _ in 0..count {
            out.push(char::from(b'0' + u8::try_from(self.next() % 10).unwrap()));
        }
    }
}

/// A decimal number of 1 to 40 significant digits, most of them near today's times.
fn random_number(random: &mut Random) -> String {
    let mut text = String::new();
    if random.below(8) == 0 {
        text.push('-');
    }
    match random.below(4) {
        // A timestamp with a long fraction.
        0 | 1 => {
            text.push_str("17");
            random.digits(&mut text, 8);
            text.push('.');
            let fraction = 1 + random.below(30);
            random.digits(&mut text, fraction);
        }
        // Any shape: digits, a fraction, an exponent.
        _ => {
            text.push(char::from(b'1' + u8::try_from(random.below(9)).unwrap()));
            let whole = random.below(25);
            random.digits(&mut text, whole);
            if random.below(2) == 0 {
                text.push('.');
                let fraction = 1 + random.below(25);
                random.digits(&mut text, fraction);
            }
            if random.below(3) == 0 {
                text.push(if random.below(2) == 0 { 'e' } else { 'E' });
                let exponent = random.below(60);
                if random.below(2) == 0 {
                    text.push('-');
                }
                text.push_str(&exponent.to_string());
            }
        }
    }
    text
}

#[test]
fn random_time_values_are_read_exactly_on_both_paths() {
    let mut random = Random(0x6a77_745f_7469_6d65);
    for _ in 0..20_000 {
        check(&random_number(&mut random));
    }
}
