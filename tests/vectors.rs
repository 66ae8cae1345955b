//! Conformance against published vectors, read from `tests/data/` (see its README for the
//! sources): RFC 7515 A.1, RFC 7519 §3.1 and §6.1, RFC 7520 §4.4, RFC 4231, and Project
//! Wycheproof's HMAC-SHA-256/384/512 and JWS (HS256) vectors.
//!
//! Every test counts the vectors it checked against the count the file declares, so an empty
//! or truncated data file fails instead of passing vacuously.

use hmac::{KeyInit, Mac};
use jwt_runtime::{
    Claims, Error, FixedClock, HmacAlgorithm, HmacKey, Hs256, Hs384, Hs512, KeyError, KeySet,
    Malformed, NumericDate, Segment, Validation, base64url,
};
use serde_json::Value;

fn data(path: &str) -> Value {
    let full = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{full}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{full}: {error}"))
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length: {text}");
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex digit"))
        .collect()
}

fn str_at<'v>(value: &'v Value, key: &str) -> &'v str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing"))
}

fn at(secs: i64) -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(secs)))
}

/// The claims of RFC 7519 §3.1 / RFC 7515 A.1.
#[derive(Claims, Debug)]
#[claims(iss = "joe")]
struct Joe {
    iss: String,
    exp: NumericDate,
    #[claim(rename = "http://example.com/is_root")]
    is_root: bool,
}

/// A schema that accepts any claims object (for JWS vectors whose payload is not one).
#[derive(Claims, Debug)]
struct Anything {
    note: Option<String>,
}

// ---------------------------------------------------------------------------------------
// RFC 7515 Appendix A.1 = RFC 7519 §3.1
// ---------------------------------------------------------------------------------------

fn rfc7515_a1() -> (String, HmacKey<Hs256>, i64) {
    let vectors = data("rfc_jws.json");
    let a1 = &vectors["rfc7515_a1"];
    let key = HmacKey::<Hs256>::from_base64url(str_at(&a1["jwk"], "k")).unwrap();
    (
        str_at(a1, "jws").to_owned(),
        key,
        a1["exp"].as_i64().unwrap(),
    )
}

#[test]
fn rfc7515_a1_signing_input_is_the_received_bytes() {
    let vectors = data("rfc_jws.json");
    let a1 = &vectors["rfc7515_a1"];
    let (token, key, _) = rfc7515_a1();
    let parts: Vec<&str> = token.split('.').collect();
    // The header and payload hold CR LF and spaces: the MAC is over exactly those bytes.
    assert_eq!(
        base64url::decode(parts[0].as_bytes()).unwrap(),
        str_at(a1, "header_json").as_bytes()
    );
    assert_eq!(
        base64url::decode(parts[1].as_bytes()).unwrap(),
        str_at(a1, "payload_json").as_bytes()
    );
    assert!(str_at(a1, "header_json").contains("\r\n"));
    let mac = key.__mac(format!("{}.{}", parts[0], parts[1]).as_bytes());
    assert_eq!(base64url::encode(&mac), parts[2]);
}

#[test]
fn rfc7515_a1_verifies_under_a_fixed_clock_and_expires_at_its_exp() {
    let (token, key, exp) = rfc7515_a1();
    assert_eq!(exp, 1_300_819_380);
    let joe: Joe = at(exp - 1).decode(&token, &key).unwrap();
    assert_eq!(joe.iss, "joe");
    assert_eq!(joe.exp, NumericDate::from_secs(exp));
    assert!(joe.is_root);
    assert!(matches!(
        at(exp).decode::<Joe, _>(&token, &key),
        Err(Error::Expired { exp: e, .. }) if e == NumericDate::from_secs(exp)
    ));
    // A token issued by someone else than the declared issuer does not pass either.
    assert!(matches!(
        at(exp - 1).issuer("jo").decode::<Joe, _>(&token, &key),
        Err(Error::Issuer)
    ));
}

