//! EdDSA with Ed25519 (RFC 8037): the [`EdDsa`] algorithm and its keys.

use core::fmt;
use std::sync::Arc;

use ring::signature::{self as ring_sig, KeyPair as _};
use zeroize::Zeroizing;

use crate::alg::{Algorithm, SignatureVerifier, TokenSigner, sealed};
use crate::base64url;
use crate::error::{Error, KeyError};
use crate::jwk::{self, JwkFields, Side};
use crate::key::{SigningKey, VerifyingKeys};
use crate::keyfile;
use crate::public_key::{
    PrivateKey, PublicKey, SignerParts, check_kid, kid_or_thumbprint, pkcs8_pem,
};

/// EdDSA over Ed25519 (`"EdDSA"`, RFC 8037): 64-byte signatures, 32-byte public keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EdDsa;

impl sealed::Sealed for EdDsa {}

impl Algorithm for EdDsa {
    const NAME: &'static str = "EdDSA";
    type SigningKey = Ed25519PrivateKey;
    type VerifyingKey = Ed25519PublicKey;
}

const SIGNATURE_LEN: usize = 64;
const PUBLIC_KEY_LEN: usize = 32;
/// The DER of an Ed25519 SubjectPublicKeyInfo before the 32 key bytes (RFC 8410 §4).
const SPKI_PREFIX: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The encodings of the points of small order (1, 2, 4, 8), sign bit cleared, canonical and
/// not (y = p, p + 1): a public key among them verifies signatures that prove nothing.
const SMALL_ORDER: [[u8; 32]; 7] = {
    const fn repeat_ff(first: u8, last: u8) -> [u8; 32] {
        let mut bytes = [0xff; 32];
        bytes[0] = first;
        bytes[31] = last;
        bytes
    }
    let mut one = [0; 32];
    one[0] = 1;
    [
        [0; 32],
        one,
        [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef,
            0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88,
            0x6d, 0x53, 0xfc, 0x05,
        ],
        [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10,
            0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77,
            0x92, 0xac, 0x03, 0x7a,
        ],
        // p - 1, p, p + 1 (little-endian).
        repeat_ff(0xec, 0x7f),
        repeat_ff(0xed, 0x7f),
        repeat_ff(0xee, 0x7f),
    ]
};

fn is_small_order(point: &[u8; 32]) -> bool {
    let mut unsigned = *point;
    unsigned[31] &= 0x7f;
    SMALL_ORDER.contains(&unsigned)
}

/// An Ed25519 public key: verifies [`EdDsa`] tokens, holds no secret.
///
/// Small-order points are refused at construction. Verification (by *ring*) refuses a
/// signature whose `S` is not below the group order (RFC 8032 §5.1.7).
#[derive(Clone)]
pub struct Ed25519PublicKey {
    bytes: [u8; PUBLIC_KEY_LEN],
    kid: Box<str>,
}

