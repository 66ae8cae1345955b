//! Public-key tokens (EdDSA, ES256, RS256): `jwt-runtime` against jsonwebtoken, jwt-simple
//! and the bare primitive (the runtime's backend: `ed25519-dalek` with `verify_strict` for
//! EdDSA, *ring* for the others; signing or verifying the same bytes: the floor).
//!
//! Every verifier checks the same token bytes: signed once per process by `jwt-runtime`
//! with the key pairs of `tests/data/keys` (an ECDSA signature is randomized, so all
//! contenders verify that one signature). The floor verifies the same signature over the
//! same signing input, both decoded beforehand. The claims are the typical ones of the HMAC
//! benchmarks, checked the same way (signature, `alg`, `exp`, `nbf`, `iss`, `aud`).

use std::hint::black_box;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::Signer as _;
use jwt_runtime::{
    Claims, EcdsaPrivateKey, EcdsaPublicKey, Ed25519PrivateKey, Ed25519PublicKey, Es256,
    NumericDate, Rs256, RsaPrivateKey, RsaPublicKey, Validation, dangerous,
};
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, KeyPair};
use serde::{Deserialize, Serialize};

use crate::{AUDIENCE, ISSUER, Typical, consume, now, typical};

/// The key files, shared with the runtime's tests (made with `openssl genpkey`).
pub mod keys {
    pub const ED25519_PKCS8: &str = include_str!("../../tests/data/keys/ed25519.pkcs8.pem");
    pub const ED25519_SPKI: &str = include_str!("../../tests/data/keys/ed25519.spki.pem");
    pub const P256_PKCS8: &str = include_str!("../../tests/data/keys/p256.pkcs8.pem");
    pub const P256_SPKI: &str = include_str!("../../tests/data/keys/p256.spki.pem");
    pub const RSA2048_PKCS8: &str = include_str!("../../tests/data/keys/rsa2048.pkcs8.pem");
    pub const RSA2048_SPKI: &str = include_str!("../../tests/data/keys/rsa2048.spki.pem");
}

/// The algorithms benchmarked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    EdDsa,
    Es256,
    Rs256,
}

impl Alg {
    pub const ALL: [Alg; 3] = [Alg::EdDsa, Alg::Es256, Alg::Rs256];

    pub fn name(self) -> &'static str {
        match self {
            Alg::EdDsa => "EdDSA",
            Alg::Es256 => "ES256",
            Alg::Rs256 => "RS256",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The body of a PEM document, decoded.
pub fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("PEM body")
}

macro_rules! ours_type {
    ($name:ident, $alg:literal) => {
        #[derive(Claims, Debug, PartialEq)]
        #[claims(alg = $alg, iss = "https://auth.example.com", aud = "api")]
        pub struct $name {
            pub sub: String,
            pub name: String,
            pub admin: bool,
            pub iss: String,
            pub aud: String,
            pub iat: NumericDate,
            pub exp: NumericDate,
            pub nbf: NumericDate,
            pub jti: String,
        }

        impl $name {
            #[allow(clippy::cast_possible_wrap)]
            pub fn from_typical(claims: &Typical) -> Self {
                $name {
                    sub: claims.sub.clone(),
                    name: claims.name.clone(),
                    admin: claims.admin,
                    iss: claims.iss.clone(),
                    aud: claims.aud.clone(),
                    iat: NumericDate::from_secs(claims.iat as i64),
                    exp: NumericDate::from_secs(claims.exp as i64),
                    nbf: NumericDate::from_secs(claims.nbf as i64),
                    jti: claims.jti.clone(),
                }
            }
        }
    };
}

ours_type!(OursEd, "EdDSA");
ours_type!(OursEs, "ES256");
ours_type!(OursRs, "RS256");

/// The typical claims without `jti`: a reusable type, which `RemoteKeySet::decode` and
/// `Validation::decode` take (the remote key set comparison).
#[derive(Claims, Debug, PartialEq)]
#[claims(alg = "EdDSA", iss = "https://auth.example.com", aud = "api")]
pub struct SessionEd {
    pub sub: String,
    pub name: String,
    pub admin: bool,
    pub iss: String,
    pub aud: String,
    pub iat: NumericDate,
    pub exp: NumericDate,
    pub nbf: NumericDate,
}

/// `jwt-runtime`'s key pairs and its validation.
pub struct Ours {
    pub ed_private: Ed25519PrivateKey,
    pub ed_public: Ed25519PublicKey,
    pub es_private: EcdsaPrivateKey<Es256>,
    pub es_public: EcdsaPublicKey<Es256>,
    pub rs_private: RsaPrivateKey<Rs256>,
    pub rs_public: RsaPublicKey<Rs256>,
    pub validation: Validation,
}

impl Ours {
    pub fn new() -> Self {
        Ours {
            ed_private: Ed25519PrivateKey::from_pem(keys::ED25519_PKCS8).unwrap(),
            ed_public: Ed25519PublicKey::from_pem(keys::ED25519_SPKI).unwrap(),
            es_private: EcdsaPrivateKey::from_pem(keys::P256_PKCS8).unwrap(),
            es_public: EcdsaPublicKey::from_pem(keys::P256_SPKI).unwrap(),
            rs_private: RsaPrivateKey::from_pem(keys::RSA2048_PKCS8).unwrap(),
            rs_public: RsaPublicKey::from_pem(keys::RSA2048_SPKI).unwrap(),
            validation: Validation::new(),
        }
    }

