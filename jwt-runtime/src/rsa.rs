//! RSA signatures (RFC 7518 §3.3, §3.5): PKCS#1 v1.5 ([`Rs256`], [`Rs384`], [`Rs512`]) and
//! PSS ([`Ps256`], [`Ps384`], [`Ps512`]), and their keys.

use core::fmt;
use core::marker::PhantomData;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature as ring_sig;

use crate::alg::{Algorithm, SignatureVerifier, TokenSigner, sealed};
use crate::base64url;
use crate::error::{Error, KeyError};
use crate::jwk::{self, JwkFields, Side};
use crate::key::{SigningKey, VerifyingKeys};
use crate::keyfile;
use crate::public_key::{
    PublicKey, SignerParts, check_kid, kid_or_thumbprint, private_key_from_inherent_methods,
};

/// The smallest modulus accepted, in bits (RFC 7518 §3.3).
const MIN_MODULUS_BITS: usize = 2048;
/// The largest modulus accepted, in bits: verification cost grows with it, and no issuer
/// needs more.
const MAX_MODULUS_BITS: usize = 8192;
/// The one public exponent accepted: 65537, what every current key generator uses.
const PUBLIC_EXPONENT: &[u8] = &[0x01, 0x00, 0x01];

/// The padding and hash of an algorithm; not part of the API.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Pkcs1Sha256,
    Pkcs1Sha384,
    Pkcs1Sha512,
    PssSha256,
    PssSha384,
    PssSha512,
}

impl Scheme {
    fn verification(self) -> &'static ring_sig::RsaParameters {
        match self {
            Scheme::Pkcs1Sha256 => &ring_sig::RSA_PKCS1_2048_8192_SHA256,
            Scheme::Pkcs1Sha384 => &ring_sig::RSA_PKCS1_2048_8192_SHA384,
            Scheme::Pkcs1Sha512 => &ring_sig::RSA_PKCS1_2048_8192_SHA512,
            Scheme::PssSha256 => &ring_sig::RSA_PSS_2048_8192_SHA256,
            Scheme::PssSha384 => &ring_sig::RSA_PSS_2048_8192_SHA384,
            Scheme::PssSha512 => &ring_sig::RSA_PSS_2048_8192_SHA512,
        }
    }

    fn signing(self) -> &'static dyn ring_sig::RsaEncoding {
        match self {
            Scheme::Pkcs1Sha256 => &ring_sig::RSA_PKCS1_SHA256,
            Scheme::Pkcs1Sha384 => &ring_sig::RSA_PKCS1_SHA384,
            Scheme::Pkcs1Sha512 => &ring_sig::RSA_PKCS1_SHA512,
            Scheme::PssSha256 => &ring_sig::RSA_PSS_SHA256,
            Scheme::PssSha384 => &ring_sig::RSA_PSS_SHA384,
            Scheme::PssSha512 => &ring_sig::RSA_PSS_SHA512,
        }
    }
}

/// An RSA signature algorithm: [`Rs256`], [`Rs384`], [`Rs512`], [`Ps256`], [`Ps384`] or
/// [`Ps512`] (sealed).
pub trait RsaAlgorithm:
    Algorithm<SigningKey = RsaPrivateKey<Self>, VerifyingKey = RsaPublicKey<Self>>
{
    #[doc(hidden)]
    const SCHEME: Scheme;
}

macro_rules! rsa_algorithm {
    ($(#[$doc:meta])* $name:ident, $alg:literal, $scheme:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl Algorithm for $name {
            const NAME: &'static str = $alg;
            type SigningKey = RsaPrivateKey<$name>;
            type VerifyingKey = RsaPublicKey<$name>;
        }

        impl RsaAlgorithm for $name {
            const SCHEME: Scheme = Scheme::$scheme;
        }
    };
}

rsa_algorithm!(
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`"RS256"`).
    Rs256, "RS256", Pkcs1Sha256
);
rsa_algorithm!(
    /// RSASSA-PKCS1-v1_5 with SHA-384 (`"RS384"`).
    Rs384, "RS384", Pkcs1Sha384
);
rsa_algorithm!(
    /// RSASSA-PKCS1-v1_5 with SHA-512 (`"RS512"`).
    Rs512, "RS512", Pkcs1Sha512
);
rsa_algorithm!(
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (`"PS256"`).
    Ps256, "PS256", PssSha256
);
rsa_algorithm!(
    /// RSASSA-PSS with SHA-384, MGF1 with SHA-384 and a 48-byte salt (`"PS384"`).
    Ps384, "PS384", PssSha384
);
rsa_algorithm!(
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512 and a 64-byte salt (`"PS512"`).
    Ps512, "PS512", PssSha512
);

