//! `jwt-runtime`, this workspace's library, through its public API.
//!
//! The typical claims carry a `jti`, which makes the type one-use (a replay store consumes
//! it); these benchmarks measure everything else, through
//! `dangerous::decode_without_replay_check`, which runs every check but the replay one.

use jwt_runtime::{Claims, HmacKey, Hs256, Hs512, NumericDate, Validation, dangerous};

use crate::{Contender, Typical, consume};

#[derive(Claims)]
#[claims(iss = "https://auth.example.com", aud = "api")]
pub struct Ours {
    pub sub: String,
    pub name: String,
    pub admin: bool,
    pub iss: String,
    pub aud: String,
    pub iat: NumericDate,
    pub exp: NumericDate,
    pub nbf: NumericDate,
    pub jti: String,
}

#[derive(Claims)]
#[claims(alg = "HS512", iss = "https://auth.example.com", aud = "api")]
pub struct Ours512 {
    pub sub: String,
    pub name: String,
    pub admin: bool,
    pub iss: String,
    pub aud: String,
    pub iat: NumericDate,
    pub exp: NumericDate,
    pub nbf: NumericDate,
    pub jti: String,
}

#[derive(Claims)]
#[claims(iss = "https://auth.example.com", aud = "api")]
pub struct OursLarge {
    pub sub: String,
    pub name: String,
    pub admin: bool,
    pub iss: String,
    pub aud: String,
    pub iat: NumericDate,
    pub exp: NumericDate,
    pub nbf: NumericDate,
    pub jti: String,
    pub roles: Vec<String>,
}

#[allow(clippy::cast_possible_wrap)]
fn date(secs: u64) -> NumericDate {
    NumericDate::from_secs(secs as i64)
}

pub fn ours(claims: &Typical) -> Ours {
    Ours {
        sub: claims.sub.clone(),
        name: claims.name.clone(),
        admin: claims.admin,
        iss: claims.iss.clone(),
        aud: claims.aud.clone(),
        iat: date(claims.iat),
        exp: date(claims.exp),
        nbf: date(claims.nbf),
        jti: claims.jti.clone(),
    }
}

pub struct Runtime {
    pub hs256: HmacKey<Hs256>,
    pub hs512: HmacKey<Hs512>,
    pub validation: Validation,
}

impl Runtime {
    pub fn new() -> Self {
        Runtime {
            hs256: HmacKey::from_bytes(crate::SECRET_256).unwrap(),
            hs512: HmacKey::from_bytes(crate::SECRET_512).unwrap(),
            // Room for the 64 KiB end of the payload sweep.
            validation: Validation::new().max_token_len(1 << 20),
        }
    }

    /// Encodes already-built claims (what the encode benchmark times).
    pub fn encode(&self, claims: &Ours) -> String {
        claims.encode(&self.hs256).unwrap()
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for Runtime {
    fn name(&self) -> &'static str {
        "jwt-runtime"
    }
    fn encoder<'a>(&'a self, claims: &Typical) -> Box<dyn Fn() -> String + 'a> {
        let claims = ours(claims);
        Box::new(move || self.encode(&claims))
    }
    fn decode_hs256(&self, token: &str) -> Result<(), String> {
        let claims: Ours =
            dangerous::decode_without_replay_check(&self.validation, token, &self.hs256)
                .map_err(|e| e.to_string())?;
        consume(claims)
    }
    fn decode_hs512(&self, token: &str) -> Result<(), String> {
        let claims: Ours512 =
            dangerous::decode_without_replay_check(&self.validation, token, &self.hs512)
                .map_err(|e| e.to_string())?;
        consume(claims)
    }
    fn decode_large(&self, token: &str) -> Result<(), String> {
        let claims: OursLarge =
            dangerous::decode_without_replay_check(&self.validation, token, &self.hs256)
                .map_err(|e| e.to_string())?;
        consume(claims)
    }
}
