//! The derive's expansion is clean under strict lints in the user's crate (run by clippy in CI
//! with `--all-targets`).

#![deny(unused_qualifications, missing_docs, unreachable_pub)]
#![deny(clippy::all, clippy::pedantic)]
#![forbid(unsafe_code)]

use std::borrow::Cow;

use jwt_runtime::{Audience, Claims, NumericDate};

/// A claims type using every kind of field.
#[derive(Claims, Debug)]
#[claims(alg = "HS384", iss = "https://issuer.example", aud = ["a", "b"], typ = "at+jwt", leeway = "5s")]
pub struct Everything<'a, T> {
    /// Subject.
    pub sub: Cow<'a, str>,
    /// Expiry.
    pub exp: NumericDate,
    /// Issued at.
    #[claim(iat, window = "1h")]
    pub issued_at: u64,
    /// Not before.
    pub nbf: Option<i64>,
    /// Audience.
    pub aud: Audience,
    /// Id.
    #[claim(jti)]
    pub id: &'a str,
    /// Custom.
    #[claim(rename = "https://example.com/data")]
    pub data: Option<T>,
}

#[test]
fn strict_lints_accept_the_expansion() {
    fn is_claims<C: Claims>() {}
    is_claims::<Everything<'static, Vec<u8>>>();
}
