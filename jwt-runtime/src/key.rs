//! How the encoder and the pipeline find a key: one key, or a key set selected by `kid`.

use crate::alg::Algorithm;
use crate::error::Error;

/// The longest key id accepted, in bytes; longer `kid`s in tokens never match.
pub const MAX_KEY_ID_LEN: usize = 256;

/// Keys for signing: a single key, or a [`KeySet`](crate::KeySet)'s current key.
pub trait SigningKey<A: Algorithm> {
    /// The key new tokens are signed with.
    fn signing_key(&self) -> &A::SigningKey;
}

/// Keys for verifying: a single key (which ignores the token's `kid`), or a [`KeySet`](crate::KeySet)
/// (which selects by `kid`, never falling back).
pub trait VerifyingKeys<A: Algorithm> {
    /// The key to verify a token whose header names `kid`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKeyId`] when no configured key has that id.
    fn key_for(&self, kid: Option<&str>) -> Result<&A::VerifyingKey, Error>;
}

impl<A: Algorithm, K: SigningKey<A> + ?Sized> SigningKey<A> for &K {
    fn signing_key(&self) -> &A::SigningKey {
        (**self).signing_key()
    }
}

impl<A: Algorithm, K: VerifyingKeys<A> + ?Sized> VerifyingKeys<A> for &K {
    fn key_for(&self, kid: Option<&str>) -> Result<&A::VerifyingKey, Error> {
        (**self).key_for(kid)
    }
}
