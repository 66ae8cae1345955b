//! ECDSA on P-521 with SHA-512 (RFC 7518 §3.4): [`Es512`] and its keys.
//!
//! *ring*, the backend of the other families, has no P-521; this family uses the RustCrypto
//! `p521` crate, behind its own feature (`es512`), with the same rules as ES256 and ES384.

use core::fmt;
use std::sync::Arc;

use p521::ecdsa::signature::{Signer as _, Verifier as _};
use p521::ecdsa::{Signature, SigningKey as P521SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::alg::{Algorithm, SignatureVerifier, TokenSigner, sealed};
use crate::base64url;
use crate::error::{Error, KeyError};
use crate::jwk::{self, JwkFields, Side};
use crate::key::{SigningKey, VerifyingKeys};
use crate::keyfile::{self, Der, tag};
use crate::public_key::{
    PublicKey, SignerParts, check_kid, kid_or_thumbprint, pkcs8_pem,
    private_key_from_inherent_methods,
};

/// ECDSA on P-521 with SHA-512 (`"ES512"`): 132-byte `R || S` signatures (RFC 7518 §3.4:
/// each of `R`, `S` is 66 bytes, the length of a P-521 coordinate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Es512;

impl sealed::Sealed for Es512 {}

impl Algorithm for Es512 {
    const NAME: &'static str = "ES512";
    type SigningKey = Es512PrivateKey;
    type VerifyingKey = Es512PublicKey;
}

const CURVE_NAME: &str = "P-521";
/// The length of a coordinate, of the secret scalar and of each of `R`, `S`: 521 bits.
const COORDINATE_LEN: usize = 66;
const SIGNATURE_LEN: usize = 2 * COORDINATE_LEN;
const POINT_LEN: usize = 1 + 2 * COORDINATE_LEN;

/// `SEQUENCE { SEQUENCE { id-ecPublicKey, secp521r1 }, BIT STRING (134 bytes) }`: the DER
/// of a P-521 SubjectPublicKeyInfo before its uncompressed point.
const SPKI_PREFIX: &[u8] = &[
    0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
    0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00,
];
/// The contents of the OIDs id-ecPublicKey (1.2.840.10045.2.1) and secp521r1 (1.3.132.0.35).
const EC_PUBLIC_KEY_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const SECP521R1_OID: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

/// A P-521 public key: verifies [`Es512`] tokens, holds no secret.
///
/// The point must be on the curve, with reduced coordinates (checked at construction).
/// Verification takes only the 132-byte `R || S` form with `r` and `s` in `[1, n-1]`: a DER
/// signature, or `r = s = 0` (CVE-2022-21449), never verifies.
#[derive(Clone)]
pub struct Es512PublicKey {
    key: VerifyingKey,
    /// The uncompressed SEC 1 point, `04 || X || Y`.
    point: Box<[u8]>,
    kid: Box<str>,
}

impl Es512PublicKey {
    /// The key from an uncompressed SEC 1 point (`04 || X || Y`, 133 bytes); the key id is
    /// its thumbprint.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for another length or a compressed point, [`KeyError::Weak`]
    /// for a point not on the curve (or the point at infinity).
    pub fn from_sec1_bytes(point: &[u8]) -> Result<Self, KeyError> {
        if point.len() != POINT_LEN || point[0] != 0x04 {
            return Err(KeyError::Format(
                "not an uncompressed P-521 point (04 || X || Y, 133 bytes)",
            ));
        }
        let key = VerifyingKey::from_sec1_bytes(point)
            .map_err(|_| KeyError::Weak("EC point is not on the curve"))?;
        let mut key = Es512PublicKey {
            key,
            point: point.into(),
            kid: Box::from(""),
        };
        key.kid = check_kid(key.thumbprint())?;
        Ok(key)
    }

    /// Reads a `PUBLIC KEY` PEM block (a P-521 SubjectPublicKeyInfo with an uncompressed
    /// point).
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
        let point = keyfile::spki_with_prefix(der, SPKI_PREFIX).ok_or(KeyError::Format(
            "not a P-521 SubjectPublicKeyInfo (uncompressed point)",
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
        let (x, y) = self.point[1..].split_at(COORDINATE_LEN);
        (base64url::encode(x), base64url::encode(y))
    }
}

impl fmt::Debug for Es512PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (x, y) = self.coordinates();
        f.debug_struct("Es512PublicKey")
            .field("alg", &Es512::NAME)
            .field("kid", &self.kid)
            .field("x", &x)
            .field("y", &y)
            .finish()
    }
}

