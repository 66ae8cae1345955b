//! Property tests (proptest): encode -> decode round-trips arbitrary claim values; any single
//! byte changed, inserted or deleted in a valid token is rejected; decoding arbitrary bytes
//! never panics; base64url is canonical.
//!
//! Case counts are set so that the whole file runs in a few seconds in a debug build.
//! A failure prints the minimal input; `PROPTEST_CASES` raises the counts for a longer run.

use jwt_runtime::{
    Audience, Claims, Error, FixedClock, HmacKey, Hs256, Hs512, NumericDate, Validation, base64url,
    dangerous,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

const NOW: i64 = 1_700_000_000;

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&[0x24; 32]).unwrap()
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)))
}

fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

#[derive(Claims, Debug, Clone, PartialEq)]
#[claims(iss = "https://issuer.example", aud = "api")]
struct Everything {
    sub: String,
    exp: NumericDate,
    #[claim(nbf)]
    not_before: Option<i64>,
    #[claim(iat, window = "1h")]
    issued_at: u64,
    aud: Audience,
    name: String,
    note: Option<String>,
    tags: Vec<String>,
    small: i64,
    big: u64,
    ratio: f64,
    flag: bool,
    when: NumericDate,
}

/// Integers with their edges overweighted.
fn edge_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0),
        Just(-1),
        Just(1 << 53),
        Just((1 << 53) + 1),
        any::<i64>(),
    ]
}

fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(u64::MAX),
        Just(0),
        Just(u64::MAX - 1),
        Just(1 << 63),
        any::<u64>()
    ]
}

/// Floats that serde_json's default (fast) parser reads back exactly: decimals of up to 14
/// significant digits with small exponents (written with at most 16 digits, `.0` included),
/// and the edges of the range. Any other float: `any_finite_float_round_trips_bit_for_bit`.
fn exact_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::MIN_POSITIVE),
        Just(f64::EPSILON),
        Just(5e-324),
        Just(-0.0),
        Just(0.1),
        (-99_999_999_999_999_i64..=99_999_999_999_999, -7_i32..=1)
            .prop_map(|(digits, exponent)| format!("{digits}e{exponent}").parse().unwrap()),
    ]
}

/// Any finite float (JSON has no NaN or infinities).
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        exact_f64(),
        any::<f64>().prop_filter("finite", |value| value.is_finite()),
    ]
}

/// NumericDates: whole seconds over the whole `i64` range, and fractions.
fn numeric_date() -> impl Strategy<Value = NumericDate> {
    prop_oneof![
        edge_i64().prop_map(NumericDate::from_secs),
        exact_f64().prop_map(|secs| NumericDate::from_f64(secs).unwrap()),
    ]
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC*",
        Just(String::new()),
        Just("\u{0}\u{1f}\"\\/\u{7f}\u{2028}\u{2029}\u{feff}\u{10ffff}".to_owned()),
    ]
}

fn everything() -> impl Strategy<Value = Everything> {
    (
        (
            any_text(),
            (1_i64..=i64::MAX / 2),
            proptest::option::of(i64::MIN..=NOW),
            0_u64..3600,
        ),
        (
            prop::collection::vec(any_text(), 0..3),
            any_text(),
            proptest::option::of(any_text()),
        ),
        (
            prop::collection::vec(any_text(), 0..4),
            edge_i64(),
            edge_u64(),
            exact_f64(),
            any::<bool>(),
        ),
        numeric_date(),
    )
        .prop_map(
            |(
                (sub, ahead, not_before, age),
                (mut audiences, name, note),
                (tags, small, big, ratio, flag),
                when,
            )| {
                audiences.push("api".to_owned());
                Everything {
                    sub,
                    exp: NumericDate::from_secs(NOW.saturating_add(ahead)),
                    not_before,
                    issued_at: NOW as u64 - age,
                    aud: Audience::many(audiences),
                    name,
                    note,
                    tags,
                    small,
                    big,
                    ratio,
                    flag,
                    when,
                }
            },
        )
}

