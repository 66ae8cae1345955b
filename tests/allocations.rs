//! Heap allocations per operation, counted by a global allocator: a deterministic test, no
//! timing. Each count is taken on the test's own thread only (the allocator keeps per-thread
//! counters), so tests running in parallel do not disturb each other.
//!
//! - Decoding the typical token allocates only the owned fields of the claims struct.
//! - Claims that borrow from the payload (`&str`, `Cow<str>`) allocate at most once: the
//!   payload buffer, and not even that when the caller's buffer already has room.
//! - Encoding allocates exactly once (the token), and not at all into a caller's `String`
//!   that has room.

use std::borrow::Cow;

use jwt_runtime::{Claims, FixedClock, HmacKey, Hs256, Hs512, NumericDate, Validation, dangerous};

/// The number of allocations (reallocations included) `f` makes on this thread, and its
/// result. `allocation-counter` installs the counting global allocator.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(f()));
    (usize::try_from(info.count_total).unwrap(), result.unwrap())
}

const NOW: i64 = 1_700_000_000;
const SECRET: &[u8; 32] = b"allocation-test-secret-32-bytes!";

/// The typical token of the benchmarks: 9 claims, 199 bytes of JSON, 347 characters.
#[derive(Claims, Debug, PartialEq)]
#[claims(iss = "https://auth.example.com", aud = "api")]
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
}

/// The same token read into borrowed fields; `aud` and `jti` have no field here, so they
/// are validated from the runtime's hidden slots (which borrow too).
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "api")]
struct Borrowed<'a> {
    sub: &'a str,
    name: Cow<'a, str>,
    admin: bool,
    iss: &'a str,
    iat: NumericDate,
    exp: NumericDate,
    nbf: NumericDate,
}

fn typical() -> Typical {
    Typical {
        sub: "user-12345678".into(),
        name: "Ada Lovelace".into(),
        admin: true,
        iss: "https://auth.example.com".into(),
        aud: "api".into(),
        iat: NumericDate::from_secs(NOW),
        exp: NumericDate::from_secs(NOW + 3600),
        nbf: NumericDate::from_secs(NOW),
        jti: "0b4bd4a6-5f7c-4c45-9a8e-0d3e1b5f2a77".into(),
    }
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW + 60)))
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(SECRET).unwrap()
}

#[test]
fn the_typical_token_is_the_benchmarks_one() {
    let token = typical().encode(&key()).unwrap();
    assert_eq!(token.len(), 347);
    let payload = token.split('.').nth(1).unwrap();
    assert_eq!(
        jwt_runtime::base64url::decode(payload.as_bytes())
            .unwrap()
            .len(),
        199
    );
}

#[test]
fn decoding_allocates_only_the_owned_fields() {
    let (key, validation) = (key(), validation());
    let token = typical().encode(&key).unwrap();
    let decode =
        || dangerous::decode_without_replay_check::<Typical, _, _>(&validation, &token, &key);
    decode().unwrap();
    let (count, decoded) = allocations(decode);
    assert_eq!(decoded.unwrap(), typical());
    // sub, name, iss, aud, jti: one `String` each, and nothing else.
    assert_eq!(count, 5, "allocations to decode the typical token");
}

#[test]
fn decoding_hs512_and_a_key_set_allocates_only_the_owned_fields() {
    #[derive(Claims, Debug, PartialEq)]
    #[claims(alg = "HS512", iss = "https://auth.example.com")]
    struct Session {
        sub: String,
        exp: NumericDate,
    }
    let key = HmacKey::<Hs512>::from_bytes(&[7; 64])
        .unwrap()
        .with_kid("2026-11")
        .unwrap();
    let keys = jwt_runtime::KeySet::new(key).unwrap();
    let session = Session {
        sub: "user-1".into(),
        exp: NumericDate::from_secs(NOW + 3600),
    };
    let token = session.encode(&keys).unwrap();
    validation().decode::<Session, _>(&token, &keys).unwrap();
    let (count, decoded) = allocations(|| validation().decode::<Session, _>(&token, &keys));
    assert_eq!(decoded.unwrap(), session);
    assert_eq!(count, 1, "allocations to decode a one-string session");
}

