//! The error types: [`Error`] for everything a token can get wrong, [`KeyError`] for
//! configuration mistakes at key construction.

use core::fmt;
use std::sync::Arc;

use crate::NumericDate;

/// Why a token was rejected.
///
/// Variants follow the decode order (`docs/design.md`): a token is rejected with the first check it
/// fails, so a forged token is always [`Error::Signature`], even when its claims are also bad.
/// Messages never contain key material and quote at most a short, escaped prefix of attacker
/// input.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The token is longer than the configured limit; nothing of it was decoded.
    TooLarge {
        /// Length of the token in bytes.
        len: usize,
        /// The limit in force (defaults to 65,536 bytes).
        limit: usize,
    },
    /// The token is JWE: five segments, or a header with a JWE-only parameter (`enc`, `zip`).
    /// Only JWS compact serialization is supported; nothing is decrypted or decompressed.
    JweNotSupported,
    /// The token is not well-formed JWS compact serialization.
    Malformed {
        /// Which part of the token is at fault.
        segment: Segment,
        /// What is wrong with it.
        reason: Malformed,
    },
    /// A JSON object in the token has two members with the same name (also when they differ
    /// only before unescaping, e.g. `exp` and `\u0065xp`).
    DuplicateMember {
        /// The header or the payload.
        segment: Segment,
        /// The member name, unescaped, shortened to a short prefix.
        name: String,
    },
    /// The header's `alg` is missing, not a string, or not the algorithm the claims type pins.
    /// `none` never passes.
    Algorithm {
        /// The algorithm the claims type pins, e.g. `"HS256"`.
        expected: &'static str,
        /// A short prefix of the header's `alg`, if it was a string.
        found: Option<String>,
    },
    /// The header has a `crit` member: no JWS extension is implemented, so any `crit`
    /// (even an empty list) is refused (RFC 7515 §4.1.11).
    Crit,
    /// The header's `typ` is not the one the claims type declares, or, for a type that
    /// declares none, neither absent nor `JWT`. A token of another kind (`at+jwt`,
    /// `refresh+jwt`) passes only a type that declares that `typ`; the message says which.
    TokenType {
        /// What the claims type accepts, e.g. `"JWT"`.
        expected: &'static str,
        /// A short prefix of the header's `typ`, if it was a string.
        found: Option<String>,
    },
    /// The key set has no key with the token's `kid` (or the token has no `kid` and a key set,
    /// not a single key, was given). There is never a fallback to another key.
    UnknownKeyId {
        /// A short prefix of the token's `kid`; `None` when the token has none.
        kid: Option<String>,
    },
    /// The signature does not verify under the key, or has the wrong length.
    Signature,
    /// `exp` has passed: `now >= exp + leeway`.
    Expired {
        /// The token's `exp`.
        exp: NumericDate,
        /// The time validation ran at.
        now: NumericDate,
    },
    /// `nbf` is still ahead: `now + leeway < nbf`.
    NotYetValid {
        /// The token's `nbf`.
        nbf: NumericDate,
        /// The time validation ran at.
        now: NumericDate,
    },
    /// `iat` is in the future: `iat > now + leeway`.
    IssuedInFuture {
        /// The token's `iat`.
        iat: NumericDate,
        /// The time validation ran at.
        now: NumericDate,
    },
    /// `iat` is older than the declared window: `iat < now - window - leeway`.
    IssuedTooLongAgo {
        /// The token's `iat`.
        iat: NumericDate,
        /// The time validation ran at.
        now: NumericDate,
        /// The declared window, in seconds.
        window_secs: u64,
    },
    /// `iss` is missing or is not exactly the expected issuer.
    Issuer,
    /// `aud` does not contain an expected audience, is missing while one is expected, or is
    /// present while none is expected (RFC 7519 §4.1.3).
    Audience,
    /// `sub` is missing or is not exactly the expected subject.
    Subject,
    /// A required claim is absent.
    MissingClaim {
        /// The claim's JSON name.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type or an out-of-range value.
    ClaimType {
        /// The claim's JSON name.
        claim: &'static str,
        /// What the claims type expects there.
        expected: &'static str,
    },
    /// A claim has the right type but a value the runtime refuses (e.g. an overlong `jti`).
    InvalidClaim {
        /// The claim's JSON name.
        claim: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The token's `jti` was already consumed: this is a replay.
    Replayed,
    /// The replay store could not be asked, or could not promise to keep the id; the token is
    /// rejected (fail closed) and its id was not consumed.
    StoreUnavailable(Arc<dyn std::error::Error + Send + Sync>),
    /// The replay store was asked to consume the id, but its answer never came (a timeout, a
    /// connection lost mid-reply): the token is rejected, and the id may or may not have been
    /// consumed, so presenting the token again may find it already used.
    ReplayUnconfirmed(Arc<dyn std::error::Error + Send + Sync>),
    /// Encoding failed: a custom claim's `Serialize` implementation returned an error.
    Encode(String),
    /// A remote key set has no usable keys (never fetched, or stale past its limit while
    /// fetches fail); the token is rejected (fail closed).
    KeysUnavailable(Arc<dyn std::error::Error + Send + Sync>),
    /// The token was revoked: its subject's tokens issued before an instant were revoked
    /// (logout everywhere, a password change, a locked account), or it belongs to a refresh
    /// family that was revoked. See [`sessions`](crate::sessions).
    Revoked,
    /// A refresh token was presented a second time: someone holds a copy. Its whole family
    /// (every refresh token descended from the same login) is now revoked, so the next
    /// refresh with any of them is [`Error::Revoked`] (RFC 9700 §4.14.2). See
    /// [`Sessions::rotate`](crate::sessions::Sessions::rotate).
    RefreshReuse,
}

/// The part of a token an [`Error`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segment {
    /// The whole token (its shape).
    Token,
    /// The JOSE header.
    Header,
    /// The claims.
    Payload,
    /// The signature.
    Signature,
}

