//! Key rotation for an issuer of public-key tokens: several private keys of one algorithm,
//! one of them current for signing, all of them published (as public keys) until retired.

use core::fmt;

use crate::alg::TokenSigner;
use crate::error::KeyError;
use crate::key::SigningKey;
use crate::public_key::{PrivateKey, PublicKey, PublicKeySet};

/// The private keys of an issuer that rotates them: new tokens are signed with the
/// [`current`](Self::current) key (its `kid` in the header), and every key in the set is
/// published in the [`jwks`](Self::jwks), so tokens signed before a
/// [`promote`](Self::promote) keep verifying until their key is [`retire`](Self::retire)d.
/// Verifiers use the public half ([`public_set`](Self::public_set) or the JWKS), never this.
///
/// A rotation: [`add`](Self::add) the next key and publish the JWKS (verifiers learn it
/// before any token uses it); [`promote`](Self::promote) it once verifiers have fetched the
/// new JWKS; [`retire`](Self::retire) the old key once the tokens it signed have expired.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "eddsa")] {
/// use jwt_runtime::{Ed25519PrivateKey, PrivateKeySet};
///
/// let mut keys = PrivateKeySet::new(Ed25519PrivateKey::generate()?.with_kid("2026-10")?);
/// keys.add(Ed25519PrivateKey::generate()?.with_kid("2026-11")?)?;
/// assert_eq!(keys.current().kid(), "2026-10");
/// keys.promote("2026-11")?;
/// assert_eq!(keys.current().kid(), "2026-11");
/// assert_eq!(keys.public_set().len(), 2);
/// keys.retire("2026-10")?;
/// assert_eq!(keys.public_set().len(), 1);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct PrivateKeySet<P: PrivateKey> {
    // Index 0 is the current key. Key sets are small; a linear scan beats hashing.
    keys: Vec<P>,
}

/// Why a [`PrivateKeySet`] refused a [`promote`](PrivateKeySet::promote) or a
/// [`retire`](PrivateKeySet::retire).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotationError {
    /// No key in the set has this id.
    UnknownKeyId(String),
    /// The current (signing) key cannot be retired: promote another key first.
    RetiringCurrentKey(String),
}

impl fmt::Display for RotationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RotationError::UnknownKeyId(kid) => write!(f, "no key in the set has the id {kid:?}"),
            RotationError::RetiringCurrentKey(kid) => write!(
                f,
                "{kid:?} is the current signing key; promote another key before retiring it"
            ),
        }
    }
}

impl std::error::Error for RotationError {}

/// The key id of a private key of a public-key family (always set).
fn kid_of<P: PrivateKey>(key: &P) -> &str {
    TokenSigner::kid(key).unwrap_or_default()
}

impl<P: PrivateKey> PrivateKeySet<P> {
    /// A set whose current (signing) key is `current`.
    #[must_use]
    pub fn new(current: P) -> Self {
        PrivateKeySet {
            keys: vec![current],
        }
    }

    /// Adds a key that is published and verifies, but does not sign until promoted; the
    /// builder form of [`add`](Self::add), as [`KeySet::with_key`](crate::KeySet::with_key).
    ///
    /// # Errors
    ///
    /// [`KeyError::DuplicateKeyId`] when the set already holds a key with that id.
    pub fn with_key(mut self, key: P) -> Result<Self, KeyError> {
        self.add(key)?;
        Ok(self)
    }

    /// Adds a key that is published and verifies, but does not sign until
    /// [`promote`](Self::promote)d.
    ///
    /// # Errors
    ///
    /// [`KeyError::DuplicateKeyId`] when the set already holds a key with that id.
    pub fn add(&mut self, key: P) -> Result<(), KeyError> {
        if self.get(kid_of(&key)).is_some() {
            return Err(KeyError::DuplicateKeyId(kid_of(&key).to_owned()));
        }
        self.keys.push(key);
        Ok(())
    }

    /// Makes the key `kid` the current (signing) key; the previous current key stays in
    /// the set, published, until retired.
    ///
    /// # Errors
    ///
    /// [`RotationError::UnknownKeyId`] when no key has that id.
    pub fn promote(&mut self, kid: &str) -> Result<(), RotationError> {
        let index = self.index_of(kid)?;
        // Keep the others in their order: the JWKS changes only by the moved key.
        self.keys[..=index].rotate_right(1);
        Ok(())
    }

    /// Removes the key `kid`: it is no longer published, and tokens it signed no longer
    /// verify once verifiers have the new JWKS. Returns the removed key.
    ///
    /// # Errors
    ///
    /// [`RotationError::UnknownKeyId`] when no key has that id,
    /// [`RotationError::RetiringCurrentKey`] for the current key.
    pub fn retire(&mut self, kid: &str) -> Result<P, RotationError> {
        match self.index_of(kid)? {
            0 => Err(RotationError::RetiringCurrentKey(kid.to_owned())),
            index => Ok(self.keys.remove(index)),
        }
    }

    fn index_of(&self, kid: &str) -> Result<usize, RotationError> {
        self.keys
            .iter()
            .position(|key| kid_of(key) == kid)
            .ok_or_else(|| RotationError::UnknownKeyId(kid.to_owned()))
    }

    /// The key new tokens are signed with.
    #[must_use]
    pub fn current(&self) -> &P {
        &self.keys[0]
    }

    /// The key whose id is `kid`.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&P> {
        self.keys.iter().find(|key| kid_of(*key) == kid)
    }

    /// The number of keys (at least one).
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Never true: a set holds at least its current key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, the current one first.
    pub fn iter(&self) -> impl Iterator<Item = &P> {
        self.keys.iter()
    }

    /// The public keys of every key in the set, by `kid`: what a verifier of this issuer
    /// needs.
    #[must_use]
    pub fn public_set(&self) -> PublicKeySet<P::Public> {
        PublicKeySet::from_distinct(self.keys.iter().map(PrivateKey::public_key).collect())
    }

    /// The public keys as a JWKS document (`{"keys":[...]}`), for publishing at a
    /// `/.well-known/jwks.json` URL; no private member is ever written.
    #[must_use]
    pub fn jwks(&self) -> String {
        self.public_set().to_jwks()
    }
}

impl<P: PrivateKey> SigningKey<<P::Public as PublicKey>::Algorithm> for PrivateKeySet<P> {
    fn signing_key(&self) -> &P {
        self.current()
    }
}
