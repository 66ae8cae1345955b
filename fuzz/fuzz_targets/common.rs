//! Claims types and keys shared by the token targets.

#![allow(dead_code, reason = "each target uses part of the shared module")]

use jwt_runtime::{Audience, Claims, HmacKey, Hs256, NumericDate};

/// A schema with every registered claim kind and some custom ones.
#[derive(Claims, Debug)]
#[claims(iss = "https://issuer.example", aud = "api")]
pub struct Full {
    pub sub: String,
    pub exp: NumericDate,
    #[claim(nbf)]
    pub not_before: Option<NumericDate>,
    #[claim(iat, window = "5m")]
    pub issued_at: Option<i64>,
    pub aud: Audience,
    pub name: String,
    pub roles: Vec<String>,
    pub extra: Option<serde_json::Value>,
}

/// A schema that declares nothing: only the hidden registered claims are checked.
#[derive(Claims, Debug)]
pub struct Loose {
    pub n: Option<u64>,
}

/// A schema that expects an audience it has no field for (checked from the hidden slot).
#[derive(Claims, Debug)]
#[claims(aud = "api", iss = "https://issuer.example")]
pub struct Audienced {
    pub exp: Option<NumericDate>,
}

/// A schema with a declared `typ`.
#[derive(Claims, Debug)]
#[claims(typ = "at+jwt")]
pub struct Typed {
    pub exp: u64,
}

pub fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&[0x42; 32]).expect("32-byte key")
}

pub const NOW: i64 = 1_700_000_000;

/// Builds `b64(header).b64(payload).b64(mac)` with a correct MAC, so the fuzzer reaches the
/// payload parser behind the signature check.
pub fn signed(key: &HmacKey<Hs256>, header: &[u8], payload: &[u8]) -> String {
    let mut token = jwt_runtime::base64url::encode(header);
    token.push('.');
    token.push_str(&jwt_runtime::base64url::encode(payload));
    let mac = key.__mac(token.as_bytes());
    token.push('.');
    token.push_str(&jwt_runtime::base64url::encode(&mac));
    token
}