    /// The token of `alg` for `claims`, as `jwt-runtime` signs it.
    pub fn sign(&self, alg: Alg, claims: &Typical) -> String {
        match alg {
            Alg::EdDsa => OursEd::from_typical(claims).encode(&self.ed_private),
            Alg::Es256 => OursEs::from_typical(claims).encode(&self.es_private),
            Alg::Rs256 => OursRs::from_typical(claims).encode(&self.rs_private),
        }
        .unwrap()
    }
}

impl Default for Ours {
    fn default() -> Self {
        Self::new()
    }
}

/// The tokens every contender verifies, and the floor's view of them.
pub struct PkFixtures {
    pub now: u64,
    pub typical: Typical,
    /// By [`Alg::index`]: the token `jwt-runtime` signed.
    pub tokens: [String; 3],
}

impl PkFixtures {
    pub fn new(ours: &Ours) -> Self {
        let now = now();
        let typical = typical(now);
        let tokens = Alg::ALL.map(|alg| ours.sign(alg, &typical));
        PkFixtures {
            now,
            typical,
            tokens,
        }
    }

    pub fn token(&self, alg: Alg) -> &str {
        &self.tokens[alg.index()]
    }
}

/// A timed operation: signs or verifies once, its result passed through `black_box`.
pub type Op<'a> = Box<dyn Fn() -> Result<(), String> + 'a>;

/// One contender of the public-key benchmarks.
pub trait PkContender {
    fn name(&self) -> &'static str;
    /// Prepares what the library needs from `claims` once; the returned operation signs.
    fn signer<'a>(&'a self, alg: Alg, claims: &Typical) -> Op<'a>;
    /// The operation that verifies and decodes `token` (whatever a contender derives from
    /// the token before timing, such as the floor's decoded signature, is derived here).
    fn verifier<'a>(&'a self, alg: Alg, token: &'a str) -> Op<'a>;
}

/// Passes a signed token through `black_box`.
fn signed(token: String) -> Result<(), String> {
    black_box(token);
    Ok(())
}