/// Refuses a modulus or exponent this crate does not accept; `n` has no leading zeros.
fn check_public(n: &[u8], e: &[u8]) -> Result<(), KeyError> {
    let bits = match n.first() {
        Some(&first) => n.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    };
    if bits < MIN_MODULUS_BITS {
        return Err(KeyError::Weak(
            "RSA modulus under 2048 bits (RFC 7518 §3.3)",
        ));
    }
    if bits > MAX_MODULUS_BITS {
        return Err(KeyError::Weak("RSA modulus over 8192 bits"));
    }
    if n.last().is_some_and(|last| last & 1 == 0) {
        return Err(KeyError::Weak("RSA modulus is even"));
    }
    if e != PUBLIC_EXPONENT {
        return Err(KeyError::Weak("RSA public exponent other than 65537"));
    }
    Ok(())
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(bytes.len());
    &bytes[first..]
}

/// An RSA public key for algorithm `A`: verifies tokens, holds no secret.
///
/// Refused at construction: a modulus under 2048 or over 8192 bits, an even modulus, a
/// public exponent other than 65537. A signature must be exactly the modulus length.
pub struct RsaPublicKey<A: RsaAlgorithm> {
    /// The modulus, big-endian, without leading zeros.
    n: Box<[u8]>,
    /// The public exponent, big-endian, without leading zeros.
    e: Box<[u8]>,
    kid: Box<str>,
    algorithm: PhantomData<A>,
}

impl<A: RsaAlgorithm> RsaPublicKey<A> {
    /// The key from its modulus `n` and exponent `e` (big-endian); the key id is its
    /// thumbprint.
    ///
    /// # Errors
    ///
    /// [`KeyError::Weak`] for a key refused as described on the type.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let (n, e) = (strip_leading_zeros(n), strip_leading_zeros(e));
        check_public(n, e)?;
        let mut key = RsaPublicKey {
            n: n.into(),
            e: e.into(),
            kid: Box::from(""),
            algorithm: PhantomData,
        };
        key.kid = check_kid(key.thumbprint())?;
        Ok(key)
    }

    /// Reads a `PUBLIC KEY` (SubjectPublicKeyInfo with `rsaEncryption`) or an
    /// `RSA PUBLIC KEY` (PKCS#1) PEM block.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else, then as [`Self::from_components`].
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = keyfile::pem_with_label(pem, &["PUBLIC KEY", "RSA PUBLIC KEY"])?;
        let (n, e) = keyfile::rsa_public_key(&der, label == "RSA PUBLIC KEY")
            .ok_or(KeyError::Format("not an RSA public key"))?;
        Self::from_components(n, e)
    }

    /// Reads a DER SubjectPublicKeyInfo with `rsaEncryption`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else, then as [`Self::from_components`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let (n, e) = keyfile::rsa_public_key(der, false)
            .ok_or(KeyError::Format("not an RSA SubjectPublicKeyInfo"))?;
        Self::from_components(n, e)
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

    /// The modulus length in bits.
    #[must_use]
    pub fn modulus_bits(&self) -> usize {
        self.n.len() * 8
            - self
                .n
                .first()
                .map_or(0, |first| first.leading_zeros() as usize)
    }

    fn members(&self) -> (String, String) {
        (base64url::encode(&self.e), base64url::encode(&self.n))
    }
}

impl<A: RsaAlgorithm> Clone for RsaPublicKey<A> {
    fn clone(&self) -> Self {
        RsaPublicKey {
            n: self.n.clone(),
            e: self.e.clone(),
            kid: self.kid.clone(),
            algorithm: PhantomData,
        }
    }
}

impl<A: RsaAlgorithm> fmt::Debug for RsaPublicKey<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("alg", &A::NAME)
            .field("kid", &self.kid)
            .field("bits", &self.modulus_bits())
            .finish_non_exhaustive()
    }
}

impl<A: RsaAlgorithm> sealed::Sealed for RsaPublicKey<A> {}