impl sealed::Sealed for Es512PublicKey {}

impl SignatureVerifier for Es512PublicKey {
    fn signature_len(&self) -> usize {
        SIGNATURE_LEN
    }

    fn verify_signature(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        // `from_slice` takes only the fixed-length form and refuses `r` or `s` outside
        // `[1, n-1]`.
        signature.len() == SIGNATURE_LEN
            && Signature::from_slice(signature)
                .is_ok_and(|signature| self.key.verify(signing_input, &signature).is_ok())
    }
}

impl PublicKey for Es512PublicKey {
    type Algorithm = Es512;

    fn kid(&self) -> &str {
        &self.kid
    }

    fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem(pem)
    }

    fn thumbprint(&self) -> String {
        let (x, y) = self.coordinates();
        jwk::thumbprint(&[("crv", CURVE_NAME), ("kty", "EC"), ("x", &x), ("y", &y)])
    }

    fn to_jwk(&self) -> String {
        let (x, y) = self.coordinates();
        jwk::public_jwk(
            &[("crv", CURVE_NAME), ("kty", "EC"), ("x", &x), ("y", &y)],
            &self.kid,
            Es512::NAME,
        )
    }

    fn __from_jwk_fields(fields: &JwkFields) -> Result<Self, KeyError> {
        fields.check_fits("EC", Some(CURVE_NAME), Es512::NAME, Side::Public)?;
        let key = Self::from_sec1_bytes(&jwk_point(fields)?)?;
        let kid = kid_or_thumbprint(fields, || key.thumbprint())?;
        Ok(Es512PublicKey { kid, ..key })
    }

    fn __set_kid(&mut self, kid: Box<str>) {
        self.kid = kid;
    }
}

/// `04 || x || y` from a JWK; each coordinate must be exactly 66 bytes (RFC 7518 §6.2.1.2).
fn jwk_point(fields: &JwkFields) -> Result<Vec<u8>, KeyError> {
    let x = JwkFields::public_member(fields.x.as_ref(), "the JWK has no `x`")?;
    let y = JwkFields::public_member(fields.y.as_ref(), "the JWK has no `y`")?;
    if x.len() != COORDINATE_LEN || y.len() != COORDINATE_LEN {
        return Err(KeyError::Format(
            "the JWK `x` and `y` must be the curve's full length",
        ));
    }
    Ok([&[0x04][..], &x, &y].concat())
}

impl VerifyingKeys<Es512> for Es512PublicKey {
    fn key_for(&self, _kid: Option<&str>) -> Result<&Es512PublicKey, Error> {
        Ok(self)
    }
}

/// A P-521 private key: signs [`Es512`] tokens.
///
/// Tokens carry its key id as `kid`: by default the RFC 7638 thumbprint of its public key.
/// The secret scalar is zeroized on drop and `Debug` never shows it. Clones share one key.
/// Signatures are deterministic (RFC 6979): no RNG is needed to sign.
#[derive(Clone)]
pub struct Es512PrivateKey {
    secret: Arc<P521SigningKey>,
    parts: SignerParts<Es512PublicKey>,
}

