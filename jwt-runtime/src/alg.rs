//! What a JWS algorithm is to the runtime, whatever its family: a name, a key that signs and
//! a key that verifies. The decode pipeline and the encoder work only through these traits,
//! so a new family (public-key algorithms) joins by implementing them.

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A JWS algorithm (RFC 7518), as a marker type.
///
/// Implemented by [`Hs256`](crate::Hs256), [`Hs384`](crate::Hs384) and
/// [`Hs512`](crate::Hs512) (sealed). A claims type names its algorithm through
/// `#[claims(alg = "...")]`; keys are typed by algorithm too, so verifying an HS512 claims
/// type with an HS256 key does not compile.
pub trait Algorithm: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The `alg` header value, e.g. `"HS256"`.
    const NAME: &'static str;
    /// The key type that signs tokens of this algorithm.
    type SigningKey: TokenSigner;
    /// The key type that verifies tokens of this algorithm. For HMAC it is the signing key;
    /// for a public-key family it holds no secret.
    type VerifyingKey: SignatureVerifier;
}

/// What the encoder needs of a signing key. Implemented by the crate's key types (sealed).
pub trait TokenSigner: sealed::Sealed {
    /// Length in bytes of the signatures this key makes.
    fn signature_len(&self) -> usize;

    /// The key id written into the header as `kid`, if any.
    fn kid(&self) -> Option<&str>;

    /// The base64url header for a claims type that declares no `typ`, computed once per key.
    fn encoded_default_header(&self) -> &str;

    /// Signs `signing_input` (the ASCII bytes `header.payload`) into `signature`, which is
    /// [`signature_len`](TokenSigner::signature_len) bytes long.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`](crate::Error::Encode) when the signature cannot be made.
    fn sign_into(&self, signing_input: &[u8], signature: &mut [u8]) -> Result<(), crate::Error>;
}

/// What the decode pipeline needs of a verifying key. Implemented by the crate's key types
/// (sealed).
pub trait SignatureVerifier: sealed::Sealed {
    /// The exact length in bytes of a valid signature: a signature segment of any other
    /// length is malformed, and never reaches the verification.
    fn signature_len(&self) -> usize;

    /// Does `signature` sign `signing_input` (the ASCII bytes `header.payload`)? The
    /// comparison is constant-time where the family needs it (HMAC).
    fn verify_signature(&self, signing_input: &[u8], signature: &[u8]) -> bool;
}
