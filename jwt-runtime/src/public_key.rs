//! What the public-key families share: the [`PublicKey`] and [`PrivateKey`] traits, key ids
//! (RFC 7638 thumbprints by default), what every private key holds besides its secret
//! ([`SignerParts`]), and [`PublicKeySet`], the verifying keys of an issuer by `kid`, read
//! from and written as a JWKS document.

use core::fmt;

use zeroize::Zeroizing;

use crate::alg::{Algorithm, SignatureVerifier, TokenSigner};
use crate::error::{Error, KeyError, excerpt};
use crate::header;
use crate::jwk::JwkFields;
use crate::key::{MAX_KEY_ID_LEN, VerifyingKeys};
use crate::keyfile;

/// A public (verifying) key of one algorithm: [`Ed25519PublicKey`](crate::Ed25519PublicKey),
/// [`EcdsaPublicKey`](crate::EcdsaPublicKey), [`RsaPublicKey`](crate::RsaPublicKey) or
/// [`Es512PublicKey`](crate::Es512PublicKey)
/// (sealed). It holds no secret: a verifier never needs the private key, and a public key
/// can never stand in for an HMAC secret (the key types of the two families are disjoint).
pub trait PublicKey:
    SignatureVerifier + Clone + fmt::Debug + Send + Sync + Sized + 'static
{
    /// The one algorithm this key verifies.
    type Algorithm: Algorithm<VerifyingKey = Self>;

    /// The key id: the one attached, else the RFC 7638 thumbprint of the key.
    fn kid(&self) -> &str;

    /// The RFC 7638 thumbprint (SHA-256, base64url) of the key.
    fn thumbprint(&self) -> String;

    /// The key as a public JWK (RFC 7517) with its `kid`, `alg` and `"use":"sig"`.
    fn to_jwk(&self) -> String;

    /// Reads a `PUBLIC KEY` PEM block (SubjectPublicKeyInfo) of this key type; the same as
    /// the key type's own `from_pem`, for generic code.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for another kind of key, [`KeyError::Weak`] for a key that is
    /// refused (see the key type).
    fn from_pem(pem: &str) -> Result<Self, KeyError>;

    /// Reads a public JWK. `kty` and `crv` must be the algorithm's; `alg`, `use` and
    /// `key_ops`, when present, must allow this algorithm and verification; a JWK holding
    /// private members is refused. Without a `kid` the thumbprint is the key id.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a JWK that does not fit, [`KeyError::Weak`] for a key that
    /// is refused (see the key type), [`KeyError::InvalidKeyId`] for an unusable `kid`.
    fn from_jwk(json: &str) -> Result<Self, KeyError> {
        Self::__from_jwk_fields(&JwkFields::parse(json)?)
    }

    #[doc(hidden)]
    /// Reads parsed JWK members; see [`PublicKey::from_jwk`].
    ///
    /// # Errors
    ///
    /// As [`PublicKey::from_jwk`].
    fn __from_jwk_fields(fields: &JwkFields) -> Result<Self, KeyError>;

    #[doc(hidden)]
    /// Replaces the key id with one already checked by `check_kid`.
    fn __set_kid(&mut self, kid: Box<str>);
}

/// A private (signing) key of a public-key family:
/// [`Ed25519PrivateKey`](crate::Ed25519PrivateKey), [`EcdsaPrivateKey`](crate::EcdsaPrivateKey),
/// [`RsaPrivateKey`](crate::RsaPrivateKey) or [`Es512PrivateKey`](crate::Es512PrivateKey)
/// (sealed). The same methods as the key types' own, for generic code such as
/// [`PrivateKeySet`](crate::PrivateKeySet).
pub trait PrivateKey: TokenSigner + Clone + fmt::Debug + Send + Sync + Sized + 'static {
    /// The public half, which verifies what this key signs.
    type Public: PublicKey<Algorithm: Algorithm<SigningKey = Self>>;

    /// The public key, with the same key id.
    fn public_key(&self) -> Self::Public;

    /// Sets the key id written into tokens; the public key gets the same id.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidKeyId`] for an empty id or one longer than 256 bytes.
    fn with_kid(self, kid: impl Into<String>) -> Result<Self, KeyError>;

    /// Reads a private key PEM block (see the key type for the forms accepted).
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for another kind of key, [`KeyError::Weak`] for a key that is
    /// refused (see the key type).
    fn from_pem(pem: &str) -> Result<Self, KeyError>;

    /// Reads a private JWK (see the key type).
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for a JWK that does not fit or is inconsistent,
    /// [`KeyError::Weak`] for a key that is refused, [`KeyError::InvalidKeyId`] for an
    /// unusable `kid`.
    fn from_jwk(json: &str) -> Result<Self, KeyError>;
}

