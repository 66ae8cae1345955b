//! The HMAC family: HS256, HS384 and HS512 as types, their keys, and key sets for rotation.

use core::fmt;
use core::marker::PhantomData;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::alg::{Algorithm, SignatureVerifier, TokenSigner, sealed};
use crate::error::{Error, KeyError, excerpt};
use crate::header;
use crate::key::{MAX_KEY_ID_LEN, SigningKey, VerifyingKeys};

/// An HMAC algorithm (RFC 7518 §3.2): [`Hs256`], [`Hs384`] or [`Hs512`] (sealed).
pub trait HmacAlgorithm:
    Algorithm<SigningKey = HmacKey<Self>, VerifyingKey = HmacKey<Self>>
{
    /// Length of the MAC in bytes (32, 48 or 64), which is also the minimum key length.
    const MAC_LEN: usize;
    /// Length of the base64url-encoded signature segment (43, 64 or 86).
    const ENCODED_MAC_LEN: usize;

    #[doc(hidden)]
    type Mac: Mac + KeyInit + Clone + Send + Sync;
}

macro_rules! hmac_algorithm {
    ($(#[$doc:meta])* $name:ident, $alg:literal, $hash:ty, $len:literal, $encoded:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl Algorithm for $name {
            const NAME: &'static str = $alg;
            type SigningKey = HmacKey<$name>;
            type VerifyingKey = HmacKey<$name>;
        }

        impl HmacAlgorithm for $name {
            const MAC_LEN: usize = $len;
            const ENCODED_MAC_LEN: usize = $encoded;
            type Mac = Hmac<$hash>;
        }
    };
}

hmac_algorithm!(
    /// HMAC with SHA-256 (`"HS256"`): 32-byte MAC, keys of at least 32 bytes.
    Hs256, "HS256", Sha256, 32, 43
);
hmac_algorithm!(
    /// HMAC with SHA-384 (`"HS384"`): 48-byte MAC, keys of at least 48 bytes.
    Hs384, "HS384", Sha384, 48, 64
);
hmac_algorithm!(
    /// HMAC with SHA-512 (`"HS512"`): 64-byte MAC, keys of at least 64 bytes.
    Hs512, "HS512", Sha512, 64, 86
);

/// An HMAC key for algorithm `A`, with an optional key id (`kid`).
///
/// The HMAC inner and outer hash states are computed once, when the key is built, so
/// signing and verifying cost only the message's own compressions. The key bytes are not
/// kept; the precomputed states are zeroized on drop, and `Debug` never shows them.
///
/// # Examples
///
/// ```
/// use jwt_runtime::{HmacKey, Hs256};
///
/// let key = HmacKey::<Hs256>::from_bytes(b"a secret of at least thirty-two bytes!")?;
/// assert!(HmacKey::<Hs256>::from_bytes(b"too short").is_err());
/// # Ok::<(), jwt_runtime::KeyError>(())
/// ```
pub struct HmacKey<A: HmacAlgorithm> {
    state: A::Mac,
    kid: Option<Box<str>>,
    /// The base64url header of tokens signed with this key when the claims type declares no
    /// `typ`: `{"alg":...,"typ":"JWT"}`, plus `kid`. Encoded once, not per token.
    header: Box<str>,
    algorithm: PhantomData<A>,
}

