//! ECDSA on P-256 and P-384 (RFC 7518 §3.4): [`Es256`], [`Es384`] and their keys.

use core::fmt;
use core::marker::PhantomData;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, KeyPair as _};
use ring::{agreement, rand};
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

/// The curves, by name; not part of the API.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    fn verification(self) -> &'static ring_sig::EcdsaVerificationAlgorithm {
        match self {
            // FIXED: the raw `R || S` of RFC 7518 §3.4; DER signatures never verify.
            Curve::P256 => &ring_sig::ECDSA_P256_SHA256_FIXED,
            Curve::P384 => &ring_sig::ECDSA_P384_SHA384_FIXED,
        }
    }

    fn signing(self) -> &'static ring_sig::EcdsaSigningAlgorithm {
        match self {
            Curve::P256 => &ring_sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            Curve::P384 => &ring_sig::ECDSA_P384_SHA384_FIXED_SIGNING,
        }
    }

    fn agreement(self) -> &'static agreement::Algorithm {
        match self {
            Curve::P256 => &agreement::ECDH_P256,
            Curve::P384 => &agreement::ECDH_P384,
        }
    }
}

/// An ECDSA algorithm: [`Es256`] or [`Es384`] (sealed).
pub trait EcdsaAlgorithm:
    Algorithm<SigningKey = EcdsaPrivateKey<Self>, VerifyingKey = EcdsaPublicKey<Self>>
{
    /// The JWK curve name, `"P-256"` or `"P-384"`.
    const CURVE_NAME: &'static str;
    /// Length in bytes of one coordinate and of one of `R`, `S` (32 or 48).
    const COORDINATE_LEN: usize;
    #[doc(hidden)]
    const CURVE: Curve;
    #[doc(hidden)]
    /// The DER of a SubjectPublicKeyInfo of this curve before the uncompressed point.
    const SPKI_PREFIX: &'static [u8];
}

macro_rules! ecdsa_algorithm {
    ($(#[$doc:meta])* $name:ident, $alg:literal, $crv:literal, $len:literal, $curve:ident, $prefix:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl Algorithm for $name {
            const NAME: &'static str = $alg;
            type SigningKey = EcdsaPrivateKey<$name>;
            type VerifyingKey = EcdsaPublicKey<$name>;
        }

        impl EcdsaAlgorithm for $name {
            const CURVE_NAME: &'static str = $crv;
            const COORDINATE_LEN: usize = $len;
            const CURVE: Curve = Curve::$curve;
            const SPKI_PREFIX: &'static [u8] = $prefix;
        }
    };
}

ecdsa_algorithm!(
    /// ECDSA on P-256 with SHA-256 (`"ES256"`): 64-byte `R || S` signatures.
    Es256, "ES256", "P-256", 32, P256,
    // SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (65 bytes) }
    &[
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]
);
ecdsa_algorithm!(
    /// ECDSA on P-384 with SHA-384 (`"ES384"`): 96-byte `R || S` signatures.
    Es384, "ES384", "P-384", 48, P384,
    // SEQUENCE { SEQUENCE { id-ecPublicKey, secp384r1 }, BIT STRING (97 bytes) }
    &[
        0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
        0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
    ]
);

/// An ECDSA public key for algorithm `A`: verifies tokens, holds no secret.
///
/// The point must be on the curve (checked at construction). Verification (by *ring*)
/// takes only the fixed-length `R || S` form with `r` and `s` in `[1, n-1]`: a DER
/// signature, or `r = s = 0` (CVE-2022-21449), never verifies.
pub struct EcdsaPublicKey<A: EcdsaAlgorithm> {
    /// The uncompressed SEC 1 point, `04 || X || Y`.
    point: Box<[u8]>,
    kid: Box<str>,
    algorithm: PhantomData<A>,
}

