//! Project Wycheproof signature-verification vectors for the public-key families shipped:
//! Ed25519, ECDSA P-256/SHA-256, P-384/SHA-384 and P-521/SHA-512 in the P1363 (`R || S`)
//! form, RSA PKCS#1
//! v1.5 with SHA-256 and RSA-PSS with SHA-256/MGF1-SHA-256/32-byte salt (2048-bit keys).
//! Files in `tests/data/wycheproof` (source and license in `tests/data/README.md`).
//!
//! Each group's key is loaded twice, from its PEM and from its JWK, and both must be the
//! same key. Each vector is checked the way the decode pipeline checks a signature: the exact
//! length first, then the verification. A "valid" vector must verify and an "invalid" one
//! must not; the few "acceptable" ones are listed with the verdict given here.

use std::fs;

use jwt_runtime::{
    EcdsaPublicKey, Ed25519PublicKey, Es256, Es384, Es512PublicKey, KeyError, Ps256, PublicKey,
    Rs256, RsaPublicKey,
};

fn vectors(file: &str) -> serde_json::Value {
    let path = format!(
        "{}/tests/data/wycheproof/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap())
        .collect()
}

#[derive(Debug, Default, PartialEq)]
struct Tally {
    vectors: usize,
    valid_verified: usize,
    invalid_rejected: usize,
    /// Vectors of groups whose key this crate refuses at construction.
    refused_key: usize,
    acceptable_rejected: usize,
}

/// Runs one Wycheproof file against key type `K`. `refusal` says which key refusal is
/// expected for a group's key, if any.
fn run<K: PublicKey>(
    file: &str,
    refusal: impl Fn(&serde_json::Value) -> Option<KeyError>,
) -> Tally {
    let vectors = vectors(file);
    let mut tally = Tally::default();
    for group in vectors["testGroups"].as_array().unwrap() {
        let tests = group["tests"].as_array().unwrap();
        let pem = group["publicKeyPem"].as_str().unwrap();
        let from_pem = K::from_pem(pem);
        if let Some(expected) = refusal(group) {
            assert_eq!(from_pem.unwrap_err(), expected, "{file}: {pem}");
            tally.vectors += tests.len();
            tally.refused_key += tests.len();
            continue;
        }
        let key = from_pem.unwrap_or_else(|error| panic!("{file}: {pem}: {error}"));
        if let Some(jwk) = group.get("publicKeyJwk").or_else(|| group.get("keyJwk")) {
            // The vectors' JWKs carry `"kid":"none"`; without it the default kid (the
            // thumbprint) must be the PEM key's.
            let mut jwk = jwk.clone();
            jwk.as_object_mut().unwrap().remove("kid");
            let from_jwk = K::from_jwk(&jwk.to_string()).unwrap();
            assert_eq!(from_jwk.kid(), key.kid(), "{file}: PEM and JWK differ");
        }
        for test in tests {
            tally.vectors += 1;
            let id = &test["tcId"];
            let msg = hex(test["msg"].as_str().unwrap());
            let sig = hex(test["sig"].as_str().unwrap());
            let verified = sig.len() == key.signature_len() && key.verify_signature(&msg, &sig);
            match test["result"].as_str().unwrap() {
                "valid" => {
                    assert!(verified, "{file} tcId {id} valid but rejected");
                    tally.valid_verified += 1;
                }
                "invalid" => {
                    assert!(!verified, "{file} tcId {id} invalid but accepted");
                    tally.invalid_rejected += 1;
                }
                "acceptable" => {
                    assert!(!verified, "{file} tcId {id}: acceptable vector accepted");
                    tally.acceptable_rejected += 1;
                }
                other => panic!("unexpected result {other}"),
            }
        }
    }
    assert_eq!(
        tally.vectors as u64,
        vectors["numberOfTests"].as_u64().unwrap()
    );
    tally
}

fn no_refusal(_: &serde_json::Value) -> Option<KeyError> {
    None
}

#[test]
fn wycheproof_ed25519() {
    let tally = run::<Ed25519PublicKey>("ed25519_test.json", no_refusal);
    assert_eq!(
        tally,
        Tally {
            vectors: 151,
            valid_verified: 88,
            invalid_rejected: 63,
            ..Tally::default()
        }
    );
}

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363() {
    let tally = run::<EcdsaPublicKey<Es256>>("ecdsa_secp256r1_sha256_p1363_test.json", no_refusal);
    assert_eq!(
        tally,
        Tally {
            vectors: 262,
            valid_verified: 173,
            invalid_rejected: 89,
            ..Tally::default()
        }
    );
}

#[test]
fn wycheproof_ecdsa_p384_sha384_p1363() {
    let tally = run::<EcdsaPublicKey<Es384>>("ecdsa_secp384r1_sha384_p1363_test.json", no_refusal);
    assert_eq!(
        tally,
        Tally {
            vectors: 280,
            valid_verified: 193,
            invalid_rejected: 87,
            ..Tally::default()
        }
    );
}

/// P-521 (ES512, on the `p521` crate rather than *ring*): the same strictness is expected.
/// The file's r and s are 66 bytes each, 132 in all, the JWS length.
#[test]
fn wycheproof_ecdsa_p521_sha512_p1363() {
    let tally = run::<Es512PublicKey>("ecdsa_secp521r1_sha512_p1363_test.json", no_refusal);
    assert_eq!(
        tally,
        Tally {
            vectors: 318,
            valid_verified: 231,
            invalid_rejected: 87,
            ..Tally::default()
        }
    );
}

/// Wycheproof's RSA groups with `e = 3` are refused at key construction (only 65537 is
/// accepted); every vector of the `e = 65537` group is checked.
fn rsa_refusal(group: &serde_json::Value) -> Option<KeyError> {
    (group["publicKey"]["publicExponent"] != "010001")
        .then_some(KeyError::Weak("RSA public exponent other than 65537"))
}

#[test]
fn wycheproof_rsa_pkcs1_2048_sha256() {
    let tally = run::<RsaPublicKey<Rs256>>("rsa_signature_2048_sha256_test.json", rsa_refusal);
    // tcId 8, "acceptable" (a DigestInfo without the NULL parameters), is rejected: the
    // encoding RFC 8017 §9.2 specifies is the only one compared.
    assert_eq!(tally.acceptable_rejected, 1);
    assert_eq!(tally.vectors, 259);
    assert!(tally.valid_verified > 0 && tally.invalid_rejected > 0);
    assert_eq!(
        tally.vectors,
        tally.valid_verified + tally.invalid_rejected + tally.refused_key + 1
    );
}

#[test]
fn wycheproof_rsa_pss_2048_sha256_mgf1_32() {
    let tally = run::<RsaPublicKey<Ps256>>("rsa_pss_2048_sha256_mgf1_32_test.json", rsa_refusal);
    assert_eq!(
        tally,
        Tally {
            vectors: 108,
            valid_verified: 63,
            invalid_rejected: 45,
            ..Tally::default()
        }
    );
}
