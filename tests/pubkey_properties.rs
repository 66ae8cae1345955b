//! Property tests for the public-key families: key parsing never panics on any PEM, JWK or
//! JWKS text (a remote key set parses what a provider, or an attacker in its place, sends),
//! and every single-byte change of a signed token is refused.
//!
//! `PROPTEST_CASES` raises the counts for a longer run.

use std::fs;
use std::sync::OnceLock;

use jwt_runtime::{
    Claims, EcdsaPrivateKey, EcdsaPublicKey, Ed25519PrivateKey, Ed25519PublicKey, Es256, Es384,
    Es512PrivateKey, Es512PublicKey, FixedClock, NumericDate, Ps256, PublicKey, PublicKeySet,
    Rs256, RsaPrivateKey, RsaPublicKey, Validation,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

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

fn key_file(name: &str) -> String {
    fs::read_to_string(format!(
        "{}/tests/data/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Every loader of every key type, on one text; the results are dropped: only panics fail.
fn load_everything(text: &str) {
    let _ = Ed25519PublicKey::from_pem(text);
    let _ = Ed25519PrivateKey::from_pem(text);
    let _ = EcdsaPublicKey::<Es256>::from_pem(text);
    let _ = EcdsaPrivateKey::<Es384>::from_pem(text);
    let _ = RsaPublicKey::<Rs256>::from_pem(text);
    let _ = RsaPrivateKey::<Ps256>::from_pem(text);
    let _ = Ed25519PublicKey::from_jwk(text);
    let _ = Ed25519PrivateKey::from_jwk(text);
    let _ = EcdsaPublicKey::<Es384>::from_jwk(text);
    let _ = EcdsaPrivateKey::<Es256>::from_jwk(text);
    let _ = RsaPublicKey::<Ps256>::from_jwk(text);
    let _ = RsaPrivateKey::<Rs256>::from_jwk(text);
    let _ = PublicKeySet::<Ed25519PublicKey>::from_jwks(text);
    let _ = PublicKeySet::<EcdsaPublicKey<Es256>>::from_jwks(text);
    let _ = PublicKeySet::<RsaPublicKey<Rs256>>::from_jwks(text);
    let _ = Es512PublicKey::from_pem(text);
    let _ = Es512PrivateKey::from_pem(text);
    let _ = Es512PublicKey::from_jwk(text);
    let _ = Es512PrivateKey::from_jwk(text);
    let _ = PublicKeySet::<Es512PublicKey>::from_jwks(text);
}

/// The DER of the P-521 PKCS#8 test key, which `Es512PrivateKey` reads with this crate's
/// own DER reader.
fn p521_pkcs8_der() -> &'static [u8] {
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    DER.get_or_init(|| {
        let pem = key_file("p521.pkcs8.pem");
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap()
    })
}

/// Real key texts to mutate: PEM files and JWKs of every family (made once).
fn seeds() -> &'static [String] {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(make_seeds)
}

fn make_seeds() -> Vec<String> {
    let mut seeds: Vec<String> = [
        "ed25519.pkcs8.pem",
        "ed25519.spki.pem",
        "p256.pkcs8.pem",
        "p256.spki.pem",
        "p384.spki.pem",
        "rsa2048.spki.pem",
        "rsa2048.pkcs1.pub.pem",
        "rsa2048.pkcs8.pem",
        "p521.pkcs8.pem",
        "p521.spki.pem",
    ]
    .iter()
    .map(|name| key_file(name))
    .collect();
    seeds.push(Ed25519PrivateKey::generate().unwrap().public_key().to_jwk());
    seeds.push(
        EcdsaPrivateKey::<Es256>::generate()
            .unwrap()
            .public_key()
            .to_jwk(),
    );
    seeds.push(
        RsaPublicKey::<Rs256>::from_pem(&key_file("rsa2048.spki.pem"))
            .unwrap()
            .to_jwk(),
    );
    seeds.push(Es512PrivateKey::generate().unwrap().public_key().to_jwk());
    seeds
}

#[derive(Claims, Debug)]
#[claims(alg = "ES256")]
struct Session {
    sub: String,
    exp: NumericDate,
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn key_loaders_never_panic_on_arbitrary_text(text in ".{0,400}") {
        load_everything(&text);
    }

    #[test]
    fn key_loaders_never_panic_on_mutated_keys(
        seed in 0_usize..14,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[seed % seeds.len()].as_bytes().to_vec();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        load_everything(&text);
        let jwks = format!(r#"{{"keys":[{text}]}}"#);
        load_everything(&jwks);
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// Changed bytes, a cut, or trailing bytes in a P-521 PKCS#8 DER: never a panic, and a
    /// key only when the change left a valid key (the same one, or a refusal).
    #[test]
    fn es512_pkcs8_reader_never_panics_on_mutated_der(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in any::<prop::sample::Index>(),
        trailing in proptest::collection::vec(any::<u8>(), 0..3),
    ) {
        let original = p521_pkcs8_der();
        let mut bytes = original.to_vec();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        bytes.extend(trailing);
        if let Ok(key) = Es512PrivateKey::from_pkcs8_der(&bytes) {
            let expected = Es512PrivateKey::from_pkcs8_der(original).unwrap();
            prop_assert_eq!(key.kid(), expected.kid());
        }
    }
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn any_single_byte_change_of_an_es256_token_is_refused(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let key = EcdsaPrivateKey::<Es256>::from_pem(&key_file("p256.pkcs8.pem")).unwrap();
        let token = Session { sub: "user-1".into(), exp: NumericDate::from_secs(2_000_000_000) }
            .encode(&key)
            .unwrap();
        let mut bytes = token.clone().into_bytes();
        let at = at.index(bytes.len());
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        let validation = Validation::new().clock(FixedClock(NumericDate::from_secs(1_700_000_000)));
        prop_assert!(validation.decode::<Session, _>(&changed, &key.public_key()).is_err());
        prop_assert!(validation.decode::<Session, _>(&token, &key.public_key()).is_ok());
    }
}