fn same_claims(a: &Everything, b: &Everything) -> bool {
    // f64 fields are compared bit for bit (so `-0.0` must stay `-0.0`).
    a.sub == b.sub
        && a.exp == b.exp
        && a.not_before == b.not_before
        && a.issued_at == b.issued_at
        && a.aud == b.aud
        && a.name == b.name
        && a.note == b.note
        && a.tags == b.tags
        && a.small == b.small
        && a.big == b.big
        && a.ratio.to_bits() == b.ratio.to_bits()
        && a.flag == b.flag
        // NumericDate writes whole values as integers, so `-0.0` comes back as `0`: equal.
        && a.when == b.when
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn encode_then_decode_round_trips_every_value(claims in everything()) {
        let token = claims.encode(&key()).unwrap();
        let decoded: Everything = match validation().decode(&token, &key()) {
            Ok(decoded) => decoded,
            Err(error) => return Err(TestCaseError::fail(format!("{error:?} for {token}"))),
        };
        prop_assert!(same_claims(&claims, &decoded), "{claims:?}\n{decoded:?}");
        // Encoding is a function of the claims: the same claims give the same token.
        prop_assert_eq!(decoded.encode(&key()).unwrap(), token);
    }

    #[test]
    fn the_payload_is_plain_json_any_peer_can_read(claims in everything()) {
        let token = claims.encode(&key()).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&base64url::decode(payload.as_bytes()).unwrap()).unwrap();
        prop_assert_eq!(json["name"].as_str(), Some(claims.name.as_str()));
        prop_assert_eq!(json["small"].as_i64(), Some(claims.small));
        prop_assert_eq!(json["big"].as_u64(), Some(claims.big));
        prop_assert_eq!(json["iss"].as_str(), Some("https://issuer.example"));
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// Any finite `f64` claim, bit for bit (serde_json's `float_roundtrip` parsing: without
    /// it a 17-digit float such as 1.2517043064994917e17 may read back one unit off).
    #[test]
    fn any_finite_float_round_trips_bit_for_bit(ratio in finite_f64(), when in finite_f64()) {
        let claims = Floats { ratio, when: NumericDate::from_f64(when).unwrap() };
        let decoded: Floats = validation().decode(&claims.encode(&key()).unwrap(), &key()).unwrap();
        prop_assert_eq!(decoded.ratio.to_bits(), ratio.to_bits());
        prop_assert_eq!(decoded.when, claims.when);
    }
}

#[derive(Claims, Debug)]
struct Floats {
    ratio: f64,
    when: NumericDate,
}

/// One valid token per case, then every single-byte change of one kind.
fn mutated_tokens_are_rejected(
    token: &str,
    mutate: impl Fn(&mut Vec<u8>),
) -> Result<(), TestCaseError> {
    let mut bytes = token.as_bytes().to_vec();
    mutate(&mut bytes);
    if bytes == token.as_bytes() {
        return Ok(());
    }
    // The API takes `&str`: a change that breaks UTF-8 cannot even be presented.
    let Ok(mutated) = String::from_utf8(bytes) else {
        return Ok(());
    };
    let result = validation().decode::<Everything, _>(&mutated, &key());
    prop_assert!(result.is_err(), "accepted {mutated:?} (from {token:?})");
    let error = result.unwrap_err();
    prop_assert!(!error.is_claims_error(), "{error:?}");
    Ok(())
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn any_single_byte_change_is_rejected(
        claims in everything(),
        positions in prop::collection::vec(any::<prop::sample::Index>(), 24),
        bytes in prop::collection::vec(any::<u8>(), 24),
    ) {
        let token = claims.encode(&key()).unwrap();
        for (position, byte) in positions.iter().zip(&bytes) {
            let at = position.index(token.len());
            mutated_tokens_are_rejected(&token, |token| token[at] = *byte)?;
            // The same position to every character of the base64url alphabet and the dot.
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
            mutated_tokens_are_rejected(&token, |token| token[at] = alphabet[usize::from(*byte) % alphabet.len()])?;
        }
    }

    #[test]
    fn any_single_byte_insertion_or_deletion_is_rejected(
        claims in everything(),
        positions in prop::collection::vec(any::<prop::sample::Index>(), 24),
        bytes in prop::collection::vec(any::<u8>(), 24),
    ) {
        let token = claims.encode(&key()).unwrap();
        for (position, byte) in positions.iter().zip(&bytes) {
            let at = position.index(token.len() + 1);
            mutated_tokens_are_rejected(&token, |token| token.insert(at, *byte))?;
            mutated_tokens_are_rejected(&token, |token| token.insert(at, b"Aw-_.="[usize::from(*byte) % 6]))?;
            let at = position.index(token.len());
            mutated_tokens_are_rejected(&token, |token| { token.remove(at); })?;
        }
    }
}

/// Every deletion and every alphabet substitution of one HS512 token: exhaustive, not sampled.
#[test]
fn every_deletion_and_substitution_of_an_hs512_token_is_rejected() {
    #[derive(Claims, Debug)]
    #[claims(alg = "HS512")]
    struct Small {
        sub: String,
        exp: u64,
    }
    let key = HmacKey::<Hs512>::from_bytes(&[0x42; 64]).unwrap();
    let token = Small {
        sub: "é".into(),
        exp: NOW as u64 + 1,
    }
    .encode(&key)
    .unwrap();
    assert!(validation().decode::<Small, _>(&token, &key).is_ok());
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    let mut tried = 0;
    for at in 0..token.len() {
        let mut deleted = token.clone().into_bytes();
        deleted.remove(at);
        let deleted = String::from_utf8(deleted).unwrap();
        assert!(
            validation().decode::<Small, _>(&deleted, &key).is_err(),
            "deleted {at}"
        );
        for &replacement in alphabet {
            if replacement == token.as_bytes()[at] {
                continue;
            }
            let mut changed = token.clone().into_bytes();
            changed[at] = replacement;
            let changed = String::from_utf8(changed).unwrap();
            assert!(
                validation().decode::<Small, _>(&changed, &key).is_err(),
                "{at} to {replacement}"
            );
            tried += 1;
        }
    }
    assert!(tried > token.len() * 60);
}

