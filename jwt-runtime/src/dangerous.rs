//! Reading tokens without the full checks. Everything here is named for what it skips.

use crate::claims::{Claims, DecodeClaims};
use crate::clock::Clock;
use crate::error::{Error, Segment};
use crate::header::{Header, RawHeader};
use crate::key::VerifyingKeys;
use crate::pipeline::{self, Transient};
use crate::validation::{DEFAULT_MAX_TOKEN_LEN, Validation};

/// A token's header and claims, read **without verifying the signature**. Anyone can make a
/// token that reads this way: nothing here is evidence of anything.
///
/// Clients use it to read `exp` (to refresh early) or `kid`. There is deliberately no
/// `Deref` to the claims and no conversion to verified claims.
#[derive(Debug)]
pub struct Unverified<C> {
    header: Header,
    claims: C,
}

impl<C> Unverified<C> {
    /// The header, unverified.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The claims, unverified.
    #[must_use]
    pub fn unverified_claims(&self) -> &C {
        &self.claims
    }

    /// The claims, unverified, by value.
    #[must_use]
    pub fn into_unverified_claims(self) -> C {
        self.claims
    }
}

/// Reads a token's header and claims **without verifying the signature or validating any
/// claim**. The length and shape limits, strict base64url, strict JSON and duplicate checks
/// still apply, as do the claims type's required members and claim types.
///
/// # Errors
///
/// [`Error::TooLarge`], [`Error::Malformed`], [`Error::DuplicateMember`],
/// [`Error::MissingClaim`], [`Error::ClaimType`].
///
/// # Examples
///
/// ```
/// use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate, dangerous};
///
/// #[derive(Claims)]
/// struct Session {
///     exp: NumericDate,
/// }
///
/// let key = HmacKey::<Hs256>::generate()?.with_kid("k1")?;
/// let token = Session { exp: NumericDate::from_secs(2_000) }.encode(&key)?;
///
/// let peeked = dangerous::peek::<Session>(&token)?;
/// assert_eq!(peeked.header().kid(), Some("k1"));
/// assert_eq!(peeked.unverified_claims().exp.as_secs(), 2_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn peek<C>(token: &str) -> Result<Unverified<C>, Error>
where
    C: for<'de> DecodeClaims<'de>,
{
    // Steps 1, 2, then the header parsed but not checked, no signature, the payload, no claims check.
    let parts = pipeline::split(token, DEFAULT_MAX_TOKEN_LEN)?;
    let header = pipeline::decode_segment(Segment::Header, parts.header, |json| {
        RawHeader::parse(json).map(|raw| Header::from_raw(&raw))
    })?;
    let claims = pipeline::decode_segment(Segment::Payload, parts.payload, |json| {
        pipeline::decode_payload::<C>(json).map(|(claims, _)| claims)
    })?;
    Ok(Unverified { header, claims })
}

/// Verifies a token of a one-use (`jti`) claims type with every check **except the replay
/// check**: the same token passes any number of times.
///
/// This is the one escape hatch from replay protection, for tools that inspect tokens
/// without accepting them (audit logs, debugging). A service that acts on a token must
/// consume its `jti` through a replay store instead.
///
/// # Errors
///
/// The first check the token fails, as an [`Error`].
pub fn decode_without_replay_check<C, K, Ks>(
    validation: &Validation<K>,
    token: &str,
    keys: &Ks,
) -> Result<C, Error>
where
    C: for<'de> DecodeClaims<'de> + Claims,
    K: Clock,
    Ks: VerifyingKeys<C::Algorithm> + ?Sized,
{
    pipeline::decode(validation, token, keys, Transient)
}