impl<A: HmacAlgorithm> HmacKey<A> {
    /// Builds a key from raw bytes.
    ///
    /// # Errors
    ///
    /// [`KeyError::TooShort`] when `bytes` is shorter than the hash output (32, 48 or 64
    /// bytes for HS256, HS384, HS512; RFC 7518 §3.2).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() < A::MAC_LEN {
            return Err(KeyError::TooShort {
                algorithm: A::NAME,
                min_len: A::MAC_LEN,
                len: bytes.len(),
            });
        }
        let state = <A::Mac as KeyInit>::new_from_slice(bytes)
            .map_err(|_| unreachable_invalid_length::<A>(bytes.len()))?;
        Ok(HmacKey {
            state,
            kid: None,
            header: header::encoded_default(A::NAME, None),
            algorithm: PhantomData,
        })
    }

    /// Builds a key from its strict base64url text (as in a JWK `k` member).
    ///
    /// # Errors
    ///
    /// [`KeyError::Base64`] for text that is not strict base64url, then as [`Self::from_bytes`].
    pub fn from_base64url(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(
            crate::base64url::decode(text.trim().as_bytes()).map_err(|_| KeyError::Base64)?,
        );
        Self::from_bytes(&bytes)
    }

    /// Generates a fresh key of the hash output length from the operating system's RNG.
    ///
    /// Use it for tests and single-process services; servers that share a key need the
    /// bytes, see [`Self::generate_base64url`].
    ///
    /// # Errors
    ///
    /// [`KeyError::Rng`] if the operating system's RNG fails.
    pub fn generate() -> Result<Self, KeyError> {
        let secret = Self::generate_base64url()?;
        Self::from_base64url(&secret)
    }

    /// Generates a secret of the hash output length from the operating system's RNG and
    /// returns it as base64url text, to be stored in configuration and loaded with
    /// [`Self::from_base64url`].
    ///
    /// # Errors
    ///
    /// [`KeyError::Rng`] if the operating system's RNG fails.
    pub fn generate_base64url() -> Result<Zeroizing<String>, KeyError> {
        let mut bytes = Zeroizing::new([0_u8; 64]);
        let bytes = &mut bytes[..A::MAC_LEN];
        getrandom::fill(bytes).map_err(|_| KeyError::Rng)?;
        Ok(Zeroizing::new(crate::base64url::encode(bytes)))
    }

    /// Attaches a key id: tokens signed with this key carry it as `kid`, and a [`KeySet`]
    /// finds this key by it.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidKeyId`] for an empty id or one longer than 256 bytes.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Result<Self, KeyError> {
        let kid = kid.into();
        if kid.is_empty() || kid.len() > MAX_KEY_ID_LEN {
            return Err(KeyError::InvalidKeyId);
        }
        self.header = header::encoded_default(A::NAME, Some(&kid));
        self.kid = Some(kid.into_boxed_str());
        Ok(self)
    }

    /// The key id, if one was attached.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Writes the MAC of `message` into `out`, which must be `A::MAC_LEN` bytes long.
    fn mac_into(&self, message: &[u8], out: &mut [u8]) {
        let tag = self
            .state
            .clone()
            .chain_update(message)
            .finalize()
            .into_bytes();
        out.copy_from_slice(&tag);
    }

    /// The raw MAC of `message`; for tests against HMAC vectors.
    #[doc(hidden)]
    #[must_use]
    pub fn __mac(&self, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; A::MAC_LEN];
        self.mac_into(message, &mut out);
        out
    }
}

// HMAC accepts keys of any length; keep the error path total instead of panicking.
fn unreachable_invalid_length<A: HmacAlgorithm>(len: usize) -> KeyError {
    KeyError::TooShort {
        algorithm: A::NAME,
        min_len: A::MAC_LEN,
        len,
    }
}

impl<A: HmacAlgorithm> Clone for HmacKey<A> {
    fn clone(&self) -> Self {
        HmacKey {
            state: self.state.clone(),
            kid: self.kid.clone(),
            header: self.header.clone(),
            algorithm: PhantomData,
        }
    }
}

impl<A: HmacAlgorithm> fmt::Debug for HmacKey<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("alg", &A::NAME)
            .field("kid", &self.kid)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl<A: HmacAlgorithm> SigningKey<A> for HmacKey<A> {
    fn signing_key(&self) -> &HmacKey<A> {
        self
    }
}

impl<A: HmacAlgorithm> VerifyingKeys<A> for HmacKey<A> {
    fn key_for(&self, _kid: Option<&str>) -> Result<&HmacKey<A>, Error> {
        Ok(self)
    }
}

impl<A: HmacAlgorithm> SigningKey<A> for KeySet<A> {
    fn signing_key(&self) -> &HmacKey<A> {
        self.current()
    }
}

impl<A: HmacAlgorithm> VerifyingKeys<A> for KeySet<A> {
    fn key_for(&self, kid: Option<&str>) -> Result<&HmacKey<A>, Error> {
        self.find(kid)
    }
}

impl<A: HmacAlgorithm> sealed::Sealed for HmacKey<A> {}

impl<A: HmacAlgorithm> TokenSigner for HmacKey<A> {
    fn signature_len(&self) -> usize {
        A::MAC_LEN
    }

    fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    fn encoded_default_header(&self) -> &str {
        &self.header
    }

    fn sign_into(&self, signing_input: &[u8], signature: &mut [u8]) -> Result<(), Error> {
        if signature.len() != A::MAC_LEN {
            return Err(Error::Encode(format!(
                "a {} signature is {} bytes, not {}",
                A::NAME,
                A::MAC_LEN,
                signature.len()
            )));
        }
        self.mac_into(signing_input, signature);
        Ok(())
    }
}

impl<A: HmacAlgorithm> SignatureVerifier for HmacKey<A> {
    fn signature_len(&self) -> usize {
        A::MAC_LEN
    }

    /// Constant time: `verify_slice` compares the whole tag (its length is public).
    fn verify_signature(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        signature.len() == A::MAC_LEN
            && self
                .state
                .clone()
                .chain_update(signing_input)
                .verify_slice(signature)
                .is_ok()
    }
}

