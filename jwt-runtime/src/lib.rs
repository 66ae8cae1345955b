//! Typed, compile-time checked HMAC JWTs.
//!
//! Declare a token's claims once, as a struct, and derive [`Claims`]: the derive generates
//! the encoder, the decoder and the validation of exactly that schema, and schema mistakes
//! are compile errors.
//!
//! ```
//! use std::time::Duration;
//! use jwt_runtime::{Claims, FixedClock, HmacKey, Hs256, NumericDate, Validation};
//!
//! #[derive(Claims, Debug)]
//! #[claims(iss = "https://auth.example.com", aud = "api.example.com")]
//! struct Session {
//!     sub: String,
//!     #[claim(exp)]
//!     expires_at: NumericDate,
//!     #[claim(iat, window = "5m")]
//!     issued_at: NumericDate,
//!     name: String,
//! }
//!
//! let key = HmacKey::<Hs256>::from_bytes(b"an example secret, 32 bytes long")?;
//! let now = NumericDate::from_secs(1_700_000_000);
//! let session = Session {
//!     sub: "user-42".into(),
//!     expires_at: now + Duration::from_secs(600),
//!     issued_at: now,
//!     name: "Ada".into(),
//! };
//! let token = session.encode(&key)?;
//!
//! // `iss` and `aud` are checked against the declaration; the clock is injected.
//! let verified: Session = Validation::new().clock(FixedClock(now)).decode(&token, &key)?;
//! assert_eq!(verified.name, "Ada");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Details
//!
//! - Decoding runs the checks of the secure default profile in order: length (65,536 bytes),
//!   shape, header (`alg` pinned by the type, no `none`, no `crit`, `typ`, `kid` only from a
//!   configured [`KeySet`]), constant-time signature, then the payload, then the claims.
//!   A forged token is always [`Error::Signature`]; its payload is never parsed.
//! - Keys are typed by algorithm: an HS512 claims type does not decode with an HS256 key.
//!   Keys shorter than the hash output are refused at construction ([`KeyError`]).
//! - Duplicate JSON members are rejected, also when they only collide after unescaping.
//!   Unknown claims are ignored; registered claims without a field are still validated.
//! - A type with `#[claim(jti)]` is one-use and cannot be decoded without a replay store;
//!   [`dangerous`] holds the explicitly named ways around the checks.
//! - Nothing reads the wall clock but [`SystemClock`]; validation takes a [`Clock`].
//! - No `unsafe`; no panics on any input.

#![forbid(unsafe_code)]

// Modules from the bottom up: each imports only from those above it in this list.
mod time;
mod error;
pub mod base64url;
mod clock;
mod json;
mod alg;
mod claim_types;
mod token_id;
mod schema;
mod header;
mod key;
mod hmac;
#[cfg(any(
    feature = "eddsa",
    feature = "ecdsa",
    feature = "rsa",
    feature = "es512"
))]
mod keyfile;
#[cfg(any(
    feature = "eddsa",
    feature = "ecdsa",
    feature = "rsa",
    feature = "es512"
))]
mod jwk;
#[cfg(any(
    feature = "eddsa",
    feature = "ecdsa",
    feature = "rsa",
    feature = "es512"
))]
mod public_key;
#[cfg(feature = "eddsa")]
mod eddsa;
#[cfg(feature = "ecdsa")]
mod ecdsa;
#[cfg(feature = "rsa")]
mod rsa;
#[cfg(feature = "es512")]
mod es512;
#[cfg(any(
    feature = "eddsa",
    feature = "ecdsa",
    feature = "rsa",
    feature = "es512"
))]
mod private_key_set;
mod payload;
pub mod replay;
mod validation;
mod claims;
mod pipeline;
pub mod sessions;
pub mod dangerous;
pub mod http;
#[cfg(all(
    feature = "jwks-remote",
    any(
        feature = "eddsa",
        feature = "ecdsa",
        feature = "rsa",
        feature = "es512"
    )
))]
mod remote_jwks;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::alg::{Algorithm, SignatureVerifier, TokenSigner};
pub use crate::claim_types::{Audience, AudienceClaim, StringClaim};
pub use crate::claims::{Claims, DecodeClaims};
pub use crate::clock::{Clock, FixedClock, ManualClock, SystemClock};
#[cfg(feature = "ecdsa")]
pub use crate::ecdsa::{EcdsaAlgorithm, EcdsaPrivateKey, EcdsaPublicKey, Es256, Es384};
#[cfg(feature = "eddsa")]
pub use crate::eddsa::{Ed25519PrivateKey, Ed25519PublicKey, EdDsa};
pub use crate::error::{Error, KeyError, Malformed, Segment};
#[cfg(feature = "es512")]
pub use crate::es512::{Es512, Es512PrivateKey, Es512PublicKey};
pub use crate::header::Header;
pub use crate::hmac::{HmacAlgorithm, HmacKey, Hs256, Hs384, Hs512, KeySet};
pub use crate::key::{MAX_KEY_ID_LEN, SigningKey, VerifyingKeys};
#[cfg(any(
    feature = "eddsa",
    feature = "ecdsa",
    feature = "rsa",
    feature = "es512"
))]
pub use crate::private_key_set::{PrivateKeySet, RotationError};
#[cfg(any(
    feature = "eddsa",
    feature = "ecdsa",
    feature = "rsa",
    feature = "es512"
))]
pub use crate::public_key::{PrivateKey, PublicKey, PublicKeySet};
#[cfg(all(
    feature = "jwks-remote",
    any(
        feature = "eddsa",
        feature = "ecdsa",
        feature = "rsa",
        feature = "es512"
    )
))]
pub use crate::remote_jwks::{
    CachePolicy, DEFAULT_FETCH_TIMEOUT, DEFAULT_MAX_JWKS_BYTES, FetchError, FetchedJwks,
    HttpFetcher, JwksFetcher, RemoteKeySet,
};
#[cfg(feature = "rsa")]
pub use crate::rsa::{
    Ps256, Ps384, Ps512, Rs256, Rs384, Rs512, RsaAlgorithm, RsaPrivateKey, RsaPublicKey,
};
pub use crate::time::{NumericDate, TimeClaim, Validity};
pub use crate::token_id::{RandomnessUnavailable, TOKEN_ID_BYTES, random_token_id};
pub use crate::validation::{DEFAULT_MAX_TOKEN_LEN, MAX_JTI_LEN, Validation};

/// Derives [`Claims`] for a struct with named fields; see the crate documentation and the
/// README's attribute reference.
#[cfg(feature = "derive")]
pub use jwt_derive::Claims;