/// `impl PrivateKey` for a key type whose own methods of the same names do the work.
macro_rules! private_key_from_inherent_methods {
    ([$($generics:tt)*] $key:ty => $public:ty) => {
        impl<$($generics)*> $crate::public_key::PrivateKey for $key {
            type Public = $public;

            fn public_key(&self) -> $public {
                self.public_key()
            }

            fn with_kid(
                self,
                kid: impl Into<String>,
            ) -> Result<Self, $crate::error::KeyError> {
                self.with_kid(kid)
            }

            fn from_pem(pem: &str) -> Result<Self, $crate::error::KeyError> {
                Self::from_pem(pem)
            }

            fn from_jwk(json: &str) -> Result<Self, $crate::error::KeyError> {
                Self::from_jwk(json)
            }
        }
    };
    ($key:ty => $public:ty) => {
        $crate::public_key::private_key_from_inherent_methods!([] $key => $public);
    };
}
pub(crate) use private_key_from_inherent_methods;

/// The DER of a `PRIVATE KEY` (PKCS#8) PEM block, wiped on drop. (RSA reads PKCS#1 too.)
#[cfg_attr(
    not(any(feature = "eddsa", feature = "ecdsa", feature = "es512")),
    allow(dead_code)
)]
pub(crate) fn pkcs8_pem(pem: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    keyfile::pem_with_label(pem, &["PRIVATE KEY"]).map(|(_, der)| der)
}

/// What every private key holds besides its secret: its public half (whose `kid` is the key
/// id written into tokens) and the precomputed default header with that `kid`.
#[derive(Clone)]
pub(crate) struct SignerParts<P: PublicKey> {
    public: P,
    header: Box<str>,
}

impl<P: PublicKey> SignerParts<P> {
    pub(crate) fn new(public: P) -> Self {
        SignerParts {
            header: header::encoded_default(P::Algorithm::NAME, Some(public.kid())),
            public,
        }
    }

    /// The same key under `kid`, in tokens and on the public half.
    pub(crate) fn with_kid(self, kid: impl Into<String>) -> Result<Self, KeyError> {
        let mut public = self.public;
        public.__set_kid(check_kid(kid.into())?);
        Ok(Self::new(public))
    }

    /// The same key under the `kid` of the JWK it was read from, if it has one.
    pub(crate) fn with_jwk_kid(self, fields: &JwkFields) -> Result<Self, KeyError> {
        match &fields.kid {
            Some(kid) => self.with_kid(kid.clone()),
            None => Ok(self),
        }
    }

    pub(crate) fn kid(&self) -> &str {
        self.public.kid()
    }

    pub(crate) fn public(&self) -> &P {
        &self.public
    }

    pub(crate) fn header(&self) -> &str {
        &self.header
    }

    /// `Debug` of a private key: its type, algorithm, key id and any `extra` public facts;
    /// the secret never.
    pub(crate) fn debug(
        &self,
        f: &mut fmt::Formatter<'_>,
        name: &str,
        extra: &[(&str, &dyn fmt::Debug)],
    ) -> fmt::Result {
        let mut out = f.debug_struct(name);
        out.field("alg", &P::Algorithm::NAME)
            .field("kid", &self.kid());
        for (field, value) in extra {
            out.field(field, value);
        }
        out.field("secret", &"[redacted]").finish()
    }
}

/// A validated key id: 1 to 256 bytes.
pub(crate) fn check_kid(kid: String) -> Result<Box<str>, KeyError> {
    if kid.is_empty() || kid.len() > MAX_KEY_ID_LEN {
        return Err(KeyError::InvalidKeyId);
    }
    Ok(kid.into_boxed_str())
}

