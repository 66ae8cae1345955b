//! Every byte of a header and a payload is checked, not only the bytes a claims struct
//! reads: a value that is not strict JSON by the project's rules (a number beyond f64,
//! nesting past 128 levels, invalid or overlong UTF-8, a lone surrogate escape, a duplicate
//! member) is refused with its own error wherever it sits, including members no field reads
//! and members that a user type skips. A differential test then compares the checker with an
//! independent reference on every single-byte mutation of a set of nested payloads.

use std::collections::HashMap;

use jwt_runtime::{
    Claims, Error, FixedClock, HmacKey, Hs256, Malformed, NumericDate, Segment, Validation,
    base64url,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const NOW: i64 = 1_700_000_000;
const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&[0x5a; 64]).unwrap()
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)))
}

/// `b64(header).b64(payload).b64(HMAC)`, correctly signed: every case reaches the payload.
fn forge(header: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header.as_ref()),
        base64url::encode(payload.as_ref())
    );
    let mac = key().__mac(input.as_bytes());
    format!("{input}.{}", base64url::encode(&mac))
}

/// A nested custom claim read by a serde-derived struct, which skips members it has no
/// field for (serde's `IgnoredAny`: no number range, UTF-8, surrogate or depth check).
#[derive(Deserialize, Serialize, Debug)]
struct Profile {
    name: String,
}

/// A claim type that accepts any value and keeps nothing, as `IgnoredAny` does.
#[derive(Debug)]
struct Anything;

impl<'de> Deserialize<'de> for Anything {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Anything)
    }
}

impl Serialize for Anything {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

/// Enums and newtypes, which the checker follows into their contents.
#[derive(Deserialize, Serialize, Debug)]
enum Shape {
    Circle { r: u32 },
    Boxed(Profile),
    Pair(u32, Profile),
}

#[derive(Deserialize, Serialize, Debug)]
struct Wrapped(Profile);

#[derive(Claims, Debug)]
struct Permissions {
    profile: Option<Profile>,
    perms: Option<HashMap<String, bool>>,
    anything: Option<Anything>,
    value: Option<serde_json::Value>,
    shape: Option<Shape>,
    wrapped: Option<Wrapped>,
}

fn decode(payload: &[u8]) -> Result<Permissions, Error> {
    validation().decode(&forge(HS256, payload), &key())
}

/// The faults, each with the specific error the project gives it.
fn faults() -> Vec<(&'static str, Vec<u8>, Malformed)> {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    vec![
        (
            "number beyond f64",
            b"1e400".to_vec(),
            Malformed::NumberOutOfRange,
        ),
        (
            "negative number beyond f64",
            b"-1e400".to_vec(),
            Malformed::NumberOutOfRange,
        ),
        (
            "nesting past the limit",
            deep.into_bytes(),
            Malformed::TooDeep,
        ),
        (
            "overlong UTF-8",
            b"\"\xc0\xaf\"".to_vec(),
            Malformed::InvalidUnicode,
        ),
        (
            "invalid UTF-8",
            b"\"\xff\"".to_vec(),
            Malformed::InvalidUnicode,
        ),
        (
            "lone leading surrogate",
            br#""\ud800""#.to_vec(),
            Malformed::InvalidUnicode,
        ),
        (
            "lone trailing surrogate",
            br#""\udc00""#.to_vec(),
            Malformed::InvalidUnicode,
        ),
        (
            "leading surrogate, then a non-surrogate",
            br#""\ud800\u0041""#.to_vec(),
            Malformed::InvalidUnicode,
        ),
    ]
}

/// Where a fault can sit: `{}` is replaced by the faulty value.
const PLACES: &[&str] = &[
    // A member no field reads, at the top level and nested.
    r#"{"unknown":{}}"#,
    r#"{"unknown":{"a":[1,{"b":{}}]}}"#,
    // Members a serde-derived struct skips.
    r#"{"profile":{"name":"ada","extra":{}}}"#,
    r#"{"profile":{"extra":{"deeper":[{}]},"name":"ada"}}"#,
    // A type that skips whatever it is given, at the top of its member and nested.
    r#"{"anything":{}}"#,
    r#"{"anything":[0,{"x":{}}]}"#,
    // Inside enum variants and newtypes.
    r#"{"shape":{"Circle":{"r":1,"extra":{}}}}"#,
    r#"{"shape":{"Boxed":{"name":"ada","extra":{}}}}"#,
    r#"{"shape":{"Pair":[1,{"name":"ada","extra":{}}]}}"#,
    r#"{"wrapped":{"name":"ada","extra":{}}}"#,
    // Before a later duplicate: the fault must not end the check early and let it through.
    r#"{"profile":{"name":"ada","extra":{}},"perms":{"admin":false,"admin":true}}"#,
    r#"{"anything":{},"perms":{"admin":false,"admin":true}}"#,
];

