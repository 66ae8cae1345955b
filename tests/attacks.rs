//! One test per attack class A1-A27 of `SECURITY.md` ("Attack classes and the tests that
//! cover them"; the class id is in the test name), each with the negative cases a JWT
//! library owes. Every case asserts the exact error variant, not just `is_err()`, so that a
//! rejection for the wrong reason (A10) is caught too.
//!
//! Tokens are crafted byte for byte: `forge` signs arbitrary header and payload bytes with a
//! real key, so each case reaches exactly the check it is about.

use std::time::Duration;

use jwt_runtime::{
    Audience, Claims, DecodeClaims, Error, FixedClock, HmacAlgorithm, HmacKey, Hs256, Hs384, Hs512,
    KeyError, KeySet, Malformed, NumericDate, Segment, Validation, base64url, dangerous,
    replay::Reusable,
};

const NOW: i64 = 1_700_000_000;
const SECRET: [u8; 64] = [0x5a; 64];

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&SECRET).unwrap()
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)))
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64url::encode(bytes.as_ref())
}

/// `b64(header).b64(payload).b64(HMAC)` with a correct MAC under `key`.
fn forge<A: HmacAlgorithm>(
    key: &HmacKey<A>,
    header: impl AsRef<[u8]>,
    payload: impl AsRef<[u8]>,
) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let mac = key.__mac(input.as_bytes());
    format!("{input}.{}", b64(mac))
}

/// `b64(header).b64(payload).signature`, the signature segment given as text.
fn unsigned(header: impl AsRef<[u8]>, payload: impl AsRef<[u8]>, signature: &str) -> String {
    format!("{}.{}.{signature}", b64(header), b64(payload))
}

const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// A session as the derive documents it.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "api")]
struct Session {
    sub: String,
    exp: NumericDate,
    #[claim(iat, window = "5m")]
    iat: NumericDate,
    name: String,
}

fn session_payload() -> String {
    format!(
        r#"{{"sub":"ada","exp":{},"iat":{NOW},"name":"Ada","iss":"https://auth.example.com","aud":"api"}}"#,
        NOW + 600
    )
}

/// A schema that declares nothing: only the registered claims present are validated.
#[derive(Claims, Debug)]
struct Loose {
    sub: Option<String>,
}

fn decode<C>(token: &str) -> Result<C, Error>
where
    C: for<'de> DecodeClaims<'de> + Claims<Algorithm = Hs256, Replay = Reusable>,
{
    validation().decode(token, &key())
}

fn loose(token: &str) -> Result<Loose, Error> {
    decode::<Loose>(token)
}

fn malformed(segment: Segment, reason: Malformed) -> impl Fn(&Error) -> bool {
    move |error| matches!(error, Error::Malformed { segment: s, reason: r } if *s == segment && *r == reason)
}

fn found(error: &Error) -> Option<&str> {
    match error {
        Error::Algorithm { found, .. } | Error::TokenType { found, .. } => found.as_deref(),
        Error::UnknownKeyId { kid } => kid.as_deref(),
        _ => None,
    }
}

#[test]
fn baseline_the_crafted_valid_token_is_accepted() {
    // Every negative case below is one change away from this token.
    let session: Session = decode(&forge(&key(), HS256, session_payload())).unwrap();
    assert_eq!(
        (session.sub.as_str(), session.name.as_str()),
        ("ada", "Ada")
    );
    let encoded = Session {
        sub: "ada".into(),
        exp: NumericDate::from_secs(NOW + 600),
        iat: NumericDate::from_secs(NOW),
        name: "Ada".into(),
    }
    .encode(&key())
    .unwrap();
    assert!(decode::<Session>(&encoded).is_ok());
}

#[test]
fn a01_alg_none_every_casing() {
    let payload = session_payload();
    for none in ["none", "None", "NONE", "nOnE", "NoNe"] {
        let header = format!(r#"{{"alg":"{none}","typ":"JWT"}}"#);
        let bare = unsigned(&header, &payload, "");
        // A "none" token with a signature anyway: garbage, and a real HS256 MAC.
        let garbage = unsigned(&header, &payload, &b64([0_u8; 32]));
        let macd = forge(&key(), &header, &payload);
        for token in [bare, garbage, macd] {
            let error = decode::<Session>(&token).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Algorithm {
                        expected: "HS256",
                        ..
                    }
                ) && found(&error) == Some(none),
                "{none}: {error:?}"
            );
            let keys = KeySet::new(key().with_kid("k1").unwrap()).unwrap();
            assert!(matches!(
                validation().decode::<Loose, _>(&token, &keys),
                Err(Error::Algorithm { .. })
            ));
        }
    }
    // RFC 7519 §6.1, the unsecured example.
    let unsecured = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
    assert!(matches!(loose(unsecured), Err(Error::Algorithm { .. })));
    // `dangerous::peek` reads it, but that is named for what it is and verifies nothing.
    assert_eq!(
        dangerous::peek::<Loose>(unsecured).unwrap().header().alg(),
        Some("none")
    );
}