impl PkContender for Ours {
    fn name(&self) -> &'static str {
        "jwt-runtime"
    }
    fn signer<'a>(&'a self, alg: Alg, claims: &Typical) -> Op<'a> {
        let error = |e: jwt_runtime::Error| e.to_string();
        match alg {
            Alg::EdDsa => {
                let claims = OursEd::from_typical(claims);
                Box::new(move || signed(claims.encode(&self.ed_private).map_err(error)?))
            }
            Alg::Es256 => {
                let claims = OursEs::from_typical(claims);
                Box::new(move || signed(claims.encode(&self.es_private).map_err(error)?))
            }
            Alg::Rs256 => {
                let claims = OursRs::from_typical(claims);
                Box::new(move || signed(claims.encode(&self.rs_private).map_err(error)?))
            }
        }
    }
    fn verifier<'a>(&'a self, alg: Alg, token: &'a str) -> Op<'a> {
        let v = &self.validation;
        let error = |e: jwt_runtime::Error| e.to_string();
        match alg {
            Alg::EdDsa => Box::new(move || {
                consume(
                    dangerous::decode_without_replay_check::<OursEd, _, _>(
                        v,
                        token,
                        &self.ed_public,
                    )
                    .map_err(error)?,
                )
            }),
            Alg::Es256 => Box::new(move || {
                consume(
                    dangerous::decode_without_replay_check::<OursEs, _, _>(
                        v,
                        token,
                        &self.es_public,
                    )
                    .map_err(error)?,
                )
            }),
            Alg::Rs256 => Box::new(move || {
                consume(
                    dangerous::decode_without_replay_check::<OursRs, _, _>(
                        v,
                        token,
                        &self.rs_public,
                    )
                    .map_err(error)?,
                )
            }),
        }
    }
}

/// The bare primitive: the runtime's backend signing the signing input, or verifying the
/// decoded signature over it (`ed25519-dalek`'s `verify_strict` for EdDSA, *ring* for the
/// others). Nothing else: no base64, no JSON, no claim checks.
pub struct Primitive {
    ed: ed25519_dalek::SigningKey,
    es: ring_sig::EcdsaKeyPair,
    rs: ring_sig::RsaKeyPair,
    rng: SystemRandom,
    /// The tokens' signing inputs (`header.payload`), by [`Alg::index`], for signing.
    inputs: [String; 3],
}

impl Primitive {
    pub fn new(fixtures: &PkFixtures) -> Self {
        let rng = SystemRandom::new();
        Primitive {
            // A PKCS#8 v1 Ed25519 key ends with its 32-byte seed.
            ed: ed25519_dalek::SigningKey::from_bytes(
                pem_der(keys::ED25519_PKCS8)[16..].try_into().unwrap(),
            ),
            es: ring_sig::EcdsaKeyPair::from_pkcs8(
                &ring_sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                &pem_der(keys::P256_PKCS8),
                &rng,
            )
            .unwrap(),
            rs: ring_sig::RsaKeyPair::from_pkcs8(&pem_der(keys::RSA2048_PKCS8)).unwrap(),
            inputs: Alg::ALL.map(|alg| {
                let token = fixtures.token(alg);
                token[..token.rfind('.').unwrap()].to_owned()
            }),
            rng,
        }
    }

    fn public_key(&self, alg: Alg) -> (&'static dyn ring_sig::VerificationAlgorithm, &[u8]) {
        match alg {
            Alg::EdDsa => unreachable!("EdDSA verifies with ed25519-dalek"),
            Alg::Es256 => (
                &ring_sig::ECDSA_P256_SHA256_FIXED,
                self.es.public_key().as_ref(),
            ),
            Alg::Rs256 => (
                &ring_sig::RSA_PKCS1_2048_8192_SHA256,
                self.rs.public_key().as_ref(),
            ),
        }
    }
}

impl PkContender for Primitive {
    fn name(&self) -> &'static str {
        "primitive"
    }
    fn signer<'a>(&'a self, alg: Alg, _claims: &Typical) -> Op<'a> {
        let input = self.inputs[alg.index()].as_bytes();
        match alg {
            Alg::EdDsa => Box::new(move || {
                black_box(self.ed.sign(black_box(input)));
                Ok(())
            }),
            Alg::Es256 => Box::new(move || {
                let signature = self
                    .es
                    .sign(&self.rng, black_box(input))
                    .map_err(|e| e.to_string())?;
                black_box(signature);
                Ok(())
            }),
            Alg::Rs256 => Box::new(move || {
                let mut signature = vec![0; self.rs.public().modulus_len()];
                self.rs
                    .sign(
                        &ring_sig::RSA_PKCS1_SHA256,
                        &self.rng,
                        black_box(input),
                        &mut signature,
                    )
                    .map_err(|e| e.to_string())?;
                black_box(signature);
                Ok(())
            }),
        }
    }
    fn verifier<'a>(&'a self, alg: Alg, token: &'a str) -> Op<'a> {
        let (input, signature) = token.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
        if alg == Alg::EdDsa {
            // The key decoded once, as the runtime's `Ed25519PublicKey` holds it.
            let key = self.ed.verifying_key();
            let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
            return Box::new(move || {
                key.verify_strict(black_box(input.as_bytes()), black_box(&signature))
                    .map_err(|_| String::from("bad signature"))
            });
        }
        let (algorithm, public) = self.public_key(alg);
        let key = ring_sig::UnparsedPublicKey::new(algorithm, public);
        Box::new(move || {
            key.verify(black_box(input.as_bytes()), black_box(&signature))
                .map_err(|_| String::from("bad signature"))
        })
    }
}