#[test]
fn strict_every_payload_byte_is_checked_faults_refused_anywhere() {
    // The baseline: each place with a harmless value is accepted.
    for place in PLACES
        .iter()
        .filter(|place| !place.contains("\"admin\":false,"))
    {
        let payload = place.replace("{}", "0");
        assert!(decode(payload.as_bytes()).is_ok(), "{payload}");
    }
    for (fault, value, reason) in faults() {
        for place in PLACES {
            let (before, after) = place.split_once("{}").unwrap();
            let payload = [before.as_bytes(), &value, after.as_bytes()].concat();
            let error = decode(&payload).unwrap_err();
            assert!(
                matches!(&error, Error::Malformed { segment: Segment::Payload, reason: r } if *r == reason),
                "{fault} in {place}: {error:?}"
            );
        }
    }
}

#[test]
fn strict_every_payload_byte_is_checked_duplicate_after_skipped_member() {
    // The duplicate alone is refused; after a member a struct skips, it still is.
    for payload in [
        r#"{"perms":{"admin":false,"admin":true}}"#,
        r#"{"profile":{"name":"ada","extra":[1,2]},"perms":{"admin":false,"admin":true}}"#,
        r#"{"anything":{"a":1},"perms":{"admin":false,"admin":true}}"#,
        r#"{"profile":{"name":"ada","extra":{"k":1,"k":2}}}"#,
        r#"{"anything":[{"k":1,"k":2}]}"#,
        r#"{"shape":{"Boxed":{"name":"ada","extra":{"k":1,"k":2}}}}"#,
        r#"{"wrapped":{"name":"ada","x":[{"k":1,"k":2}]}}"#,
    ] {
        let error = decode(payload.as_bytes()).unwrap_err();
        assert!(
            matches!(
                &error,
                Error::DuplicateMember {
                    segment: Segment::Payload,
                    ..
                }
            ),
            "{payload}: {error:?}"
        );
    }
}

#[test]
fn strict_every_payload_byte_is_checked_in_claims_read_by_value() {
    // A fault inside a member read by a type that does check it is refused as a fault of
    // that claim (a number beyond f64) or as the fault itself.
    for (fault, value, reason) in faults() {
        let (before, after) = (&br#"{"value":{"x":"#[..], &b"}}"[..]);
        let payload = [before, &value, after].concat();
        let error = decode(&payload).unwrap_err();
        assert!(
            match &error {
                Error::Malformed {
                    segment: Segment::Payload,
                    reason: r,
                } => *r == reason,
                Error::ClaimType { claim, .. } => *claim == "value",
                _ => false,
            },
            "{fault}: {error:?}"
        );
    }
}

#[test]
fn strict_every_header_byte_is_checked() {
    let payload = format!(r#"{{"exp":{}}}"#, NOW + 60);
    #[derive(Claims, Debug)]
    struct Plain {
        exp: NumericDate,
    }
    let decode_with =
        |header: &[u8]| validation().decode::<Plain, _>(&forge(header, &payload), &key());
    assert!(decode_with(br#"{"alg":"HS256","x":{"k":1,"j":2}}"#).is_ok());
    for header in [
        &br#"{"alg":"HS256","x":{"k":1,"k":2}}"#[..],
        br#"{"alg":"HS256","jwk":{"kty":"oct","k\u0074y":"oct"}}"#,
        br#"{"alg":"HS256","crit":[{"a":1,"a":2}]}"#,
        br#"{"alg":"HS256","typ":{"a":1,"a":2}}"#,
        br#"{"alg":"HS256","x":[[{"a":1,"a":2}]]}"#,
    ] {
        let error = decode_with(header).unwrap_err();
        assert!(
            matches!(
                &error,
                Error::DuplicateMember {
                    segment: Segment::Header,
                    ..
                }
            ),
            "{}: {error:?}",
            String::from_utf8_lossy(header)
        );
    }
    for (fault, value, reason) in faults() {
        for place in [
            r#"{"alg":"HS256","x":{}}"#,
            r#"{"alg":"HS256","x":{"y":[{}]}}"#,
        ] {
            let (before, after) = place.split_once("{}").unwrap();
            let header = [before.as_bytes(), &value, after.as_bytes()].concat();
            let error = decode_with(&header).unwrap_err();
            assert!(
                matches!(&error, Error::Malformed { segment: Segment::Header, reason: r } if *r == reason),
                "{fault} in {place}: {error:?}"
            );
        }
    }
}