impl Ed25519PublicKey {
    /// The key from its 32 bytes (RFC 8032 encoding); the key id is its thumbprint.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a length other than 32, [`KeyError::Weak`] for a point of
    /// small order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let bytes: [u8; PUBLIC_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| KeyError::Format("an Ed25519 public key is 32 bytes"))?;
        if is_small_order(&bytes) {
            return Err(KeyError::Weak("Ed25519 public key of small order"));
        }
        let thumbprint = thumbprint_of(&bytes);
        Ok(Ed25519PublicKey {
            bytes,
            kid: check_kid(thumbprint)?,
        })
    }

    /// Reads a `PUBLIC KEY` PEM block (an Ed25519 SubjectPublicKeyInfo, RFC 8410).
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else, then as [`Self::from_bytes`].
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (_, der) = keyfile::pem_with_label(pem, &["PUBLIC KEY"])?;
        Self::from_spki_der(&der)
    }

    /// Reads a DER SubjectPublicKeyInfo of an Ed25519 key.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else, then as [`Self::from_bytes`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = keyfile::spki_with_prefix(der, SPKI_PREFIX)
            .ok_or(KeyError::Format("not an Ed25519 SubjectPublicKeyInfo"))?;
        Self::from_bytes(key)
    }

    /// Sets the key id (by default the key's RFC 7638 thumbprint).
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidKeyId`] for an empty id or one longer than 256 bytes.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Result<Self, KeyError> {
        self.kid = check_kid(kid.into())?;
        Ok(self)
    }

    /// The 32 bytes of the key.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

fn thumbprint_of(bytes: &[u8]) -> String {
    jwk::thumbprint(&[
        ("crv", "Ed25519"),
        ("kty", "OKP"),
        ("x", &base64url::encode(bytes)),
    ])
}

impl fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519PublicKey")
            .field("kid", &self.kid)
            .field("x", &base64url::encode(&self.bytes))
            .finish()
    }
}

impl sealed::Sealed for Ed25519PublicKey {}

impl SignatureVerifier for Ed25519PublicKey {
    fn signature_len(&self) -> usize {
        SIGNATURE_LEN
    }

    fn verify_signature(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        signature.len() == SIGNATURE_LEN
            && ring_sig::UnparsedPublicKey::new(&ring_sig::ED25519, &self.bytes)
                .verify(signing_input, signature)
                .is_ok()
    }
}

impl PublicKey for Ed25519PublicKey {
    type Algorithm = EdDsa;

    fn kid(&self) -> &str {
        &self.kid
    }

    fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem(pem)
    }

    fn thumbprint(&self) -> String {
        thumbprint_of(&self.bytes)
    }

    fn to_jwk(&self) -> String {
        jwk::public_jwk(
            &[
                ("crv", "Ed25519"),
                ("kty", "OKP"),
                ("x", &base64url::encode(&self.bytes)),
            ],
            &self.kid,
            EdDsa::NAME,
        )
    }

    fn __from_jwk_fields(fields: &JwkFields) -> Result<Self, KeyError> {
        fields.check_fits("OKP", Some("Ed25519"), EdDsa::NAME, Side::Public)?;
        let x = JwkFields::public_member(fields.x.as_ref(), "the JWK has no `x`")?;
        let key = Self::from_bytes(&x)?;
        let kid = kid_or_thumbprint(fields, || key.thumbprint())?;
        Ok(Ed25519PublicKey { kid, ..key })
    }

    fn __set_kid(&mut self, kid: Box<str>) {
        self.kid = kid;
    }
}

impl VerifyingKeys<EdDsa> for Ed25519PublicKey {
    fn key_for(&self, _kid: Option<&str>) -> Result<&Ed25519PublicKey, Error> {
        Ok(self)
    }
}

/// An Ed25519 private key: signs [`EdDsa`] tokens.
///
/// Tokens carry its key id as `kid`: by default the RFC 7638 thumbprint of its public key,
/// which is how a [`PublicKeySet`](crate::PublicKeySet) built from the published JWKS finds
/// the key. `Debug` never shows the secret. Clones share one key pair.
#[derive(Clone)]
pub struct Ed25519PrivateKey {
    pair: Arc<ring_sig::Ed25519KeyPair>,
    parts: SignerParts<Ed25519PublicKey>,
}

impl Ed25519PrivateKey {
    fn from_pair(pair: ring_sig::Ed25519KeyPair) -> Result<Self, KeyError> {
        let public = Ed25519PublicKey::from_bytes(pair.public_key().as_ref())?;
        Ok(Ed25519PrivateKey {
            pair: Arc::new(pair),
            parts: SignerParts::new(public),
        })
    }

    /// Generates a key from the operating system's RNG.
    ///
    /// # Errors
    ///
    /// [`KeyError::Rng`] if the RNG fails.
    pub fn generate() -> Result<Self, KeyError> {
        let pkcs8 = ring_sig::Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
            .map_err(|_| KeyError::Rng)?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        Self::from_pkcs8_der(&pkcs8)
    }

    /// Reads a `PRIVATE KEY` PEM block (PKCS#8, v1 or v2, RFC 8410), as written by
    /// `openssl genpkey -algorithm ed25519`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pkcs8_der(&pkcs8_pem(pem)?)
    }

    /// Reads a DER PKCS#8 Ed25519 private key; a v2 document's public key must match.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pair = ring_sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|_| KeyError::Format("not a PKCS#8 Ed25519 private key"))?;
        Self::from_pair(pair)
    }

    /// Reads a private JWK (`kty` `OKP`, `crv` `Ed25519`, `d` and `x`, RFC 8037 §2).
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a JWK that does not fit or whose `x` is not the public key
    /// of `d`.
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let fields = JwkFields::parse(json)?;
        fields.check_fits("OKP", Some("Ed25519"), EdDsa::NAME, Side::Private)?;
        let d = JwkFields::private_member(fields.d.as_ref(), "the JWK has no `d`")?;
        let x = JwkFields::public_member(fields.x.as_ref(), "the JWK has no `x`")?;
        let pair = ring_sig::Ed25519KeyPair::from_seed_and_public_key(&d, &x)
            .map_err(|_| KeyError::Format("the JWK `x` is not the public key of `d`"))?;
        let key = Self::from_pair(pair)?;
        Ok(Ed25519PrivateKey {
            parts: key.parts.with_jwk_kid(&fields)?,
            ..key
        })
    }

    /// Sets the key id written into tokens (by default the public key's thumbprint); the
    /// [`public_key`](Self::public_key) gets the same id.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidKeyId`] for an empty id or one longer than 256 bytes.
    pub fn with_kid(self, kid: impl Into<String>) -> Result<Self, KeyError> {
        Ok(Ed25519PrivateKey {
            parts: self.parts.with_kid(kid)?,
            ..self
        })
    }

    /// The key id written into tokens.
    #[must_use]
    pub fn kid(&self) -> &str {
        self.parts.kid()
    }

    /// The public key, with the same key id: hand it (or its JWK) to verifiers.
    #[must_use]
    pub fn public_key(&self) -> Ed25519PublicKey {
        self.parts.public().clone()
    }
}