/// What is malformed in a token segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Malformed {
    /// Not exactly three `.`-separated segments (whitespace or a `Bearer ` prefix also lands
    /// here, as the first segment then is not base64url).
    SegmentCount,
    /// Not strict base64url.
    Base64,
    /// Not valid JSON: syntax, trailing data.
    Json,
    /// A JSON number beyond the range of `f64` (`1e400`), anywhere outside a claim whose
    /// type would report it as [`Error::ClaimType`].
    NumberOutOfRange,
    /// JSON nested deeper than serde_json's limit: 127 levels of arrays and objects, the
    /// top-level object included.
    TooDeep,
    /// A JSON string that is not Unicode: invalid or overlong UTF-8, or a `\u` escape of a
    /// lone surrogate.
    InvalidUnicode,
    /// Valid JSON, but not an object.
    NotAnObject,
    /// A header parameter has the wrong type (e.g. `kid` that is not a string).
    HeaderParameter(&'static str),
}

impl Error {
    /// True for the errors that say nothing about the token's authenticity: the store was
    /// unavailable ([`Error::StoreUnavailable`]) or did not confirm
    /// ([`Error::ReplayUnconfirmed`]). Every other error means the token is not acceptable as
    /// presented.
    #[must_use]
    pub fn is_store_unavailable(&self) -> bool {
        matches!(
            self,
            Error::StoreUnavailable(_) | Error::ReplayUnconfirmed(_)
        )
    }

