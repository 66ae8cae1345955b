//! Malformed, oversized, nested, non-UTF-8, duplicated, mistyped and tampered tokens: each is
//! rejected with its specific error, never a panic. RFC 7515 Appendix A.1 is the baseline.

use jwt_runtime::{
    Claims, Error, FixedClock, HmacKey, Hs256, Malformed, NumericDate, Segment, Validation,
    base64url,
};

/// RFC 7515 Appendix A.1: an HS256 JWS whose header and payload contain CRLF.
const RFC7515_A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC7515_A1_KEY: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

#[derive(Claims, Debug)]
#[claims(iss = "joe")]
struct Joe {
    exp: NumericDate,
    #[claim(rename = "http://example.com/is_root")]
    is_root: bool,
}

fn rfc_key() -> HmacKey<Hs256> {
    HmacKey::from_base64url(RFC7515_A1_KEY).unwrap()
}

fn before_rfc_expiry() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(1_300_819_379)))
}

#[test]
fn rfc7515_a1_verifies() {
    let joe: Joe = before_rfc_expiry().decode(RFC7515_A1, &rfc_key()).unwrap();
    assert!(joe.is_root);
    assert_eq!(joe.exp.as_secs(), 1_300_819_380);
    let at_expiry = Validation::new().clock(FixedClock(NumericDate::from_secs(1_300_819_380)));
    assert!(matches!(
        at_expiry.decode::<Joe, _>(RFC7515_A1, &rfc_key()),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn rfc7515_a1_with_any_single_character_changed_is_rejected() {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    let bytes = RFC7515_A1.as_bytes();
    let mut tried = 0;
    for at in 0..bytes.len() {
        for &replacement in alphabet {
            if replacement == bytes[at] {
                continue;
            }
            let mut mutated = bytes.to_vec();
            mutated[at] = replacement;
            let mutated = String::from_utf8(mutated).unwrap();
            assert!(
                before_rfc_expiry()
                    .decode::<Joe, _>(&mutated, &rfc_key())
                    .is_err(),
                "accepted a token changed at {at} to {:?}",
                replacement as char
            );
            tried += 1;
        }
    }
    assert!(tried > 10_000);
}

#[derive(Claims, Debug)]
struct Any {
    sub: Option<String>,
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&[0x33; 32]).unwrap()
}

/// A correctly signed token with exactly these header and payload bytes.
fn signed(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header),
        base64url::encode(payload)
    );
    let mac = key().__mac(input.as_bytes());
    format!("{input}.{}", base64url::encode(&mac))
}

fn decode(token: &str) -> Result<Any, Error> {
    Validation::new()
        .clock(FixedClock(NumericDate::from_secs(1_000)))
        .decode(token, &key())
}

fn malformed(segment: Segment, reason: Malformed) -> impl Fn(&Result<Any, Error>) -> bool {
    move |result| matches!(result, Err(Error::Malformed { segment: s, reason: r }) if *s == segment && *r == reason)
}

const HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;

