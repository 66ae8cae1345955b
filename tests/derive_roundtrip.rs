//! Behaviour of derived claims types: what is encoded, what decodes, and how every declared
//! option shows up in tokens. Time is always injected.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use jwt_runtime::{
    Audience, Claims, Error, FixedClock, HmacKey, Hs256, Hs384, Hs512, KeySet, NumericDate,
    Validation, base64url, dangerous,
};
use serde::{Deserialize, Serialize};

const NOW: i64 = 1_700_000_000;

fn now() -> NumericDate {
    NumericDate::from_secs(NOW)
}

fn at_now() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(now()))
}

fn key256() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"0123456789abcdef0123456789abcdef").unwrap()
}

/// The JSON of one segment of a token.
fn segment_json(token: &str, index: usize) -> serde_json::Value {
    let segment = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&base64url::decode(segment.as_bytes()).unwrap()).unwrap()
}

#[derive(Claims, Debug, PartialEq)]
#[claims(iss = "https://auth.example.com", aud = "api.example.com")]
struct Session {
    sub: String,
    #[claim(exp)]
    expires_at: NumericDate,
    #[claim(iat, window = "5m")]
    issued_at: NumericDate,
    #[claim(nbf)]
    not_before: Option<NumericDate>,
    name: String,
    roles: Vec<String>,
}

fn session() -> Session {
    Session {
        sub: "user-42".into(),
        expires_at: now() + Duration::from_secs(600),
        issued_at: now(),
        not_before: None,
        name: "Ada Lovelace".into(),
        roles: vec!["admin".into(), "ops".into()],
    }
}

#[test]
fn round_trip_returns_the_same_claims() {
    let token = session().encode(&key256()).unwrap();
    let decoded: Session = at_now().decode(&token, &key256()).unwrap();
    assert_eq!(decoded, session());
}

#[test]
fn header_is_alg_and_typ_and_the_payload_holds_the_declared_claims() {
    let token = session().encode(&key256()).unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert_eq!(
        segment_json(&token, 0),
        serde_json::json!({"alg": "HS256", "typ": "JWT"})
    );
    assert_eq!(
        segment_json(&token, 1),
        serde_json::json!({
            "sub": "user-42",
            "exp": NOW + 600,
            "iat": NOW,
            "name": "Ada Lovelace",
            "roles": ["admin", "ops"],
            "iss": "https://auth.example.com",
            "aud": "api.example.com",
        })
    );
    // The header is exactly this text, so tokens are reproducible.
    assert_eq!(
        token.split('.').next(),
        Some("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9")
    );
}

#[test]
fn optional_claims_are_omitted_when_none_and_decoded_when_present() {
    let mut claims = session();
    claims.not_before = Some(now() - Duration::from_secs(1));
    let token = claims.encode(&key256()).unwrap();
    assert_eq!(segment_json(&token, 1)["nbf"], NOW - 1);
    let decoded: Session = at_now().decode(&token, &key256()).unwrap();
    assert_eq!(decoded.not_before, claims.not_before);
}

#[test]
fn kid_comes_from_the_key_and_a_key_set_selects_by_it() {
    let old = HmacKey::<Hs256>::from_bytes(&[1; 32])
        .unwrap()
        .with_kid("2026-10")
        .unwrap();
    let new = HmacKey::<Hs256>::from_bytes(&[2; 32])
        .unwrap()
        .with_kid("2026-11")
        .unwrap();
    let old_token = session().encode(&old).unwrap();
    assert_eq!(segment_json(&old_token, 0)["kid"], "2026-10");

    let keys = KeySet::new(new.clone()).unwrap().with_key(old).unwrap();
    let new_token = session().encode(&keys).unwrap();
    assert_eq!(segment_json(&new_token, 0)["kid"], "2026-11");
    assert!(at_now().decode::<Session, _>(&old_token, &keys).is_ok());
    assert!(at_now().decode::<Session, _>(&new_token, &keys).is_ok());

    // An id the set does not hold, or no id at all, is never tried against another key.
    let stranger = HmacKey::<Hs256>::from_bytes(&[2; 32])
        .unwrap()
        .with_kid("2026-12")
        .unwrap();
    let unknown = session().encode(&stranger).unwrap();
    assert!(matches!(
        at_now().decode::<Session, _>(&unknown, &keys),
        Err(Error::UnknownKeyId { kid: Some(kid) }) if kid == "2026-12"
    ));
    let no_kid = session()
        .encode(&HmacKey::<Hs256>::from_bytes(&[2; 32]).unwrap())
        .unwrap();
    assert!(matches!(
        at_now().decode::<Session, _>(&no_kid, &keys),
        Err(Error::UnknownKeyId { kid: None })
    ));

    // A single key ignores `kid`.
    assert!(at_now().decode::<Session, _>(&new_token, &new).is_ok());
}