/// `jsonwebtoken` 11, with the crypto backend this process installed.
pub struct JsonWebToken {
    label: &'static str,
    encoding: [jsonwebtoken::EncodingKey; 3],
    decoding: [jsonwebtoken::DecodingKey; 3],
    validation: [jsonwebtoken::Validation; 3],
}

impl JsonWebToken {
    const ALGORITHMS: [jsonwebtoken::Algorithm; 3] = [
        jsonwebtoken::Algorithm::EdDSA,
        jsonwebtoken::Algorithm::ES256,
        jsonwebtoken::Algorithm::RS256,
    ];

    pub fn new(label: &'static str) -> Self {
        use jsonwebtoken::{DecodingKey, EncodingKey};
        let validation = |alg| {
            let mut validation = jsonwebtoken::Validation::new(alg);
            validation.set_issuer(&[ISSUER]);
            validation.set_audience(&[AUDIENCE]);
            validation.validate_nbf = true;
            validation.leeway = 0;
            validation
        };
        JsonWebToken {
            label,
            encoding: [
                EncodingKey::from_ed_pem(keys::ED25519_PKCS8.as_bytes()).unwrap(),
                EncodingKey::from_ec_pem(keys::P256_PKCS8.as_bytes()).unwrap(),
                EncodingKey::from_rsa_pem(keys::RSA2048_PKCS8.as_bytes()).unwrap(),
            ],
            decoding: [
                DecodingKey::from_ed_pem(keys::ED25519_SPKI.as_bytes()).unwrap(),
                DecodingKey::from_ec_pem(keys::P256_SPKI.as_bytes()).unwrap(),
                DecodingKey::from_rsa_pem(keys::RSA2048_SPKI.as_bytes()).unwrap(),
            ],
            validation: Self::ALGORITHMS.map(validation),
        }
    }
}

impl PkContender for JsonWebToken {
    fn name(&self) -> &'static str {
        self.label
    }
    fn signer<'a>(&'a self, alg: Alg, claims: &Typical) -> Op<'a> {
        let claims = claims.clone();
        let header = jsonwebtoken::Header::new(Self::ALGORITHMS[alg.index()]);
        let key = &self.encoding[alg.index()];
        Box::new(move || {
            signed(jsonwebtoken::encode(&header, &claims, key).map_err(|e| e.to_string())?)
        })
    }
    fn verifier<'a>(&'a self, alg: Alg, token: &'a str) -> Op<'a> {
        let (key, validation) = (&self.decoding[alg.index()], &self.validation[alg.index()]);
        Box::new(move || {
            consume(
                jsonwebtoken::decode::<Typical>(token, key, validation)
                    .map_err(|e| e.to_string())?,
            )
        })
    }
}