#[test]
fn rejecting_a_forged_token_allocates_nothing() {
    let validation = validation();
    let forged = typical()
        .encode(&HmacKey::<Hs256>::from_bytes(&[1; 32]).unwrap())
        .unwrap();
    let key = key();
    let decode =
        || dangerous::decode_without_replay_check::<Typical, _, _>(&validation, &forged, &key);
    assert!(matches!(decode(), Err(jwt_runtime::Error::Signature)));
    let (count, _) = allocations(decode);
    assert_eq!(count, 0, "allocations to reject a forged token");
}

#[test]
fn borrowed_claims_allocate_at_most_once() {
    let (key, validation) = (key(), validation());
    let token = typical().encode(&key).unwrap();

    // A fresh buffer: the payload is its one allocation.
    let mut buffer = Vec::new();
    let (count, decoded) = allocations(|| {
        validation
            .decode_borrowed::<Borrowed<'_>, _>(&token, &key, &mut buffer)
            .map(|claims| (claims.sub.len(), matches!(claims.name, Cow::Borrowed(_))))
    });
    assert_eq!(decoded.unwrap(), ("user-12345678".len(), true));
    assert_eq!(
        count, 1,
        "allocations to decode borrowed claims into a fresh buffer"
    );

    // The same buffer again: it has room, so nothing at all.
    let (count, decoded) = allocations(|| {
        validation
            .decode_borrowed::<Borrowed<'_>, _>(&token, &key, &mut buffer)
            .map(|claims| claims.iss.len())
    });
    assert_eq!(decoded.unwrap(), "https://auth.example.com".len());
    assert_eq!(
        count, 0,
        "allocations to decode borrowed claims into a reused buffer"
    );
}

#[test]
fn encoding_allocates_exactly_the_token() {
    let (key, claims) = (key(), typical());
    let (count, token) = allocations(|| claims.encode(&key));
    assert_eq!(token.unwrap().len(), 347);
    assert_eq!(count, 1, "allocations to encode the typical token");

    let key = key.with_kid("2026-11").unwrap();
    let (count, token) = allocations(|| claims.encode(&key));
    assert!(token.unwrap().len() > 347);
    assert_eq!(count, 1, "allocations to encode with a kid");
}

#[test]
fn encoding_into_a_buffer_with_room_allocates_nothing() {
    let (key, claims) = (key(), typical());
    let expected = claims.encode(&key).unwrap();
    let mut out = String::with_capacity(1024);
    out.push_str("Bearer ");
    let (count, result) = allocations(|| claims.encode_into(&key, &mut out));
    result.unwrap();
    assert_eq!(count, 0, "allocations to encode into a buffer with room");
    assert_eq!(out, format!("Bearer {expected}"));

    // Reused: cleared by the caller, filled again without allocating.
    out.clear();
    let (count, result) = allocations(|| claims.encode_into(&key, &mut out));
    result.unwrap();
    assert_eq!((count, out.as_str()), (0, expected.as_str()));
}

#[test]
fn a_large_payload_still_encodes_and_decodes() {
    #[derive(Claims, Debug, PartialEq)]
    struct Large {
        sub: String,
        roles: Vec<String>,
        exp: NumericDate,
    }
    let key = key();
    let large = Large {
        sub: "user-1".into(),
        roles: (0..200)
            .map(|i| format!("role:service-{i:04}-reader-writer-admin"))
            .collect(),
        exp: NumericDate::from_secs(NOW + 3600),
    };
    let token = large.encode(&key).unwrap();
    let mut out = String::new();
    large.encode_into(&key, &mut out).unwrap();
    assert_eq!(out, token);
    assert_eq!(
        validation().decode::<Large, _>(&token, &key).unwrap(),
        large
    );
}