#[test]
fn each_algorithm_signs_with_its_own_mac_length() {
    #[derive(Claims, Debug, PartialEq)]
    #[claims(alg = "HS384")]
    struct Medium {
        exp: u64,
    }
    #[derive(Claims, Debug, PartialEq)]
    #[claims(alg = "HS512")]
    struct Strong {
        exp: i64,
    }
    let key384 = HmacKey::<Hs384>::from_bytes(&[3; 48]).unwrap();
    let key512 = HmacKey::<Hs512>::from_bytes(&[4; 64]).unwrap();
    let exp = NOW + 10;
    let medium = Medium { exp: exp as u64 }.encode(&key384).unwrap();
    let strong = Strong { exp }.encode(&key512).unwrap();
    assert_eq!(segment_json(&medium, 0)["alg"], "HS384");
    assert_eq!(segment_json(&strong, 0)["alg"], "HS512");
    assert_eq!(medium.rsplit('.').next().unwrap().len(), 64);
    assert_eq!(strong.rsplit('.').next().unwrap().len(), 86);
    assert_eq!(
        at_now().decode::<Medium, _>(&medium, &key384).unwrap(),
        Medium { exp: exp as u64 }
    );
    assert_eq!(
        at_now().decode::<Strong, _>(&strong, &key512).unwrap(),
        Strong { exp }
    );
    // The HS384 token is not an HS512 token, whatever the key.
    assert!(matches!(
        at_now().decode::<Strong, _>(&medium, &key512),
        Err(Error::Algorithm { expected: "HS512", found: Some(found) }) if found == "HS384"
    ));
}

#[test]
fn rename_and_raw_identifiers_name_custom_claims() {
    #[derive(Claims, Debug, PartialEq)]
    struct Custom {
        exp: NumericDate,
        #[claim(rename = "https://example.com/roles")]
        roles: Vec<String>,
        r#type: String,
    }
    let claims = Custom {
        exp: now() + Duration::from_secs(1),
        roles: vec!["a".into()],
        r#type: "user".into(),
    };
    let token = claims.encode(&key256()).unwrap();
    let payload = segment_json(&token, 1);
    assert_eq!(
        payload["https://example.com/roles"],
        serde_json::json!(["a"])
    );
    assert_eq!(payload["type"], "user");
    assert_eq!(
        at_now().decode::<Custom, _>(&token, &key256()).unwrap(),
        claims
    );
}

