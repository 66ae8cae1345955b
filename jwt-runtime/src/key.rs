//! HMAC keys, typed by algorithm, and key sets for rotation by `kid`.

use core::fmt;
use core::marker::PhantomData;

use hmac::{KeyInit, Mac};
use zeroize::Zeroizing;

use crate::alg::Algorithm;
use crate::error::{Error, KeyError, excerpt};

/// The longest key id accepted, in bytes; longer `kid`s in tokens never match.
pub const MAX_KEY_ID_LEN: usize = 256;

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
pub struct HmacKey<A: Algorithm> {
    state: A::Mac,
    kid: Option<Box<str>>,
    /// The base64url header of tokens signed with this key when the claims type declares no
    /// `typ`: `{"alg":...,"typ":"JWT"}`, plus `kid`. Encoded once, not per token.
    header: Box<str>,
    algorithm: PhantomData<A>,
}

impl<A: Algorithm> HmacKey<A> {
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
            header: default_header::<A>(None),
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
        self.header = default_header::<A>(Some(&kid));
        self.kid = Some(kid.into_boxed_str());
        Ok(self)
    }

    /// The key id, if one was attached.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The base64url header for a claims type that declares no `typ`.
    pub(crate) fn encoded_header(&self) -> &str {
        &self.header
    }

    /// Writes the MAC of `message` into `out`, which must be `A::MAC_LEN` bytes long.
    pub(crate) fn sign_into(&self, message: &[u8], out: &mut [u8]) {
        let tag = self
            .state
            .clone()
            .chain_update(message)
            .finalize()
            .into_bytes();
        out.copy_from_slice(&tag);
    }

    /// Checks `tag` against the MAC of `message` in constant time (length is public).
    pub(crate) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        tag.len() == A::MAC_LEN
            && self
                .state
                .clone()
                .chain_update(message)
                .verify_slice(tag)
                .is_ok()
    }

    /// The raw MAC of `message`; for tests against HMAC vectors.
    #[doc(hidden)]
    #[must_use]
    pub fn __mac(&self, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; A::MAC_LEN];
        self.sign_into(message, &mut out);
        out
    }
}

fn default_header<A: Algorithm>(kid: Option<&str>) -> Box<str> {
    let json = crate::codec::header_json::<A>("JWT", kid);
    // Writing a `&str` as JSON cannot fail.
    let json = json
        .as_ref()
        .map_or(&[][..], crate::codec::JsonBuffer::as_bytes);
    crate::base64url::encode(json).into_boxed_str()
}

// HMAC accepts keys of any length; keep the error path total instead of panicking.
fn unreachable_invalid_length<A: Algorithm>(len: usize) -> KeyError {
    KeyError::TooShort {
        algorithm: A::NAME,
        min_len: A::MAC_LEN,
        len,
    }
}

impl<A: Algorithm> Clone for HmacKey<A> {
    fn clone(&self) -> Self {
        HmacKey {
            state: self.state.clone(),
            kid: self.kid.clone(),
            header: self.header.clone(),
            algorithm: PhantomData,
        }
    }
}

impl<A: Algorithm> fmt::Debug for HmacKey<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("alg", &A::NAME)
            .field("kid", &self.kid)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Keys for signing: a single key, or a [`KeySet`]'s current key.
pub trait SigningKey<A: Algorithm> {
    /// The key new tokens are signed with.
    fn signing_key(&self) -> &HmacKey<A>;
}

/// Keys for verifying: a single key (which ignores the token's `kid`), or a [`KeySet`]
/// (which selects by `kid`, never falling back).
pub trait VerifyingKeys<A: Algorithm> {
    /// The key to verify a token whose header names `kid`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKeyId`] when no configured key has that id.
    fn key_for(&self, kid: Option<&str>) -> Result<&HmacKey<A>, Error>;
}

impl<A: Algorithm> SigningKey<A> for HmacKey<A> {
    fn signing_key(&self) -> &HmacKey<A> {
        self
    }
}

impl<A: Algorithm> VerifyingKeys<A> for HmacKey<A> {
    fn key_for(&self, _kid: Option<&str>) -> Result<&HmacKey<A>, Error> {
        Ok(self)
    }
}

impl<A: Algorithm, K: SigningKey<A> + ?Sized> SigningKey<A> for &K {
    fn signing_key(&self) -> &HmacKey<A> {
        (**self).signing_key()
    }
}

impl<A: Algorithm, K: VerifyingKeys<A> + ?Sized> VerifyingKeys<A> for &K {
    fn key_for(&self, kid: Option<&str>) -> Result<&HmacKey<A>, Error> {
        (**self).key_for(kid)
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
pub struct KeySet<A: Algorithm> {
    // Index 0 is the current key. Key sets are small; a linear scan beats hashing.
    keys: Vec<HmacKey<A>>,
}

impl<A: Algorithm> KeySet<A> {
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
}

impl<A: Algorithm> SigningKey<A> for KeySet<A> {
    fn signing_key(&self) -> &HmacKey<A> {
        self.current()
    }
}

impl<A: Algorithm> VerifyingKeys<A> for KeySet<A> {
    fn key_for(&self, kid: Option<&str>) -> Result<&HmacKey<A>, Error> {
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
    use crate::alg::{Hs256, Hs384, Hs512};

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