impl<A: EcdsaAlgorithm> EcdsaPublicKey<A> {
    /// The key from an uncompressed SEC 1 point (`04 || X || Y`); the key id is its
    /// thumbprint.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for another length or a compressed point, [`KeyError::Weak`]
    /// for a point not on the curve, [`KeyError::Rng`] if the RNG the check uses fails.
    pub fn from_sec1_bytes(point: &[u8]) -> Result<Self, KeyError> {
        if point.len() != 1 + 2 * A::COORDINATE_LEN || point[0] != 0x04 {
            return Err(KeyError::Format(
                "not an uncompressed point (04 || X || Y) of the algorithm's curve",
            ));
        }
        check_on_curve(A::CURVE, point)?;
        let mut key = EcdsaPublicKey {
            point: point.into(),
            kid: Box::from(""),
            algorithm: PhantomData,
        };
        key.kid = check_kid(key.thumbprint())?;
        Ok(key)
    }

    /// Reads a `PUBLIC KEY` PEM block (a SubjectPublicKeyInfo of the algorithm's curve with
    /// an uncompressed point).
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else, then as [`Self::from_sec1_bytes`].
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (_, der) = keyfile::pem_with_label(pem, &["PUBLIC KEY"])?;
        Self::from_spki_der(&der)
    }

    /// Reads a DER SubjectPublicKeyInfo; see [`Self::from_pem`].
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else, then as [`Self::from_sec1_bytes`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let point = keyfile::spki_with_prefix(der, A::SPKI_PREFIX).ok_or(KeyError::Format(
            "not a SubjectPublicKeyInfo of the algorithm's curve (uncompressed point)",
        ))?;
        Self::from_sec1_bytes(point)
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

    fn coordinates(&self) -> (String, String) {
        let (x, y) = self.point[1..].split_at(A::COORDINATE_LEN);
        (base64url::encode(x), base64url::encode(y))
    }
}

/// Refuses a point that is not on the curve. *ring* validates public points fully (on the
/// curve, coordinates reduced) before an ECDH agreement, and exposes no other check:
/// agreeing with a throw-away key is that check.
fn check_on_curve(curve: Curve, point: &[u8]) -> Result<(), KeyError> {
    let ephemeral =
        agreement::EphemeralPrivateKey::generate(curve.agreement(), &SystemRandom::new())
            .map_err(|_| KeyError::Rng)?;
    agreement::agree_ephemeral(
        ephemeral,
        &agreement::UnparsedPublicKey::new(curve.agreement(), point),
        |_| (),
    )
    .map_err(|_| KeyError::Weak("EC point is not on the curve"))
}

impl<A: EcdsaAlgorithm> Clone for EcdsaPublicKey<A> {
    fn clone(&self) -> Self {
        EcdsaPublicKey {
            point: self.point.clone(),
            kid: self.kid.clone(),
            algorithm: PhantomData,
        }
    }
}

impl<A: EcdsaAlgorithm> fmt::Debug for EcdsaPublicKey<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (x, y) = self.coordinates();
        f.debug_struct("EcdsaPublicKey")
            .field("alg", &A::NAME)
            .field("kid", &self.kid)
            .field("x", &x)
            .field("y", &y)
            .finish()
    }
}

impl<A: EcdsaAlgorithm> sealed::Sealed for EcdsaPublicKey<A> {}

impl<A: EcdsaAlgorithm> SignatureVerifier for EcdsaPublicKey<A> {
    fn signature_len(&self) -> usize {
        2 * A::COORDINATE_LEN
    }

    fn verify_signature(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        signature.len() == 2 * A::COORDINATE_LEN
            && ring_sig::UnparsedPublicKey::new(A::CURVE.verification(), &self.point)
                .verify(signing_input, signature)
                .is_ok()
    }
}

impl<A: EcdsaAlgorithm> PublicKey for EcdsaPublicKey<A> {
    type Algorithm = A;

    fn kid(&self) -> &str {
        &self.kid
    }

    fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem(pem)
    }

    fn thumbprint(&self) -> String {
        let (x, y) = self.coordinates();
        jwk::thumbprint(&[("crv", A::CURVE_NAME), ("kty", "EC"), ("x", &x), ("y", &y)])
    }

    fn to_jwk(&self) -> String {
        let (x, y) = self.coordinates();
        jwk::public_jwk(
            &[("crv", A::CURVE_NAME), ("kty", "EC"), ("x", &x), ("y", &y)],
            &self.kid,
            A::NAME,
        )
    }

    fn __from_jwk_fields(fields: &JwkFields) -> Result<Self, KeyError> {
        fields.check_fits("EC", Some(A::CURVE_NAME), A::NAME, Side::Public)?;
        let point = jwk_point::<A>(fields)?;
        let key = Self::from_sec1_bytes(&point)?;
        let kid = kid_or_thumbprint(fields, || key.thumbprint())?;
        Ok(EcdsaPublicKey { kid, ..key })
    }

    fn __set_kid(&mut self, kid: Box<str>) {
        self.kid = kid;
    }
}

/// `04 || x || y` from a JWK; each coordinate must be exactly the curve's length
/// (RFC 7518 §6.2.1.2).
fn jwk_point<A: EcdsaAlgorithm>(fields: &JwkFields) -> Result<Vec<u8>, KeyError> {
    let x = JwkFields::public_member(fields.x.as_ref(), "the JWK has no `x`")?;
    let y = JwkFields::public_member(fields.y.as_ref(), "the JWK has no `y`")?;
    if x.len() != A::COORDINATE_LEN || y.len() != A::COORDINATE_LEN {
        return Err(KeyError::Format(
            "the JWK `x` and `y` must be the curve's full length",
        ));
    }
    let mut point = Vec::with_capacity(1 + 2 * A::COORDINATE_LEN);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok(point)
}

impl<A: EcdsaAlgorithm> VerifyingKeys<A> for EcdsaPublicKey<A> {
    fn key_for(&self, _kid: Option<&str>) -> Result<&EcdsaPublicKey<A>, Error> {
        Ok(self)
    }
}

/// An ECDSA private key for algorithm `A`: signs tokens.
///
/// Tokens carry its key id as `kid`: by default the RFC 7638 thumbprint of its public key.
/// `Debug` never shows the secret. Clones share one key pair.
pub struct EcdsaPrivateKey<A: EcdsaAlgorithm> {
    pair: Arc<ring_sig::EcdsaKeyPair>,
    parts: SignerParts<EcdsaPublicKey<A>>,
    rng: SystemRandom,
}

impl<A: EcdsaAlgorithm> EcdsaPrivateKey<A> {
    fn from_pair(pair: ring_sig::EcdsaKeyPair, rng: SystemRandom) -> Result<Self, KeyError> {
        let public = EcdsaPublicKey::<A>::from_sec1_bytes(pair.public_key().as_ref())?;
        Ok(EcdsaPrivateKey {
            pair: Arc::new(pair),
            parts: SignerParts::new(public),
            rng,
        })
    }