/// `jwt-simple` 0.15 with its pure-Rust features. Its registered claims live in
/// `JWTClaims`, the rest in a custom struct.
pub struct JwtSimple {
    ed_pair: jwt_simple::prelude::Ed25519KeyPair,
    ed_public: jwt_simple::prelude::Ed25519PublicKey,
    es_pair: jwt_simple::prelude::ES256KeyPair,
    es_public: jwt_simple::prelude::ES256PublicKey,
    rs_pair: jwt_simple::prelude::RS256KeyPair,
    rs_public: jwt_simple::prelude::RS256PublicKey,
    options: jwt_simple::prelude::VerificationOptions,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SimpleCustom {
    pub name: String,
    pub admin: bool,
}

impl JwtSimple {
    pub fn new() -> Self {
        use jwt_simple::prelude::*;
        JwtSimple {
            ed_pair: Ed25519KeyPair::from_pem(keys::ED25519_PKCS8).unwrap(),
            ed_public: Ed25519PublicKey::from_pem(keys::ED25519_SPKI).unwrap(),
            es_pair: ES256KeyPair::from_pem(keys::P256_PKCS8).unwrap(),
            es_public: ES256PublicKey::from_pem(keys::P256_SPKI).unwrap(),
            rs_pair: RS256KeyPair::from_pem(keys::RSA2048_PKCS8).unwrap(),
            rs_public: RS256PublicKey::from_pem(keys::RSA2048_SPKI).unwrap(),
            options: VerificationOptions {
                allowed_issuers: Some(std::collections::HashSet::from([ISSUER.to_owned()])),
                allowed_audiences: Some(std::collections::HashSet::from([AUDIENCE.to_owned()])),
                ..VerificationOptions::default()
            },
        }
    }
}

impl Default for JwtSimple {
    fn default() -> Self {
        Self::new()
    }
}

impl PkContender for JwtSimple {
    fn name(&self) -> &'static str {
        "jwt-simple"
    }
    fn signer<'a>(&'a self, alg: Alg, claims: &Typical) -> Op<'a> {
        use jwt_simple::prelude::*;
        let claims = JWTClaims {
            issued_at: Some(UnixTimeStamp::from_secs(claims.iat)),
            expires_at: Some(UnixTimeStamp::from_secs(claims.exp)),
            invalid_before: Some(UnixTimeStamp::from_secs(claims.nbf)),
            issuer: Some(claims.iss.clone()),
            subject: Some(claims.sub.clone()),
            audiences: Some(Audiences::AsString(claims.aud.clone())),
            jwt_id: Some(claims.jti.clone()),
            nonce: None,
            custom: SimpleCustom {
                name: claims.name.clone(),
                admin: claims.admin,
            },
        };
        let error = |e: jwt_simple::Error| e.to_string();
        // Its API takes the claims by value: each call pays one clone of them.
        match alg {
            Alg::EdDsa => {
                Box::new(move || signed(self.ed_pair.sign(claims.clone()).map_err(error)?))
            }
            Alg::Es256 => {
                Box::new(move || signed(self.es_pair.sign(claims.clone()).map_err(error)?))
            }
            Alg::Rs256 => {
                Box::new(move || signed(self.rs_pair.sign(claims.clone()).map_err(error)?))
            }
        }
    }
    fn verifier<'a>(&'a self, alg: Alg, token: &'a str) -> Op<'a> {
        use jwt_simple::prelude::*;
        let error = |e: jwt_simple::Error| e.to_string();
        // Its API takes the options by value: each call pays one clone of them.
        let options = || Some(self.options.clone());
        match alg {
            Alg::EdDsa => Box::new(move || {
                consume(
                    self.ed_public
                        .verify_token::<SimpleCustom>(token, options())
                        .map_err(error)?,
                )
            }),
            Alg::Es256 => Box::new(move || {
                consume(
                    self.es_public
                        .verify_token::<SimpleCustom>(token, options())
                        .map_err(error)?,
                )
            }),
            Alg::Rs256 => Box::new(move || {
                consume(
                    self.rs_public
                        .verify_token::<SimpleCustom>(token, options())
                        .map_err(error)?,
                )
            }),
        }
    }
}