impl Es512PrivateKey {
    /// The key with secret scalar `d` (66 bytes, big-endian); `public`, when given, must be
    /// its public point.
    fn from_scalar(d: &[u8], public: Option<&[u8]>) -> Result<Self, KeyError> {
        let secret = (d.len() == COORDINATE_LEN)
            .then(|| P521SigningKey::from_slice(d).ok())
            .flatten()
            .ok_or(KeyError::Format(
                "the private scalar must be 66 bytes, in [1, n-1]",
            ))?;
        let point = secret.verifying_key().to_sec1_point(false);
        if public.is_some_and(|public| public != point.as_bytes()) {
            return Err(KeyError::Format(
                "the public key given is not the public key of the private scalar",
            ));
        }
        let public = Es512PublicKey::from_sec1_bytes(point.as_bytes())?;
        Ok(Es512PrivateKey {
            secret: Arc::new(secret),
            parts: SignerParts::new(public),
        })
    }

    /// Generates a key from the operating system's RNG.
    ///
    /// # Errors
    ///
    /// [`KeyError::Rng`] if the RNG fails.
    pub fn generate() -> Result<Self, KeyError> {
        // A uniform 521-bit value is outside [1, n-1] with probability below 2^-260; the
        // bound on the attempts keeps the loop finite, whatever the RNG returns.
        for _ in 0..16 {
            let mut scalar = Zeroizing::new([0_u8; COORDINATE_LEN]);
            getrandom::fill(&mut scalar[..]).map_err(|_| KeyError::Rng)?;
            scalar[0] &= 0x01;
            if let Ok(key) = Self::from_scalar(&scalar[..], None) {
                return Ok(key);
            }
        }
        Err(KeyError::Rng)
    }

    /// Reads a `PRIVATE KEY` PEM block: PKCS#8 of a P-521 key, holding its public key (as
    /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521` writes it). A SEC 1
    /// `EC PRIVATE KEY` block is converted with `openssl pkcs8 -topk8 -nocrypt`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pkcs8_der(&pkcs8_pem(pem)?)
    }

    /// Reads a DER PKCS#8 P-521 private key; see [`Self::from_pem`].
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let (d, public) = read_pkcs8(der).ok_or(KeyError::Format(
            "not a PKCS#8 P-521 private key (with its public key)",
        ))?;
        Self::from_scalar(d, Some(public))
    }

    /// Reads a private JWK (`kty` `EC`, `crv` `P-521`, `d`, `x`, `y`).
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a JWK that does not fit or whose `x`, `y` are not the
    /// public key of `d`.
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let fields = JwkFields::parse(json)?;
        fields.check_fits("EC", Some(CURVE_NAME), Es512::NAME, Side::Private)?;
        let point = jwk_point(&fields)?;
        let d = JwkFields::private_member(fields.d.as_ref(), "the JWK has no `d`")?;
        let key = Self::from_scalar(&d, Some(&point))
            .map_err(|_| KeyError::Format("the JWK `x`, `y` are not the public key of `d`"))?;
        Ok(Es512PrivateKey {
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
        Ok(Es512PrivateKey {
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
    pub fn public_key(&self) -> Es512PublicKey {
        self.parts.public().clone()
    }
}

/// The secret scalar and the public point of a PKCS#8 P-521 key (RFC 5208 / RFC 5915):
///
/// ```text
/// SEQUENCE { INTEGER 0 | 1, SEQUENCE { id-ecPublicKey, secp521r1 },
///            OCTET STRING { SEQUENCE { INTEGER 1, OCTET STRING d,
///                                      [0] secp521r1 OPTIONAL, [1] BIT STRING point } } }
/// ```
///
/// Attributes, a v2 outer public key and anything trailing are refused.
fn read_pkcs8(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut outer = Der::new(der);
    let mut info = Der::new(outer.read(tag::SEQUENCE)?);
    if !outer.is_empty() || !matches!(info.read_unsigned()?, [0] | [1]) {
        return None;
    }
    let mut algorithm = Der::new(info.read(tag::SEQUENCE)?);
    if algorithm.read(tag::OID)? != EC_PUBLIC_KEY_OID
        || algorithm.read(tag::OID)? != SECP521R1_OID
        || !algorithm.is_empty()
    {
        return None;
    }
    let mut wrapped = Der::new(info.read(tag::OCTET_STRING)?);
    if !info.is_empty() {
        return None;
    }
    let mut ec_private_key = Der::new(wrapped.read(tag::SEQUENCE)?);
    if !wrapped.is_empty() || ec_private_key.read_unsigned()? != [1] {
        return None;
    }
    let d = ec_private_key.read(tag::OCTET_STRING)?;
    if ec_private_key.peek_tag() == Some(tag::CONTEXT_0) {
        let mut parameters = Der::new(ec_private_key.read(tag::CONTEXT_0)?);
        if parameters.read(tag::OID)? != SECP521R1_OID || !parameters.is_empty() {
            return None;
        }
    }
    let mut public = Der::new(ec_private_key.read(tag::CONTEXT_1)?);
    let point = public.read(tag::BIT_STRING)?.strip_prefix(&[0])?;
    (public.is_empty() && ec_private_key.is_empty()).then_some((d, point))
}

private_key_from_inherent_methods!(Es512PrivateKey => Es512PublicKey);

impl fmt::Debug for Es512PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts.debug(f, "Es512PrivateKey", &[])
    }
}

