//! One test per public-key attack class PK1-PK8 of `SECURITY.md` ("Public-key tokens"), named
//! after its id, and the same classes again for ES512 (`pkN_es512_*`), whose backend is
//! another crate (`p521`) and so needs its own evidence. Every case asserts the exact error variant. Tokens are made with real keys,
//! then their bytes are changed so that each case reaches exactly the check it is about.

use std::fs;

use jwt_runtime::{
    Claims, EcdsaPrivateKey, EcdsaPublicKey, Ed25519PrivateKey, Ed25519PublicKey, Error, Es256,
    Es384, Es512PrivateKey, Es512PublicKey, FixedClock, HmacKey, Hs256, KeyError, NumericDate,
    PublicKey, PublicKeySet, Rs256, RsaPrivateKey, RsaPublicKey, Validation, base64url,
};

const NOW: i64 = 1_700_000_000;

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)))
}

fn key_file(name: &str) -> String {
    fs::read_to_string(format!(
        "{}/tests/data/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64url::encode(bytes.as_ref())
}

#[derive(Claims, Debug)]
#[claims(alg = "RS256")]
struct RsSession {
    sub: String,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(alg = "ES256")]
struct EsSession {
    sub: String,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(alg = "ES384")]
struct Es384Session {
    sub: String,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(alg = "ES512")]
struct Es512Session {
    sub: String,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(alg = "EdDSA")]
struct EdSession {
    sub: String,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(alg = "HS256")]
struct HsSession {
    sub: String,
    exp: NumericDate,
}

fn payload() -> String {
    format!(r#"{{"sub":"mallory","exp":{}}}"#, NOW + 600)
}

/// The token with its signature segment replaced by `signature`.
fn with_signature(token: &str, signature: &[u8]) -> String {
    let (signed, _) = token.rsplit_once('.').unwrap();
    format!("{signed}.{}", b64(signature))
}

fn signature_of(token: &str) -> Vec<u8> {
    base64url::decode(token.rsplit_once('.').unwrap().1.as_bytes()).unwrap()
}

fn rsa_private() -> RsaPrivateKey<Rs256> {
    RsaPrivateKey::from_pem(&key_file("rsa2048.pkcs8.pem")).unwrap()
}

fn rsa_public() -> RsaPublicKey<Rs256> {
    RsaPublicKey::from_pem(&key_file("rsa2048.spki.pem")).unwrap()
}

fn es_session() -> EsSession {
    EsSession {
        sub: "user-42".into(),
        exp: NumericDate::from_secs(NOW + 600),
    }
}

fn ed_session() -> EdSession {
    EdSession {
        sub: "user-42".into(),
        exp: NumericDate::from_secs(NOW + 600),
    }
}

/// The CVE-2016-10555 family: an attacker takes the server's public key (PEM text, DER
/// bytes, JWK text), uses it as an HMAC secret and sends an HS256 token. A public key type
/// cannot be an HMAC key (the verifying key of `RS256` is `RsaPublicKey<Rs256>`, of `HS256`
/// `HmacKey<Hs256>`: passing one for the other does not compile), so the only thing left to
/// try is the header, and `alg` is pinned by the claims type.
#[test]
fn pk1_cve_2016_10555_public_key_as_hmac_secret() {
    let public = rsa_public();
    let pem = key_file("rsa2048.spki.pem");
    let der = {
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap()
    };
    for secret in [pem.as_bytes(), &der, public.to_jwk().as_bytes()] {
        let hmac = HmacKey::<Hs256>::from_bytes(secret).unwrap();
        let token = HsSession {
            sub: "mallory".into(),
            exp: NumericDate::from_secs(NOW + 600),
        }
        .encode(&hmac)
        .unwrap();
        assert!(matches!(
            validation().decode::<RsSession, _>(&token, &public),
            Err(Error::Algorithm { expected: "RS256", found: Some(found) }) if found == "HS256"
        ));
        // The same MAC under a header that claims RS256: 32 bytes is not the modulus length.
        let input = format!("{}.{}", b64(r#"{"alg":"RS256"}"#), b64(payload()));
        let forged = format!("{input}.{}", b64(hmac.__mac(input.as_bytes())));
        assert!(matches!(
            validation().decode::<RsSession, _>(&forged, &public),
            Err(Error::Signature)
        ));
    }
    // Same for the EC and Ed25519 families.
    let ec = EcdsaPrivateKey::<Es256>::generate().unwrap().public_key();
    let hmac = HmacKey::<Hs256>::from_bytes(ec.to_jwk().as_bytes()).unwrap();
    let input = format!("{}.{}", b64(r#"{"alg":"ES256"}"#), b64(payload()));
    let forged = format!("{input}.{}", b64(hmac.__mac(input.as_bytes())));
    assert!(matches!(
        validation().decode::<EsSession, _>(&forged, &ec),
        Err(Error::Signature)
    ));
}

/// A token of one public-key algorithm never decodes as another, whatever the header says.
#[test]
fn pk2_algorithm_confusion_between_public_key_families() {
    let es = EcdsaPrivateKey::<Es256>::generate().unwrap();
    let token = es_session().encode(&es).unwrap();
    assert!(matches!(
        validation().decode::<RsSession, _>(&token, &rsa_public()),
        Err(Error::Algorithm {
            expected: "RS256",
            ..
        })
    ));
    let es384 = EcdsaPrivateKey::<Es384>::generate().unwrap().public_key();
    assert!(matches!(
        validation().decode::<Es384Session, _>(&token, &es384),
        Err(Error::Algorithm {
            expected: "ES384",
            ..
        })
    ));
    for alg in ["none", "None", "ES384", "EdDSA", "HS256", "RS256"] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let signed = format!("{}.{}", b64(header), b64(payload()));
        let token = format!("{signed}.{}", b64([7_u8; 64]));
        assert!(
            matches!(
                validation().decode::<EsSession, _>(&token, &es.public_key()),
                Err(Error::Algorithm {
                    expected: "ES256",
                    ..
                })
            ),
            "{alg}"
        );
    }
}

const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// CVE-2022-21449 ("psychic signatures"): `r = s = 0` verifies every message on a verifier
/// that does not range-check. Also `r` or `s` equal to the group order `n`, and DER.
#[test]
fn pk3_ecdsa_r_and_s_must_be_in_range_and_raw() {
    let private = EcdsaPrivateKey::<Es256>::generate().unwrap();
    let public = private.public_key();
    let token = es_session().encode(&private).unwrap();
    assert!(validation().decode::<EsSession, _>(&token, &public).is_ok());
    let valid = signature_of(&token);
    let (r, s) = valid.split_at(32);

    let zero = [0_u8; 32];
    let one = {
        let mut one = [0_u8; 32];
        one[31] = 1;
        one
    };
    for (name, r, s) in [
        ("r = s = 0", &zero[..], &zero[..]),
        ("r = 0", &zero[..], s),
        ("s = 0", r, &zero[..]),
        ("r = n", &P256_ORDER[..], s),
        ("s = n", r, &P256_ORDER[..]),
        ("r = s = n", &P256_ORDER[..], &P256_ORDER[..]),
        ("r = 1, s = 1", &one[..], &one[..]),
        ("r = s = 2^256 - 1", &[0xff; 32][..], &[0xff; 32][..]),
    ] {
        let forged = with_signature(&token, &[r, s].concat());
        assert!(
            matches!(
                validation().decode::<EsSession, _>(&forged, &public),
                Err(Error::Signature)
            ),
            "{name}"
        );
    }

    // The same signature DER-encoded (SEQUENCE of two INTEGERs): refused by its length,
    // before any verification.
    let der_integer = |bytes: &[u8]| {
        let start = bytes.iter().position(|&byte| byte != 0).unwrap_or(31);
        let mut value = bytes[start..].to_vec();
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(value.len()).unwrap()];
        out.extend(value);
        out
    };
    let body = [der_integer(r), der_integer(s)].concat();
    let mut der = vec![0x30, u8::try_from(body.len()).unwrap()];
    der.extend(body);
    assert!(matches!(
        validation().decode::<EsSession, _>(&with_signature(&token, &der), &public),
        Err(Error::Signature)
    ));
    // Off-by-one lengths around the raw form.
    for len in [0, 1, 63, 65, 96, 128] {
        let mut resized = valid.clone();
        resized.resize(len, 0);
        assert!(
            matches!(
                validation().decode::<EsSession, _>(&with_signature(&token, &resized), &public),
                Err(Error::Signature)
            ),
            "{len}"
        );
    }
}

/// The Ed25519 group order L, little-endian (RFC 8032 §5.1).
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

/// RFC 8032 §5.1.7: `S` must be below L; `S + L` is the same scalar mod L, a second
/// signature for the same message on a verifier that does not check (malleability).
#[test]
fn pk4_ed25519_s_at_or_above_the_group_order_is_refused() {
    let private = Ed25519PrivateKey::generate().unwrap();
    let public = private.public_key();
    let token = ed_session().encode(&private).unwrap();
    assert!(validation().decode::<EdSession, _>(&token, &public).is_ok());
    let valid = signature_of(&token);
    let mut malleated = valid.clone();
    let mut carry = 0_u16;
    for (byte, add) in malleated[32..].iter_mut().zip(ED25519_L) {
        let sum = u16::from(*byte) + u16::from(add) + carry;
        *byte = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L fits in 32 bytes since S < L < 2^253");
    assert!(matches!(
        validation().decode::<EdSession, _>(&with_signature(&token, &malleated), &public),
        Err(Error::Signature)
    ));
    let mut at_l = valid.clone();
    at_l[32..].copy_from_slice(&ED25519_L);
    assert!(matches!(
        validation().decode::<EdSession, _>(&with_signature(&token, &at_l), &public),
        Err(Error::Signature)
    ));
    // All-zero signature, and wrong lengths.
    for signature in [
        vec![0; 64],
        vec![0; 63],
        valid[..63].to_vec(),
        [&valid[..], &[0]].concat(),
    ] {
        assert!(matches!(
            validation().decode::<EdSession, _>(&with_signature(&token, &signature), &public),
            Err(Error::Signature)
        ));
    }
}

/// RFC 8017 §8.2.2: the signature is an octet string of exactly the modulus length. A
/// signature whose integer has a leading zero byte is still 256 bytes; the same integer
/// in 255 bytes (or padded to 257) is refused.
#[test]
fn pk5_rsa_signature_is_exactly_the_modulus_length() {
    let private = rsa_private();
    let public = rsa_public();
    // Find a token whose signature starts with a zero byte (about 1 in 256).
    let (token, signature) = (0..4096)
        .map(|n| {
            let token = RsSession {
                sub: format!("user-{n}"),
                exp: NumericDate::from_secs(NOW + 600),
            }
            .encode(&private)
            .unwrap();
            let signature = signature_of(&token);
            (token, signature)
        })
        .find(|(_, signature)| signature[0] == 0)
        .unwrap();
    assert!(validation().decode::<RsSession, _>(&token, &public).is_ok());
    for (name, changed) in [
        ("leading zero dropped", signature[1..].to_vec()),
        ("extra leading zero", [&[0][..], &signature].concat()),
        ("empty", Vec::new()),
        ("512 bytes", [&signature[..], &signature].concat()),
    ] {
        assert!(
            matches!(
                validation().decode::<RsSession, _>(&with_signature(&token, &changed), &public),
                Err(Error::Signature)
            ),
            "{name}"
        );
    }
    // Zero and one as signatures of the full length.
    let mut one = vec![0; 256];
    one[255] = 1;
    for degenerate in [vec![0; 256], one, vec![0xff; 256]] {
        assert!(matches!(
            validation().decode::<RsSession, _>(&with_signature(&token, &degenerate), &public),
            Err(Error::Signature)
        ));
    }
}

/// Weak or invalid keys are refused when the key is built, not when a token arrives.
#[test]
fn pk6_weak_public_keys_are_refused_at_construction() {
    assert!(matches!(
        RsaPublicKey::<Rs256>::from_pem(&key_file("rsa1024.spki.pem")),
        Err(KeyError::Weak(_))
    ));
    assert!(matches!(
        RsaPublicKey::<Rs256>::from_pem(&key_file("rsa2048-e3.spki.pem")),
        Err(KeyError::Weak(_))
    ));
    // An EC point off the curve (y changed), given as a JWK.
    let good = EcdsaPrivateKey::<Es256>::generate()
        .unwrap()
        .public_key()
        .to_jwk();
    let mut jwk: serde_json::Value = serde_json::from_str(&good).unwrap();
    let mut y = base64url::decode(jwk["y"].as_str().unwrap().as_bytes()).unwrap();
    y[31] ^= 1;
    jwk["y"] = b64(&y).into();
    assert_eq!(
        EcdsaPublicKey::<Es256>::from_jwk(&jwk.to_string()).unwrap_err(),
        KeyError::Weak("EC point is not on the curve")
    );
    // Small-order Ed25519 points (the identity, and an order-8 point), by JWK and bytes.
    let mut identity = [0_u8; 32];
    identity[0] = 1;
    let order_8 = base64url::decode(b"JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_AU").unwrap();
    for point in [&identity[..], &order_8] {
        assert!(matches!(
            Ed25519PublicKey::from_bytes(point),
            Err(KeyError::Weak(_))
        ));
        let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, b64(point));
        assert!(matches!(
            Ed25519PublicKey::from_jwk(&jwk),
            Err(KeyError::Weak(_))
        ));
    }
}

/// A key embedded in the header (`jwk`, `jku`, `x5u`, `x5c`) is never used: the attacker's
/// own key signs, the header carries its public key, and the configured key decides.
#[test]
fn pk7_header_key_material_is_never_used() {
    let attacker = Ed25519PrivateKey::generate()
        .unwrap()
        .with_kid("k")
        .unwrap();
    let ours = Ed25519PrivateKey::generate()
        .unwrap()
        .with_kid("k")
        .unwrap();
    let header = format!(
        r#"{{"alg":"EdDSA","kid":"k","jwk":{},"jku":"https://evil.example/jwks","x5u":"https://evil.example/cert","x5c":["AAAA"]}}"#,
        attacker.public_key().to_jwk()
    );
    let signed = format!("{}.{}", b64(header), b64(payload()));
    let signature = {
        let mut out = [0; 64];
        jwt_runtime::TokenSigner::sign_into(&attacker, signed.as_bytes(), &mut out).unwrap();
        out
    };
    let token = format!("{signed}.{}", b64(signature));
    assert!(matches!(
        validation().decode::<EdSession, _>(&token, &ours.public_key()),
        Err(Error::Signature)
    ));
    let set = PublicKeySet::new(vec![ours.public_key()]).unwrap();
    assert!(matches!(
        validation().decode::<EdSession, _>(&token, &set),
        Err(Error::Signature)
    ));
    // The attacker's key verifies it: the forgery is real, only the key choice stops it.
    assert!(
        validation()
            .decode::<EdSession, _>(&token, &attacker.public_key())
            .is_ok()
    );
}

/// A key set selects by `kid` only: no `kid`, or one not in the set, is refused before any
/// verification, even when a key in the set would verify the signature.
#[test]
fn pk8_key_sets_never_fall_back() {
    let signer = EcdsaPrivateKey::<Es256>::generate().unwrap();
    let set = PublicKeySet::new(vec![signer.public_key()]).unwrap();
    let token = es_session().encode(&signer).unwrap();
    assert!(validation().decode::<EsSession, _>(&token, &set).is_ok());
    // The same signature without `kid` in the header.
    let signed = format!("{}.{}", b64(r#"{"alg":"ES256"}"#), b64(payload()));
    let mut signature = [0; 64];
    jwt_runtime::TokenSigner::sign_into(&signer, signed.as_bytes(), &mut signature).unwrap();
    let token = format!("{signed}.{}", b64(signature));
    assert!(
        validation()
            .decode::<EsSession, _>(&token, &signer.public_key())
            .is_ok()
    );
    assert!(matches!(
        validation().decode::<EsSession, _>(&token, &set),
        Err(Error::UnknownKeyId { kid: None })
    ));
}

fn es512_session() -> Es512Session {
    Es512Session {
        sub: "user-42".into(),
        exp: NumericDate::from_secs(NOW + 600),
    }
}

/// PK1 for ES512: the public key's JWK or PEM as an HMAC secret, under an `HS256` header or
/// an `ES512` one.
#[test]
fn pk1_es512_public_key_as_hmac_secret() {
    let public = Es512PublicKey::from_pem(&key_file("p521.spki.pem")).unwrap();
    for secret in [
        public.to_jwk().into_bytes(),
        key_file("p521.spki.pem").into_bytes(),
    ] {
        let hmac = HmacKey::<Hs256>::from_bytes(&secret).unwrap();
        let token = HsSession {
            sub: "mallory".into(),
            exp: NumericDate::from_secs(NOW + 600),
        }
        .encode(&hmac)
        .unwrap();
        assert!(matches!(
            validation().decode::<Es512Session, _>(&token, &public),
            Err(Error::Algorithm { expected: "ES512", found: Some(found) }) if found == "HS256"
        ));
        let input = format!("{}.{}", b64(r#"{"alg":"ES512"}"#), b64(payload()));
        let forged = format!("{input}.{}", b64(hmac.__mac(input.as_bytes())));
        assert!(matches!(
            validation().decode::<Es512Session, _>(&forged, &public),
            Err(Error::Signature)
        ));
    }
}

/// PK2 for ES512: an ES512 token is not an ES256 or ES384 one, and no other `alg` passes for
/// ES512, even with a signature of the ES512 length.
#[test]
fn pk2_es512_never_decodes_as_another_algorithm() {
    let private = Es512PrivateKey::generate().unwrap();
    let token = es512_session().encode(&private).unwrap();
    assert!(
        validation()
            .decode::<Es512Session, _>(&token, &private.public_key())
            .is_ok()
    );
    let es384 = EcdsaPrivateKey::<Es384>::generate().unwrap().public_key();
    assert!(matches!(
        validation().decode::<Es384Session, _>(&token, &es384),
        Err(Error::Algorithm {
            expected: "ES384",
            ..
        })
    ));
    let es256 = EcdsaPrivateKey::<Es256>::generate().unwrap();
    assert!(matches!(
        validation().decode::<EsSession, _>(&token, &es256.public_key()),
        Err(Error::Algorithm {
            expected: "ES256",
            ..
        })
    ));
    let es256_token = es_session().encode(&es256).unwrap();
    assert!(matches!(
        validation().decode::<Es512Session, _>(&es256_token, &private.public_key()),
        Err(Error::Algorithm {
            expected: "ES512",
            ..
        })
    ));
    for alg in [
        "none", "ES384", "ES256", "es512", "ES512 ", "HS512", "RS512", "PS512",
    ] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let signed = format!("{}.{}", b64(header), b64(payload()));
        let token = format!("{signed}.{}", b64([7_u8; 132]));
        assert!(
            matches!(
                validation().decode::<Es512Session, _>(&token, &private.public_key()),
                Err(Error::Algorithm {
                    expected: "ES512",
                    ..
                })
            ),
            "{alg}"
        );
    }
}

/// The P-521 group order n, big-endian, 66 bytes.
const P521_ORDER: [u8; 66] = [
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09,
    0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38,
    0x64, 0x09,
];

/// PK3 for ES512: `r = s = 0` (CVE-2022-21449), `r` or `s` at or above n, `s` replaced by
/// `n - s` plus n (the same residue, out of range), DER, and every length but 132.
#[test]
fn pk3_es512_r_and_s_must_be_in_range_and_raw() {
    let private = Es512PrivateKey::generate().unwrap();
    let public = private.public_key();
    let token = es512_session().encode(&private).unwrap();
    let valid = signature_of(&token);
    assert_eq!(valid.len(), 132);
    let (r, s) = valid.split_at(66);

    let zero = [0_u8; 66];
    let mut one = [0_u8; 66];
    one[65] = 1;
    // s + n: the same value mod n, outside [1, n-1]; below 2^522, so still 66 bytes.
    let s_plus_n = {
        let mut sum = [0_u8; 66];
        let mut carry = 0_u16;
        for at in (0..66).rev() {
            let total = u16::from(s[at]) + u16::from(P521_ORDER[at]) + carry;
            sum[at] = total.to_le_bytes()[0];
            carry = total >> 8;
        }
        sum
    };
    for (name, r, s) in [
        ("r = s = 0", &zero[..], &zero[..]),
        ("r = 0", &zero[..], s),
        ("s = 0", r, &zero[..]),
        ("r = n", &P521_ORDER[..], s),
        ("s = n", r, &P521_ORDER[..]),
        ("s + n", r, &s_plus_n[..]),
        ("r = 1, s = 1", &one[..], &one[..]),
        ("r = s = 2^528 - 1", &[0xff; 66][..], &[0xff; 66][..]),
    ] {
        let forged = with_signature(&token, &[r, s].concat());
        assert!(
            matches!(
                validation().decode::<Es512Session, _>(&forged, &public),
                Err(Error::Signature)
            ),
            "{name}"
        );
    }

    // DER: SEQUENCE { INTEGER r, INTEGER s } with a long-form length (over 127 bytes).
    let der_integer = |bytes: &[u8]| {
        let start = bytes.iter().position(|&byte| byte != 0).unwrap_or(65);
        let mut value = bytes[start..].to_vec();
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(value.len()).unwrap()];
        out.extend(value);
        out
    };
    let body = [der_integer(r), der_integer(s)].concat();
    let mut der = vec![0x30, 0x81, u8::try_from(body.len()).unwrap()];
    der.extend(body);
    assert!(matches!(
        validation().decode::<Es512Session, _>(&with_signature(&token, &der), &public),
        Err(Error::Signature)
    ));
    // Off-by-one lengths, and the lengths of the other ECDSA algorithms; also 130 and 131
    // bytes, what a signer that drops leading zero bytes of r or s would send.
    for len in [0, 1, 64, 96, 130, 131, 133, 134, 139] {
        let mut resized = valid.clone();
        resized.resize(len, 0);
        assert!(
            matches!(
                validation().decode::<Es512Session, _>(&with_signature(&token, &resized), &public),
                Err(Error::Signature)
            ),
            "{len}"
        );
    }
}

/// PK6 for ES512: a P-521 point off the curve, the all-zero point, a coordinate not
/// reduced, and short coordinates are refused when the key is built.
#[test]
fn pk6_es512_weak_public_keys_are_refused_at_construction() {
    let good = Es512PrivateKey::generate().unwrap().public_key().to_jwk();
    let jwk: serde_json::Value = serde_json::from_str(&good).unwrap();
    let coordinate =
        |name: &str| base64url::decode(jwk[name].as_str().unwrap().as_bytes()).unwrap();
    let with = |x: &[u8], y: &[u8]| {
        format!(
            r#"{{"kty":"EC","crv":"P-521","x":"{}","y":"{}"}}"#,
            b64(x),
            b64(y)
        )
    };
    let (x, y) = (coordinate("x"), coordinate("y"));
    assert!(Es512PublicKey::from_jwk(&with(&x, &y)).is_ok());

    let mut off_curve = y.clone();
    off_curve[65] ^= 1;
    assert_eq!(
        Es512PublicKey::from_jwk(&with(&x, &off_curve)).unwrap_err(),
        KeyError::Weak("EC point is not on the curve")
    );
    assert!(matches!(
        Es512PublicKey::from_jwk(&with(&[0; 66], &[0; 66])),
        Err(KeyError::Weak(_))
    ));
    // x = p, the field prime 2^521 - 1: an unreduced encoding (of 0).
    let mut p = [0xff_u8; 66];
    p[0] = 0x01;
    assert!(matches!(
        Es512PublicKey::from_jwk(&with(&p, &y)),
        Err(KeyError::Weak(_))
    ));
    // Coordinates must be the full 66 bytes (RFC 7518 §6.2.1.2), not shortened.
    assert!(matches!(
        Es512PublicKey::from_jwk(&with(&x[1..], &y)),
        Err(KeyError::Format(_))
    ));
    // A P-384 JWK under the P-521 name.
    let p384 = EcdsaPrivateKey::<Es384>::generate()
        .unwrap()
        .public_key()
        .to_jwk()
        .replace("P-384", "P-521")
        .replace("ES384", "ES512");
    assert!(Es512PublicKey::from_jwk(&p384).is_err());
}