impl<A: RsaAlgorithm> SignatureVerifier for RsaPublicKey<A> {
    /// The modulus length in bytes: RFC 8017 §8.2.2 step 1 (a shorter signature with its
    /// leading zeros dropped is not accepted).
    fn signature_len(&self) -> usize {
        self.n.len()
    }

    fn verify_signature(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        signature.len() == self.n.len()
            && ring_sig::RsaPublicKeyComponents {
                n: &self.n,
                e: &self.e,
            }
            .verify(A::SCHEME.verification(), signing_input, signature)
            .is_ok()
    }
}

impl<A: RsaAlgorithm> PublicKey for RsaPublicKey<A> {
    type Algorithm = A;

    fn kid(&self) -> &str {
        &self.kid
    }

    fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem(pem)
    }

    fn thumbprint(&self) -> String {
        let (e, n) = self.members();
        jwk::thumbprint(&[("e", &e), ("kty", "RSA"), ("n", &n)])
    }

    fn to_jwk(&self) -> String {
        let (e, n) = self.members();
        jwk::public_jwk(&[("e", &e), ("kty", "RSA"), ("n", &n)], &self.kid, A::NAME)
    }

    fn __from_jwk_fields(fields: &JwkFields) -> Result<Self, KeyError> {
        fields.check_fits("RSA", None, A::NAME, Side::Public)?;
        let n = JwkFields::public_member(fields.n.as_ref(), "the JWK has no `n`")?;
        let e = JwkFields::public_member(fields.e.as_ref(), "the JWK has no `e`")?;
        let key = Self::from_components(&n, &e)?;
        let kid = kid_or_thumbprint(fields, || key.thumbprint())?;
        Ok(RsaPublicKey { kid, ..key })
    }

    fn __set_kid(&mut self, kid: Box<str>) {
        self.kid = kid;
    }
}

impl<A: RsaAlgorithm> VerifyingKeys<A> for RsaPublicKey<A> {
    fn key_for(&self, _kid: Option<&str>) -> Result<&RsaPublicKey<A>, Error> {
        Ok(self)
    }
}

/// An RSA private key for algorithm `A`: signs tokens. 2048 to 4096 bits, exponent 65537,
/// two primes.
///
/// Tokens carry its key id as `kid`: by default the RFC 7638 thumbprint of its public key.
/// `Debug` never shows the secret. Clones share one key pair. There is no `generate`: the
/// backend does not generate RSA keys; use `openssl genpkey -algorithm RSA`.
pub struct RsaPrivateKey<A: RsaAlgorithm> {
    pair: Arc<ring_sig::RsaKeyPair>,
    parts: SignerParts<RsaPublicKey<A>>,
    rng: SystemRandom,
}

impl<A: RsaAlgorithm> RsaPrivateKey<A> {
    fn from_pair(pair: ring_sig::RsaKeyPair) -> Result<Self, KeyError> {
        let components = ring_sig::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
        let public = RsaPublicKey::<A>::from_components(&components.n, &components.e)?;
        Ok(RsaPrivateKey {
            pair: Arc::new(pair),
            parts: SignerParts::new(public),
            rng: SystemRandom::new(),
        })
    }