impl sealed::Sealed for Es512PrivateKey {}

impl TokenSigner for Es512PrivateKey {
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
        let made: Signature = self
            .secret
            .try_sign(signing_input)
            .map_err(|_| Error::Encode("ES512 signing failed".into()))?;
        let made = made.to_bytes();
        if signature.len() != made.len() {
            return Err(Error::Encode(format!(
                "an ES512 signature is {SIGNATURE_LEN} bytes, not {}",
                signature.len()
            )));
        }
        signature.copy_from_slice(&made);
        Ok(())
    }
}

impl SigningKey<Es512> for Es512PrivateKey {
    fn signing_key(&self) -> &Es512PrivateKey {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_off_the_curve_are_refused() {
        let key = Es512PrivateKey::generate().unwrap();
        let mut point = key.public_key().point.to_vec();
        assert!(Es512PublicKey::from_sec1_bytes(&point).is_ok());
        point[POINT_LEN - 1] ^= 1;
        assert_eq!(
            Es512PublicKey::from_sec1_bytes(&point).unwrap_err(),
            KeyError::Weak("EC point is not on the curve")
        );
        let mut origin = [0; POINT_LEN];
        origin[0] = 0x04;
        assert!(Es512PublicKey::from_sec1_bytes(&origin).is_err());
        // Compressed, or of another length.
        assert!(matches!(
            Es512PublicKey::from_sec1_bytes(&key.public_key().point[..67]),
            Err(KeyError::Format(_))
        ));
    }

    #[test]
    fn private_scalars_out_of_range_are_refused() {
        assert!(Es512PrivateKey::from_scalar(&[0; COORDINATE_LEN], None).is_err());
        assert!(Es512PrivateKey::from_scalar(&[0xff; COORDINATE_LEN], None).is_err());
        // Short scalars are not padded.
        assert!(Es512PrivateKey::from_scalar(&[1; COORDINATE_LEN - 1], None).is_err());
        let mut one = [0; COORDINATE_LEN];
        one[COORDINATE_LEN - 1] = 1;
        assert!(Es512PrivateKey::from_scalar(&one, None).is_ok());
    }

    #[test]
    fn signatures_are_132_bytes_and_verify() {
        let key = Es512PrivateKey::generate().unwrap();
        let mut signature = [0; SIGNATURE_LEN];
        key.sign_into(b"header.payload", &mut signature).unwrap();
        let public = key.public_key();
        assert!(public.verify_signature(b"header.payload", &signature));
        assert!(!public.verify_signature(b"header.payloaD", &signature));
        assert!(!public.verify_signature(b"header.payload", &signature[..131]));
        assert!(key.sign_into(b"x", &mut [0; 131]).is_err());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = Es512PrivateKey::generate().unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("[redacted]") && shown.contains("ES512"));
        assert!(shown.contains(key.kid()));
    }
}