#[test]
fn rfc7515_a1_any_single_character_flip_is_rejected() {
    let (token, key, exp) = rfc7515_a1();
    let validation = at(exp - 1);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    let bytes = token.as_bytes();
    let signature_start = token.rfind('.').unwrap() + 1;
    let mut tried = 0;
    for position in 0..bytes.len() {
        for &replacement in alphabet {
            if replacement == bytes[position] {
                continue;
            }
            let mut mutated = bytes.to_vec();
            mutated[position] = replacement;
            let mutated = String::from_utf8(mutated).unwrap();
            let result = validation.decode::<Joe, _>(&mutated, &key);
            let error = result.expect_err(&format!(
                "accepted the token with byte {position} changed to {:?}",
                replacement as char
            ));
            // Forged claims never reach claim validation.
            assert!(!error.is_claims_error(), "{position}: {error:?}");
            if position >= signature_start && base64url_char(replacement) {
                assert!(
                    matches!(
                        error,
                        Error::Signature
                            | Error::Malformed {
                                segment: Segment::Signature,
                                reason: Malformed::Base64
                            }
                    ),
                    "{position}: {error:?}"
                );
            }
            tried += 1;
        }
    }
    assert_eq!(tried, bytes.len() * 69 - count_in(bytes, alphabet));
}

fn base64url_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

fn count_in(bytes: &[u8], alphabet: &[u8]) -> usize {
    bytes.iter().filter(|byte| alphabet.contains(byte)).count()
}

#[test]
fn rfc7515_a1_signature_with_non_canonical_trailing_bits_is_rejected() {
    // The last character `k` (…100100) carries two unused bits; `l` (…100101) decodes to the
    // same 32 bytes in a lax decoder (tink-crypto/tink-java#82). It must not verify.
    let (token, key, exp) = rfc7515_a1();
    assert!(token.ends_with('k'));
    let mut lax = token.clone();
    lax.pop();
    lax.push('l');
    assert!(matches!(
        at(exp - 1).decode::<Joe, _>(&lax, &key),
        Err(Error::Malformed {
            segment: Segment::Signature,
            reason: Malformed::Base64
        })
    ));
}

// ---------------------------------------------------------------------------------------
// RFC 7519 §6.1
// ---------------------------------------------------------------------------------------

#[test]
fn rfc7519_s6_1_unsecured_jwt_is_rejected() {
    let vectors = data("rfc_jws.json");
    let unsecured = str_at(&vectors["rfc7519_s6_1"], "jwt");
    assert!(unsecured.ends_with('.'));
    let (_, key, exp) = rfc7515_a1();
    let error = at(exp - 1).decode::<Joe, _>(unsecured, &key).unwrap_err();
    assert!(
        matches!(&error, Error::Algorithm { expected: "HS256", found: Some(found) } if found == "none"),
        "{error:?}"
    );
    // Its claims are the A.1 claims: only the header and signature make it unacceptable.
    let signed_payload = rfc7515_a1().0.split('.').nth(1).unwrap().to_owned();
    assert_eq!(unsecured.split('.').nth(1).unwrap(), signed_payload);
}

// ---------------------------------------------------------------------------------------
// RFC 7520 §4.4
// ---------------------------------------------------------------------------------------

#[test]
fn rfc7520_s4_4_mac_verifies_and_the_non_claims_payload_is_refused() {
    let vectors = data("rfc_jws.json");
    let vector = &vectors["rfc7520_s4_4"];
    let jwk = &vector["jwk"];
    let token = str_at(vector, "jws");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        base64url::decode(parts[1].as_bytes()).unwrap(),
        str_at(vector, "payload_text").as_bytes()
    );

    let key = HmacKey::<Hs256>::from_base64url(str_at(jwk, "k"))
        .unwrap()
        .with_kid(str_at(jwk, "kid"))
        .unwrap();
    let mac = key.__mac(format!("{}.{}", parts[0], parts[1]).as_bytes());
    assert_eq!(base64url::encode(&mac), parts[2]);

    // The signature verifies (so the error is about the payload, not the MAC), with a
    // single key and with a key set that selects the key by the vector's `kid`.
    let payload_error = |result: Result<Anything, Error>| {
        matches!(
            result,
            Err(Error::Malformed {
                segment: Segment::Payload,
                reason: Malformed::Json
            })
        )
    };
    assert!(payload_error(at(0).decode(token, &key)));
    let other = HmacKey::<Hs256>::from_bytes(&[9; 32])
        .unwrap()
        .with_kid("other")
        .unwrap();
    let keys = KeySet::new(other).unwrap().with_key(key.clone()).unwrap();
    assert!(payload_error(at(0).decode(token, &keys)));

    // A different key or a changed payload fails the MAC first.
    let wrong = HmacKey::<Hs256>::from_bytes(&[9; 32]).unwrap();
    assert!(matches!(
        at(0).decode::<Anything, _>(token, &wrong),
        Err(Error::Signature)
    ));
    let tampered = token.replacen(".SXTi", ".SXTj", 1);
    assert!(matches!(
        at(0).decode::<Anything, _>(&tampered, &key),
        Err(Error::Signature)
    ));
}