    /// True when the token was authentic (its signature verified) but its claims failed
    /// validation: expired, not yet valid, wrong issuer or audience, missing or mistyped
    /// claim, replayed, revoked, or a reused refresh token.
    #[must_use]
    pub fn is_claims_error(&self) -> bool {
        matches!(
            self,
            Error::Expired { .. }
                | Error::NotYetValid { .. }
                | Error::IssuedInFuture { .. }
                | Error::IssuedTooLongAgo { .. }
                | Error::Issuer
                | Error::Audience
                | Error::Subject
                | Error::MissingClaim { .. }
                | Error::ClaimType { .. }
                | Error::InvalidClaim { .. }
                | Error::Replayed
                | Error::Revoked
                | Error::RefreshReuse
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooLarge { len, limit } => {
                write!(f, "token is {len} bytes, over the limit of {limit}")
            }
            Error::JweNotSupported => f.write_str("JWE tokens are not supported, only JWS"),
            Error::Malformed { segment, reason } => write!(f, "malformed {segment}: {reason}"),
            Error::DuplicateMember { segment, name } => {
                write!(f, "duplicate member {name:?} in the {segment}")
            }
            Error::Algorithm { expected, found } => match found {
                Some(found) => write!(f, "algorithm {found:?} is not the expected {expected}"),
                None => write!(f, "header has no string `alg`; expected {expected}"),
            },
            Error::Crit => f.write_str("header has `crit`; no JWS extension is supported"),
            Error::TokenType { expected, found } => match found {
                Some(found) => write!(
                    f,
                    "token type {found:?} is not {expected}; a claims type for such tokens \
                     declares #[claims(typ = {found:?})]"
                ),
                None => write!(f, "header `typ` is not a string; expected {expected}"),
            },
            Error::UnknownKeyId { kid } => match kid {
                Some(kid) => write!(f, "no key with id {kid:?}"),
                None => f.write_str("token has no `kid` and the key set needs one"),
            },
            Error::Signature => f.write_str("signature does not verify"),
            Error::Expired { exp, now } => write!(f, "token expired at {exp} (now {now})"),
            Error::NotYetValid { nbf, now } => {
                write!(f, "token not valid before {nbf} (now {now})")
            }
            Error::IssuedInFuture { iat, now } => {
                write!(f, "token issued in the future at {iat} (now {now})")
            }
            Error::IssuedTooLongAgo {
                iat,
                now,
                window_secs,
            } => write!(
                f,
                "token issued at {iat}, more than {window_secs}s before now ({now})"
            ),
            Error::Issuer => f.write_str("issuer (`iss`) is not the expected one"),
            Error::Audience => f.write_str("audience (`aud`) does not match"),
            Error::Subject => f.write_str("subject (`sub`) is not the expected one"),
            Error::MissingClaim { claim } => write!(f, "required claim `{claim}` is missing"),
            Error::ClaimType { claim, expected } => {
                write!(f, "claim `{claim}` has the wrong type; expected {expected}")
            }
            Error::InvalidClaim { claim, reason } => write!(f, "claim `{claim}`: {reason}"),
            Error::Replayed => f.write_str("token was already used (replayed `jti`)"),
            Error::StoreUnavailable(source) => {
                write!(f, "replay store unavailable, token rejected: {source}")
            }
            Error::ReplayUnconfirmed(source) => write!(
                f,
                "replay store did not confirm, token rejected; it may or may not have been consumed: {source}"
            ),
            Error::Encode(message) => write!(f, "could not encode claims: {message}"),
            Error::KeysUnavailable(source) => {
                write!(f, "no usable verification keys, token rejected: {source}")
            }
            Error::Revoked => f.write_str("token was revoked"),
            Error::RefreshReuse => f.write_str(
                "refresh token was already used; its family of refresh tokens is revoked",
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::StoreUnavailable(source)
            | Error::ReplayUnconfirmed(source)
            | Error::KeysUnavailable(source) => Some(&**source),
            _ => None,
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Segment::Token => "token",
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        })
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::SegmentCount => f.write_str("expected exactly three `.`-separated segments"),
            Malformed::Base64 => f.write_str("not strict base64url"),
            Malformed::Json => f.write_str("not valid JSON"),
            Malformed::NotAnObject => f.write_str("not a JSON object"),
            Malformed::NumberOutOfRange => f.write_str("a JSON number is beyond the range of f64"),
            Malformed::TooDeep => f.write_str("JSON nested deeper than 127 levels"),
            Malformed::InvalidUnicode => {
                f.write_str("a JSON string is not Unicode (invalid UTF-8 or a lone surrogate)")
            }
            Malformed::HeaderParameter(name) => {
                write!(f, "header parameter `{name}` has the wrong type")
            }
        }
    }
}

/// The longest prefix of attacker input an error message quotes.
const EXCERPT_CHARS: usize = 32;

/// A short prefix of untrusted text, safe to keep in an error.
pub(crate) fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// A key could not be built: a configuration error, raised once at start-up and never by
/// token decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is shorter than the hash output, which RFC 7518 §3.2 forbids.
    TooShort {
        /// The algorithm the key is for.
        algorithm: &'static str,
        /// The minimum length in bytes (32, 48 or 64).
        min_len: usize,
        /// The length given.
        len: usize,
    },
    /// The key text is not strict base64url.
    Base64,
    /// The operating system's random number generator failed.
    Rng,
    /// A key set was built with two keys under one `kid`.
    DuplicateKeyId(String),
    /// A key in a key set has no `kid`.
    MissingKeyId,
    /// A key id is empty or longer than 256 bytes.
    InvalidKeyId,
    /// The key text (PEM, DER or JWK) is not a key of the expected kind and algorithm.
    Format(&'static str),
    /// The key is refused as weak or invalid: an RSA modulus under 2048 bits or an exponent
    /// other than 65537, an EC point not on the curve, a small-order Ed25519 point.
    Weak(&'static str),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::TooShort {
                algorithm,
                min_len,
                len,
            } => write!(
                f,
                "{algorithm} key is {len} bytes; at least {min_len} are required (RFC 7518 §3.2)"
            ),
            KeyError::Base64 => f.write_str("key is not strict base64url"),
            KeyError::Rng => f.write_str("the OS random number generator failed"),
            KeyError::DuplicateKeyId(kid) => write!(f, "two keys share the id {kid:?}"),
            KeyError::MissingKeyId => f.write_str("every key in a key set needs an id"),
            KeyError::InvalidKeyId => f.write_str("a key id must be 1 to 256 bytes"),
            KeyError::Format(reason) => write!(f, "not a usable key: {reason}"),
            KeyError::Weak(reason) => write!(f, "key refused: {reason}"),
        }
    }
}

impl std::error::Error for KeyError {}
