//! EdDSA with Ed25519 (RFC 8037): the [`EdDsa`] algorithm and its keys.

use core::fmt;
use std::sync::Arc;

use ed25519_dalek::{Signature, Signer as _, SigningKey as DalekSigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::alg::{Algorithm, SignatureVerifier, TokenSigner, sealed};
use crate::base64url;
use crate::error::{Error, KeyError};
use crate::jwk::{self, JwkFields, Side};
use crate::key::{SigningKey, VerifyingKeys};
use crate::keyfile;
use crate::public_key::{
    PublicKey, SignerParts, check_kid, kid_or_thumbprint, pkcs8_pem,
    private_key_from_inherent_methods,
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
/// The DER of an Ed25519 PKCS#8 `OneAsymmetricKey` from the algorithm identifier to the 32
/// seed bytes: `id-Ed25519`, then the `CurvePrivateKey` octet string (RFC 8410 §7).
const PKCS8_SEED_PREFIX: &[u8] = &[
    0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
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
/// Small-order points and non-canonical encodings are refused at construction. Verification
/// is strict (`ed25519-dalek`'s `verify_strict`): a signature whose `S` is not below the group
/// order (RFC 8032 §5.1.7), or whose `R` is of small order or not canonically encoded, is
/// refused.
#[derive(Clone)]
pub struct Ed25519PublicKey {
    /// Holds the decoded point too, so a verification does not decompress it again.
    key: VerifyingKey,
    kid: Box<str>,
}

impl Ed25519PublicKey {
    /// The key from its 32 bytes (RFC 8032 encoding); the key id is its thumbprint.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a length other than 32 or bytes that are not the canonical
    /// encoding of a curve point, [`KeyError::Weak`] for a point of small order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let bytes: [u8; PUBLIC_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| KeyError::Format("an Ed25519 public key is 32 bytes"))?;
        if is_small_order(&bytes) {
            return Err(KeyError::Weak("Ed25519 public key of small order"));
        }
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| KeyError::Format("not an Ed25519 curve point"))?;
        // One point, one encoding: a key with y >= p would have a second thumbprint.
        if key.to_edwards().compress().to_bytes() != bytes {
            return Err(KeyError::Format("a non-canonical Ed25519 point encoding"));
        }
        if key.is_weak() {
            return Err(KeyError::Weak("Ed25519 public key of small order"));
        }
        Ok(Ed25519PublicKey {
            key,
            kid: check_kid(thumbprint_of(&bytes))?,
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
        self.key.as_bytes()
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
            .field("x", &base64url::encode(self.as_bytes()))
            .finish()
    }
}

impl sealed::Sealed for Ed25519PublicKey {}

impl SignatureVerifier for Ed25519PublicKey {
    fn signature_len(&self) -> usize {
        SIGNATURE_LEN
    }

    fn verify_signature(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        <&[u8; SIGNATURE_LEN]>::try_from(signature).is_ok_and(|signature| {
            self.key
                .verify_strict(signing_input, &Signature::from_bytes(signature))
                .is_ok()
        })
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
        thumbprint_of(self.as_bytes())
    }

    fn to_jwk(&self) -> String {
        jwk::public_jwk(
            &[
                ("crv", "Ed25519"),
                ("kty", "OKP"),
                ("x", &base64url::encode(self.as_bytes())),
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
/// the key. `Debug` never shows the secret, and the secret is wiped when the last clone is
/// dropped. Clones share one key pair.
#[derive(Clone)]
pub struct Ed25519PrivateKey {
    pair: Arc<DalekSigningKey>,
    parts: SignerParts<Ed25519PublicKey>,
}

impl Ed25519PrivateKey {
    /// The key of a 32-byte seed (RFC 8032 §5.1.5); `expected_public`, when the key file
    /// carries one, must be the seed's public key.
    fn from_seed(
        seed: &[u8; 32],
        expected_public: Option<&[u8]>,
        mismatch: &'static str,
    ) -> Result<Self, KeyError> {
        let pair = DalekSigningKey::from_bytes(seed);
        if expected_public.is_some_and(|public| public != pair.verifying_key().as_bytes()) {
            return Err(KeyError::Format(mismatch));
        }
        let public = Ed25519PublicKey::from_bytes(pair.verifying_key().as_bytes())?;
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
        let mut seed = Zeroizing::new([0; 32]);
        getrandom::fill(&mut seed[..]).map_err(|_| KeyError::Rng)?;
        Self::from_seed(&seed, None, "")
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
        let (seed, public) =
            read_pkcs8(der).ok_or(KeyError::Format("not a PKCS#8 Ed25519 private key"))?;
        Self::from_seed(
            seed,
            public,
            "the PKCS#8 public key is not the public key of the private key",
        )
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
        let seed: &[u8; 32] = d[..]
            .try_into()
            .map_err(|_| KeyError::Format("an Ed25519 `d` is 32 bytes"))?;
        let key = Self::from_seed(seed, Some(&x), "the JWK `x` is not the public key of `d`")?;
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

private_key_from_inherent_methods!(Ed25519PrivateKey => Ed25519PublicKey);

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
        let made = self.pair.sign(signing_input).to_bytes();
        if signature.len() != made.len() {
            return Err(Error::Encode(format!(
                "an EdDSA signature is {SIGNATURE_LEN} bytes, not {}",
                signature.len()
            )));
        }
        signature.copy_from_slice(&made);
        Ok(())
    }
}

impl SigningKey<EdDsa> for Ed25519PrivateKey {
    fn signing_key(&self) -> &Ed25519PrivateKey {
        self
    }
}

/// The seed of a DER PKCS#8 Ed25519 key and, in a v2 document, its public key (RFC 8410 §7,
/// RFC 5958): version 0 with nothing after the seed, or version 1 with the public key in
/// `[1]`, implicitly tagged as the RFC writes it or explicitly as *ring* did. Attributes are
/// refused.
fn read_pkcs8(der: &[u8]) -> Option<(&[u8; 32], Option<&[u8]>)> {
    let ([0x30, len], body) = der.split_first_chunk::<2>()? else {
        return None;
    };
    if usize::from(*len) != body.len() || *len >= 0x80 {
        return None;
    }
    let (version, body) = body.split_first_chunk::<3>()?;
    let body = body.strip_prefix(PKCS8_SEED_PREFIX)?;
    let (seed, rest) = body.split_first_chunk::<32>()?;
    let public = match (version, rest) {
        ([0x02, 0x01, 0x00], []) => None,
        ([0x02, 0x01, 0x01], [0x81, 0x21, 0x00, public @ ..])
        | ([0x02, 0x01, 0x01], [0xa1, 0x23, 0x03, 0x21, 0x00, public @ ..])
            if public.len() == PUBLIC_KEY_LEN =>
        {
            Some(public)
        }
        _ => return None,
    };
    Some((seed, public))
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
    fn pkcs8_v2_needs_the_seeds_own_public_key() {
        let key = Ed25519PrivateKey::generate().unwrap();
        let seed = key.pair.to_bytes();
        let public = *key.public_key().as_bytes();
        let v2 = |version: u8, public: &[u8; 32], explicit: bool| {
            let mut der = vec![0x30, 0, 0x02, 0x01, version];
            der.extend_from_slice(PKCS8_SEED_PREFIX);
            der.extend_from_slice(&seed);
            der.extend_from_slice(if explicit {
                &[0xa1, 0x23, 0x03, 0x21, 0x00][..]
            } else {
                &[0x81, 0x21, 0x00][..]
            });
            der.extend_from_slice(public);
            der[1] = u8::try_from(der.len() - 2).unwrap();
            der
        };
        for explicit in [false, true] {
            let read = Ed25519PrivateKey::from_pkcs8_der(&v2(1, &public, explicit)).unwrap();
            assert_eq!(read.public_key().as_bytes(), &public);
            let mut other = public;
            other[0] ^= 1;
            assert!(Ed25519PrivateKey::from_pkcs8_der(&v2(1, &other, explicit)).is_err());
            assert!(Ed25519PrivateKey::from_pkcs8_der(&v2(0, &public, explicit)).is_err());
        }
    }

    #[test]
    fn non_canonical_point_encodings_are_refused() {
        // y = p + 3 and y = p + 4 (little-endian): both decode to curve points (y = 3, 4),
        // which have canonical encodings of their own.
        for low in [0xf0_u8, 0xf1] {
            let mut bytes = [0xff; 32];
            bytes[0] = low;
            bytes[31] = 0x7f;
            assert!(VerifyingKey::from_bytes(&bytes).is_ok());
            assert!(matches!(
                Ed25519PublicKey::from_bytes(&bytes),
                Err(KeyError::Format(message)) if message.contains("non-canonical")
            ));
        }
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = Ed25519PrivateKey::generate().unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("[redacted]") && shown.contains(key.kid()));
    }
}