#[test]
fn a02_algorithm_confusion() {
    let payload = session_payload();
    // The same secret as HS384 and HS512 keys: a valid MAC for the header's algorithm.
    let hs384 = HmacKey::<Hs384>::from_bytes(&SECRET).unwrap();
    let hs512 = HmacKey::<Hs512>::from_bytes(&SECRET).unwrap();
    for (alg, token) in [
        ("HS384", forge(&hs384, r#"{"alg":"HS384"}"#, &payload)),
        ("HS512", forge(&hs512, r#"{"alg":"HS512"}"#, &payload)),
    ] {
        let error = decode::<Session>(&token).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Algorithm {
                    expected: "HS256",
                    ..
                }
            ) && found(&error) == Some(alg),
            "{error:?}"
        );
    }
    // The header cannot make an HS256 key verify an HS384/HS512 MAC either: the MAC is
    // always recomputed with the key's algorithm, and its length is fixed by it.
    let hs512_mac_hs256_header = {
        let input = format!("{}.{}", b64(HS256), b64(&payload));
        format!("{input}.{}", b64(hs512.__mac(input.as_bytes())))
    };
    assert!(matches!(
        decode::<Session>(&hs512_mac_hs256_header),
        Err(Error::Signature)
    ));

    // Asymmetric and unknown algorithms, and `alg` values that only look like HS256.
    for alg in [
        r#""RS256""#,
        r#""ES256""#,
        r#""PS256""#,
        r#""EdDSA""#,
        r#""ES256K""#,
        r#""hs256""#,
        r#""Hs256""#,
        r#""HS256 ""#,
        r#"" HS256""#,
        r#""HS256\u0000""#,
        r#""""#,
        r#""HS 256""#,
        r#""HS256\n""#,
    ] {
        let token = forge(&key(), format!(r#"{{"alg":{alg}}}"#), &payload);
        let error = decode::<Session>(&token).unwrap_err();
        assert!(
            matches!(error, Error::Algorithm { found: Some(_), .. }),
            "{alg}: {error:?}"
        );
    }
    // `alg` missing or not a string.
    for header in [
        r#"{}"#,
        r#"{"typ":"JWT"}"#,
        r#"{"alg":null}"#,
        r#"{"alg":123}"#,
        r#"{"alg":["HS256"]}"#,
        r#"{"alg":{"HS256":true}}"#,
        r#"{"alg":true}"#,
        r#"{"ALG":"HS256"}"#,
    ] {
        let error = decode::<Session>(&forge(&key(), header, &payload)).unwrap_err();
        assert!(
            matches!(error, Error::Algorithm { found: None, .. }),
            "{header}: {error:?}"
        );
    }
    // The algorithm of the type wins: an HS512 type refuses HS256 tokens under the same secret.
    #[derive(Claims, Debug)]
    #[claims(alg = "HS512")]
    struct Strong {
        sub: String,
    }
    let hs256_token = forge(&key(), HS256, r#"{"sub":"x"}"#);
    assert!(matches!(
        validation().decode::<Strong, _>(&hs256_token, &hs512),
        Err(Error::Algorithm {
            expected: "HS512",
            ..
        })
    ));
    assert!(
        validation()
            .decode::<Strong, _>(
                &forge(&hs512, r#"{"alg":"HS512"}"#, r#"{"sub":"x"}"#),
                &hs512
            )
            .is_ok()
    );
}

#[test]
fn a03_zero_and_degenerate_signatures() {
    let payload = session_payload();
    for (len, name) in [(32, "HS256"), (48, "HS384"), (64, "HS512")] {
        for fill in [0x00_u8, 0xff, 0x01, 0x80] {
            let signature = b64(vec![fill; len]);
            let header = format!(r#"{{"alg":"{name}"}}"#);
            let token = unsigned(&header, &payload, &signature);
            let error = match name {
                "HS256" => validation().decode::<Loose, _>(&token, &key()).unwrap_err(),
                "HS384" => {
                    #[derive(Claims, Debug)]
                    #[claims(alg = "HS384")]
                    struct L384 {}
                    let key = HmacKey::<Hs384>::from_bytes(&SECRET).unwrap();
                    validation().decode::<L384, _>(&token, &key).unwrap_err()
                }
                _ => {
                    #[derive(Claims, Debug)]
                    #[claims(alg = "HS512")]
                    struct L512 {}
                    let key = HmacKey::<Hs512>::from_bytes(&SECRET).unwrap();
                    validation().decode::<L512, _>(&token, &key).unwrap_err()
                }
            };
            assert!(
                matches!(error, Error::Signature),
                "{name} {fill:#x}: {error:?}"
            );
        }
    }
    assert!(matches!(
        decode::<Session>(&unsigned(HS256, &payload, "")),
        Err(Error::Signature)
    ));
    // Wycheproof's ModifiedTag vectors (all-zero, all-one, bit flips) are ported to the JWS
    // layer in tests/vectors.rs (`wycheproof_hmac_*`).
}

#[test]
fn a04_signature_length_is_exact() {
    let payload = session_payload();
    let input = format!("{}.{}", b64(HS256), b64(&payload));
    let mac = key().__mac(input.as_bytes());
    let hs512 = HmacKey::<Hs512>::from_bytes(&SECRET)
        .unwrap()
        .__mac(input.as_bytes());
    let mut longer = mac.clone();
    longer.push(0);
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("one byte", b64(&mac[..1])),
        ("first 16 bytes of the tag", b64(&mac[..16])),
        ("first 31 bytes of the tag", b64(&mac[..31])),
        ("tag plus one byte", b64(&longer)),
        ("64-byte tag for HS256", b64(&hs512)),
        ("tag twice", format!("{}{}", b64(&mac), b64(&mac))),
    ];
    for (what, signature) in cases {
        let error = decode::<Session>(&format!("{input}.{signature}")).unwrap_err();
        assert!(matches!(error, Error::Signature), "{what}: {error:?}");
    }
    // Text outside the base64url alphabet is not a signature at all: malformed (these were
    // reported as `Signature` before).
    for (what, signature) in [
        ("tag with `=` padding", format!("{}=", b64(&mac))),
        (
            "tag with a trailing dot-free junk",
            format!("{}!!!!", b64(&mac)),
        ),
        ("tag with a trailing space", format!("{} ", b64(&mac))),
    ] {
        let error = decode::<Session>(&format!("{input}.{signature}")).unwrap_err();
        assert!(
            malformed(Segment::Signature, Malformed::Base64)(&error),
            "{what}: {error:?}"
        );
    }
    // A 32-byte tag for HS512.
    #[derive(Claims, Debug)]
    #[claims(alg = "HS512")]
    struct L512 {}
    let hs512_key = HmacKey::<Hs512>::from_bytes(&SECRET).unwrap();
    let header = r#"{"alg":"HS512"}"#;
    let input = format!("{}.{}", b64(header), b64(&payload));
    let short = b64(&hs512_key.__mac(input.as_bytes())[..32]);
    assert!(matches!(
        validation().decode::<L512, _>(&format!("{input}.{short}"), &hs512_key),
        Err(Error::Signature)
    ));
    // The encoded lengths are exactly 43, 64 and 86 characters.
    assert_eq!(
        (
            Hs256::ENCODED_MAC_LEN,
            Hs384::ENCODED_MAC_LEN,
            Hs512::ENCODED_MAC_LEN
        ),
        (43, 64, 86)
    );
}

#[test]
fn a05_mac_compare_is_constant_time_and_total() {
    // Timing is not asserted in tests (benchmarks own timings). What is asserted: a
    // mismatch in the first or the last byte is rejected alike, and the comparison in the
    // runtime goes through the `hmac` crate's constant-time `verify_slice`, never `==`.
    let payload = session_payload();
    let input = format!("{}.{}", b64(HS256), b64(&payload));
    let mac = key().__mac(input.as_bytes());
    for position in [0, 1, 15, 16, 30, 31] {
        for bit in [0x01_u8, 0x80] {
            let mut tag = mac.clone();
            tag[position] ^= bit;
            let token = format!("{input}.{}", b64(&tag));
            assert!(
                matches!(decode::<Session>(&token), Err(Error::Signature)),
                "byte {position}"
            );
        }
    }
    let source = include_str!("../jwt-runtime/src/hmac.rs");
    let verify = source
        .split("fn verify_signature(")
        .nth(1)
        .and_then(|rest| rest.split("\n    }\n").next())
        .expect("HmacKey::verify_signature exists");
    assert!(
        verify.contains("verify_slice(") || verify.contains("ct_eq("),
        "{verify}"
    );
    assert!(
        !verify.contains("== tag") && !verify.contains("tag =="),
        "{verify}"
    );
}

#[test]
fn a06_weak_keys_are_refused_at_construction() {
    let too_short = |result: Result<(), KeyError>, min: usize, len: usize| {
        assert_eq!(
            result.unwrap_err(),
            KeyError::TooShort {
                algorithm: match min {
                    32 => "HS256",
                    48 => "HS384",
                    _ => "HS512",
                },
                min_len: min,
                len
            }
        );
    };
    for len in [0, 1, 16, 31] {
        too_short(
            HmacKey::<Hs256>::from_bytes(&vec![7; len]).map(drop),
            32,
            len,
        );
    }
    for len in [0, 32, 47] {
        too_short(
            HmacKey::<Hs384>::from_bytes(&vec![7; len]).map(drop),
            48,
            len,
        );
    }
    for len in [0, 32, 48, 63] {
        too_short(
            HmacKey::<Hs512>::from_bytes(&vec![7; len]).map(drop),
            64,
            len,
        );
    }
    // Blank and short secrets through the text constructor too.
    too_short(HmacKey::<Hs256>::from_base64url("").map(drop), 32, 0);
    too_short(
        HmacKey::<Hs256>::from_base64url("c2VjcmV0").map(drop),
        32,
        6,
    );
    assert_eq!(
        HmacKey::<Hs256>::from_base64url("secret!").unwrap_err(),
        KeyError::Base64
    );

    // A token signed with an empty key (the `from_secret(&[])` dummy-key pattern) is refused
    // by a real key.
    let payload = session_payload();
    let input = format!("{}.{}", b64(HS256), b64(&payload));
    let empty_key_mac = {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&[]).unwrap();
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    };
    assert!(matches!(
        decode::<Session>(&format!("{input}.{}", b64(empty_key_mac))),
        Err(Error::Signature)
    ));

    // Keys longer than the block size are hashed first (RFC 2104; the RUSTSEC-2019-0019
    // class): a 200-byte key MACs exactly like its SHA-256 digest used as the key.
    use sha2::Digest;
    let long = [0x3c_u8; 200];
    let digest = sha2::Sha256::digest(long);
    let long_key = HmacKey::<Hs256>::from_bytes(&long).unwrap();
    let digest_key = HmacKey::<Hs256>::from_bytes(&digest).unwrap();
    assert_eq!(long_key.__mac(b"message"), digest_key.__mac(b"message"));
    // … and keys of exactly the block size are not.
    let block = [0x3c_u8; 64];
    let block_digest = sha2::Sha256::digest(block);
    assert_ne!(
        HmacKey::<Hs256>::from_bytes(&block).unwrap().__mac(b"m"),
        HmacKey::<Hs256>::from_bytes(&block_digest)
            .unwrap()
            .__mac(b"m")
    );
    // Debug output never shows key material.
    assert!(!format!("{:?}", key()).contains("5a"));
}

#[test]
fn a07_kid_injection() {
    let k1 = HmacKey::<Hs256>::from_bytes(&SECRET)
        .unwrap()
        .with_kid("k1")
        .unwrap();
    let k2 = HmacKey::<Hs256>::from_bytes(&[0x77; 32])
        .unwrap()
        .with_kid("k2")
        .unwrap();
    let keys = KeySet::new(k1.clone()).unwrap().with_key(k2).unwrap();
    let payload = session_payload();
    let with_keys = |token: &str| validation().decode::<Session, _>(token, &keys);

    // Each token is MAC'd with k1's key: only the `kid` is wrong.
    let long_kid = "k".repeat(10_000);
    for kid in [
        "",
        "../../../../../../dev/null",
        "/dev/null",
        "/invalid_path",
        "|sleep 10",
        "x' UNION SELECT '1';--",
        "k1\u{0}",
        "K1",
        "k1 ",
        " k1",
        "k\u{0031}\u{200b}",
        "*",
        "%",
        long_kid.as_str(),
    ] {
        let header = serde_json::json!({"alg": "HS256", "kid": kid}).to_string();
        let error = with_keys(&forge(&k1, &header, &payload)).unwrap_err();
        assert!(
            matches!(error, Error::UnknownKeyId { kid: Some(_) }),
            "{kid:?}: {error:?}"
        );
        // The error quotes a short prefix of the kid, never all of it.
        assert!(error.to_string().len() < 120, "{}", error.to_string().len());
    }
    // No `kid` with a key set: no fallback to the current key.
    assert!(matches!(
        with_keys(&forge(&k1, HS256, &payload)),
        Err(Error::UnknownKeyId { kid: None })
    ));
    // `kid` of the wrong JSON type.
    for kid in ["1", "null", "[]", r#"["k1"]"#, r#"{"k1":1}"#, "true"] {
        let header = format!(r#"{{"alg":"HS256","kid":{kid}}}"#);
        let error = with_keys(&forge(&k1, &header, &payload)).unwrap_err();
        assert!(
            malformed(Segment::Header, Malformed::HeaderParameter("kid"))(&error),
            "{kid}: {error:?}"
        );
    }
    // The `kid` picks exactly one key, and no other key is tried: k2's id with k1's MAC fails.
    assert!(matches!(
        with_keys(&forge(&k1, r#"{"alg":"HS256","kid":"k2"}"#, &payload)),
        Err(Error::Signature)
    ));
    assert!(with_keys(&forge(&k1, r#"{"alg":"HS256","kid":"k1"}"#, &payload)).is_ok());
    // A key id is bounded at construction.
    assert_eq!(key().with_kid("").unwrap_err(), KeyError::InvalidKeyId);
    assert_eq!(
        key().with_kid("x".repeat(257)).unwrap_err(),
        KeyError::InvalidKeyId
    );
    // With a single key, `kid` selects nothing: it is ignored (the MAC decides).
    let header = r#"{"alg":"HS256","kid":"../../../../dev/null"}"#;
    assert!(decode::<Session>(&forge(&key(), header, &payload)).is_ok());
}

#[test]
fn a08_header_key_material_is_never_used() {
    let attacker = HmacKey::<Hs256>::from_bytes(&[0x66; 32]).unwrap();
    let attacker_k = b64([0x66; 32]);
    let payload = session_payload();
    let headers = [
        format!(r#"{{"alg":"HS256","jwk":{{"kty":"oct","k":"{attacker_k}"}}}}"#),
        r#"{"alg":"HS256","jku":"https://attacker.example/jwks.json"}"#.to_owned(),
        r#"{"alg":"HS256","x5u":"https://attacker.example/cert.pem"}"#.to_owned(),
        r#"{"alg":"HS256","x5c":["MIIBszCCAVmgAwIBAgIUX"]}"#.to_owned(),
        r#"{"alg":"HS256","x5t":"dGh1bWJwcmludA"}"#.to_owned(),
        r#"{"alg":"HS256","x5t#S256":"dGh1bWJwcmludA"}"#.to_owned(),
        format!(
            r#"{{"alg":"HS256","kid":"k1","jwk":{{"kty":"oct","kid":"k1","k":"{attacker_k}"}}}}"#
        ),
    ];
    let keys = KeySet::new(key().with_kid("k1").unwrap()).unwrap();
    for header in &headers {
        // Signed by the attacker's key, the one the header names: refused.
        let forged = forge(&attacker, header, &payload);
        let error = decode::<Session>(&forged).unwrap_err();
        assert!(matches!(error, Error::Signature), "{header}: {error:?}");
        // Signed by the configured key: those members are ignored, the token passes.
        assert!(
            decode::<Session>(&forge(&key(), header, &payload)).is_ok(),
            "{header}"
        );
    }
    assert!(matches!(
        validation().decode::<Session, _>(&forge(&attacker, &headers[6], &payload), &keys),
        Err(Error::Signature)
    ));
    // The runtime depends on no HTTP or TLS client, so `jku`/`x5u` cannot be fetched.
    let manifest = include_str!("../jwt-runtime/Cargo.toml");
    let runtime_deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for client in [
        "reqwest",
        "ureq",
        "hyper",
        "rustls",
        "native-tls",
        "openssl",
        "curl",
    ] {
        assert!(
            !runtime_deps
                .lines()
                .any(|line| line.starts_with(client) && !line.contains("optional = true")),
            "jwt-runtime has a non-optional dependency on {client}"
        );
    }
}

#[test]
fn a09_crit_is_rejected() {
    let payload = session_payload();
    for header in [
        r#"{"alg":"HS256","crit":["x"],"x":1}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","crit":"x","x":1}"#,
        r#"{"alg":"HS256","crit":["alg"]}"#,
        r#"{"alg":"HS256","crit":["x"]}"#,
        r#"{"alg":"HS256","crit":["x","x"],"x":1}"#,
        r#"{"alg":"HS256","crit":null}"#,
        r#"{"alg":"HS256","crit":[""]}"#,
        r#"{"alg":"HS256","crit":{"x":1}}"#,
        r#"{"crit":["exp"],"exp":1,"alg":"HS256"}"#,
        // RFC 7797 unencoded payload: b64 must be listed in crit, so it is refused with it.
        r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
    ] {
        let error = decode::<Session>(&forge(&key(), header, &payload)).unwrap_err();
        assert!(matches!(error, Error::Crit), "{header}: {error:?}");
    }
    // The payload of a `b64:false` token without `crit` is still read as base64url (the
    // member is ignored), so no unencoded payload is ever interpreted.
    let ignored = forge(&key(), r#"{"alg":"HS256","b64":false}"#, &payload);
    assert!(decode::<Session>(&ignored).is_ok());
    let raw_payload = format!(
        "{}.{payload}.",
        b64(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#)
    );
    assert!(decode::<Session>(&raw_payload).is_err());
}

#[test]
fn a10_a_bad_signature_is_reported_before_anything_in_the_payload() {
    let bad_signature = b64([0x11; 32]);
    let payloads = [
        // expired, wrong issuer, wrong audience, iat in the future
        format!(
            r#"{{"sub":"a","exp":1,"iat":{NOW},"name":"x","iss":"https://auth.example.com","aud":"api"}}"#
        ),
        r#"{"sub":"a","exp":9999999999,"iat":1700000000,"name":"x","iss":"evil","aud":"other"}"#
            .to_owned(),
        // missing and mistyped claims
        r#"{}"#.to_owned(),
        r#"{"exp":"soon"}"#.to_owned(),
        // duplicates, not JSON, not an object, not UTF-8
        r#"{"sub":"a","sub":"b"}"#.to_owned(),
        "{not json".to_owned(),
        "[]".to_owned(),
    ];
    for payload in &payloads {
        let token = unsigned(HS256, payload, &bad_signature);
        let error = decode::<Session>(&token).unwrap_err();
        assert!(matches!(error, Error::Signature), "{payload}: {error:?}");
        assert!(!error.is_claims_error());
    }
    // Invalid UTF-8 and invalid base64url in the payload segment: still the signature first.
    let token = unsigned(HS256, [0xff, 0xfe, b'{'], &bad_signature);
    assert!(matches!(decode::<Session>(&token), Err(Error::Signature)));
    // A payload segment that is not base64url text at all is malformed: looked at only once
    // the MAC failed, never parsed (it was reported as `Signature` before).
    let token = format!("{}.%%%not-base64%%%.{bad_signature}", b64(HS256));
    assert!(malformed(Segment::Payload, Malformed::Base64)(
        &decode::<Session>(&token).unwrap_err()
    ));
    // The same payloads with a good MAC fail for their own reasons, so the check is real.
    assert!(matches!(
        decode::<Session>(&forge(&key(), HS256, &payloads[0])),
        Err(Error::Expired { .. })
    ));
    assert!(matches!(
        decode::<Session>(&forge(&key(), HS256, &payloads[1])),
        Err(Error::Issuer)
    ));
}

#[test]
fn a11_audience_edge_cases() {
    #[derive(Claims, Debug)]
    #[claims(aud = "api")]
    struct ForApi {
        exp: NumericDate,
    }
    #[derive(Claims, Debug)]
    #[claims(aud = "api")]
    struct ForApiWithField {
        exp: NumericDate,
        aud: Audience,
    }
    let exp = NOW + 60;
    let with_aud = |aud: &str| forge(&key(), HS256, format!(r#"{{"exp":{exp},"aud":{aud}}}"#));
    let audience_error = |aud: &str| {
        let token = with_aud(aud);
        for error in [
            decode::<ForApi>(&token).unwrap_err(),
            decode::<ForApiWithField>(&token).unwrap_err(),
        ] {
            assert!(matches!(error, Error::Audience), "{aud}: {error:?}");
        }
    };
    for aud in [
        r#""""#,
        "[]",
        r#"[""]"#,
        r#"["other"]"#,
        r#""API""#,
        r#""api ""#,
        r#""ap""#,
        r#"["apis"]"#,
    ] {
        audience_error(aud);
    }
    for aud in [
        "123",
        "[1]",
        "{}",
        "null",
        "true",
        r#"[["api"]]"#,
        r#"["api",1]"#,
    ] {
        let token = with_aud(aud);
        for error in [
            decode::<ForApi>(&token).unwrap_err(),
            decode::<ForApiWithField>(&token).unwrap_err(),
        ] {
            assert!(
                matches!(error, Error::ClaimType { claim: "aud", .. }),
                "{aud}: {error:?}"
            );
        }
    }
    // Missing `aud` while one is expected: reported as missing, with or without a field
    // (it was `Audience` without one before).
    let token = forge(&key(), HS256, format!(r#"{{"exp":{exp}}}"#));
    assert!(matches!(
        decode::<ForApi>(&token),
        Err(Error::MissingClaim { claim: "aud" })
    ));
    assert!(matches!(
        decode::<ForApiWithField>(&token),
        Err(Error::MissingClaim { claim: "aud" })
    ));
    // Accepted shapes.
    for aud in [r#""api""#, r#"["other","api"]"#, r#"["api"]"#] {
        assert!(decode::<ForApi>(&with_aud(aud)).is_ok(), "{aud}");
        assert!(decode::<ForApiWithField>(&with_aud(aud)).is_ok(), "{aud}");
    }
    // RFC 7519 §4.1.3: a token with `aud` is refused by a verifier that expects none.
    assert!(matches!(loose(&with_aud(r#""api""#)), Err(Error::Audience)));
    assert!(matches!(
        validation()
            .audience(Vec::<String>::new())
            .decode::<ForApi, _>(&with_aud(r#""api""#), &key()),
        Err(Error::Audience)
    ));
    // An empty expected audience compares literally; it does not switch the check off.
    // (`audience_for`: a run-time `audience` no longer replaces the declared one, it adds
    // to it.)
    let expects_empty = validation().audience_for::<ForApi>([""]);
    assert!(matches!(
        expects_empty.decode::<ForApi, _>(&with_aud(r#""api""#), &key()),
        Err(Error::Audience)
    ));
    assert!(
        expects_empty
            .decode::<ForApi, _>(&with_aud(r#""""#), &key())
            .is_ok()
    );
}

#[test]
fn a12_issuer_and_subject_compare_exactly() {
    #[derive(Claims, Debug)]
    #[claims(iss = "abc")]
    struct Hidden {
        exp: NumericDate,
    }
    #[derive(Claims, Debug)]
    #[claims(iss = "abc")]
    struct WithField {
        exp: NumericDate,
        iss: String,
        sub: String,
    }
    let exp = NOW + 60;
    let token = |iss: &str| {
        forge(
            &key(),
            HS256,
            format!(r#"{{"exp":{exp},"iss":{iss},"sub":"abc"}}"#),
        )
    };
    for iss in [
        r#""__abcd__""#,
        r#""ab""#,
        r#""abc ""#,
        r#"" abc""#,
        r#""ABC""#,
        r#""abc\u0000""#,
        r#""ａｂｃ""#,
        r#""a\u0062cd""#,
        r#""""#,
    ] {
        for error in [
            decode::<Hidden>(&token(iss)).unwrap_err(),
            decode::<WithField>(&token(iss)).unwrap_err(),
        ] {
            assert!(matches!(error, Error::Issuer), "{iss}: {error:?}");
        }
    }
    for iss in [r#"["abc"]"#, "1", "null", r#"{"abc":1}"#] {
        for error in [
            decode::<Hidden>(&token(iss)).unwrap_err(),
            decode::<WithField>(&token(iss)).unwrap_err(),
        ] {
            assert!(
                matches!(error, Error::ClaimType { claim: "iss", .. }),
                "{iss}: {error:?}"
            );
        }
    }
    // A missing `iss` is reported as missing (it was `Issuer` before).
    let missing = forge(&key(), HS256, format!(r#"{{"exp":{exp}}}"#));
    assert!(matches!(
        decode::<Hidden>(&missing),
        Err(Error::MissingClaim { claim: "iss" })
    ));
    // JSON escapes are the same string: `a\u0062c` is `abc`.
    assert!(decode::<Hidden>(&token(r#""a\u0062c""#)).is_ok());
    assert!(decode::<WithField>(&token(r#""abc""#)).is_ok());
    // Run-time issuer and subject compare byte for byte too.
    let by_config = validation().issuer("abc ").subject("ABC");
    assert!(matches!(
        by_config.decode::<WithField, _>(&token(r#""abc""#), &key()),
        Err(Error::Issuer)
    ));
    let by_subject = validation().subject("ab");
    assert!(matches!(
        by_subject.decode::<WithField, _>(&token(r#""abc""#), &key()),
        Err(Error::Subject)
    ));
    assert!(
        validation()
            .subject("abc")
            .decode::<WithField, _>(&token(r#""abc""#), &key())
            .is_ok()
    );
}

#[test]
fn a13_time_claim_type_confusion() {
    #[derive(Claims, Debug)]
    struct Declared {
        exp: NumericDate,
        nbf: Option<NumericDate>,
        iat: Option<u64>,
    }
    // `Loose` has no time fields: the claims go to hidden slots and are still type-checked.
    let cases = [
        ("exp", r#""9999999999""#),
        ("nbf", r#""99999999999""#),
        ("exp", "null"),
        ("exp", "true"),
        ("exp", "[]"),
        ("exp", "{}"),
        ("exp", r#""""#),
        ("exp", "[9999999999]"),
        ("iat", r#""x""#),
        ("nbf", "false"),
        ("exp", "1e400"),
        ("exp", "-1e400"),
    ];
    for (claim, value) in cases {
        let mut payload = serde_json::Map::new();
        if claim != "exp" {
            payload.insert("exp".into(), (NOW + 60).into());
        }
        let payload = format!(
            "{{{}\"{claim}\":{value}}}",
            payload
                .iter()
                .map(|(k, v)| format!("\"{k}\":{v},"))
                .collect::<String>()
        );
        let token = forge(&key(), HS256, &payload);
        for error in [
            decode::<Declared>(&token).unwrap_err(),
            loose(&token).unwrap_err(),
        ] {
            assert!(
                matches!(&error, Error::ClaimType { claim: c, .. } if *c == claim),
                "{payload}: {error:?}"
            );
            assert!(error.is_claims_error());
        }
    }
    // Fractions and exponents are NumericDates (RFC 7519 §2) and compare with the fraction.
    let fractional = forge(&key(), HS256, format!(r#"{{"exp":{NOW}.5}}"#));
    assert!(loose(&fractional).is_ok());
    let half_past =
        Validation::new().clock(FixedClock(NumericDate::from_f64(NOW as f64 + 0.5).unwrap()));
    assert!(matches!(
        half_past.decode::<Loose, _>(&fractional, &key()),
        Err(Error::Expired { .. })
    ));
    assert!(loose(&forge(&key(), HS256, r#"{"exp":1.7000001e9}"#)).is_ok());
    assert!(matches!(
        loose(&forge(&key(), HS256, r#"{"exp":1.7e9}"#)),
        Err(Error::Expired { .. })
    ));
    // An integer time type refuses fractions and negatives instead of rounding them.
    for iat in ["1.5", "-1", "18446744073709551616"] {
        let token = forge(
            &key(),
            HS256,
            format!(r#"{{"exp":{},"iat":{iat}}}"#, NOW + 60),
        );
        assert!(
            matches!(
                decode::<Declared>(&token),
                Err(Error::ClaimType { claim: "iat", .. })
            ),
            "{iat}"
        );
    }
}

#[test]
fn a14_time_arithmetic_never_overflows() {
    #[derive(Claims, Debug)]
    struct Times {
        exp: Option<NumericDate>,
        nbf: Option<NumericDate>,
        #[claim(iat, window = "10m")]
        iat: Option<NumericDate>,
    }
    let values = [
        "0",
        "-1",
        "-9223372036854775808",
        "9223372036854775807",
        "18446744073709551615",
        "18446744073709551616",
        "1e19",
        "9007199254740993",
        "1.7976931348623157e308",
        "-1.7976931348623157e308",
        "5e-324",
        "-0",
    ];
    let nows = [0.0, -1.0, NOW as f64, f64::MAX, f64::MIN];
    let leeways = [Duration::ZERO, Duration::from_secs(u64::MAX), Duration::MAX];
    // A reference model in f64 with the documented saturation, checked against the runtime.
    let saturate = |value: f64| {
        if value.is_finite() {
            value
        } else if value > 0.0 {
            f64::MAX
        } else {
            f64::MIN
        }
    };
    let mut decided = 0;
    for claim in ["exp", "nbf", "iat"] {
        for value in values {
            let token = forge(&key(), HS256, format!(r#"{{"{claim}":{value}}}"#));
            let date: f64 = value.parse().unwrap();
            for now in nows {
                for leeway in leeways {
                    let result = Validation::new()
                        .clock(FixedClock(NumericDate::from_f64(now).unwrap()))
                        .leeway(leeway)
                        .decode::<Times, _>(&token, &key());
                    let l = leeway.as_secs_f64();
                    let accept = match claim {
                        "exp" => now < saturate(date + l),
                        "nbf" => saturate(now + l) >= date,
                        _ => {
                            date <= saturate(now + l) && date >= saturate(saturate(now - 600.0) - l)
                        }
                    };
                    assert_eq!(
                        result.is_ok(),
                        accept,
                        "{claim}={value} now={now} leeway={leeway:?}: {result:?}"
                    );
                    if let Err(error) = result {
                        assert!(matches!(
                            error,
                            Error::Expired { .. }
                                | Error::NotYetValid { .. }
                                | Error::IssuedInFuture { .. }
                                | Error::IssuedTooLongAgo { .. }
                        ));
                    }
                    decided += 1;
                }
            }
        }
    }
    assert_eq!(decided, 3 * values.len() * nows.len() * leeways.len());

    // Out of range for the field's type is a type error, never clamped.
    #[derive(Claims, Debug)]
    struct Whole {
        exp: i64,
    }
    #[derive(Claims, Debug)]
    struct Unsigned {
        exp: u64,
    }
    #[derive(Claims, Debug)]
    struct Std {
        exp: std::time::SystemTime,
    }
    #[derive(Claims, Debug)]
    struct Chrono {
        exp: chrono::DateTime<chrono::Utc>,
    }
    #[derive(Claims, Debug)]
    struct Time {
        exp: time::OffsetDateTime,
    }
    let exp_type_error =
        |result: Result<(), Error>| matches!(result, Err(Error::ClaimType { claim: "exp", .. }));
    for value in ["18446744073709551616", "1e19", "-9223372036854775809"] {
        let token = forge(&key(), HS256, format!(r#"{{"exp":{value}}}"#));
        assert!(
            exp_type_error(decode::<Whole>(&token).map(drop)),
            "i64 {value}"
        );
    }
    for value in ["18446744073709551616", "-1", "1e300"] {
        let token = forge(&key(), HS256, format!(r#"{{"exp":{value}}}"#));
        assert!(
            exp_type_error(decode::<Unsigned>(&token).map(drop)),
            "u64 {value}"
        );
    }
    for value in ["1e300", "-1e300", "1.7976931348623157e308"] {
        let token = forge(&key(), HS256, format!(r#"{{"exp":{value}}}"#));
        assert!(
            exp_type_error(decode::<Std>(&token).map(drop)),
            "SystemTime {value}"
        );
        assert!(
            exp_type_error(decode::<Chrono>(&token).map(drop)),
            "chrono {value}"
        );
        assert!(
            exp_type_error(decode::<Time>(&token).map(drop)),
            "time {value}"
        );
    }
    // The largest values a type holds still compare correctly (the token is not expired).
    let far = forge(&key(), HS256, format!(r#"{{"exp":{}}}"#, i64::MAX));
    assert!(decode::<Whole>(&far).is_ok());
    let far = forge(&key(), HS256, format!(r#"{{"exp":{}}}"#, u64::MAX));
    assert!(decode::<Unsigned>(&far).is_ok());
}

#[test]
fn a15_missing_claims_are_errors() {
    let exp = NOW + 60;
    for (missing, payload) in [
        (
            "sub",
            format!(
                r#"{{"exp":{exp},"iat":{NOW},"name":"n","iss":"https://auth.example.com","aud":"api"}}"#
            ),
        ),
        (
            "exp",
            format!(
                r#"{{"sub":"s","iat":{NOW},"name":"n","iss":"https://auth.example.com","aud":"api"}}"#
            ),
        ),
        (
            "iat",
            format!(
                r#"{{"sub":"s","exp":{exp},"name":"n","iss":"https://auth.example.com","aud":"api"}}"#
            ),
        ),
        (
            "name",
            format!(
                r#"{{"sub":"s","exp":{exp},"iat":{NOW},"iss":"https://auth.example.com","aud":"api"}}"#
            ),
        ),
    ] {
        let error = decode::<Session>(&forge(&key(), HS256, &payload)).unwrap_err();
        assert!(
            matches!(&error, Error::MissingClaim { claim } if *claim == missing),
            "{error:?}"
        );
    }
    // The declared `iss` of a type without an `iss` field is still required, and its
    // absence reported as such (it was `Issuer` before).
    let no_iss = format!(r#"{{"sub":"s","exp":{exp},"iat":{NOW},"name":"n","aud":"api"}}"#);
    assert!(matches!(
        decode::<Session>(&forge(&key(), HS256, no_iss)),
        Err(Error::MissingClaim { claim: "iss" })
    ));
    // Optional claims may be absent; `null` is not absence for a time claim.
    #[derive(Claims, Debug)]
    struct Optional {
        exp: Option<NumericDate>,
    }
    assert!(decode::<Optional>(&forge(&key(), HS256, "{}")).is_ok());
    assert!(matches!(
        decode::<Optional>(&forge(&key(), HS256, r#"{"exp":null}"#)),
        Err(Error::ClaimType { claim: "exp", .. })
    ));
}

#[test]
fn a16_duplicate_members() {
    let duplicate = |segment: Segment, name: &str| {
        let name = name.to_owned();
        move |error: &Error| matches!(error, Error::DuplicateMember { segment: s, name: n } if *s == segment && *n == name)
    };
    let payload = session_payload();
    for (header, name) in [
        (r#"{"alg":"none","alg":"HS256"}"#, "alg"),
        (r#"{"alg":"HS256","alg":"HS256"}"#, "alg"),
        (r#"{"alg":"HS256","\u0061lg":"none"}"#, "alg"),
        (r#"{"alg":"HS256","kid":"a","kid":"b"}"#, "kid"),
        (r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#, "typ"),
        (r#"{"alg":"HS256","crit":["x"],"crit":["y"]}"#, "crit"),
        (r#"{"alg":"HS256","jwk":{},"jwk":{}}"#, "jwk"),
        (r#"{"alg":"HS256","x":1,"\u0078":2}"#, "x"),
    ] {
        let error = decode::<Session>(&forge(&key(), header, &payload)).unwrap_err();
        assert!(
            duplicate(Segment::Header, name)(&error),
            "{header}: {error:?}"
        );
    }
    let exp = NOW + 60;
    let body = format!(
        r#""exp":{exp},"iat":{NOW},"name":"n","iss":"https://auth.example.com","aud":"api""#
    );
    for (payload, name) in [
        (format!(r#"{{"sub":"a","sub":"b",{body}}}"#), "sub"),
        (format!(r#"{{"s\u0075b":"a","sub":"b",{body}}}"#), "sub"),
        (format!(r#"{{"sub":"a",{body},"\u0065xp":1}}"#), "exp"),
        (format!(r#"{{"sub":"a",{body},"name":"m"}}"#), "name"),
        (
            format!(r#"{{"sub":"a",{body},"iss":"https://auth.example.com"}}"#),
            "iss",
        ),
        (format!(r#"{{"sub":"a",{body},"aud":"other"}}"#), "aud"),
        (format!(r#"{{"sub":"a",{body},"nbf":1,"nbf":2}}"#), "nbf"),
        // Unknown members, which serde would skip: last-wins in most parsers.
        (
            format!(r#"{{"sub":"a",{body},"role":"user","role":"admin"}}"#),
            "role",
        ),
        (
            format!(r#"{{"sub":"a",{body},"role":"user","r\u006fle":"admin"}}"#),
            "role",
        ),
    ] {
        let error = decode::<Session>(&forge(&key(), HS256, &payload)).unwrap_err();
        assert!(
            duplicate(Segment::Payload, name)(&error),
            "{payload}: {error:?}"
        );
    }
    // Duplicates inside nested custom claims, whatever type reads them.
    #[derive(Claims, Debug)]
    struct Nested {
        perms: serde_json::Value,
        map: Option<std::collections::HashMap<String, String>>,
        list: Option<Vec<serde_json::Value>>,
    }
    for payload in [
        r#"{"perms":{"file":"r","file":"rw"}}"#,
        r#"{"perms":{"a":{"file":"r","f\u0069le":"rw"}}}"#,
        r#"{"perms":[{"x":1,"x":2}]}"#,
        r#"{"perms":1,"map":{"k":"1","k":"2"}}"#,
        r#"{"perms":1,"list":[{"k":1,"k":2}]}"#,
        // An unknown member's nested object is checked as well.
        r#"{"perms":1,"other":{"k":1,"k":2}}"#,
    ] {
        let error = decode::<Nested>(&forge(&key(), HS256, payload)).unwrap_err();
        assert!(
            matches!(
                error,
                Error::DuplicateMember {
                    segment: Segment::Payload,
                    ..
                }
            ),
            "{payload}: {error:?}"
        );
    }
    assert!(
        decode::<Nested>(&forge(
            &key(),
            HS256,
            r#"{"perms":{"a":{"k":1},"b":{"k":1}}}"#
        ))
        .is_ok()
    );
}

#[test]
fn a17_non_canonical_base64url_is_rejected() {
    // A valid token whose segments contain `-` and `_`, which lax decoders alias to `+`, `/`.
    let token = (0..1000)
        .map(|n| {
            let payload = format!(
                r#"{{"sub":"ada-{n}??>>","exp":{},"iat":{NOW},"name":"Ada","iss":"https://auth.example.com","aud":"api"}}"#,
                NOW + 600
            );
            forge(&key(), HS256, &payload)
        })
        .find(|token| {
            token
                .split('.')
                .skip(1)
                .all(|segment| segment.contains(['-', '_']))
        })
        .expect("a token with - and _ in payload and signature");
    assert!(decode::<Session>(&token).is_ok());
    let parts: Vec<&str> = token.split('.').collect();
    let rebuild = |index: usize, segment: &str| {
        let mut parts = parts.clone();
        parts[index] = segment;
        parts.join(".")
    };
    let segment_names = [Segment::Header, Segment::Payload, Segment::Signature];
    let mut cases = 0;
    for (index, &segment) in parts.iter().enumerate() {
        let mut variants = vec![
            segment.replace('-', "+").replace('_', "/"),
            format!("{segment}="),
            format!("{segment}=="),
            format!("{}={}", &segment[..4], &segment[4..]),
            format!(" {segment}"),
            format!("{segment} "),
            format!("{}\n{}", &segment[..8], &segment[8..]),
            format!("{}\r\n{}", &segment[..8], &segment[8..]),
            format!("{}\t{}", &segment[..8], &segment[8..]),
            format!("{segment}!!!!"),
            format!("{segment}A"),
        ];
        // Pad to a length of 4n+1 (impossible) and to canonical-looking but padded forms.
        if segment.len() % 4 != 0 {
            variants.push(format!("{segment}{}", "=".repeat(4 - segment.len() % 4)));
        }
        for variant in variants {
            if variant == segment {
                continue;
            }
            let error = decode::<Session>(&rebuild(index, &variant)).unwrap_err();
            let ok = match index {
                2 => {
                    matches!(error, Error::Signature)
                        || malformed(Segment::Signature, Malformed::Base64)(&error)
                }
                // A payload change also breaks the MAC, which is checked before the
                // payload is decoded; text outside the alphabet is malformed all the same.
                1 if variant
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    && variant.len() % 4 != 1 =>
                {
                    matches!(error, Error::Signature)
                }
                1 => malformed(Segment::Payload, Malformed::Base64)(&error),
                _ => malformed(segment_names[index], Malformed::Base64)(&error),
            };
            assert!(ok, "segment {index} as {variant:?}: {error:?}");
            cases += 1;
        }
    }
    assert!(cases >= 30);
    // Non-zero unused bits: the last character of each segment changed to the next one,
    // which a lax decoder maps to the same bytes.
    for index in 0..3 {
        let segment = parts[index];
        if segment.len().is_multiple_of(4) {
            continue;
        }
        let last = segment.as_bytes()[segment.len() - 1];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let position = alphabet.iter().position(|&c| c == last).unwrap();
        let sibling = alphabet[position + 1] as char;
        let variant = format!("{}{sibling}", &segment[..segment.len() - 1]);
        let bytes = base64url::decode(segment.as_bytes()).unwrap();
        assert!(base64url::decode(variant.as_bytes()).is_err());
        let error = decode::<Session>(&rebuild(index, &variant)).unwrap_err();
        assert!(
            malformed(segment_names[index], Malformed::Base64)(&error)
                || (index == 1 && matches!(error, Error::Signature)),
            "{index}: {error:?} ({} bytes)",
            bytes.len()
        );
    }
    // The RFC 7515 A.1 signature `…Xk` vs `…Xl` (tink-java#82).
    let a1 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
    let a1_key = HmacKey::<Hs256>::from_base64url(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    )
    .unwrap();
    let before = Validation::new().clock(FixedClock(NumericDate::from_secs(1_300_819_379)));
    assert!(matches!(
        before.decode::<Loose, _>(a1, &a1_key),
        Err(Error::Malformed {
            segment: Segment::Signature,
            reason: Malformed::Base64
        })
    ));
    // There is no padding-tolerant mode: the only accepted text is the canonical one.
}

#[test]
fn a18_structural_malformation() {
    let shape = malformed(Segment::Token, Malformed::SegmentCount);
    let valid = forge(&key(), HS256, session_payload());
    let json_serialization = format!(
        r#"{{"payload":"{}","protected":"{}","signature":"{}"}}"#,
        valid.split('.').nth(1).unwrap(),
        valid.split('.').next().unwrap(),
        valid.split('.').nth(2).unwrap()
    );
    for token in [
        "",
        "a",
        "a.b",
        "a.b.c.d",
        "a.b.c.foo.e.f",
        ".",
        "a.b.c.d.e.f",
        json_serialization.as_str(),
        &format!("{valid}."),
        &format!("{valid}.foo"),
        &format!(".{valid}"),
        &format!("{valid}.x.y.z"),
    ] {
        let error = loose(token).unwrap_err();
        assert!(shape(&error), "{token:?}: {error:?}");
    }
    for token in ["a..c", ".b.c", "a.b.", ".."] {
        assert!(loose(token).is_err(), "{token:?}");
    }
    assert!(malformed(Segment::Header, Malformed::Base64)(
        &loose("a..c").unwrap_err()
    ));
    assert!(malformed(Segment::Header, Malformed::Json)(
        &loose(".b.c").unwrap_err()
    ));
    // JSON serialization with a compact token inside it is still not compact.
    // Non-object headers and payloads, each correctly signed.
    for header in ["[]", r#""x""#, "1", "null", "true", r#"["alg","HS256"]"#] {
        let error = loose(&forge(&key(), header, "{}")).unwrap_err();
        assert!(
            malformed(Segment::Header, Malformed::NotAnObject)(&error),
            "{header}: {error:?}"
        );
    }
    for payload in ["[]", r#""x""#, "1", "null", "true", r#"[{"sub":"a"}]"#] {
        let error = loose(&forge(&key(), HS256, payload)).unwrap_err();
        assert!(
            malformed(Segment::Payload, Malformed::NotAnObject)(&error),
            "{payload}: {error:?}"
        );
    }
    for payload in ["", " ", "{", "{}{}", "foo"] {
        let error = loose(&forge(&key(), HS256, payload)).unwrap_err();
        assert!(
            malformed(Segment::Payload, Malformed::Json)(&error),
            "{payload:?}: {error:?}"
        );
    }
    // Five segments: JWE, named as such.
    assert!(matches!(loose("a.b.c.d.e"), Err(Error::JweNotSupported)));
    assert!(matches!(loose("...."), Err(Error::JweNotSupported)));
    assert!(matches!(
        loose(&format!("{valid}.x.y")),
        Err(Error::JweNotSupported)
    ));
}

#[test]
fn a19_size_limits_apply_before_any_decoding() {
    let too_large = |result: Result<Loose, Error>, len: usize, limit: usize| matches!(result, Err(Error::TooLarge { len: l, limit: m }) if l == len && m == limit);
    let mib = 1 << 20;
    for filler in [".", "A", "a.b.", "\u{ff}"] {
        let token = filler.repeat(mib / filler.len());
        assert!(too_large(loose(&token), token.len(), 65_536), "{filler}");
    }
    // Pre-authentication work allocates nothing, or a constant, whatever the input: counted
    // on this thread by allocation-counter's global allocator.
    let (the_key, at_now) = (key(), validation());
    let pre_auth = |token: &str| {
        let info = allocation_counter::measure(|| {
            let _ = at_now.decode::<Session, _>(token, &the_key);
        });
        info.count_total
    };
    let big_header = format!("{}.e30.{}", "A".repeat(60_000), b64([0; 32]));
    let big_payload = format!("{}.{}.{}", b64(HS256), "A".repeat(60_000), b64([0; 32]));
    let many_dots = format!("{}{}", "A".repeat(30_000), ".".repeat(30_000));
    for (what, token, most) in [
        ("1 MiB of dots", ".".repeat(mib), 0),
        ("1 MiB of A", "A".repeat(mib), 0),
        ("60 KB of dots", ".".repeat(60_000), 0),
        ("60 KB without a dot", "A".repeat(60_000), 0),
        ("30 KB of dots after 30 KB", many_dots, 0),
        // The header is decoded (one buffer) and found not to be JSON (serde_json's boxed
        // error): two allocations, however long the header.
        ("60 KB header of garbage", big_header, 2),
        // The payload is not even decoded: the MAC fails first.
        ("60 KB payload, bad MAC", big_payload, 0),
    ] {
        let count = pre_auth(&token);
        assert!(count <= most, "{what}: {count} allocations");
    }
    // The limit is checked before the shape: a valid token one byte over a custom limit.
    let valid = forge(&key(), HS256, session_payload());
    let limit = valid.len() - 1;
    assert!(too_large(
        validation()
            .max_token_len(limit)
            .decode::<Loose, _>(&valid, &key()),
        valid.len(),
        limit
    ));
    assert!(
        validation()
            .max_token_len(valid.len())
            .decode::<Session, _>(&valid, &key())
            .is_ok()
    );
    // Exactly at the default limit is allowed; one over is not.
    let at_limit = forge(
        &key(),
        HS256,
        format!(r#"{{"pad":"{}"}}"#, "x".repeat(49_000)),
    );
    assert!(at_limit.len() <= 65_536 && loose(&at_limit).is_ok());
    let over = forge(
        &key(),
        HS256,
        format!(r#"{{"pad":"{}"}}"#, "x".repeat(49_200)),
    );
    assert!(over.len() > 65_536);
    assert!(too_large(loose(&over), over.len(), 65_536));
    // A `zip` header is refused: there is no decompression code, and JWS has no `zip`.
    let zipped = forge(&key(), r#"{"alg":"HS256","zip":"DEF"}"#, session_payload());
    assert!(matches!(loose(&zipped), Err(Error::JweNotSupported)));
}

#[test]
fn a20_deep_nesting_never_overflows_the_stack() {
    let depth = 10_000;
    let nested_array = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let nested_object = format!("{}1{}", r#"{"":"#.repeat(depth), "}".repeat(depth));
    let cases: Vec<(String, String)> = vec![
        // Pre-auth: the header, before any MAC check, with a garbage signature.
        (
            format!(r#"{{"alg":"HS256","x":{nested_array}}}"#),
            "{}".to_owned(),
        ),
        (
            format!(r#"{{"alg":"HS256","x":{nested_object}}}"#),
            "{}".to_owned(),
        ),
        (format!(r#"{{"alg":{nested_array}}}"#), "{}".to_owned()),
        (
            format!(r#"{{"alg":"HS256","kid":{nested_object}}}"#),
            "{}".to_owned(),
        ),
        (
            format!(r#"{{"alg":"HS256","crit":{nested_array}}}"#),
            "{}".to_owned(),
        ),
        (nested_array.clone(), "{}".to_owned()),
        // Post-auth: claims under a valid MAC.
        (HS256.to_owned(), format!(r#"{{"x":{nested_array}}}"#)),
        (HS256.to_owned(), format!(r#"{{"exp":{nested_array}}}"#)),
        (HS256.to_owned(), format!(r#"{{"aud":{nested_array}}}"#)),
        (HS256.to_owned(), format!(r#"{{"x":{nested_object}}}"#)),
        (HS256.to_owned(), format!(r#"{{"sub":{nested_object}}}"#)),
        (HS256.to_owned(), nested_array.clone()),
        (
            HS256.to_owned(),
            format!(r#"{{"x":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000)),
        ),
    ];
    #[derive(Claims, Debug)]
    struct Deep {
        x: Option<serde_json::Value>,
    }
    let handle = std::thread::Builder::new()
        // serde_json stops at 128 levels; in a debug build those 128 levels take between
        // 256 and 512 KiB of stack, in release far less. The point: 10,000 (and 100,000)
        // levels take no more than 128 do.
        .stack_size(512 * 1024)
        .spawn(move || {
            for (index, (header, payload)) in cases.iter().enumerate() {
                let signed = forge(&key(), header, payload);
                let garbage = unsigned(header, payload, &b64([0; 32]));
                for token in [signed, garbage] {
                    // 10,000 levels of `{"":` are over the default 64 KiB limit: lift it.
                    let lifted = validation().max_token_len(1 << 20);
                    let loose_error = lifted.decode::<Loose, _>(&token, &key()).unwrap_err();
                    let deep_error = lifted.decode::<Deep, _>(&token, &key()).unwrap_err();
                    for error in [loose_error, deep_error] {
                        // `TooDeep` since nesting past the limit has its own reason (it
                        // was reported as `Json` before).
                        assert!(
                            matches!(
                                error,
                                Error::Malformed {
                                    reason: Malformed::Json
                                        | Malformed::NotAnObject
                                        | Malformed::TooDeep,
                                    ..
                                } | Error::ClaimType { .. }
                                    | Error::Signature
                                    | Error::Algorithm { .. }
                            ),
                            "case {index}: {error:?}"
                        );
                    }
                }
                let _ = dangerous::peek::<Deep>(&forge(&key(), header, payload));
            }
        })
        .unwrap();
    handle.join().expect("no stack overflow, no panic");
    // 100 levels are fine where the schema allows them.
    #[derive(Claims, Debug)]
    struct Shallow {
        x: serde_json::Value,
    }
    let hundred = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(decode::<Shallow>(&forge(&key(), HS256, format!(r#"{{"x":{hundred}}}"#))).is_ok());
}

#[test]
fn a21_the_mac_covers_exactly_the_received_bytes() {
    // RFC 7515 A.1: CR LF and spaces inside the JSON; verified as received.
    let a1 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let a1_key = HmacKey::<Hs256>::from_base64url(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    )
    .unwrap();
    #[derive(Claims, Debug)]
    struct Joe {
        iss: String,
        #[claim(rename = "http://example.com/is_root")]
        root: bool,
    }
    let before = Validation::new().clock(FixedClock(NumericDate::from_secs(1_300_819_379)));
    let joe: Joe = before.decode(a1, &a1_key).unwrap();
    assert_eq!((joe.iss.as_str(), joe.root), ("joe", true));
    // The same header and claims re-serialized (whitespace removed, members reordered) do not
    // verify under the A.1 signature.
    let signature = a1.rsplit('.').next().unwrap();
    for (header, payload) in [
        (
            r#"{"typ":"JWT","alg":"HS256"}"#,
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}",
        ),
        (
            "{\"alg\":\"HS256\",\r\n \"typ\":\"JWT\"}",
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}",
        ),
        (
            "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}",
            r#"{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}"#,
        ),
        (
            "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}",
            "{\"iss\":\"joe\",\n \"exp\":1300819380,\n \"http://example.com/is_root\":true}",
        ),
    ] {
        let token = unsigned(header, payload, signature);
        assert!(matches!(
            before.decode::<Joe, _>(&token, &a1_key),
            Err(Error::Signature)
        ));
    }
    // Claims come from the MAC'd bytes: whitespace, escapes and member order as sent.
    let payload = "\t{ \"sub\" : \"\\u0061da\" ,\r\n\"exp\": 1.7000006E9 } \n";
    #[derive(Claims, Debug)]
    struct Sub {
        sub: String,
    }
    let sub: Sub = decode(&forge(&key(), HS256, payload)).unwrap();
    assert_eq!(sub.sub, "ada");
    // Every single character change of a valid token's header or payload segment is refused.
    let token = forge(&key(), HS256, session_payload());
    let signed_len = token.rfind('.').unwrap();
    for position in 0..signed_len {
        let mut bytes = token.clone().into_bytes();
        bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
        let mutated = String::from_utf8(bytes).unwrap();
        assert!(decode::<Session>(&mutated).is_err(), "{position}");
    }
}

#[test]
fn a22_bad_utf8_and_lax_json_are_rejected() {
    let exp = NOW + 60;
    let payloads: Vec<(&str, Vec<u8>)> = vec![
        (
            "overlong C0 AF",
            [&br#"{"sub":""#[..], &[0xc0, 0xaf], br#""}"#].concat(),
        ),
        (
            "overlong in a member name",
            [&br#"{""#[..], &[0xc0, 0xaf], br#"":1}"#].concat(),
        ),
        (
            "lone 0xff",
            [&br#"{"sub":""#[..], &[0xff], br#""}"#].concat(),
        ),
        (
            "truncated sequence",
            [&br#"{"sub":""#[..], &[0xe2, 0x82], br#""}"#].concat(),
        ),
        (
            "encoded surrogate",
            [&br#"{"sub":""#[..], &[0xed, 0xa0, 0x80], br#""}"#].concat(),
        ),
        (
            "unknown member, bad UTF-8",
            [&br#"{"zz":""#[..], &[0xff], br#""}"#].concat(),
        ),
        ("lone surrogate escape", br#"{"sub":"\ud800"}"#.to_vec()),
        ("lone low surrogate escape", br#"{"zz":"\udc00"}"#.to_vec()),
        ("BOM", [&[0xef, 0xbb, 0xbf][..], br#"{"sub":"a"}"#].concat()),
        ("trailing data", br#"{"sub":"a"} x"#.to_vec()),
        ("two objects", br#"{"sub":"a"}{"sub":"b"}"#.to_vec()),
        ("NaN", br#"{"exp":NaN}"#.to_vec()),
        ("Infinity", br#"{"exp":Infinity}"#.to_vec()),
        ("-Infinity", br#"{"exp":-Infinity}"#.to_vec()),
        (
            "line comment",
            format!("{{\"exp\":{exp} // c\n}}").into_bytes(),
        ),
        (
            "block comment",
            format!(r#"{{/* c */"exp":{exp}}}"#).into_bytes(),
        ),
        ("single quotes", b"{'sub':'a'}".to_vec()),
        ("trailing comma", br#"{"sub":"a",}"#.to_vec()),
        ("unquoted key", br#"{sub:"a"}"#.to_vec()),
        ("leading zero", br#"{"exp":01700000060}"#.to_vec()),
        ("hex number", br#"{"exp":0x10}"#.to_vec()),
        ("plus sign", br#"{"exp":+1700000060}"#.to_vec()),
        ("control character", b"{\"sub\":\"a\x01b\"}".to_vec()),
        ("raw newline in string", b"{\"sub\":\"a\nb\"}".to_vec()),
        ("invalid escape", br#"{"sub":"\x41"}"#.to_vec()),
        ("NUL after object", b"{\"sub\":\"a\"}\0".to_vec()),
    ];
    for (what, payload) in &payloads {
        let error = loose(&forge(&key(), HS256, payload)).expect_err(what);
        // Text that is not Unicode has its own reason, `InvalidUnicode` (it was reported as
        // `Json` before).
        assert!(
            malformed(Segment::Payload, Malformed::Json)(&error)
                || malformed(Segment::Payload, Malformed::InvalidUnicode)(&error)
                || matches!(error, Error::ClaimType { .. }),
            "payload, {what}: {error:?}"
        );
        // The same defects in the header: `"alg":"HS256",` inserted after the first `{`.
        let open = payload.iter().position(|&byte| byte == b'{').unwrap();
        let header_bytes = [
            &payload[..=open],
            br#""alg":"HS256","#,
            &payload[open + 1..],
        ]
        .concat();
        let error = loose(&forge(&key(), &header_bytes, r#"{"sub":"a"}"#)).expect_err(&format!(
            "header, {what}: {}",
            String::from_utf8_lossy(&header_bytes)
        ));
        assert!(
            malformed(Segment::Header, Malformed::Json)(&error)
                || malformed(Segment::Header, Malformed::InvalidUnicode)(&error)
                || matches!(error, Error::Algorithm { .. }),
            "header, {what}: {error:?}"
        );
    }
    // Valid non-ASCII text and escapes are fine.
    #[derive(Claims, Debug)]
    struct Sub {
        sub: String,
    }
    let ok: Sub = decode(&forge(&key(), HS256, r#"{"sub":"é😀\ud83d\ude00\u00e9"}"#)).unwrap();
    assert_eq!(ok.sub, "é😀😀é");
}

#[test]
fn a23_cross_jwt_substitution_by_typ_and_aud() {
    #[derive(Claims, Debug)]
    #[claims(typ = "at+jwt", aud = "api")]
    struct AccessToken {
        sub: String,
        exp: NumericDate,
    }
    #[derive(Claims, Debug)]
    #[claims(aud = "refresh")]
    struct RefreshToken {
        sub: String,
        exp: NumericDate,
    }
    let payload = format!(r#"{{"sub":"ada","exp":{},"aud":"api"}}"#, NOW + 60);
    let typed = |typ: Option<&str>| {
        let header = match typ {
            Some(typ) => serde_json::json!({"alg": "HS256", "typ": typ}).to_string(),
            None => r#"{"alg":"HS256"}"#.to_owned(),
        };
        decode::<AccessToken>(&forge(&key(), header, &payload))
    };
    for typ in [
        None,
        Some("JWT"),
        Some("jwt"),
        Some("at+jwt+x"),
        Some("at-jwt"),
        Some("rt+jwt"),
        Some(" at+jwt"),
    ] {
        let error = typed(typ).unwrap_err();
        assert!(
            matches!(
                error,
                Error::TokenType {
                    expected: "at+jwt",
                    ..
                }
            ),
            "{typ:?}: {error:?}"
        );
    }
    // Media type names are case-insensitive (RFC 7515 §4.1.9), deliberately; the
    // `application/` prefix may be omitted or present (RFC 8725 §3.11).
    for typ in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/AT+jwt",
    ] {
        assert!(typed(Some(typ)).is_ok(), "{typ}");
    }
    for typ in [r#"1"#, "null", r#"["at+jwt"]"#] {
        let header = format!(r#"{{"alg":"HS256","typ":{typ}}}"#);
        let error = decode::<AccessToken>(&forge(&key(), header, &payload)).unwrap_err();
        assert!(
            matches!(error, Error::TokenType { found: None, .. }),
            "{typ}: {error:?}"
        );
    }
    // Types sharing one key cannot read each other's tokens when `typ` or `aud` differ.
    let access = AccessToken {
        sub: "ada".into(),
        exp: NumericDate::from_secs(NOW + 60),
    }
    .encode(&key())
    .unwrap();
    let refresh = RefreshToken {
        sub: "ada".into(),
        exp: NumericDate::from_secs(NOW + 60),
    }
    .encode(&key())
    .unwrap();
    assert!(decode::<AccessToken>(&access).is_ok());
    assert!(decode::<RefreshToken>(&refresh).is_ok());
    // A type without a declared `typ` no longer accepts `at+jwt` (it reached the audience
    // check before).
    assert!(matches!(
        decode::<RefreshToken>(&access),
        Err(Error::TokenType {
            expected: "JWT",
            ..
        })
    ));
    assert!(matches!(
        decode::<AccessToken>(&refresh),
        Err(Error::TokenType { .. })
    ));
    // A type without a declared `typ` accepts `JWT` only (and no `typ`).
    for typ in [
        "JOSE",
        "JOSE+JSON",
        "jwt ",
        "+jwt",
        "application/json",
        "",
        "at+jwt",
    ] {
        let header = serde_json::json!({"alg": "HS256", "typ": typ}).to_string();
        let error = loose(&forge(&key(), header, "{}")).unwrap_err();
        assert!(
            matches!(
                error,
                Error::TokenType {
                    expected: "JWT",
                    ..
                }
            ),
            "{typ:?}: {error:?}"
        );
    }
}

#[test]
fn a24_expiration_boundaries_and_default_leeway() {
    #[derive(Claims, Debug)]
    struct Window {
        exp: NumericDate,
        nbf: NumericDate,
    }
    let (exp, nbf) = (NOW + 100, NOW - 100);
    let token = forge(&key(), HS256, format!(r#"{{"exp":{exp},"nbf":{nbf}}}"#));
    let at = |now: i64, leeway: u64| {
        let validation = Validation::new().clock(FixedClock(NumericDate::from_secs(now)));
        let validation = if leeway > 0 {
            validation.leeway(Duration::from_secs(leeway))
        } else {
            validation
        };
        validation.decode::<Window, _>(&token, &key())
    };
    // No leeway unless asked for: exp is exclusive, nbf inclusive.
    assert!(at(exp - 1, 0).is_ok());
    assert!(matches!(at(exp, 0), Err(Error::Expired { .. })));
    assert!(matches!(at(exp + 1, 0), Err(Error::Expired { .. })));
    assert!(at(nbf, 0).is_ok());
    assert!(matches!(at(nbf - 1, 0), Err(Error::NotYetValid { .. })));
    // With a leeway L, both boundaries move by exactly L.
    for leeway in [1, 30, 300] {
        assert!(at(exp + leeway as i64 - 1, leeway).is_ok(), "{leeway}");
        assert!(
            matches!(at(exp + leeway as i64, leeway), Err(Error::Expired { .. })),
            "{leeway}"
        );
        assert!(at(nbf - leeway as i64, leeway).is_ok(), "{leeway}");
        assert!(
            matches!(
                at(nbf - leeway as i64 - 1, leeway),
                Err(Error::NotYetValid { .. })
            ),
            "{leeway}"
        );
    }
    // A declared leeway is the type's default, and a run-time one replaces it.
    #[derive(Claims, Debug)]
    #[claims(leeway = "30s")]
    struct Lenient {
        exp: NumericDate,
    }
    let lenient = forge(&key(), HS256, format!(r#"{{"exp":{exp}}}"#));
    let now = |now: i64| Validation::new().clock(FixedClock(NumericDate::from_secs(now)));
    assert!(now(exp + 29).decode::<Lenient, _>(&lenient, &key()).is_ok());
    assert!(matches!(
        now(exp + 30).decode::<Lenient, _>(&lenient, &key()),
        Err(Error::Expired { .. })
    ));
    assert!(matches!(
        now(exp)
            .leeway(Duration::ZERO)
            .decode::<Lenient, _>(&lenient, &key()),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn a25_configuration_errors_are_not_token_errors() {
    // Key problems surface once, at construction, as `KeyError`, never during decoding.
    let key_errors: Vec<KeyError> = vec![
        HmacKey::<Hs256>::from_bytes(&[]).unwrap_err(),
        HmacKey::<Hs256>::from_base64url("not base64!").unwrap_err(),
        key().with_kid("").unwrap_err(),
        KeySet::new(key()).unwrap_err(),
        KeySet::new(key().with_kid("a").unwrap())
            .unwrap()
            .with_key(key())
            .unwrap_err(),
        KeySet::new(key().with_kid("a").unwrap())
            .unwrap()
            .with_key(key().with_kid("a").unwrap())
            .unwrap_err(),
    ];
    assert!(matches!(
        key_errors.as_slice(),
        [
            KeyError::TooShort { .. },
            KeyError::Base64,
            KeyError::InvalidKeyId,
            KeyError::MissingKeyId,
            KeyError::MissingKeyId,
            KeyError::DuplicateKeyId(_),
        ]
    ));
    for error in &key_errors {
        assert!(!error.to_string().contains("5a5a"));
    }
    // No decode input panics, whatever it is (proptest and the fuzz targets go further).
    let samples = [
        "",
        ".",
        "..",
        "...",
        "\u{0}",
        "\u{ffff}.\u{ffff}.\u{ffff}",
        "eyJ.eyJ.eyJ",
        "e30.e30.",
        "e30.e30.AAAA",
        "bnVsbA.bnVsbA.",
        "W10.W10.",
        "eyJhbGciOiJIUzI1NiJ9..",
        "a\u{300}.b.c",
    ];
    for sample in samples {
        let error = loose(sample).unwrap_err();
        assert!(
            !error.is_claims_error() && !error.is_store_unavailable(),
            "{sample:?}: {error:?}"
        );
        let _ = error.to_string();
        let _ = dangerous::peek::<Loose>(sample);
    }
}

#[test]
fn a26_token_identity_is_canonical() {
    // Caches and denylists keyed on the token string work only if one set of bytes has one
    // accepted text. Encoding is deterministic, and every accepted token re-encodes to itself.
    let session = Session {
        sub: "ada".into(),
        exp: NumericDate::from_secs(NOW + 600),
        iat: NumericDate::from_secs(NOW),
        name: "Ada".into(),
    };
    let first = session.encode(&key()).unwrap();
    assert_eq!(first, session.encode(&key()).unwrap());
    for token in [first.as_str(), &forge(&key(), HS256, session_payload())] {
        assert!(decode::<Session>(token).is_ok());
        for segment in token.split('.') {
            let bytes = base64url::decode(segment.as_bytes()).unwrap();
            assert_eq!(base64url::encode(&bytes), segment);
        }
    }
    // Two tokens with the same claims but different texts are different tokens: a token
    // identity (e.g. a denylist entry) cannot be dodged by re-encoding, because every
    // alternative text of the same bytes is refused (A17).
    let parts: Vec<&str> = first.split('.').collect();
    let padded = format!("{}=.{}.{}", parts[0], parts[1], parts[2]);
    assert!(decode::<Session>(&padded).is_err());
    // Different keys or claims give different tokens.
    let other = HmacKey::<Hs256>::from_bytes(&[0x5b; 64]).unwrap();
    assert_ne!(first, session.encode(&other).unwrap());
}

#[test]
fn a27_jwe_is_rejected_outright() {
    let payload = session_payload();
    assert!(matches!(loose("a.b.c.d.e"), Err(Error::JweNotSupported)));
    // A real-looking compact JWE: protected header, encrypted key, iv, ciphertext, tag.
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        b64(r#"{"alg":"dir","enc":"A128CBC-HS256"}"#),
        "",
        b64([1; 16]),
        b64([2; 32]),
        b64([3; 16])
    );
    assert!(matches!(loose(&jwe), Err(Error::JweNotSupported)));
    // JWE algorithms in a three-segment token are not HS256.
    for alg in [
        "dir",
        "A128KW",
        "A256KW",
        "A128GCMKW",
        "ECDH-ES",
        "ECDH-ES+A128KW",
        "RSA1_5",
        "RSA-OAEP",
        "RSA-OAEP-256",
        "PBES2-HS256+A128KW",
        "PBES2-HS512+A256KW",
    ] {
        let header = format!(r#"{{"alg":"{alg}","enc":"A128GCM"}}"#);
        let error = loose(&forge(&key(), &header, &payload)).unwrap_err();
        assert!(
            matches!(error, Error::Algorithm { .. } | Error::JweNotSupported),
            "{alg}: {error:?}"
        );
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        assert!(matches!(
            loose(&forge(&key(), &header, &payload)),
            Err(Error::Algorithm { .. })
        ));
    }
    // JWE-only header parameters (`enc`, `zip`, and PBES2's `p2c`/`p2s` with them) make a
    // token JWE even when `alg` says HS256.
    for header in [
        r#"{"alg":"HS256","enc":"A128GCM"}"#,
        r#"{"alg":"HS256","zip":"DEF"}"#,
        r#"{"enc":"A256GCM","alg":"HS256","p2c":1000000000,"p2s":"AAAA"}"#,
    ] {
        let error = loose(&forge(&key(), header, &payload)).unwrap_err();
        assert!(
            matches!(error, Error::JweNotSupported),
            "{header}: {error:?}"
        );
    }
    // No decompression or key-derivation code is linked into the runtime.
    let manifest = include_str!("../jwt-runtime/Cargo.toml");
    for forbidden in [
        "flate2", "miniz", "zlib", "brotli", "pbkdf2", "aes-kw", "rsa = {", "rsa = \"",
    ] {
        assert!(
            !manifest.contains(forbidden),
            "jwt-runtime depends on {forbidden}"
        );
    }
}