#[test]
fn shape_errors() {
    let good = signed(HEADER, br#"{"sub":"a"}"#);
    assert!(decode(&good).is_ok());
    let count = malformed(Segment::Token, Malformed::SegmentCount);
    assert!(count(&decode("")));
    assert!(count(&decode("abc")));
    assert!(count(&decode("a.b")));
    assert!(count(&decode("a.b.c.d")));
    assert!(count(&decode(&format!("{good}.x.y.z"))));
    assert!(matches!(decode("a.b.c.d.e"), Err(Error::JweNotSupported)));
    assert!(malformed(Segment::Header, Malformed::Base64)(&decode(
        &format!("Bearer {good}")
    )));
    assert!(decode(&format!(" {good}")).is_err());
    assert!(decode(&format!("{good} ")).is_err());
    assert!(decode(&format!("{good}\n")).is_err());
}

#[test]
fn oversized_tokens_are_refused_before_decoding() {
    let huge = "a".repeat(65_537);
    assert!(matches!(
        decode(&huge),
        Err(Error::TooLarge {
            len: 65_537,
            limit: 65_536
        })
    ));
    let small_limit = Validation::new().max_token_len(10);
    assert!(matches!(
        small_limit.decode::<Any, _>("a.b.cdefghijk", &key()),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn header_errors() {
    let payload = br#"{"sub":"a"}"#;
    assert!(malformed(Segment::Header, Malformed::Json)(&decode(
        &signed(b"{\"alg\":", payload)
    )));
    assert!(malformed(Segment::Header, Malformed::Json)(&decode(
        &signed(b"\xff\xfe", payload)
    )));
    assert!(malformed(Segment::Header, Malformed::Json)(&decode(
        &signed(b"{\"alg\":\"HS256\"}{}", payload)
    )));
    assert!(malformed(Segment::Header, Malformed::NotAnObject)(&decode(
        &signed(b"[1]", payload)
    )));
    assert!(malformed(
        Segment::Header,
        Malformed::HeaderParameter("kid")
    )(&decode(&signed(
        br#"{"alg":"HS256","kid":7}"#,
        payload
    ))));
    assert!(matches!(
        decode(&signed(br#"{"alg":"HS256","alg":"HS256"}"#, payload)),
        Err(Error::DuplicateMember {
            segment: Segment::Header,
            ..
        })
    ));
    for alg in [
        r#""none""#,
        r#""None""#,
        r#""hs256""#,
        r#""HS256 ""#,
        "null",
        "256",
        r#"["HS256"]"#,
    ] {
        let header = format!(r#"{{"alg":{alg}}}"#);
        assert!(
            matches!(
                decode(&signed(header.as_bytes(), payload)),
                Err(Error::Algorithm {
                    expected: "HS256",
                    ..
                })
            ),
            "{alg}"
        );
    }
    assert!(matches!(
        decode(&signed(br#"{"typ":"JWT"}"#, payload)),
        Err(Error::Algorithm { found: None, .. })
    ));
    assert!(matches!(
        decode(&signed(br#"{"alg":"HS256","crit":[]}"#, payload)),
        Err(Error::Crit)
    ));
    assert!(matches!(
        decode(&signed(br#"{"alg":"HS256","typ":"JOSE"}"#, payload)),
        Err(Error::TokenType { .. })
    ));
    assert!(matches!(
        decode(&signed(br#"{"alg":"HS256","typ":1}"#, payload)),
        Err(Error::TokenType { found: None, .. })
    ));
    // Header-supplied keys are ignored: the configured key decides.
    assert!(
        decode(&signed(
            br#"{"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"},"jku":"https://x"}"#,
            payload
        ))
        .is_ok()
    );
}

#[test]
fn signature_errors() {
    let good = signed(HEADER, br#"{"sub":"a"}"#);
    let (signing_input, signature) = good.rsplit_once('.').unwrap();
    for bad in [
        "",
        "AAAA",
        &signature[..42],
        &format!("{signature}A"),
        &"A".repeat(43),
        &"w".repeat(43),
    ] {
        assert!(
            matches!(
                decode(&format!("{signing_input}.{bad}")),
                Err(Error::Signature)
            ),
            "{bad:?}"
        );
    }
    // Text that is not base64url at all is malformed, not a bad signature.
    for bad in [
        &format!("{signature} "),
        &format!("{signature}\n"),
        &format!(" {signature}"),
        &format!("{signature}="),
    ] {
        assert!(
            malformed(Segment::Signature, Malformed::Base64)(&decode(&format!(
                "{signing_input}.{bad}"
            ))),
            "{bad:?}"
        );
    }
    // A non-canonical last character (same bytes, other trailing bits) is not the signature.
    let last = signature.as_bytes()[42];
    let twin = (b"AEIMQUYcgkosw048".iter().find(|&&c| c != last))
        .copied()
        .unwrap();
    let twin = format!("{}{}", &signature[..42], twin as char);
    assert!(decode(&format!("{signing_input}.{twin}")).is_err());
    assert!(malformed(Segment::Signature, Malformed::Base64)(&decode(
        &format!("{signing_input}.{}", "+".repeat(43))
    )));
}

#[test]
fn payload_errors_after_a_valid_signature() {
    let payload = |json: &[u8]| decode(&signed(HEADER, json));
    assert!(malformed(Segment::Payload, Malformed::Json)(&payload(
        b"{\"sub\":"
    )));
    // Invalid UTF-8 has its own reason (it was reported as `Json` before).
    assert!(malformed(Segment::Payload, Malformed::InvalidUnicode)(
        &payload(b"{\"sub\":\"\xff\"}")
    ));
    assert!(malformed(Segment::Payload, Malformed::Json)(&payload(
        b"{\"sub\":'a'}"
    )));
    assert!(malformed(Segment::Payload, Malformed::Json)(&payload(
        b"{\"sub\":\"a\",}"
    )));
    assert!(malformed(Segment::Payload, Malformed::Json)(&payload(
        b"{} {}"
    )));
    assert!(malformed(Segment::Payload, Malformed::NotAnObject)(
        &payload(b"\"just a string\"")
    ));
    assert!(malformed(Segment::Payload, Malformed::NotAnObject)(
        &payload(b"[]")
    ));
    let nested = format!("{{\"x\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let deep = payload(nested.as_bytes());
    // Nesting past the limit has its own reason (it was reported as `Json` before).
    assert!(
        malformed(Segment::Payload, Malformed::TooDeep)(&deep),
        "{deep:?}"
    );
    for duplicated in [
        &br#"{"sub":"a","sub":"b"}"#[..],
        br#"{"s\u0075b":"a","sub":"b"}"#,
        br#"{"x":1,"x":2}"#,
        br#"{"exp":1,"\u0065xp":9999999999}"#,
    ] {
        assert!(
            matches!(
                payload(duplicated),
                Err(Error::DuplicateMember {
                    segment: Segment::Payload,
                    ..
                })
            ),
            "{}",
            String::from_utf8_lossy(duplicated)
        );
    }
    assert!(matches!(
        payload(br#"{"sub":5}"#),
        Err(Error::ClaimType { claim: "sub", .. })
    ));
    assert!(matches!(
        payload(br#"{"exp":"2000"}"#),
        Err(Error::ClaimType { claim: "exp", .. })
    ));
    assert!(matches!(
        payload(br#"{"exp":1e400}"#),
        Err(Error::ClaimType { claim: "exp", .. })
    ));
    assert!(matches!(
        payload(br#"{"iss":["joe"]}"#),
        Err(Error::ClaimType { claim: "iss", .. })
    ));
    assert!(matches!(
        payload(br#"{"exp":999}"#),
        Err(Error::Expired { .. })
    ));
    assert!(payload(br#"{"exp":1e19,"unknown":{"deep":[1,2,{"a":null}]}}"#).is_ok());
    // serde_json's nesting limit (128) applies to skipped members too.
    let deep_unknown = format!("{{\"x\":{}{}}}", "[".repeat(100), "]".repeat(100));
    assert!(payload(deep_unknown.as_bytes()).is_ok());
    let too_deep_unknown = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
    assert!(malformed(Segment::Payload, Malformed::TooDeep)(&payload(
        too_deep_unknown.as_bytes()
    )));
    let deep_header = format!(
        "{{\"alg\":\"HS256\",\"x\":{}{}}}",
        "{\"a\":".repeat(200),
        "}".repeat(200)
    );
    assert!(malformed(Segment::Header, Malformed::TooDeep)(&decode(
        &signed(deep_header.as_bytes(), b"{}")
    )));
}

#[test]
fn error_messages_quote_little_and_never_the_key() {
    let long_alg = format!(r#"{{"alg":"{}"}}"#, "A".repeat(500));
    let error = decode(&signed(long_alg.as_bytes(), b"{}"))
        .unwrap_err()
        .to_string();
    assert!(error.len() < 120, "{error}");
    let wrong_key = HmacKey::<Hs256>::from_bytes(b"super-secret-key-material-000000").unwrap();
    let error = Validation::new()
        .decode::<Any, _>(&signed(HEADER, b"{}"), &wrong_key)
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("super-secret"));
}

#[test]
fn missing_claim_iss_aud_sub_reported_as_missing() {
    // A token whose only fault is a missing claim that something expects is told so, not
    // "issuer is not the expected one" (what it was told before).
    #[derive(Claims, Debug)]
    #[claims(iss = "https://auth.example.com", aud = "api")]
    struct Declared {
        exp: NumericDate,
    }
    let at = || Validation::new().clock(FixedClock(NumericDate::from_secs(1_000)));
    let token = |payload: &str| signed(HEADER, payload.as_bytes());
    let complete = r#"{"exp":2000,"iss":"https://auth.example.com","aud":"api","sub":"ada"}"#;
    assert!(at().decode::<Declared, _>(&token(complete), &key()).is_ok());
    for (payload, claim) in [
        (r#"{"exp":2000,"aud":"api"}"#, "iss"),
        (r#"{"exp":2000,"iss":"https://auth.example.com"}"#, "aud"),
    ] {
        let error = at()
            .decode::<Declared, _>(&token(payload), &key())
            .unwrap_err();
        assert!(
            matches!(error, Error::MissingClaim { claim: c } if c == claim),
            "{payload}: {error:?}"
        );
    }
    // Expected at run time only: the same.
    let no_claims = token(r#"{"exp":2000}"#);
    for (validation, claim) in [
        (at().issuer("https://auth.example.com"), "iss"),
        (at().audience(["api"]), "aud"),
        (at().subject("ada"), "sub"),
    ] {
        let error = validation.decode::<Any, _>(&no_claims, &key()).unwrap_err();
        assert!(
            matches!(error, Error::MissingClaim { claim: c } if c == claim),
            "{claim}: {error:?}"
        );
    }
    // Present but different stays a mismatch.
    assert!(matches!(
        at().issuer("y")
            .decode::<Any, _>(&token(r#"{"exp":2000,"iss":"x"}"#), &key()),
        Err(Error::Issuer)
    ));
    assert!(matches!(
        at().audience(["y"])
            .decode::<Any, _>(&token(r#"{"exp":2000,"aud":"x"}"#), &key()),
        Err(Error::Audience)
    ));
    assert!(matches!(
        at().subject("y")
            .decode::<Any, _>(&token(r#"{"exp":2000,"sub":"x"}"#), &key()),
        Err(Error::Subject)
    ));
}

#[test]
fn signature_segment_junk_is_malformed_not_a_bad_signature() {
    let good = signed(HEADER, br#"{"sub":"a"}"#);
    assert!(decode(&good).is_ok());
    let (header, rest) = good.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    for (token, segment) in [
        (format!("{good} "), Segment::Signature),
        (format!("{good}\n"), Segment::Signature),
        (format!("{good}\r\n"), Segment::Signature),
        (format!("{good}\t"), Segment::Signature),
        (format!("{good}=="), Segment::Signature),
        (
            format!("{header}.{payload}. {signature}"),
            Segment::Signature,
        ),
        (format!("{header}. {payload}.{signature}"), Segment::Payload),
        (
            format!("{header}.{payload}\n.{signature}"),
            Segment::Payload,
        ),
    ] {
        let result = decode(&token);
        assert!(
            malformed(segment, Malformed::Base64)(&result),
            "{token:?}: {result:?}"
        );
    }
}

#[test]
fn jti_length_boundary_256_accepted_257_refused() {
    // Measured in bytes, not characters; a type without a `jti` field checks it all the same.
    for (jti, accepted) in [
        ("a".repeat(256), true),
        ("a".repeat(257), false),
        ("é".repeat(128), true),
        (format!("{}a", "é".repeat(128)), false),
    ] {
        let payload = format!(r#"{{"jti":"{jti}"}}"#);
        let result = decode(&signed(HEADER, payload.as_bytes()));
        if accepted {
            assert!(result.is_ok(), "{}: {result:?}", jti.len());
        } else {
            assert!(
                matches!(result, Err(Error::InvalidClaim { claim: "jti", .. })),
                "{}: {result:?}",
                jti.len()
            );
        }
    }
    assert_eq!(jwt_runtime::MAX_JTI_LEN, 256);
}
