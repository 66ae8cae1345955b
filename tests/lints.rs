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

/// Skipped fields, explicit bounds, serde's renames and a static `Cow`.
#[derive(Claims, Debug, serde::Serialize, serde::Deserialize)]
#[claims(bound = "T: serde::Serialize + serde::de::DeserializeOwned + Default")]
pub struct Options<T> {
    /// Expiry, by serde's name.
    #[serde(rename = "exp")]
    pub expires: NumericDate,
    /// Issuer.
    pub iss: Cow<'static, str>,
    /// Not a claim.
    #[claim(skip)]
    pub cache: T,
    /// Not a claim either.
    #[serde(skip)]
    pub marker: std::marker::PhantomData<T>,
    /// Optional, the serde way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
}

#[test]
fn strict_lints_accept_the_expansion() {
    fn is_claims<C: Claims>() {}
    is_claims::<Everything<'static, Vec<u8>>>();
    is_claims::<Options<u8>>();
}
