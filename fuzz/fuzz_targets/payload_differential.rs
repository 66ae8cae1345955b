//! The generated payload decoder against the serde path, the reference, on arbitrary payload
//! bytes: when the generated decoder accepts a payload, the reference accepts it with the
//! same claims and the same registered claims kept without a field; when it leaves a payload
//! to the reference, the reference refuses it (a valid payload always takes the fast path),
//! except for numbers within rounding of f64's limit, which only the reference decides.
#![no_main]

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Debug;
use std::time::SystemTime;

use jwt_runtime::__private::{decode_payload_reference, decode_payload_scanned};
use jwt_runtime::{Audience, Claims, DecodeClaims, NumericDate};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};

#[derive(Claims, Debug)]
struct Borrowed<'a> {
    sub: &'a str,
    iss: Cow<'a, str>,
    name: Option<Cow<'a, str>>,
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
    aud: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Debug)]
struct Profile {
    x: u8,
    name: String,
}

#[derive(Serialize, Deserialize, Debug)]
enum Role {
    Admin,
    Named(String),
    Pair(u8, u8),
    Struct { x: u8 },
}

#[derive(Claims, Debug)]
struct Custom {
    profile: Option<Profile>,
    role: Option<Role>,
    value: Option<serde_json::Value>,
    map: Option<HashMap<String, u64>>,
    ratio: Option<f64>,
    list: Option<Vec<Option<i64>>>,
    pair: Option<(u8, String)>,
    flag: Option<bool>,
    letter: Option<char>,
    aud: Option<Audience>,
}

#[derive(Claims, Debug)]
struct Times {
    exp: Option<SystemTime>,
    nbf: Option<time::OffsetDateTime>,
    iat: Option<chrono::DateTime<chrono::Utc>>,
    sub: Option<Box<str>>,
}

#[derive(Claims, Debug)]
struct Hidden {
    data: Option<String>,
}

fn agree<'de, C: DecodeClaims<'de> + Debug>(json: &'de [u8]) {
    let reference = decode_payload_reference::<C>(json);
    match (&reference, decode_payload_scanned::<C>(json)) {
        (Ok(expected), Some(got)) => {
            assert_eq!(format!("{expected:?}"), format!("{got:?}"));
        }
        (Err(error), Some(got)) => {
            panic!("accepted what the reference refuses ({error:?}): {got:?}")
        }
        (Ok(expected), None) => {
            // Only near f64's limit may a valid payload be left to the reference.
            assert!(
                has_huge_number(json),
                "left a valid payload to the reference: {expected:?}"
            );
        }
        (Err(_), None) => {}
    }
}

/// Does `json` hold a run of number characters whose value is beyond 1e308?
fn has_huge_number(json: &[u8]) -> bool {
    json.split(|byte| !matches!(byte, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
        .filter_map(|run| core::str::from_utf8(run).ok()?.parse::<f64>().ok())
        .any(|value| value.abs() > 1e308)
}

fuzz_target!(|json: &[u8]| {
    agree::<Borrowed<'_>>(json);
    agree::<Optional>(json);
    agree::<Custom>(json);
    agree::<Times>(json);
    agree::<Hidden>(json);
});