#[derive(Claims, Debug)]
struct Loose {
    sub: Option<String>,
}

fn never_panics(token: &str) {
    let _ = validation().decode::<Everything, _>(token, &key());
    if let Err(error) = validation().decode::<Loose, _>(token, &key()) {
        // Messages quote at most a short prefix of the input.
        assert!(error.to_string().len() < 256, "{error}");
    }
    let _ = dangerous::peek::<Loose>(token);
}

/// Signs arbitrary header and payload bytes, so that the input reaches the payload parser.
fn forge(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header),
        base64url::encode(payload)
    );
    let mac = key().__mac(input.as_bytes());
    format!("{input}.{}", base64url::encode(&mac))
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        never_panics(&String::from_utf8_lossy(&bytes));
        if let Ok(text) = std::str::from_utf8(&bytes) {
            never_panics(text);
        }
    }

    #[test]
    fn decoding_arbitrary_segments_never_panics(
        segments in prop::collection::vec("[A-Za-z0-9_=+/.-]{0,80}", 1..6),
    ) {
        never_panics(&segments.join("."));
    }

    #[test]
    fn signed_arbitrary_json_never_panics_and_is_accepted_only_when_valid(
        header in prop_oneof![
            Just(br#"{"alg":"HS256"}"#.to_vec()),
            prop::collection::vec(any::<u8>(), 0..64),
            "\\{\"alg\":\"HS256\"(,\"[a-z]{1,3}\":(1|\"x\"|null|\\[\\]|\\{\\}))*\\}".prop_map(String::into_bytes),
        ],
        payload in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..128),
            "\\{(\"(sub|exp|nbf|iat|aud|iss|jti|x)\":(1|-1|1e400|1.5|\"[a-z]*\"|null|true|\\[\\]|\\{\\}|\\[\"api\"\\]),?){0,5}\\}".prop_map(String::into_bytes),
        ],
    ) {
        let token = forge(&header, &payload);
        never_panics(&token);
        if let Ok(loose) = validation().decode::<Loose, _>(&token, &key()) {
            // Accepted only with HS256, a JSON object payload, and valid registered claims.
            let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
            prop_assert_eq!(header["alg"].as_str(), Some("HS256"));
            let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            prop_assert!(payload.is_object());
            prop_assert_eq!(payload.get("sub").and_then(|sub| sub.as_str()), loose.sub.as_deref());
            prop_assert!(payload.get("aud").is_none(), "no audience is expected");
            if let Some(exp) = payload.get("exp") {
                prop_assert!(exp.as_f64().unwrap() > NOW as f64);
            }
        }
    }

    #[test]
    fn base64url_accepts_exactly_the_canonical_text(text in "[A-Za-z0-9_=+/ -]{0,40}") {
        match base64url::decode(text.as_bytes()) {
            Ok(bytes) => prop_assert_eq!(base64url::encode(&bytes), text),
            Err(_) => {
                let canonical = text.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
                    && text.len() % 4 != 1;
                // A text of alphabet characters and a possible length is refused only for
                // non-zero unused bits in its last character.
                if canonical {
                    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                    let last = text.bytes().last().unwrap();
                    let value = alphabet.iter().position(|&c| c == last).unwrap();
                    let unused_bits = match text.len() % 4 {
                        2 => 0b1111,
                        3 => 0b11,
                        _ => 0,
                    };
                    prop_assert!(value & unused_bits != 0, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn base64url_round_trips_every_byte_string(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = base64url::encode(&bytes);
        prop_assert_eq!(base64url::decode(text.as_bytes()).unwrap(), bytes);
        prop_assert!(!text.contains(['=', '+', '/']));
    }
}

#[test]
fn a_forged_token_is_never_a_claims_error() {
    // Sanity check of the harness: a token with a wrong MAC is a signature error.
    let token = Loose {
        sub: Some("x".into()),
    }
    .encode(&key())
    .unwrap();
    let other = HmacKey::<Hs256>::from_bytes(&[0x25; 32]).unwrap();
    assert!(matches!(
        validation().decode::<Loose, _>(&token, &other),
        Err(Error::Signature)
    ));
}
