//! Differential test of the generated payload decoder: on every single-byte mutation (each
//! byte replaced by every other value, deleted, or doubled) of a set of payloads, and for
//! claims types of several shapes, the generated decoder reading the bytes directly agrees
//! with the serde path, the reference: when it accepts a payload, the reference accepts it
//! too, with the same claims and the same registered claims kept without a field. Where it
//! is unsure it leaves the payload to the reference, whose error the decoder then reports.
//! It must be unsure of no payload the reference accepts (the fast path is the whole path
//! for valid tokens).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::time::SystemTime;

use jwt_runtime::__private::{decode_payload_reference, decode_payload_scanned};
use jwt_runtime::{Audience, Claims, DecodeClaims, Error, NumericDate};
use serde::{Deserialize, Serialize};

#[derive(Claims, Debug)]
struct Borrowed<'a> {
    sub: &'a str,
    iss: Cow<'a, str>,
    name: Cow<'a, str>,
    tag: &'a str,
    exp: NumericDate,
    aud: Option<String>,
}

#[derive(Claims, Debug)]
struct Optional {
    sub: Option<String>,
    exp: Option<NumericDate>,
    nbf: Option<u64>,
    iat: Option<i64>,
    level: Option<u32>,
    roles: Option<Vec<String>>,
    note: Option<Option<bool>>,
    aud: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Profile {
    x: u8,
    name: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Role {
    Admin,
    Named(String),
    Pair(u8, u8),
    Struct { x: u8 },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Id(String);

#[derive(Claims, Debug)]
struct Custom {
    profile: Option<Profile>,
    role: Option<Role>,
    value: Option<serde_json::Value>,
    map: Option<HashMap<String, u64>>,
    sorted: Option<BTreeMap<String, i64>>,
    ratio: Option<f64>,
    small: Option<f32>,
    list: Option<Vec<Option<i64>>>,
    pair: Option<(u8, String)>,
    id: Option<Id>,
    flag: Option<bool>,
    letter: Option<char>,
    wide: Option<i128>,
    tiny: Option<i8>,
    unit: Option<()>,
    aud: Option<Audience>,
}

#[derive(Claims, Debug)]
struct Times {
    exp: SystemTime,
    nbf: Option<time::OffsetDateTime>,
    iat: Option<chrono::DateTime<chrono::Utc>>,
    sub: Option<Box<str>>,
    aud: Option<String>,
}

#[derive(Claims, Debug)]
struct Whole {
    exp: u64,
    nbf: Option<i64>,
    iat: Option<NumericDate>,
    jti: std::sync::Arc<str>,
}

/// No registered claim has a field: all are kept by the decode state.
#[derive(Claims, Debug)]
struct Hidden {
    data: Option<String>,
}

#[derive(Claims, Debug)]
struct Typical {
    sub: String,
    name: String,
    admin: bool,
    iss: String,
    aud: String,
    iat: NumericDate,
    exp: NumericDate,
    nbf: NumericDate,
    jti: String,
    roles: Vec<String>,
}

const PAYLOADS: &[&str] = &[
    r#"{"sub":"user-1","name":"Ada","admin":true,"iss":"https://auth.example.com","aud":"api","iat":1700000000,"exp":1700003600,"nbf":1700000000,"jti":"0b4bd4a6","roles":["a","b"]}"#,
    r#"{"sub":"u\u00e9\"x","iss":"i","name":"n\n","tag":"t","exp":1700000000.25,"aud":"api","x":{"y":[1,-2.5e3,null,true]}}"#,
    r#" { "exp" : 17e8 , "nbf":0,"iat":-1,"level":7,"roles":[],"note":null,"aud":["a","\ud83d\ude00"],"sub":null } "#,
    r#"{"profile":{"x":1,"name":"p"},"role":{"Named":"r"},"value":[1,"a",{"k":1}],"map":{"a":1},"exp":1}"#,
    r#"{"role":"Admin","sorted":{"b":-1},"ratio":0.1,"small":1.5,"list":[1,null,-3],"pair":[1,"x"],"id":"i"}"#,
    r#"{"role":{"Pair":[1,2]},"flag":false,"letter":"c","wide":-170141183460469231731687303715884105728,"tiny":-128,"unit":null}"#,
    r#"{"exp":1700000000,"nbf":1699999999.5,"iat":1.7e9,"sub":"s","aud":"api","jti":"j"}"#,
    r#"{"data":"d","exp":1,"nbf":2,"iat":3,"iss":"i","sub":"s","aud":["a","b"],"jti":"j","extra":{"a":{"b":[{}]}}}"#,
    r#"{"\u0065xp":5,"role":{"Struct":{"x":3}},"aud":"one","value":{"a":[],"b":{}},"n":18446744073709551616}"#,
];

/// Decodes `json` both ways; `Err` describes a disagreement.
fn agree<'de, C: DecodeClaims<'de> + Debug>(json: &'de [u8]) -> Result<bool, String> {
    let reference = decode_payload_reference::<C>(json);
    let scanned = decode_payload_scanned::<C>(json);
    match (&reference, &scanned) {
        (Ok(expected), Some(got)) => {
            let (expected, got) = (format!("{expected:?}"), format!("{got:?}"));
            if expected == got {
                Ok(true)
            } else {
                Err(format!("different values: {expected} vs {got}"))
            }
        }
        (Err(error), Some(got)) => Err(format!(
            "accepted what the reference refuses ({error:?}): {got:?}"
        )),
        (Ok(expected), None) => Err(format!(
            "left a valid payload to the reference: {expected:?}"
        )),
        (Err(_), None) => Ok(false),
    }
}

fn check_all(json: &[u8]) -> Result<usize, String> {
    let results = [
        agree::<Borrowed<'_>>(json),
        agree::<Optional>(json),
        agree::<Custom>(json),
        agree::<Times>(json),
        agree::<Whole>(json),
        agree::<Hidden>(json),
        agree::<Typical>(json),
    ];
    let mut accepted = 0;
    for result in results {
        accepted += usize::from(result?);
    }
    Ok(accepted)
}

#[test]
fn members_expected_in_declaration_order_decode_as_in_any_other_order() {
    // The generated loop expects each member to be the one declared after the previous:
    // the declared order, the members shuffled, an expected name written another way or
    // with whitespace, and a duplicate arriving where a member is expected all decode as
    // the reference decodes them.
    let rest = r#""admin":true,"iss":"i","aud":"a","iat":1,"exp":2,"nbf":0,"jti":"j","roles":[]"#;
    let accepted = [
        format!(r#"{{"sub":"s","name":"n",{rest}}}"#),
        format!(r#"{{"name":"n","sub":"s",{rest}}}"#),
        format!(r#"{{{rest},"name":"n","sub":"s"}}"#),
        format!(r#"{{ "sub":"s" ,"name" :"n",{rest}}}"#),
        format!(r#"{{"\u0073ub":"s","n\u0061me":"n",{rest}}}"#),
        format!(r#"{{"sub":"s","x":{{"name":1}},"name":"n",{rest}}}"#),
    ];
    for payload in &accepted {
        // Both paths agree for every type, and the typical one reads it without the reference.
        assert!(check_all(payload.as_bytes()).is_ok(), "{payload}");
        assert!(
            decode_payload_scanned::<Typical>(payload.as_bytes()).is_some(),
            "{payload}"
        );
    }
    let duplicated = [
        // `name` again where `sub` is expected, and where `admin` is.
        format!(r#"{{"name":"n","sub":"s","name":"m",{rest}}}"#),
        format!(r#"{{"sub":"s","name":"n","name":"m",{rest}}}"#),
        format!(r#"{{"sub":"s","name":"n",{rest},"sub":"t"}}"#),
        format!(r#"{{"sub":"s","name":"n",{rest},"\u0073ub":"t"}}"#),
    ];
    for payload in &duplicated {
        assert_eq!(check_all(payload.as_bytes()), Ok(0), "{payload}");
        assert!(
            matches!(
                decode_payload_reference::<Typical>(payload.as_bytes()),
                Err(Error::DuplicateMember { .. })
            ),
            "{payload}"
        );
    }
}

#[test]
fn the_generated_decoder_agrees_with_serde_on_every_single_byte_mutation() {
    let mut cases = 0;
    let mut accepted = 0;
    for payload in PAYLOADS {
        let original = payload.as_bytes();
        accepted += check_all(original).unwrap_or_else(|why| panic!("{payload}: {why}"));
        for at in 0..original.len() {
            let mut mutants: Vec<Vec<u8>> = (0..=255_u8)
                .filter(|&byte| byte != original[at])
                .map(|byte| {
                    let mut mutant = original.to_vec();
                    mutant[at] = byte;
                    mutant
                })
                .collect();
            let mut deleted = original.to_vec();
            deleted.remove(at);
            mutants.push(deleted);
            let mut doubled = original.to_vec();
            doubled.insert(at, original[at]);
            mutants.push(doubled);
            for mutant in &mutants {
                cases += 1;
                accepted += check_all(mutant)
                    .unwrap_or_else(|why| panic!("{}: {why}", String::from_utf8_lossy(mutant)));
            }
        }
    }
    // The mutations reach both sides: many payloads are accepted, most are refused.
    eprintln!("cases {cases} accepted {accepted}");
    assert!(cases > 100_000, "{cases}");
    assert!(accepted > 5_000, "{accepted} of {cases}");
}

#[test]
fn deep_nesting_and_number_limits_agree() {
    for depth in [125, 126, 127, 128, 200] {
        let array = format!(r#"{{"x":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));
        let object = format!(
            r#"{{"x":{}1{}}}"#,
            r#"{"a":"#.repeat(depth),
            "}".repeat(depth)
        );
        let value = format!(r#"{{"value":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));
        for json in [array, object, value] {
            check_all(json.as_bytes()).unwrap_or_else(|why| panic!("{depth}: {why}"));
        }
    }
    for number in [
        "1e308",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "1e309",
        "-1e400",
        "1e-400",
        "123456789012345678901234567890",
        "0.000001e-320",
        "-0",
        "-0.0",
        "9007199254740993",
    ] {
        for json in [
            format!(r#"{{"x":{number}}}"#),
            format!(r#"{{"exp":{number}}}"#),
            format!(r#"{{"ratio":{number},"exp":1}}"#),
        ] {
            let _ = check_all(json.as_bytes());
            // Near f64's limit the decoder may leave the payload to the reference; it must
            // never accept a different value.
            for result in [
                agree::<Hidden>(json.as_bytes()),
                agree::<Custom>(json.as_bytes()),
                agree::<Whole>(json.as_bytes()),
            ] {
                if let Err(why) = result {
                    assert!(why.starts_with("left a valid"), "{json}: {why}");
                }
            }
        }
    }
}

#[derive(Claims, Debug)]
struct Dates {
    exp: NumericDate,
    nbf: Option<SystemTime>,
}

/// The bits of `exp` as the decoder reads `text`.
fn decoded_exp(text: &str) -> u64 {
    let json = format!(r#"{{"exp":{text}}}"#);
    let (dates, _) = decode_payload_scanned::<Dates>(json.as_bytes())
        .unwrap_or_else(|| panic!("{text} left to the reference"));
    dates.exp.as_f64().to_bits()
}

#[test]
#[allow(
    clippy::excessive_precision,
    reason = "the literals are the texts, rounded by the compiler's exact parser"
)]
fn numeric_dates_are_read_exactly_without_serde_json_float_roundtrip() {
    // Values whose decimal text a fast, inexact float parser rounds to a neighbour.
    for (text, expected) in [
        ("1.2517043064994917e17", 125_170_430_649_949_170.0_f64),
        ("125170430649949170", 125_170_430_649_949_170.0),
        ("9007199254740993", 9_007_199_254_740_992.0), // 2^53 + 1: ties to even
        ("9007199254740995", 9_007_199_254_740_996.0),
        ("1700000000.123456789", 1_700_000_000.123_456_789),
        ("0.30000000000000004", 0.300_000_000_000_000_04),
        ("1e308", 1e308),
        ("-1e308", -1e308),
        ("2.2250738585072011e-308", 2.225_073_858_507_201_1e-308),
        ("4.9406564584124654e-324", 4.940_656_458_412_465_4e-324),
        ("1e-400", 0.0),
        ("123456789012345678901234567890", 1.234_567_890_123_456_8e29),
        ("17000000000000000000000e-13", 1.7e9),
        ("1700000000.000000000000000000000000000001", 1.7e9),
    ] {
        assert_eq!(decoded_exp(text), expected.to_bits(), "{text}");
    }
    // Every float survives its shortest and its 17-digit text, across the whole range (past
    // 1e308 the serde path decides whether a number is in range at all).
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let value = f64::from_bits(state);
        if !value.is_finite() || value.abs() > 1e308 {
            continue;
        }
        for text in [
            format!("{value:e}"),
            format!("{value:.16e}"),
            format!("{value:?}"),
        ] {
            assert_eq!(decoded_exp(&text), value.to_bits(), "{text}");
        }
    }
}

#[test]
fn a_fractional_date_survives_a_signed_token() {
    use jwt_runtime::{FixedClock, HmacKey, Hs256, Validation};
    let key = HmacKey::<Hs256>::from_bytes(&[7; 32]).unwrap();
    let exp = NumericDate::from_f64(1_700_000_000.123_456_7).unwrap();
    let token = Dates { exp, nbf: None }.encode(&key).unwrap();
    let decoded: Dates = Validation::new()
        .clock(FixedClock(NumericDate::from_secs(1_700_000_000)))
        .decode(&token, &key)
        .unwrap();
    assert_eq!(decoded.exp.as_f64().to_bits(), exp.as_f64().to_bits());
}
