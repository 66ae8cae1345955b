//! What the validator reads: a claims type's declarations ([`Schema`]) and a decoded
//! token's registered claims ([`Registered`]).

use std::time::Duration;

use crate::claim_types::AudienceClaim;
use crate::time::NumericDate;

/// What a claims type declares in `#[claims(...)]` and `window = ...`.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// `iss = "..."`: the expected issuer, unless replaced at run time.
    pub issuer: Option<&'static str>,
    /// `aud = "..."` or `aud = [...]`: accepted audiences, unless replaced at run time.
    pub audience: &'static [&'static str],
    /// `typ = "..."`: the exact header `typ`; `None` accepts `JWT` and `+jwt` types.
    pub typ: Option<&'static str>,
    /// `leeway = "..."`: clock skew tolerance, unless replaced at run time.
    pub leeway: Duration,
    /// `#[claim(iat, window = "...")]`: how old `iat` may be.
    pub iat_window: Option<Duration>,
}

impl Schema {
    /// The schema of a type that declares nothing.
    pub const DEFAULT: Schema = Schema {
        issuer: None,
        audience: &[],
        typ: None,
        leeway: Duration::ZERO,
        iat_window: None,
    };
}

/// The registered claims of a decoded token, for validation.
#[derive(Default, Clone, Copy)]
pub struct Registered<'c> {
    /// `exp`, the expiry.
    pub exp: Option<NumericDate>,
    /// `nbf`, not before.
    pub nbf: Option<NumericDate>,
    /// `iat`, the issue time.
    pub iat: Option<NumericDate>,
    /// `iss`, the issuer.
    pub iss: Option<&'c str>,
    /// `sub`, the subject.
    pub sub: Option<&'c str>,
    /// `aud`, the audiences.
    pub aud: Option<&'c dyn AudienceClaim>,
    /// `jti`, the token id.
    pub jti: Option<&'c str>,
}