// ---------------------------------------------------------------------------------------
// RFC 4231
// ---------------------------------------------------------------------------------------

/// Checks one HMAC vector at the HMAC layer: through the runtime's key when the key is long
/// enough for the public API, through the `hmac` crate the runtime is built on otherwise (and
/// then the public API must refuse the key). Returns whether the runtime's key was used.
fn hmac_layer<A: HmacAlgorithm, M: Mac + KeyInit>(
    key: &[u8],
    msg: &[u8],
    tag: &[u8],
) -> (bool, bool) {
    let primitive = {
        let mut mac = <M as KeyInit>::new_from_slice(key).unwrap();
        mac.update(msg);
        mac.finalize().into_bytes().to_vec()
    };
    match HmacKey::<A>::from_bytes(key) {
        Ok(runtime_key) => {
            let mac = runtime_key.__mac(msg);
            assert_eq!(mac, primitive, "runtime and primitive disagree");
            (true, !tag.is_empty() && mac.starts_with(tag))
        }
        Err(KeyError::TooShort { min_len, len, .. }) => {
            assert_eq!((min_len, len), (A::MAC_LEN, key.len()));
            assert!(key.len() < A::MAC_LEN);
            (false, !tag.is_empty() && primitive.starts_with(tag))
        }
        Err(other) => panic!("unexpected key error {other:?}"),
    }
}