    /// Reads a `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) PEM block.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for anything else (including keys over 4096 bits),
    /// [`KeyError::Weak`] for a key refused as described on [`RsaPublicKey`].
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = keyfile::pem_with_label(pem, &["PRIVATE KEY", "RSA PRIVATE KEY"])?;
        if label == "RSA PRIVATE KEY" {
            let pair = ring_sig::RsaKeyPair::from_der(&der)
                .map_err(|_| KeyError::Format("not a usable PKCS#1 RSA private key"))?;
            Self::from_pair(pair)
        } else {
            Self::from_pkcs8_der(&der)
        }
    }

    /// Reads a DER PKCS#8 RSA private key.
    ///
    /// # Errors
    ///
    /// As [`Self::from_pem`].
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pair = ring_sig::RsaKeyPair::from_pkcs8(der)
            .map_err(|_| KeyError::Format("not a usable PKCS#8 RSA private key"))?;
        Self::from_pair(pair)
    }

    /// Reads a private JWK (`kty` `RSA` with `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`;
    /// RFC 7518 §6.3.2). Keys with more than two primes (`oth`) are refused.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a JWK that does not fit or is inconsistent,
    /// [`KeyError::Weak`] for a key refused as described on [`RsaPublicKey`].
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let fields = JwkFields::parse(json)?;
        fields.check_fits("RSA", None, A::NAME, Side::Private)?;
        if fields.oth.is_some() {
            return Err(KeyError::Format(
                "multi-prime RSA keys (`oth`) are not supported",
            ));
        }
        let n = JwkFields::public_member(fields.n.as_ref(), "the JWK has no `n`")?;
        let e = JwkFields::public_member(fields.e.as_ref(), "the JWK has no `e`")?;
        check_public(strip_leading_zeros(&n), strip_leading_zeros(&e))?;
        let missing = "a private RSA JWK needs `d`, `p`, `q`, `dp`, `dq` and `qi`";
        let components = ring::rsa::KeyPairComponents {
            public_key: ring_sig::RsaPublicKeyComponents {
                n: strip_leading_zeros(&n),
                e: strip_leading_zeros(&e),
            },
            d: JwkFields::private_member(fields.d.as_ref(), missing)?,
            p: JwkFields::private_member(fields.p.as_ref(), missing)?,
            q: JwkFields::private_member(fields.q.as_ref(), missing)?,
            dP: JwkFields::private_member(fields.dp.as_ref(), missing)?,
            dQ: JwkFields::private_member(fields.dq.as_ref(), missing)?,
            qInv: JwkFields::private_member(fields.qi.as_ref(), missing)?,
        };
        let pair = ring_sig::RsaKeyPair::from_components(&components)
            .map_err(|_| KeyError::Format("the JWK is not a consistent RSA private key"))?;
        let key = Self::from_pair(pair)?;
        Ok(RsaPrivateKey {
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
        Ok(RsaPrivateKey {
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
    pub fn public_key(&self) -> RsaPublicKey<A> {
        self.parts.public().clone()
    }
}

private_key_from_inherent_methods!([A: RsaAlgorithm] RsaPrivateKey<A> => RsaPublicKey<A>);

impl<A: RsaAlgorithm> Clone for RsaPrivateKey<A> {
    fn clone(&self) -> Self {
        RsaPrivateKey {
            pair: Arc::clone(&self.pair),
            parts: self.parts.clone(),
            rng: self.rng.clone(),
        }
    }
}

impl<A: RsaAlgorithm> fmt::Debug for RsaPrivateKey<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = self.parts.public().modulus_bits();
        self.parts.debug(f, "RsaPrivateKey", &[("bits", &bits)])
    }
}

impl<A: RsaAlgorithm> sealed::Sealed for RsaPrivateKey<A> {}

impl<A: RsaAlgorithm> TokenSigner for RsaPrivateKey<A> {
    fn signature_len(&self) -> usize {
        self.pair.public().modulus_len()
    }

    fn kid(&self) -> Option<&str> {
        Some(self.parts.kid())
    }

    fn encoded_default_header(&self) -> &str {
        self.parts.header()
    }

    fn sign_into(&self, signing_input: &[u8], signature: &mut [u8]) -> Result<(), Error> {
        self.pair
            .sign(A::SCHEME.signing(), &self.rng, signing_input, signature)
            .map_err(|_| Error::Encode(format!("{} signing failed", A::NAME)))
    }
}

impl<A: RsaAlgorithm> SigningKey<A> for RsaPrivateKey<A> {
    fn signing_key(&self) -> &RsaPrivateKey<A> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_public_keys_are_refused() {
        let mut n = vec![0xc5; 256];
        n[255] |= 1;
        assert!(RsaPublicKey::<Rs256>::from_components(&n, &[1, 0, 1]).is_ok());
        // Leading zeros do not count as modulus bits.
        assert!(
            RsaPublicKey::<Rs256>::from_components(&[&[0][..], &n].concat(), &[1, 0, 1]).is_ok()
        );
        for (n, e, reason) in [
            (&n[1..], &[1, 0, 1][..], "under 2048"),
            (&n[..], &[3][..], "exponent"),
            (&n[..], &[1, 0, 0, 0, 1][..], "exponent"),
            (
                &[&n[..255], &[0xc4][..]].concat()[..],
                &[1, 0, 1][..],
                "even",
            ),
            (&[0xff; 1025][..], &[1, 0, 1][..], "over 8192"),
        ] {
            let error = RsaPublicKey::<Ps256>::from_components(n, e).unwrap_err();
            assert!(error.to_string().contains(reason), "{error}");
        }
    }
}