/// The `kid` of an imported JWK, or the thumbprint when it has none.
pub(crate) fn kid_or_thumbprint(
    fields: &JwkFields,
    thumbprint: impl FnOnce() -> String,
) -> Result<Box<str>, KeyError> {
    match &fields.kid {
        Some(kid) => check_kid(kid.clone()),
        None => check_kid(thumbprint()),
    }
}

/// The verifying keys of an issuer, selected by the token's `kid`: a token without `kid`,
/// or with an id not in the set, is rejected (no fallback). Read one from a JWKS document
/// with [`PublicKeySet::from_jwks`]; publish one with [`PublicKeySet::to_jwks`].
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "eddsa")] {
/// use jwt_runtime::{Ed25519PrivateKey, PublicKeySet};
///
/// let signer = Ed25519PrivateKey::generate()?;
/// let keys = PublicKeySet::new(vec![signer.public_key()])?;
/// let published = keys.to_jwks();
/// let fetched = PublicKeySet::<jwt_runtime::Ed25519PublicKey>::from_jwks(&published)?;
/// assert_eq!(fetched.len(), 1);
/// # }
/// # Ok::<(), jwt_runtime::KeyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PublicKeySet<K: PublicKey> {
    // Key sets are small; a linear scan beats hashing.
    keys: Vec<K>,
}

impl<K: PublicKey> PublicKeySet<K> {
    /// A set of `keys`, each found by its [`kid`](PublicKey::kid).
    ///
    /// # Errors
    ///
    /// [`KeyError::DuplicateKeyId`] when two keys share an id, [`KeyError::MissingKeyId`]
    /// for an empty set.
    pub fn new(keys: Vec<K>) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::MissingKeyId);
        }
        for (index, key) in keys.iter().enumerate() {
            if keys[..index].iter().any(|other| other.kid() == key.kid()) {
                return Err(KeyError::DuplicateKeyId(key.kid().to_owned()));
            }
        }
        Ok(PublicKeySet { keys })
    }

    /// A set of keys whose ids are known to be distinct and which is not empty.
    pub(crate) fn from_distinct(keys: Vec<K>) -> Self {
        PublicKeySet { keys }
    }

    /// Reads a JWKS document (`{"keys":[...]}`, RFC 7517 §5), keeping the keys that fit
    /// `K`: other key types, curves, algorithms, `use` other than `sig`, keys holding
    /// private members and keys this crate refuses are ignored. A key without `kid` is
    /// found by its thumbprint; a second key with an id already seen is ignored.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] when the document is not a JWKS or no key in it fits.
    pub fn from_jwks(json: &str) -> Result<Self, KeyError> {
        #[derive(serde::Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }
        let document: Document = serde_json::from_str(json)
            .map_err(|_| KeyError::Format("not a JWKS document ({\"keys\":[...]})"))?;
        let mut keys: Vec<K> = Vec::new();
        for value in document.keys {
            let Ok(fields) = serde_json::from_value::<JwkFields>(value) else {
                continue;
            };
            let Ok(key) = K::__from_jwk_fields(&fields) else {
                continue;
            };
            if !keys.iter().any(|other| other.kid() == key.kid()) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(KeyError::Format(
                "no key in the JWKS fits the algorithm (kty, crv, alg, use)",
            ));
        }
        Ok(PublicKeySet { keys })
    }

    /// The set as a JWKS document, `{"keys":[...]}`, for publishing at a
    /// `/.well-known/jwks.json` URL.
    #[must_use]
    pub fn to_jwks(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(PublicKey::to_jwk).collect();
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    /// The number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Never true: a set holds at least one key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key whose id is `kid`.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&K> {
        self.keys.iter().find(|key| key.kid() == kid)
    }

    /// The keys, in order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.keys.iter()
    }
}

impl<K: PublicKey> VerifyingKeys<K::Algorithm> for PublicKeySet<K> {
    fn key_for(&self, kid: Option<&str>) -> Result<&K, Error> {
        let Some(kid) = kid else {
            return Err(Error::UnknownKeyId { kid: None });
        };
        self.get(kid).ok_or_else(|| Error::UnknownKeyId {
            kid: Some(excerpt(kid)),
        })
    }
}