#[test]
fn a_field_named_or_renamed_to_a_registered_claim_is_validated_as_it() {
    #[derive(Claims, Debug)]
    struct Renamed {
        #[claim(rename = "exp")]
        valid_until: NumericDate,
    }
    let expired = Renamed {
        valid_until: now() - Duration::from_secs(1),
    }
    .encode(&key256())
    .unwrap();
    assert!(matches!(
        at_now().decode::<Renamed, _>(&expired, &key256()),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn registered_claims_without_a_field_are_still_checked() {
    #[derive(Claims, Debug)]
    struct Minimal {
        sub: String,
    }
    #[derive(Claims)]
    struct Full {
        sub: String,
        exp: NumericDate,
        aud: String,
        iss: String,
    }
    let full = |exp: i64, aud: &str| {
        Full {
            sub: "s".into(),
            exp: NumericDate::from_secs(exp),
            aud: aud.into(),
            iss: "i".into(),
        }
        .encode(&key256())
        .unwrap()
    };
    // An expired token is expired even for a type that does not read `exp`.
    assert!(matches!(
        at_now().decode::<Minimal, _>(&full(NOW - 1, "x"), &key256()),
        Err(Error::Expired { .. })
    ));
    // A token with `aud` is refused by a verifier that expects no audience (RFC 7519 §4.1.3).
    assert!(matches!(
        at_now().decode::<Minimal, _>(&full(NOW + 1, "x"), &key256()),
        Err(Error::Audience)
    ));
    // ... and accepted once the verifier expects it.
    let minimal: Minimal = at_now()
        .audience(["x"])
        .decode(&full(NOW + 1, "x"), &key256())
        .unwrap();
    assert_eq!(minimal.sub, "s");
    // A declared issuer is required even without an `iss` field.
    assert!(matches!(
        at_now()
            .audience(["x"])
            .issuer("other")
            .decode::<Minimal, _>(&full(NOW + 1, "x"), &key256()),
        Err(Error::Issuer)
    ));
}

#[test]
fn run_time_settings_replace_the_declared_ones() {
    let token = session().encode(&key256()).unwrap();
    assert!(matches!(
        at_now()
            .issuer("https://other.example")
            .decode::<Session, _>(&token, &key256()),
        Err(Error::Issuer)
    ));
    assert!(matches!(
        at_now()
            .audience(["other"])
            .decode::<Session, _>(&token, &key256()),
        Err(Error::Audience)
    ));
    assert!(
        at_now()
            .audience(["other", "api.example.com"])
            .decode::<Session, _>(&token, &key256())
            .is_ok()
    );
    assert!(
        at_now()
            .subject("user-42")
            .decode::<Session, _>(&token, &key256())
            .is_ok()
    );
    assert!(matches!(
        at_now()
            .subject("user-4")
            .decode::<Session, _>(&token, &key256()),
        Err(Error::Subject)
    ));
}

#[test]
fn audience_reads_a_string_or_an_array() {
    #[derive(Claims, Debug, PartialEq)]
    #[claims(aud = ["api", "admin"])]
    struct Many {
        exp: NumericDate,
        aud: Audience,
    }
    #[derive(Claims, Debug, PartialEq)]
    #[claims(aud = "api")]
    struct One {
        exp: NumericDate,
        aud: String,
    }
    #[derive(Claims, Debug, PartialEq)]
    #[claims(aud = "api")]
    struct List {
        exp: NumericDate,
        aud: Vec<String>,
    }
    let exp = now() + Duration::from_secs(5);
    let many = Many {
        exp,
        aud: Audience::many(["other", "admin"]),
    };
    let token = many.encode(&key256()).unwrap();
    assert_eq!(
        segment_json(&token, 1)["aud"],
        serde_json::json!(["other", "admin"])
    );
    assert_eq!(at_now().decode::<Many, _>(&token, &key256()).unwrap(), many);

    let one = One {
        exp,
        aud: "api".into(),
    }
    .encode(&key256())
    .unwrap();
    assert_eq!(segment_json(&one, 1)["aud"], "api");
    // A string audience reads into a list, and a one-element list into a string.
    assert_eq!(
        at_now().decode::<List, _>(&one, &key256()).unwrap().aud,
        ["api"]
    );
    let list = List {
        exp,
        aud: vec!["api".into()],
    }
    .encode(&key256())
    .unwrap();
    assert_eq!(
        at_now().decode::<One, _>(&list, &key256()).unwrap().aud,
        "api"
    );
    // Two audiences do not fit a `String`.
    let two = List {
        exp,
        aud: vec!["api".into(), "x".into()],
    }
    .encode(&key256())
    .unwrap();
    assert!(matches!(
        at_now().decode::<One, _>(&two, &key256()),
        Err(Error::ClaimType { claim: "aud", .. })
    ));
}

#[test]
fn declared_typ_is_written_and_required() {
    #[derive(Claims, Debug)]
    #[claims(typ = "at+jwt")]
    struct Access {
        exp: NumericDate,
    }
    #[derive(Claims, Debug)]
    struct Plain {
        exp: NumericDate,
    }
    let exp = now() + Duration::from_secs(5);
    let access = Access { exp }.encode(&key256()).unwrap();
    assert_eq!(segment_json(&access, 0)["typ"], "at+jwt");
    assert!(at_now().decode::<Access, _>(&access, &key256()).is_ok());
    // A type that declares none accepts only `JWT` (it accepted any `+jwt` type before) ...
    assert!(matches!(
        at_now().decode::<Plain, _>(&access, &key256()),
        Err(Error::TokenType {
            expected: "JWT",
            ..
        })
    ));
    // ... but a declared type refuses plain JWTs (no confusion between token kinds).
    let plain = Plain { exp }.encode(&key256()).unwrap();
    assert!(matches!(
        at_now().decode::<Access, _>(&plain, &key256()),
        Err(Error::TokenType {
            expected: "at+jwt",
            ..
        })
    ));
}

#[test]
fn declared_leeway_applies_and_run_time_leeway_replaces_it() {
    #[derive(Claims, Debug)]
    #[claims(leeway = "30s")]
    struct Lenient {
        exp: NumericDate,
    }
    let token = Lenient {
        exp: now() - Duration::from_secs(20),
    }
    .encode(&key256())
    .unwrap();
    assert!(at_now().decode::<Lenient, _>(&token, &key256()).is_ok());
    assert!(matches!(
        at_now()
            .leeway(Duration::ZERO)
            .decode::<Lenient, _>(&token, &key256()),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn missing_and_mistyped_claims_name_the_claim() {
    #[derive(Claims, Debug)]
    struct Loose {
        exp: NumericDate,
        name: Option<String>,
    }
    #[derive(Claims, Debug)]
    struct Strict {
        exp: NumericDate,
        name: String,
        level: u8,
    }
    let exp = now() + Duration::from_secs(5);
    let without_name = Loose { exp, name: None }.encode(&key256()).unwrap();
    assert!(matches!(
        at_now().decode::<Strict, _>(&without_name, &key256()),
        Err(Error::MissingClaim { claim: "name" })
    ));
    // `level` must be a u8: 300 is a type error naming the claim.
    let sign = |json: &str| {
        let header = base64url::encode(br#"{"alg":"HS256"}"#);
        let signing_input = format!("{header}.{}", base64url::encode(json.as_bytes()));
        let mac = key256().__mac(signing_input.as_bytes());
        format!("{signing_input}.{}", base64url::encode(&mac))
    };
    let wide = sign(&format!(r#"{{"exp":{},"name":"n","level":300}}"#, NOW + 5));
    assert!(matches!(
        at_now().decode::<Strict, _>(&wide, &key256()),
        Err(Error::ClaimType { claim: "level", .. })
    ));
    let string_exp = sign(r#"{"exp":"9999999999","name":"n","level":1}"#);
    assert!(matches!(
        at_now().decode::<Strict, _>(&string_exp, &key256()),
        Err(Error::ClaimType { claim: "exp", .. })
    ));
    // An optional custom claim reads `null` as `None`, like serde.
    let null_name = sign(&format!(r#"{{"exp":{},"name":null}}"#, NOW + 5));
    assert_eq!(
        at_now()
            .decode::<Loose, _>(&null_name, &key256())
            .unwrap()
            .name,
        None
    );
    // An optional registered claim does not: `null` is not a NumericDate.
    let null_nbf = sign(&format!(r#"{{"exp":{},"nbf":null}}"#, NOW + 5));
    assert!(matches!(
        at_now().decode::<Loose, _>(&null_nbf, &key256()),
        Err(Error::ClaimType { claim: "nbf", .. })
    ));
}

#[test]
fn time_types_encode_as_numbers_and_decode_back() {
    #[derive(Claims, Debug, PartialEq)]
    struct Times {
        exp: SystemTime,
        iat: time::OffsetDateTime,
        nbf: chrono::DateTime<chrono::Utc>,
    }
    let times = Times {
        exp: SystemTime::UNIX_EPOCH + Duration::from_millis((NOW as u64) * 1000 + 500),
        iat: time::OffsetDateTime::from_unix_timestamp(NOW - 1).unwrap(),
        nbf: chrono::DateTime::from_timestamp(NOW - 2, 0).unwrap(),
    };
    let token = times.encode(&key256()).unwrap();
    let payload = segment_json(&token, 1);
    assert_eq!(payload["exp"], serde_json::json!(NOW as f64 + 0.5));
    assert_eq!(payload["iat"], NOW - 1);
    assert_eq!(payload["nbf"], NOW - 2);
    assert_eq!(
        at_now().decode::<Times, _>(&token, &key256()).unwrap(),
        times
    );
}

#[test]
fn generic_and_borrowed_claims_types_work() {
    #[derive(Claims, Debug, PartialEq)]
    struct Generic<T> {
        exp: NumericDate,
        data: T,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Profile {
        plan: String,
        seats: u32,
    }
    let claims = Generic {
        exp: now() + Duration::from_secs(5),
        data: Profile {
            plan: "team".into(),
            seats: 5,
        },
    };
    let token = claims.encode(&key256()).unwrap();
    assert_eq!(
        at_now()
            .decode::<Generic<Profile>, _>(&token, &key256())
            .unwrap(),
        claims
    );

    #[derive(Claims, Debug, PartialEq)]
    struct Borrowed<'a> {
        exp: NumericDate,
        sub: &'a str,
        name: Cow<'a, str>,
    }
    let claims = Borrowed {
        exp: now() + Duration::from_secs(5),
        sub: "user-42",
        name: Cow::Borrowed("Ada \"the first\""),
    };
    let token = claims.encode(&key256()).unwrap();
    let mut buffer = Vec::new();
    let decoded: Borrowed<'_> = at_now()
        .decode_borrowed(&token, &key256(), &mut buffer)
        .unwrap();
    assert_eq!(decoded, claims);
    assert!(
        matches!(decoded.name, Cow::Owned(_)),
        "an escaped string cannot be borrowed"
    );
}

#[test]
fn peek_reads_without_verifying_and_says_so() {
    let token = session()
        .encode(
            &HmacKey::<Hs256>::from_bytes(&[9; 32])
                .unwrap()
                .with_kid("k9")
                .unwrap(),
        )
        .unwrap();
    let peeked = dangerous::peek::<Session>(&token).unwrap();
    assert_eq!(peeked.header().kid(), Some("k9"));
    assert_eq!(peeked.header().alg(), Some("HS256"));
    assert_eq!(peeked.unverified_claims().sub, "user-42");
    // The same token does not verify under another key.
    assert!(matches!(
        at_now().decode::<Session, _>(&token, &key256()),
        Err(Error::Signature)
    ));
}

#[test]
fn one_use_types_decode_only_through_the_named_escape_hatch() {
    #[derive(Claims, Debug)]
    struct Link {
        jti: String,
        exp: NumericDate,
    }
    let token = Link {
        jti: "id-1".into(),
        exp: now() + Duration::from_secs(5),
    }
    .encode(&key256())
    .unwrap();
    let link: Link = dangerous::decode_without_replay_check(&at_now(), &token, &key256()).unwrap();
    assert_eq!(link.jti, "id-1");
    let long = Link {
        jti: "x".repeat(257),
        exp: now() + Duration::from_secs(5),
    }
    .encode(&key256())
    .unwrap();
    assert!(matches!(
        dangerous::decode_without_replay_check::<Link, _, _>(&at_now(), &long, &key256()),
        Err(Error::InvalidClaim { claim: "jti", .. })
    ));
}

#[test]
fn attribute_values_may_come_from_macro_fragments() {
    macro_rules! claims_type {
        ($name:ident, $alg:literal, $window:literal) => {
            #[derive(Claims, Debug)]
            #[claims(alg = $alg)]
            struct $name {
                exp: NumericDate,
                #[claim(iat, window = $window)]
                iat: NumericDate,
            }
        };
    }
    claims_type!(Strong, "HS512", "5m");
    let key = HmacKey::<Hs512>::from_bytes(&[4; 64]).unwrap();
    let token = Strong {
        exp: now() + Duration::from_secs(5),
        iat: now(),
    }
    .encode(&key)
    .unwrap();
    assert_eq!(segment_json(&token, 0)["alg"], "HS512");
    assert!(matches!(
        at_now()
            .leeway(Duration::ZERO)
            .decode::<Strong, _>(&token, &key),
        Ok(Strong { .. })
    ));
}