/// Keys for rotation: tokens are signed with the current key and verified with the key
/// their `kid` names. A token without `kid`, or with an id not in the set, is rejected.
///
/// # Examples
///
/// ```
/// use jwt_runtime::{HmacKey, Hs256, KeySet};
///
/// let old = HmacKey::<Hs256>::generate()?.with_kid("2026-10")?;
/// let new = HmacKey::<Hs256>::generate()?.with_kid("2026-11")?;
/// let keys = KeySet::new(new)?.with_key(old)?;
/// assert_eq!(keys.current().kid(), Some("2026-11"));
/// # Ok::<(), jwt_runtime::KeyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct KeySet<A: HmacAlgorithm> {
    // Index 0 is the current key. Key sets are small; a linear scan beats hashing.
    keys: Vec<HmacKey<A>>,
}

impl<A: HmacAlgorithm> KeySet<A> {
    /// A key set whose current (signing) key is `current`.
    ///
    /// # Errors
    ///
    /// [`KeyError::MissingKeyId`] when `current` has no `kid`.
    pub fn new(current: HmacKey<A>) -> Result<Self, KeyError> {
        if current.kid.is_none() {
            return Err(KeyError::MissingKeyId);
        }
        Ok(KeySet {
            keys: vec![current],
        })
    }

    /// Adds a key that verifies tokens but does not sign new ones (e.g. last month's key).
    ///
    /// # Errors
    ///
    /// [`KeyError::MissingKeyId`] when `key` has no `kid`, [`KeyError::DuplicateKeyId`]
    /// when the set already holds a key with that id.
    pub fn with_key(mut self, key: HmacKey<A>) -> Result<Self, KeyError> {
        let Some(kid) = key.kid() else {
            return Err(KeyError::MissingKeyId);
        };
        if self.keys.iter().any(|existing| existing.kid() == Some(kid)) {
            return Err(KeyError::DuplicateKeyId(kid.to_owned()));
        }
        self.keys.push(key);
        Ok(self)
    }

    /// The key new tokens are signed with.
    #[must_use]
    pub fn current(&self) -> &HmacKey<A> {
        &self.keys[0]
    }

    /// The key whose id is `kid`; never another one.
    fn find(&self, kid: Option<&str>) -> Result<&HmacKey<A>, Error> {
        let Some(kid) = kid else {
            return Err(Error::UnknownKeyId { kid: None });
        };
        self.keys
            .iter()
            .find(|key| key.kid() == Some(kid))
            .ok_or_else(|| Error::UnknownKeyId {
                kid: Some(excerpt(kid)),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_keys_shorter_than_the_hash_output() {
        assert!(HmacKey::<Hs256>::from_bytes(&[]).is_err());
        assert!(HmacKey::<Hs256>::from_bytes(&[7; 31]).is_err());
        assert!(HmacKey::<Hs256>::from_bytes(&[7; 32]).is_ok());
        assert!(HmacKey::<Hs384>::from_bytes(&[7; 47]).is_err());
        assert!(HmacKey::<Hs384>::from_bytes(&[7; 48]).is_ok());
        assert_eq!(
            HmacKey::<Hs512>::from_bytes(&[7; 63]).unwrap_err(),
            KeyError::TooShort {
                algorithm: "HS512",
                min_len: 64,
                len: 63
            }
        );
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = HmacKey::<Hs256>::from_bytes(&[0x41; 32]).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("[redacted]"));
        assert!(!shown.contains("AAAA") && !shown.contains("65"));
    }

    #[test]
    fn generated_keys_differ_and_have_the_hash_length() {
        let a = HmacKey::<Hs384>::generate_base64url().unwrap();
        let b = HmacKey::<Hs384>::generate_base64url().unwrap();
        assert_ne!(*a, *b);
        assert_eq!(crate::base64url::decode(a.as_bytes()).unwrap().len(), 48);
    }

    #[test]
    fn key_set_never_falls_back() {
        let current = HmacKey::<Hs256>::from_bytes(&[1; 32])
            .unwrap()
            .with_kid("a")
            .unwrap();
        let old = HmacKey::<Hs256>::from_bytes(&[2; 32])
            .unwrap()
            .with_kid("b")
            .unwrap();
        let set = KeySet::new(current).unwrap().with_key(old).unwrap();
        assert_eq!(set.key_for(Some("b")).unwrap().kid(), Some("b"));
        assert!(matches!(
            set.key_for(Some("c")),
            Err(Error::UnknownKeyId { .. })
        ));
        assert!(matches!(
            set.key_for(None),
            Err(Error::UnknownKeyId { kid: None })
        ));
        let dup = HmacKey::<Hs256>::from_bytes(&[3; 32])
            .unwrap()
            .with_kid("a")
            .unwrap();
        assert!(set.clone().with_key(dup).is_err());
    }
}