impl PrivateKey for Ed25519PrivateKey {
    type Public = Ed25519PublicKey;

    fn public_key(&self) -> Ed25519PublicKey {
        self.public_key()
    }

    fn with_kid(self, kid: impl Into<String>) -> Result<Self, KeyError> {
        self.with_kid(kid)
    }

    fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem(pem)
    }

    fn from_jwk(json: &str) -> Result<Self, KeyError> {
        Self::from_jwk(json)
    }
}

impl fmt::Debug for Ed25519PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts.debug(f, "Ed25519PrivateKey", &[])
    }
}

impl sealed::Sealed for Ed25519PrivateKey {}

impl TokenSigner for Ed25519PrivateKey {
    fn signature_len(&self) -> usize {
        SIGNATURE_LEN
    }

    fn kid(&self) -> Option<&str> {
        Some(self.parts.kid())
    }

    fn encoded_default_header(&self) -> &str {
        self.parts.header()
    }

    fn sign_into(&self, signing_input: &[u8], signature: &mut [u8]) -> Result<(), Error> {
        let made = self.pair.sign(signing_input);
        if signature.len() != made.as_ref().len() {
            return Err(Error::Encode(format!(
                "an EdDSA signature is {SIGNATURE_LEN} bytes, not {}",
                signature.len()
            )));
        }
        signature.copy_from_slice(made.as_ref());
        Ok(())
    }
}

impl SigningKey<EdDsa> for Ed25519PrivateKey {
    fn signing_key(&self) -> &Ed25519PrivateKey {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_points_are_refused_with_either_sign() {
        for point in SMALL_ORDER {
            assert!(matches!(
                Ed25519PublicKey::from_bytes(&point),
                Err(KeyError::Weak(_))
            ));
            let mut negative = point;
            negative[31] |= 0x80;
            assert!(Ed25519PublicKey::from_bytes(&negative).is_err());
        }
        let key = Ed25519PrivateKey::generate().unwrap();
        assert!(Ed25519PublicKey::from_bytes(key.public_key().as_bytes()).is_ok());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = Ed25519PrivateKey::generate().unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("[redacted]") && shown.contains(key.kid()));
    }
}