fn rfc4231<A: HmacAlgorithm, M: Mac + KeyInit>(field: &str) {
    let vectors = data("rfc4231.json");
    let tests = vectors["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);
    let mut through_runtime = 0;
    for test in tests {
        let key = hex(str_at(test, "key"));
        let tag = hex(str_at(test, field));
        match test["truncate_bytes"].as_u64() {
            Some(truncated) => assert_eq!(tag.len() as u64, truncated),
            None => assert_eq!(tag.len(), A::MAC_LEN),
        }
        let (runtime, valid) = hmac_layer::<A, M>(&key, &hex(str_at(test, "data")), &tag);
        assert!(
            valid,
            "RFC 4231 case {} fails for {}",
            test["case"],
            A::NAME
        );
        through_runtime += usize::from(runtime);
    }
    // Cases 6 and 7 (131-byte keys, longer than the block: hashed first) run through the
    // runtime's own key; cases 1-5 have keys shorter than RFC 7518 §3.2 allows.
    assert_eq!(through_runtime, 2);
}

#[test]
fn rfc4231_hmac_sha256() {
    rfc4231::<Hs256, hmac::Hmac<sha2::Sha256>>("sha256");
}

#[test]
fn rfc4231_hmac_sha384() {
    rfc4231::<Hs384, hmac::Hmac<sha2::Sha384>>("sha384");
}

#[test]
fn rfc4231_hmac_sha512() {
    rfc4231::<Hs512, hmac::Hmac<sha2::Sha512>>("sha512");
}

// ---------------------------------------------------------------------------------------
// Wycheproof HMAC
// ---------------------------------------------------------------------------------------

#[derive(Claims, Debug)]
#[claims(alg = "HS256")]
struct C256 {
    sub: String,
}

#[derive(Claims, Debug)]
#[claims(alg = "HS384")]
struct C384 {
    sub: String,
}

#[derive(Claims, Debug)]
#[claims(alg = "HS512")]
struct C512 {
    sub: String,
}

/// Replaces a token's signature segment.
fn with_signature(token: &str, signature: &[u8]) -> String {
    let cut = token.rfind('.').unwrap();
    format!("{}.{}", &token[..cut], base64url::encode(signature))
}

#[derive(Default, Debug)]
struct Tally {
    vectors: usize,
    runtime_key: usize,
    short_key: usize,
    truncated_rejected_by_jws: usize,
    modified_rejected_by_jws: usize,
}

fn wycheproof_hmac<A, M, C>(file: &str, claims: impl Fn() -> C) -> Tally
where
    A: HmacAlgorithm,
    M: Mac + KeyInit,
    C: Claims<Algorithm = A, Replay = jwt_runtime::replay::Reusable>
        + for<'de> jwt_runtime::DecodeClaims<'de>,
{
    let vectors = data(&format!("wycheproof/{file}"));
    let mut tally = Tally::default();
    for group in vectors["testGroups"].as_array().unwrap() {
        let tag_bits = group["tagSize"].as_u64().unwrap() as usize;
        for test in group["tests"].as_array().unwrap() {
            tally.vectors += 1;
            let id = &test["tcId"];
            let key = hex(str_at(test, "key"));
            let msg = hex(str_at(test, "msg"));
            let tag = hex(str_at(test, "tag"));
            assert_eq!(tag.len() * 8, tag_bits, "tcId {id}");
            let expected_valid = match str_at(test, "result") {
                "valid" => true,
                "invalid" => false,
                other => panic!("tcId {id}: unexpected result {other}"),
            };
            let (runtime, valid) = hmac_layer::<A, M>(&key, &msg, &tag);
            assert_eq!(valid, expected_valid, "tcId {id} at the HMAC layer");
            if !runtime {
                tally.short_key += 1;
                continue;
            }
            tally.runtime_key += 1;

            // The JWS layer, with the vector's key.
            let jws_key = HmacKey::<A>::from_bytes(&key).unwrap();
            let token = claims().encode(&jws_key).unwrap();
            let validation = at(0);
            assert!(
                validation.decode::<C, _>(&token, &jws_key).is_ok(),
                "tcId {id}"
            );
            let cut = token.rfind('.').unwrap();
            let full = jws_key.__mac(&token.as_bytes()[..cut]);
            if tag.len() < A::MAC_LEN {
                // A truncated MAC, valid or not for a truncating HMAC, never passes as a JWS.
                let truncated = with_signature(&token, &full[..tag.len()]);
                assert!(
                    matches!(
                        validation.decode::<C, _>(&truncated, &jws_key),
                        Err(Error::Signature)
                    ),
                    "tcId {id}: truncated tag accepted"
                );
                tally.truncated_rejected_by_jws += 1;
            } else if !expected_valid {
                // Port the vector's modification (bit flips, msb/lsb changes…) to the JWS MAC.
                let correct = jws_key.__mac(&msg);
                let modified: Vec<u8> = full
                    .iter()
                    .zip(correct.iter().zip(&tag))
                    .map(|(byte, (good, bad))| byte ^ good ^ bad)
                    .collect();
                assert_ne!(modified, full);
                let forged = with_signature(&token, &modified);
                assert!(
                    matches!(
                        validation.decode::<C, _>(&forged, &jws_key),
                        Err(Error::Signature)
                    ),
                    "tcId {id}: modified tag accepted"
                );
                tally.modified_rejected_by_jws += 1;
            }
        }
    }
    assert_eq!(
        tally.vectors as u64,
        vectors["numberOfTests"].as_u64().unwrap()
    );
    tally
}

#[test]
fn wycheproof_hmac_sha256() {
    let tally =
        wycheproof_hmac::<Hs256, hmac::Hmac<sha2::Sha256>, _>("hmac_sha256_test.json", || C256 {
            sub: "wycheproof".into(),
        });
    assert_eq!(tally.vectors, 174);
    // 128-bit keys (6 vectors) are below RFC 7518 §3.2's minimum.
    assert_eq!(tally.short_key, 6);
    assert_eq!(tally.truncated_rejected_by_jws, 84);
    assert!(tally.modified_rejected_by_jws >= 40, "{tally:?}");
}

#[test]
fn wycheproof_hmac_sha384() {
    let tally =
        wycheproof_hmac::<Hs384, hmac::Hmac<sha2::Sha384>, _>("hmac_sha384_test.json", || C384 {
            sub: "wycheproof".into(),
        });
    assert_eq!(tally.vectors, 174);
    assert_eq!(tally.short_key, 6);
    assert_eq!(tally.truncated_rejected_by_jws, 84);
    assert!(tally.modified_rejected_by_jws >= 40, "{tally:?}");
}

#[test]
fn wycheproof_hmac_sha512() {
    let tally =
        wycheproof_hmac::<Hs512, hmac::Hmac<sha2::Sha512>, _>("hmac_sha512_test.json", || C512 {
            sub: "wycheproof".into(),
        });
    assert_eq!(tally.vectors, 174);
    // The 256-bit keys of the "short key" groups are below HS512's 64-byte minimum.
    assert_eq!(tally.short_key, 6);
    assert_eq!(tally.truncated_rejected_by_jws, 84);
    assert!(tally.modified_rejected_by_jws >= 40, "{tally:?}");
}

// ---------------------------------------------------------------------------------------
// Wycheproof JWS (HS256)
// ---------------------------------------------------------------------------------------

/// What each Wycheproof JWS vector must give, with a single key and with a key set.
fn expected_jws_error(tc_id: u64, error: &Error, with_key_set: bool) -> bool {
    let shape = matches!(
        error,
        Error::Malformed {
            segment: Segment::Token,
            reason: Malformed::SegmentCount
        }
    );
    let empty_header = matches!(
        error,
        Error::Malformed {
            segment: Segment::Header,
            reason: Malformed::Json
        }
    );
    let signature = matches!(error, Error::Signature);
    let unknown_kid = matches!(error, Error::UnknownKeyId { .. });
    match tc_id {
        // modified signature, missing signature, modified payload, missing payload
        2 | 3 | 5 | 6 => signature,
        // modified header (`kid` changed), HS256 under the EC key's id
        8 | 31 => {
            if with_key_set {
                unknown_kid
            } else {
                signature
            }
        }
        // missing separators, empty string, extra components, JSON serialization
        4 | 7 | 10 | 12 | 13 | 14 | 15 | 17 => shape,
        // empty header segment
        9 | 11 => empty_header,
        16 => matches!(error, Error::Algorithm { found: Some(found), .. } if found == "none"),
        32 => matches!(error, Error::Algorithm { found: Some(found), .. } if found == "ES256"),
        _ => false,
    }
}

#[test]
fn wycheproof_jws_hs256() {
    let vectors = data("wycheproof/json_web_signature_test.hs256.json");
    let groups = vectors["testGroups"].as_array().unwrap();
    let private = &groups[0]["private"];
    assert_eq!(str_at(private, "alg"), "HS256");
    let key = HmacKey::<Hs256>::from_base64url(str_at(private, "k"))
        .unwrap()
        .with_kid(str_at(private, "kid"))
        .unwrap();
    let keys = KeySet::new(key.clone()).unwrap();

    let mut checked = 0;
    for group in groups {
        for test in group["tests"].as_array().unwrap() {
            checked += 1;
            let id = test["tcId"].as_u64().unwrap();
            let jws = str_at(test, "jws");
            for with_key_set in [false, true] {
                let result = if with_key_set {
                    at(0).decode::<Anything, _>(jws, &keys)
                } else {
                    at(0).decode::<Anything, _>(jws, &key)
                };
                let error = result.expect_err("no vector here carries a claims set");
                if str_at(test, "result") == "valid" {
                    // tcId 1: the MAC verifies; then the payload "foo" is not JSON.
                    assert_eq!(id, 1);
                    assert!(
                        matches!(
                            error,
                            Error::Malformed {
                                segment: Segment::Payload,
                                reason: Malformed::Json
                            }
                        ),
                        "tcId 1: {error:?}"
                    );
                    let (input, signature) = jws.rsplit_once('.').unwrap();
                    assert_eq!(base64url::encode(&key.__mac(input.as_bytes())), signature);
                } else {
                    assert!(
                        expected_jws_error(id, &error, with_key_set),
                        "tcId {id} ({}), key set {with_key_set}: {error:?}",
                        str_at(test, "comment")
                    );
                }
            }
        }
    }
    assert_eq!(checked, vectors["numberOfTests"].as_u64().unwrap());
    assert_eq!(checked, 19);
}
