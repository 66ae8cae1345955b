//! Public-key tokens end to end, as a user writes them: derived claims types pinned to
//! EdDSA, ES256/384/512, RS256/384/512 and PS256/384/512; keys from PEM files, JWKs and JWKS
//! documents; the published JWKS read back by a verifier; RFC 7515 A.2-A.3, RFC 7520
//! §4.1-§4.3, RFC 7515 A.4 and RFC 8037 vectors. Key files are in `tests/data/keys` (test keys made with `openssl genpkey`).

use std::fs;

use jwt_runtime::{
    Claims, DecodeClaims, EcdsaPrivateKey, EcdsaPublicKey, Ed25519PrivateKey, Ed25519PublicKey,
    Error, Es256, Es384, Es512PrivateKey, Es512PublicKey, FixedClock, KeyError, NumericDate, Ps256,
    Ps384, Ps512, PublicKey, PublicKeySet, Rs256, Rs384, Rs512, RsaPrivateKey, RsaPublicKey,
    SignatureVerifier, SigningKey, Validation, VerifyingKeys, base64url, dangerous,
    replay::Reusable,
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

fn data(name: &str) -> serde_json::Value {
    let text =
        fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

macro_rules! session_type {
    ($name:ident, $alg:literal) => {
        #[derive(Claims, Debug, PartialEq)]
        #[claims(alg = $alg, iss = "https://issuer.example")]
        struct $name {
            sub: String,
            exp: NumericDate,
        }

        impl $name {
            fn new() -> Self {
                $name {
                    sub: "user-42".into(),
                    exp: NumericDate::from_secs(NOW + 600),
                }
            }
        }
    };
}

session_type!(EdSession, "EdDSA");
session_type!(Es256Session, "ES256");
session_type!(Es384Session, "ES384");
session_type!(Es512Session, "ES512");
session_type!(Rs256Session, "RS256");
session_type!(Rs384Session, "RS384");
session_type!(Rs512Session, "RS512");
session_type!(Ps256Session, "PS256");
session_type!(Ps384Session, "PS384");
session_type!(Ps512Session, "PS512");

/// Signs with `private`, then verifies with `public`, with a key set built from the
/// published JWKS, and checks the header's `kid` and the signature length.
fn round_trip<C, S, P>(claims: &C, private: &S, public: &P, signature_len: usize)
where
    C: Claims<Replay = Reusable> + for<'de> DecodeClaims<'de> + PartialEq + std::fmt::Debug,
    S: SigningKey<C::Algorithm>,
    P: PublicKey<Algorithm = C::Algorithm> + VerifyingKeys<C::Algorithm>,
{
    let token = claims.encode(private).unwrap();
    let decoded: C = validation().decode(&token, public).unwrap();
    assert_eq!(&decoded, claims);

    let peeked = dangerous::peek::<C>(&token).unwrap();
    assert_eq!(peeked.header().kid(), Some(public.kid()));
    assert_eq!(
        public.kid(),
        public.thumbprint(),
        "default kid is the thumbprint"
    );
    let signature = token.rsplit('.').next().unwrap();
    assert_eq!(
        base64url::decode(signature.as_bytes()).unwrap().len(),
        signature_len
    );

    let set = PublicKeySet::<P>::new(vec![public.clone()]).unwrap();
    let fetched = PublicKeySet::<P>::from_jwks(&set.to_jwks()).unwrap();
    let decoded: C = validation().decode(&token, &fetched).unwrap();
    assert_eq!(&decoded, claims);

    // A changed signature does not verify (the last character replaced by another one: the
    // signatures of randomized families may end in any character).
    let replacement = if token.ends_with('x') { 'y' } else { 'x' };
    let forged = format!("{}{replacement}", &token[..token.len() - 1]);
    assert!(validation().decode::<C, _>(&forged, public).is_err());
}

#[test]
fn eddsa_round_trip_with_pem_and_generated_keys() {
    let private = Ed25519PrivateKey::from_pem(&key_file("ed25519.pkcs8.pem")).unwrap();
    let public = Ed25519PublicKey::from_pem(&key_file("ed25519.spki.pem")).unwrap();
    assert_eq!(private.public_key().as_bytes(), public.as_bytes());
    round_trip(&EdSession::new(), &private, &public, 64);

    let generated = Ed25519PrivateKey::generate().unwrap();
    round_trip(&EdSession::new(), &generated, &generated.public_key(), 64);
    let token = EdSession::new().encode(&generated).unwrap();
    assert!(matches!(
        validation().decode::<EdSession, _>(&token, &public),
        Err(Error::Signature)
    ));
}

#[test]
fn ecdsa_round_trip_with_pem_and_generated_keys() {
    let private = EcdsaPrivateKey::<Es256>::from_pem(&key_file("p256.pkcs8.pem")).unwrap();
    let public = EcdsaPublicKey::<Es256>::from_pem(&key_file("p256.spki.pem")).unwrap();
    round_trip(&Es256Session::new(), &private, &public, 64);

    let private = EcdsaPrivateKey::<Es384>::from_pem(&key_file("p384.pkcs8.pem")).unwrap();
    let public = EcdsaPublicKey::<Es384>::from_pem(&key_file("p384.spki.pem")).unwrap();
    round_trip(&Es384Session::new(), &private, &public, 96);

    let generated = EcdsaPrivateKey::<Es256>::generate().unwrap();
    round_trip(
        &Es256Session::new(),
        &generated,
        &generated.public_key(),
        64,
    );

    // A P-256 key file is not an ES384 key, and SEC 1 files get a conversion hint.
    assert!(EcdsaPublicKey::<Es384>::from_pem(&key_file("p256.spki.pem")).is_err());
    assert!(EcdsaPrivateKey::<Es384>::from_pem(&key_file("p256.pkcs8.pem")).is_err());
    assert!(matches!(
        EcdsaPrivateKey::<Es256>::from_pem(&key_file("p256.sec1.pem")),
        Err(KeyError::Format(_))
    ));
}

#[test]
fn es512_round_trip_with_pem_jwk_and_generated_keys() {
    let private = Es512PrivateKey::from_pem(&key_file("p521.pkcs8.pem")).unwrap();
    let public = Es512PublicKey::from_pem(&key_file("p521.spki.pem")).unwrap();
    assert_eq!(private.kid(), public.kid());
    round_trip(&Es512Session::new(), &private, &public, 132);

    let generated = Es512PrivateKey::generate().unwrap();
    round_trip(
        &Es512Session::new(),
        &generated,
        &generated.public_key(),
        132,
    );
    let token = Es512Session::new().encode(&generated).unwrap();
    assert!(matches!(
        validation().decode::<Es512Session, _>(&token, &public),
        Err(Error::Signature)
    ));

    // The public JWK round-trips with its id and members; with private members it is
    // refused as a public key.
    let jwk = generated.public_key().with_kid("p521-1").unwrap().to_jwk();
    let parsed: serde_json::Value = serde_json::from_str(&jwk).unwrap();
    assert_eq!(
        (&parsed["kty"], &parsed["crv"], &parsed["alg"]),
        (&"EC".into(), &"P-521".into(), &"ES512".into())
    );
    assert_eq!(
        base64url::decode(parsed["x"].as_str().unwrap().as_bytes())
            .unwrap()
            .len(),
        66
    );
    let imported = Es512PublicKey::from_jwk(&jwk).unwrap();
    assert_eq!(imported.kid(), "p521-1");
    assert_eq!(imported.thumbprint(), generated.kid());
    assert!(
        validation()
            .decode::<Es512Session, _>(&token, &imported)
            .is_ok()
    );
    for (from, to) in [
        (r#""alg":"ES512""#, r#""alg":"ES384""#),
        (r#""crv":"P-521""#, r#""crv":"P-384""#),
        (r#""use":"sig""#, r#""use":"sig","d":"AAAA""#),
    ] {
        let changed = jwk.replace(from, to);
        assert!(Es512PublicKey::from_jwk(&changed).is_err(), "{changed}");
    }

    // Keys of the other curves are not P-521 keys, and the reverse; SEC 1 files are refused
    // (convert them to PKCS#8).
    for other in [
        "p256.spki.pem",
        "p384.spki.pem",
        "ed25519.spki.pem",
        "rsa2048.spki.pem",
    ] {
        assert!(
            Es512PublicKey::from_pem(&key_file(other)).is_err(),
            "{other}"
        );
    }
    for other in [
        "p256.pkcs8.pem",
        "p384.pkcs8.pem",
        "ed25519.pkcs8.pem",
        "rsa2048.pkcs8.pem",
    ] {
        assert!(
            Es512PrivateKey::from_pem(&key_file(other)).is_err(),
            "{other}"
        );
    }
    assert!(EcdsaPublicKey::<Es384>::from_pem(&key_file("p521.spki.pem")).is_err());
    assert!(EcdsaPrivateKey::<Es384>::from_pem(&key_file("p521.pkcs8.pem")).is_err());
    assert!(matches!(
        Es512PrivateKey::from_pem(&key_file("p521.sec1.pem")),
        Err(KeyError::Format(_))
    ));
    assert!(Es512PublicKey::from_pem(&key_file("p521.pkcs8.pem")).is_err());
    assert!(Es512PrivateKey::from_pem(&key_file("p521.spki.pem")).is_err());
}

#[test]
fn rsa_round_trip_for_every_rsa_algorithm() {
    let pkcs8 = key_file("rsa2048.pkcs8.pem");
    let spki = key_file("rsa2048.spki.pem");
    macro_rules! check {
        ($alg:ty, $session:ident) => {
            let private = RsaPrivateKey::<$alg>::from_pem(&pkcs8).unwrap();
            let public = RsaPublicKey::<$alg>::from_pem(&spki).unwrap();
            assert_eq!(public.modulus_bits(), 2048);
            round_trip(&$session::new(), &private, &public, 256);
        };
    }
    check!(Rs256, Rs256Session);
    check!(Rs384, Rs384Session);
    check!(Rs512, Rs512Session);
    check!(Ps256, Ps256Session);
    check!(Ps384, Ps384Session);
    check!(Ps512, Ps512Session);

    // PKCS#1 files name the same key.
    let pkcs1 = RsaPrivateKey::<Rs256>::from_pem(&key_file("rsa2048.pkcs1.pem")).unwrap();
    let pkcs1_public = RsaPublicKey::<Rs256>::from_pem(&key_file("rsa2048.pkcs1.pub.pem")).unwrap();
    let public = RsaPublicKey::<Rs256>::from_pem(&spki).unwrap();
    assert_eq!(pkcs1.kid(), public.kid());
    assert_eq!(pkcs1_public.kid(), public.kid());
    // PKCS#1 v1.5 is deterministic: both files sign identically.
    let from_pkcs8 = RsaPrivateKey::<Rs256>::from_pem(&pkcs8).unwrap();
    assert_eq!(
        Rs256Session::new().encode(&pkcs1).unwrap(),
        Rs256Session::new().encode(&from_pkcs8).unwrap()
    );
}

#[test]
fn rsa_weak_keys_are_refused_at_construction() {
    assert_eq!(
        RsaPublicKey::<Rs256>::from_pem(&key_file("rsa1024.spki.pem")).unwrap_err(),
        KeyError::Weak("RSA modulus under 2048 bits (RFC 7518 §3.3)")
    );
    assert_eq!(
        RsaPublicKey::<Rs256>::from_pem(&key_file("rsa2048-e3.spki.pem")).unwrap_err(),
        KeyError::Weak("RSA public exponent other than 65537")
    );
    // A public key file is not a private key, and a key of one family is not another's.
    assert!(RsaPrivateKey::<Rs256>::from_pem(&key_file("rsa2048.spki.pem")).is_err());
    assert!(RsaPublicKey::<Rs256>::from_pem(&key_file("p256.spki.pem")).is_err());
    assert!(Ed25519PublicKey::from_pem(&key_file("rsa2048.spki.pem")).is_err());
}

#[test]
fn jwk_export_and_import_keep_the_key_and_its_id() {
    let private = EcdsaPrivateKey::<Es256>::generate()
        .unwrap()
        .with_kid("2026-11")
        .unwrap();
    let jwk = private.public_key().to_jwk();
    let parsed: serde_json::Value = serde_json::from_str(&jwk).unwrap();
    assert_eq!(parsed["kty"], "EC");
    assert_eq!(parsed["crv"], "P-256");
    assert_eq!(parsed["kid"], "2026-11");
    assert_eq!(parsed["alg"], "ES256");
    assert_eq!(parsed["use"], "sig");
    assert!(parsed.get("d").is_none());
    let imported = EcdsaPublicKey::<Es256>::from_jwk(&jwk).unwrap();
    assert_eq!(imported.kid(), "2026-11");
    let token = Es256Session::new().encode(&private).unwrap();
    let peeked = dangerous::peek::<Es256Session>(&token).unwrap();
    assert_eq!(peeked.header().kid(), Some("2026-11"));
    assert!(
        validation()
            .decode::<Es256Session, _>(&token, &imported)
            .is_ok()
    );

    // Without `kid`, the thumbprint is the id; a JWK for another algorithm, curve or use,
    // or with private members, does not load as a public key.
    let bare = jwk.replace(r#","kid":"2026-11""#, "");
    let imported = EcdsaPublicKey::<Es256>::from_jwk(&bare).unwrap();
    assert_eq!(imported.kid(), imported.thumbprint());
    for (from, to) in [
        (r#""alg":"ES256""#, r#""alg":"ES384""#),
        (r#""crv":"P-256""#, r#""crv":"P-384""#),
        (r#""use":"sig""#, r#""use":"enc""#),
        (r#""kty":"EC""#, r#""kty":"RSA""#),
        (r#""use":"sig""#, r#""use":"sig","d":"AAAA""#),
        (r#""use":"sig""#, r#""use":"sig","key_ops":["encrypt"]"#),
    ] {
        let changed = jwk.replace(from, to);
        assert!(
            EcdsaPublicKey::<Es256>::from_jwk(&changed).is_err(),
            "{changed}"
        );
    }
}

#[test]
fn jwks_keeps_only_the_keys_that_fit_and_selects_by_kid() {
    let a = Ed25519PrivateKey::generate()
        .unwrap()
        .with_kid("a")
        .unwrap();
    let b = Ed25519PrivateKey::generate()
        .unwrap()
        .with_kid("b")
        .unwrap();
    let ec = EcdsaPrivateKey::<Es256>::generate().unwrap();
    let rsa = RsaPublicKey::<Rs256>::from_pem(&key_file("rsa2048.spki.pem")).unwrap();
    let jwks = format!(
        r#"{{"keys":[{},{},{},{},{{"kty":"OKP","crv":"X25519","x":"AAAA"}},{{"kty":"OKP","crv":"Ed25519","use":"enc","x":"{}"}}]}}"#,
        a.public_key().to_jwk(),
        ec.public_key().to_jwk(),
        rsa.to_jwk(),
        b.public_key().to_jwk(),
        base64url::encode(
            Ed25519PrivateKey::generate()
                .unwrap()
                .public_key()
                .as_bytes()
        ),
    );
    let set = PublicKeySet::<Ed25519PublicKey>::from_jwks(&jwks).unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(
        set.iter().map(PublicKey::kid).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let from_b = EdSession::new().encode(&b).unwrap();
    assert!(validation().decode::<EdSession, _>(&from_b, &set).is_ok());

    let stranger = Ed25519PrivateKey::generate()
        .unwrap()
        .with_kid("c")
        .unwrap();
    let from_c = EdSession::new().encode(&stranger).unwrap();
    assert!(matches!(
        validation().decode::<EdSession, _>(&from_c, &set),
        Err(Error::UnknownKeyId { kid: Some(kid) }) if kid == "c"
    ));
    // `kid` "a" names a key, but not the one that signed: no fallback to another key.
    let lying = stranger.with_kid("a").unwrap();
    let token = EdSession::new().encode(&lying).unwrap();
    assert!(matches!(
        validation().decode::<EdSession, _>(&token, &set),
        Err(Error::Signature)
    ));

    let es_set = PublicKeySet::<EcdsaPublicKey<Es256>>::from_jwks(&jwks).unwrap();
    assert_eq!(es_set.len(), 1);
    assert!(PublicKeySet::<EcdsaPublicKey<Es384>>::from_jwks(&jwks).is_err());
    assert!(PublicKeySet::<Ed25519PublicKey>::from_jwks(r#"{"keys":{}}"#).is_err());
    assert!(PublicKeySet::<Ed25519PublicKey>::from_jwks("[]").is_err());
    assert!(matches!(
        PublicKeySet::new(vec![a.public_key(), a.public_key()]),
        Err(KeyError::DuplicateKeyId(_))
    ));
}

/// The claims of RFC 7515 Appendix A.1-A.3 (issued by "joe", expired in 2011).
#[derive(Claims, Debug)]
#[claims(alg = "RS256")]
struct JoeRs256 {
    iss: String,
    exp: NumericDate,
    #[claim(rename = "http://example.com/is_root")]
    is_root: bool,
}

#[derive(Claims, Debug)]
#[claims(alg = "ES256")]
struct JoeEs256 {
    iss: String,
    exp: NumericDate,
    #[claim(rename = "http://example.com/is_root")]
    is_root: bool,
}

fn before_joe_expires() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(1_300_819_000)))
}

fn public_jwk_of(jwk: &serde_json::Value) -> String {
    let mut public = jwk.clone();
    for member in ["d", "p", "q", "dp", "dq", "qi"] {
        public.as_object_mut().unwrap().remove(member);
    }
    public.to_string()
}

#[test]
fn rfc7515_a2_rs256() {
    let vector = &data("rfc_jws_pubkey.json")["rfc7515_a2_rs256"];
    let token = vector["token"].as_str().unwrap();
    let public = RsaPublicKey::<Rs256>::from_jwk(&public_jwk_of(&vector["jwk"])).unwrap();
    let joe: JoeRs256 = before_joe_expires().decode(token, &public).unwrap();
    assert_eq!(joe.iss, "joe");
    assert!(joe.is_root);
    // Deterministic: the private JWK signs the same bytes to the same signature.
    let private = RsaPrivateKey::<Rs256>::from_jwk(&vector["jwk"].to_string()).unwrap();
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let again = jwt_runtime::TokenSigner::sign_into;
    let mut out = vec![0; 256];
    again(&private, signed.as_bytes(), &mut out).unwrap();
    assert_eq!(base64url::encode(&out), signature);
    // Expired now.
    assert!(matches!(
        validation().decode::<JoeRs256, _>(token, &public),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn rfc7515_a3_es256() {
    let vector = &data("rfc_jws_pubkey.json")["rfc7515_a3_es256"];
    let token = vector["token"].as_str().unwrap();
    let public = EcdsaPublicKey::<Es256>::from_jwk(&public_jwk_of(&vector["jwk"])).unwrap();
    let joe: JoeEs256 = before_joe_expires().decode(token, &public).unwrap();
    assert_eq!(joe.iss, "joe");
    let private = EcdsaPrivateKey::<Es256>::from_jwk(&vector["jwk"].to_string()).unwrap();
    assert_eq!(private.kid(), public.kid());
    // ECDSA is randomized: our signature differs but verifies.
    let ours = JoeEs256 {
        iss: "joe".into(),
        exp: NumericDate::from_secs(1_300_819_380),
        is_root: true,
    }
    .encode(&private)
    .unwrap();
    assert!(
        before_joe_expires()
            .decode::<JoeEs256, _>(&ours, &public)
            .is_ok()
    );
}

#[test]
fn rfc8037_ed25519_key_thumbprint_and_signature() {
    let vector = &data("rfc_jws_pubkey.json")["rfc8037_a_ed25519"];
    let private = Ed25519PrivateKey::from_jwk(&vector["jwk"].to_string()).unwrap();
    let public = Ed25519PublicKey::from_jwk(&public_jwk_of(&vector["jwk"])).unwrap();
    // A.3: the thumbprint, which is also the default key id.
    assert_eq!(public.thumbprint(), vector["thumbprint"].as_str().unwrap());
    assert_eq!(private.kid(), public.kid());
    // A.4: Ed25519 is deterministic; the payload is prose, so it is checked at the
    // signature layer and refused as claims after the signature verified.
    let token = vector["token"].as_str().unwrap();
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut out = [0; 64];
    jwt_runtime::TokenSigner::sign_into(&private, signed.as_bytes(), &mut out).unwrap();
    assert_eq!(base64url::encode(&out), signature);
    assert!(SignatureVerifier::verify_signature(
        &public,
        signed.as_bytes(),
        &out
    ));
    assert!(matches!(
        validation().decode::<EdSession, _>(token, &public),
        Err(Error::Malformed { .. })
    ));
}

/// An RFC 7520 ("JOSE Cookbook") §4 example, as the cookbook repository has it.
fn cookbook(file: &str) -> serde_json::Value {
    data(&format!("rfc7520/{file}"))
}

/// Checks one cookbook example: the private JWK and its public half load under the
/// example's `kid`; the compact token's signature verifies with the public key and fails
/// once the signing input changes; the token, whose payload is prose rather than claims,
/// passes the header and the signature through a key set selecting by that `kid` and is
/// then refused as malformed, never as a forgery. Returns the private key.
fn check_cookbook<C, P>(example: &serde_json::Value) -> P
where
    C: Claims<Replay = Reusable> + for<'de> DecodeClaims<'de> + std::fmt::Debug,
    P: jwt_runtime::PrivateKey<Public: VerifyingKeys<C::Algorithm>>,
    P::Public: PublicKey<Algorithm = C::Algorithm>,
{
    let jwk = &example["input"]["key"];
    let kid = jwk["kid"].as_str().unwrap();
    let private = P::from_jwk(&jwk.to_string()).unwrap();
    let public = P::Public::from_jwk(&public_jwk_of(jwk)).unwrap();
    assert_eq!(public.kid(), kid);
    assert_eq!(private.public_key().thumbprint(), public.thumbprint());

    let token = example["output"]["compact"].as_str().unwrap();
    let (signed, signature) = token.rsplit_once('.').unwrap();
    assert_eq!(signed, example["signing"]["sig-input"].as_str().unwrap());
    let signature = base64url::decode(signature.as_bytes()).unwrap();
    assert!(public.verify_signature(signed.as_bytes(), &signature));
    let mut altered = signed.as_bytes().to_vec();
    altered[0] ^= 1;
    assert!(!public.verify_signature(&altered, &signature));

    let set = PublicKeySet::new(vec![public]).unwrap();
    assert!(matches!(
        validation().decode::<C, _>(token, &set),
        Err(Error::Malformed { .. })
    ));
    private
}

#[test]
fn rfc7520_4_1_rs256() {
    let example = cookbook("4_1.rsa_v15_signature.json");
    let private = check_cookbook::<Rs256Session, RsaPrivateKey<Rs256>>(&example);
    // PKCS#1 v1.5 is deterministic: the same signing input signs to the same bytes.
    let signing_input = example["signing"]["sig-input"].as_str().unwrap();
    let mut out = vec![0; 256];
    jwt_runtime::TokenSigner::sign_into(&private, signing_input.as_bytes(), &mut out).unwrap();
    assert_eq!(base64url::encode(&out), example["signing"]["sig"]);
}

#[test]
fn rfc7520_4_2_ps384() {
    let example = cookbook("4_2.rsa-pss_signature.json");
    let private = check_cookbook::<Ps384Session, RsaPrivateKey<Ps384>>(&example);
    // PSS is randomized: ours differs from the example's but verifies with the same key.
    let signing_input = example["signing"]["sig-input"].as_str().unwrap();
    let mut out = vec![0; 256];
    jwt_runtime::TokenSigner::sign_into(&private, signing_input.as_bytes(), &mut out).unwrap();
    assert_ne!(base64url::encode(&out), example["signing"]["sig"]);
    assert!(
        private
            .public_key()
            .verify_signature(signing_input.as_bytes(), &out)
    );
}

#[test]
fn rfc7520_4_3_es512() {
    let example = cookbook("4_3.ecdsa_signature.json");
    let private = check_cookbook::<Es512Session, Es512PrivateKey>(&example);
    // ECDSA signatures differ per signer; ours verifies with the example's public key.
    let signing_input = example["signing"]["sig-input"].as_str().unwrap();
    let mut out = vec![0; 132];
    jwt_runtime::TokenSigner::sign_into(&private, signing_input.as_bytes(), &mut out).unwrap();
    assert!(
        private
            .public_key()
            .verify_signature(signing_input.as_bytes(), &out)
    );
}

#[test]
fn rfc7515_a4_es512() {
    let vector = &data("rfc_jws_pubkey.json")["rfc7515_a4_es512"];
    let token = vector["token"].as_str().unwrap();
    let public = Es512PublicKey::from_jwk(&public_jwk_of(&vector["jwk"])).unwrap();
    let private = Es512PrivateKey::from_jwk(&vector["jwk"].to_string()).unwrap();
    assert_eq!(private.kid(), public.kid());
    // The payload is the word "Payload": the signature verifies, then the claims are
    // refused as malformed.
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = base64url::decode(signature.as_bytes()).unwrap();
    assert_eq!(signature.len(), 132);
    assert!(public.verify_signature(signed.as_bytes(), &signature));
    assert!(matches!(
        validation().decode::<Es512Session, _>(token, &public),
        Err(Error::Malformed { .. })
    ));
    // A private JWK whose `d` is not the private key of its `x`, `y` is refused.
    let mut mismatched = vector["jwk"].clone();
    mismatched["d"] = data("rfc7520/4_3.ecdsa_signature.json")["input"]["key"]["d"].clone();
    assert!(matches!(
        Es512PrivateKey::from_jwk(&mismatched.to_string()),
        Err(KeyError::Format(_))
    ));
}