/// `token` with one bit of its signature's first byte flipped (still valid base64url of
/// the right length).
pub fn tampered(token: &str) -> String {
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[0] ^= 1;
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Checks, before any timing, that `contender` accepts every valid token and refuses a
/// tampered signature, and that the tokens it signs verify with `jwt-runtime` and carry the
/// typical claims.
///
/// # Panics
///
/// On any disagreement.
pub fn check(contender: &dyn PkContender, ours: &Ours, fixtures: &PkFixtures) {
    let name = contender.name();
    for alg in Alg::ALL {
        let token = fixtures.token(alg);
        if let Err(error) = contender.verifier(alg, token)() {
            panic!("{name} rejected the valid {} token: {error}", alg.name());
        }
        let bad = tampered(token);
        assert!(
            contender.verifier(alg, &bad)().is_err(),
            "{name} accepted a tampered {} signature",
            alg.name()
        );
        contender.signer(alg, &fixtures.typical)()
            .unwrap_or_else(|error| panic!("{name} could not sign {}: {error}", alg.name()));
    }
    // What each library signs verifies here (the primitive's output is a bare signature).
    if name != "primitive" {
        check_signed_by(name, ours, fixtures);
    }
}

fn check_signed_by(name: &str, ours: &Ours, fixtures: &PkFixtures) {
    let token = |alg: Alg| -> String {
        match name {
            "jwt-runtime" => ours.sign(alg, &fixtures.typical),
            "jwt-simple" => {
                use jwt_simple::prelude::*;
                let simple = JwtSimple::new();
                let claims = JWTClaims {
                    issued_at: Some(UnixTimeStamp::from_secs(fixtures.typical.iat)),
                    expires_at: Some(UnixTimeStamp::from_secs(fixtures.typical.exp)),
                    invalid_before: Some(UnixTimeStamp::from_secs(fixtures.typical.nbf)),
                    issuer: Some(fixtures.typical.iss.clone()),
                    subject: Some(fixtures.typical.sub.clone()),
                    audiences: Some(Audiences::AsString(fixtures.typical.aud.clone())),
                    jwt_id: Some(fixtures.typical.jti.clone()),
                    nonce: None,
                    custom: SimpleCustom {
                        name: fixtures.typical.name.clone(),
                        admin: fixtures.typical.admin,
                    },
                };
                match alg {
                    Alg::EdDsa => simple.ed_pair.sign(claims),
                    Alg::Es256 => simple.es_pair.sign(claims),
                    Alg::Rs256 => simple.rs_pair.sign(claims),
                }
                .unwrap()
            }
            _ => {
                let peer = JsonWebToken::new("check");
                jsonwebtoken::encode(
                    &jsonwebtoken::Header::new(JsonWebToken::ALGORITHMS[alg.index()]),
                    &fixtures.typical,
                    &peer.encoding[alg.index()],
                )
                .unwrap()
            }
        }
    };
    for alg in Alg::ALL {
        let token = token(alg);
        let v = &ours.validation;
        let decoded = match alg {
            Alg::EdDsa => {
                dangerous::decode_without_replay_check::<OursEd, _, _>(v, &token, &ours.ed_public)
                    .map(|c| c == OursEd::from_typical(&fixtures.typical))
            }
            Alg::Es256 => {
                dangerous::decode_without_replay_check::<OursEs, _, _>(v, &token, &ours.es_public)
                    .map(|c| c == OursEs::from_typical(&fixtures.typical))
            }
            Alg::Rs256 => {
                dangerous::decode_without_replay_check::<OursRs, _, _>(v, &token, &ours.rs_public)
                    .map(|c| c == OursRs::from_typical(&fixtures.typical))
            }
        };
        match decoded {
            Ok(true) => {}
            Ok(false) => panic!("{name}'s {} token carries other claims", alg.name()),
            Err(error) => panic!("{name}'s {} token does not verify: {error}", alg.name()),
        }
    }
}

/// The contenders of this process: the floor, `jwt-runtime`, jsonwebtoken (with the
/// backend the process installed, under `jsonwebtoken_label`) and jwt-simple.
pub fn contenders(
    ours: Ours,
    fixtures: &PkFixtures,
    jsonwebtoken_label: &'static str,
) -> Vec<Box<dyn PkContender>> {
    vec![
        Box::new(Primitive::new(fixtures)),
        Box::new(ours),
        Box::new(JsonWebToken::new(jsonwebtoken_label)),
        Box::new(JwtSimple::new()),
    ]
}