    /// Generates a key from the operating system's RNG.
    ///
    /// # Errors
    ///
    /// [`KeyError::Rng`] if the RNG fails.
    pub fn generate() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = ring_sig::EcdsaKeyPair::generate_pkcs8(A::CURVE.signing(), &rng)
            .map_err(|_| KeyError::Rng)?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        Self::from_pkcs8_der(&pkcs8)
    }

    /// Reads a `PRIVATE KEY` PEM block: PKCS#8 of the algorithm's curve, holding its public
    /// key (as `openssl genpkey` writes it). A SEC 1 `EC PRIVATE KEY` block is converted with
    /// `openssl pkcs8 -topk8 -nocrypt`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pkcs8_der(&pkcs8_pem(pem)?)
    }

    /// Reads a DER PKCS#8 private key; see [`Self::from_pem`].
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let pair =
            ring_sig::EcdsaKeyPair::from_pkcs8(A::CURVE.signing(), der, &rng).map_err(|_| {
                KeyError::Format(
                    "not a PKCS#8 private key of the algorithm's curve (with its public key)",
                )
            })?;
        Self::from_pair(pair, rng)
    }

    /// Reads a private JWK (`kty` `EC`, the algorithm's `crv`, `d`, `x`, `y`).
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a JWK that does not fit or whose `x`, `y` are not the
    /// public key of `d`.
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let fields = JwkFields::parse(json)?;
        fields.check_fits("EC", Some(A::CURVE_NAME), A::NAME, Side::Private)?;
        let point = jwk_point::<A>(&fields)?;
        let d = JwkFields::private_member(fields.d.as_ref(), "the JWK has no `d`")?;
        if d.len() != A::COORDINATE_LEN {
            return Err(KeyError::Format(
                "the JWK `d` must be the curve's full length",
            ));
        }
        let rng = SystemRandom::new();
        let pair = ring_sig::EcdsaKeyPair::from_private_key_and_public_key(
            A::CURVE.signing(),
            &d,
            &point,
            &rng,
        )
        .map_err(|_| KeyError::Format("the JWK `x`, `y` are not the public key of `d`"))?;
        let key = Self::from_pair(pair, rng)?;
        Ok(EcdsaPrivateKey {
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
        Ok(EcdsaPrivateKey {
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
    pub fn public_key(&self) -> EcdsaPublicKey<A> {
        self.parts.public().clone()
    }
}

private_key_from_inherent_methods!([A: EcdsaAlgorithm] EcdsaPrivateKey<A> => EcdsaPublicKey<A>);

impl<A: EcdsaAlgorithm> Clone for EcdsaPrivateKey<A> {
    fn clone(&self) -> Self {
        EcdsaPrivateKey {
            pair: Arc::clone(&self.pair),
            parts: self.parts.clone(),
            rng: self.rng.clone(),
        }
    }
}

impl<A: EcdsaAlgorithm> fmt::Debug for EcdsaPrivateKey<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts.debug(f, "EcdsaPrivateKey", &[])
    }
}

impl<A: EcdsaAlgorithm> sealed::Sealed for EcdsaPrivateKey<A> {}

impl<A: EcdsaAlgorithm> TokenSigner for EcdsaPrivateKey<A> {
    fn signature_len(&self) -> usize {
        2 * A::COORDINATE_LEN
    }

    fn kid(&self) -> Option<&str> {
        Some(self.parts.kid())
    }

    fn encoded_default_header(&self) -> &str {
        self.parts.header()
    }

    fn sign_into(&self, signing_input: &[u8], signature: &mut [u8]) -> Result<(), Error> {
        let made = self
            .pair
            .sign(&self.rng as &dyn rand::SecureRandom, signing_input)
            .map_err(|_| Error::Encode(format!("{} signing failed (RNG)", A::NAME)))?;
        if signature.len() != made.as_ref().len() {
            return Err(Error::Encode(format!(
                "a {} signature is {} bytes, not {}",
                A::NAME,
                made.as_ref().len(),
                signature.len()
            )));
        }
        signature.copy_from_slice(made.as_ref());
        Ok(())
    }
}

impl<A: EcdsaAlgorithm> SigningKey<A> for EcdsaPrivateKey<A> {
    fn signing_key(&self) -> &EcdsaPrivateKey<A> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_off_the_curve_are_refused() {
        let key = EcdsaPrivateKey::<Es256>::generate().unwrap();
        let mut point = key.public_key().point.to_vec();
        assert!(EcdsaPublicKey::<Es256>::from_sec1_bytes(&point).is_ok());
        point[64] ^= 1;
        assert_eq!(
            EcdsaPublicKey::<Es256>::from_sec1_bytes(&point).unwrap_err(),
            KeyError::Weak("EC point is not on the curve")
        );
        let mut origin = [0; 65];
        origin[0] = 0x04;
        assert!(EcdsaPublicKey::<Es256>::from_sec1_bytes(&origin).is_err());
        // A P-256 point is not a P-384 key.
        assert!(EcdsaPublicKey::<Es384>::from_sec1_bytes(&key.public_key().point).is_err());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = EcdsaPrivateKey::<Es384>::generate().unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("[redacted]") && shown.contains("ES384"));
    }
}
