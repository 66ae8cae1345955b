//! The floor: only the unavoidable primitives, with no library around them.
//!
//! HMAC from a key state precomputed once (`hmac` + `sha2`, the crates `jwt-runtime` uses,
//! with the CPU's SHA extensions), base64url of the three segments (`base64`), and
//! `serde_json` into `#[derive(Deserialize)]` structs for the header and the payload, then
//! the claim checks (`exp`, `nbf`, `iat`, `iss`, `aud`) against the system clock. Small
//! segments are decoded on the stack, the payload is serialized on the stack, and an
//! encoded token is exactly one allocation.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Sha256, Sha512};

use crate::{AUDIENCE, Contender, ISSUER, Large, Typical, consume};

/// HMAC-SHA-256 and its JOSE name.
pub type S256 = Hmac<Sha256>;
/// HMAC-SHA-512.
pub type S512 = Hmac<Sha512>;

pub trait FloorAlg: Mac + KeyInit + Clone {
    const HEADER: &'static [u8];
    /// `HEADER` in base64url.
    const ENCODED_HEADER: &'static str;
    const NAME: &'static str;
}

impl FloorAlg for S256 {
    const HEADER: &'static [u8] = br#"{"alg":"HS256","typ":"JWT"}"#;
    const ENCODED_HEADER: &'static str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    const NAME: &'static str = "HS256";
}

impl FloorAlg for S512 {
    const HEADER: &'static [u8] = br#"{"alg":"HS512","typ":"JWT"}"#;
    const ENCODED_HEADER: &'static str = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9";
    const NAME: &'static str = "HS512";
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: &'a str,
    #[serde(borrow)]
    typ: Option<&'a str>,
}

/// The registered claims the floor checks.
pub trait Registered {
    fn times(&self) -> (u64, u64, u64);
    fn iss(&self) -> &str;
    fn aud(&self) -> &str;
}

impl Registered for Typical {
    fn times(&self) -> (u64, u64, u64) {
        (self.exp, self.nbf, self.iat)
    }
    fn iss(&self) -> &str {
        &self.iss
    }
    fn aud(&self) -> &str {
        &self.aud
    }
}

impl Registered for Large {
    fn times(&self) -> (u64, u64, u64) {
        (self.exp, self.nbf, self.iat)
    }
    fn iss(&self) -> &str {
        &self.iss
    }
    fn aud(&self) -> &str {
        &self.aud
    }
}

pub struct Floor<M: FloorAlg> {
    mac: M,
}

const STACK: usize = 1024;

impl<M: FloorAlg> Floor<M> {
    pub fn new(secret: &[u8]) -> Self {
        Floor {
            mac: M::new_from_slice(secret).expect("HMAC takes any key length"),
        }
    }

    /// Encodes `claims` into a new token: one allocation (the token) for small payloads.
    pub fn encode<T: Serialize>(&self, claims: &T) -> String {
        let mut stack = [0_u8; STACK];
        let heap;
        let mut cursor = &mut stack[..];
        let json: &[u8] = if serde_json::to_writer(&mut cursor, claims).is_ok() {
            let written = STACK - cursor.len();
            &stack[..written]
        } else {
            heap = serde_json::to_vec(claims).expect("serializable");
            &heap
        };
        let b64_len = |len: usize| (len * 4).div_ceil(3);
        let tag_len = <M as hmac::digest::OutputSizeUser>::output_size();
        let mut token = String::with_capacity(
            b64_len(M::HEADER.len()) + b64_len(json.len()) + b64_len(tag_len) + 2,
        );
        B64.encode_string(M::HEADER, &mut token);
        token.push('.');
        B64.encode_string(json, &mut token);
        let tag = self
            .mac
            .clone()
            .chain_update(token.as_bytes())
            .finalize()
            .into_bytes();
        token.push('.');
        B64.encode_string(tag, &mut token);
        token
    }

    /// The prototype's pipeline: as `jwt-runtime` (memchr split, the canonical header
    /// compared rather than parsed), with `payload` decoding the payload JSON.
    pub fn decode_with<T: Registered, E: std::fmt::Debug>(
        &self,
        token: &str,
        now: u64,
        payload: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> Result<T, String> {
        let bytes = token.as_bytes();
        let dot = |from: usize| memchr::memchr(b'.', &bytes[from..]).map(|at| from + at);
        let Some(first) = dot(0) else {
            return Err("not three segments".into());
        };
        let Some(second) = dot(first + 1) else {
            return Err("not three segments".into());
        };
        if dot(second + 1).is_some() {
            return Err("not three segments".into());
        }
        let (header, signed, signature) = (&token[..first], &token[..second], &token[second + 1..]);
        if header != M::ENCODED_HEADER {
            let mut buffer = [0_u8; 128];
            let len = B64
                .decode_slice(header, &mut buffer)
                .map_err(|e| e.to_string())?;
            let header: Header<'_> =
                serde_json::from_slice(&buffer[..len]).map_err(|e| e.to_string())?;
            if header.alg != M::NAME || header.typ.is_some_and(|typ| typ != "JWT") {
                return Err("header".into());
            }
        }
        let mut tag = [0_u8; 64];
        let len = B64
            .decode_slice(signature, &mut tag)
            .map_err(|e| e.to_string())?;
        self.mac
            .clone()
            .chain_update(signed.as_bytes())
            .verify_slice(&tag[..len])
            .map_err(|_| "signature".to_string())?;
        let text = &token[first + 1..second];
        let claims = if text.len() / 4 * 3 + 2 <= STACK {
            let mut buffer = [0_u8; STACK];
            let len = B64
                .decode_slice(text, &mut buffer)
                .map_err(|e| e.to_string())?;
            payload(&buffer[..len]).map_err(|e| format!("{e:?}"))?
        } else {
            let bytes = B64.decode(text).map_err(|e| e.to_string())?;
            payload(&bytes).map_err(|e| format!("{e:?}"))?
        };
        let (exp, nbf, iat) = claims.times();
        if now >= exp
            || now < nbf
            || iat > now
            || claims.iss() != ISSUER
            || claims.aud() != AUDIENCE
        {
            return Err("claims".into());
        }
        Ok(claims)
    }

    /// Verifies and decodes a token: header, MAC, then payload, then the claim checks.
    pub fn decode<T: DeserializeOwned + Registered>(
        &self,
        token: &str,
        now: u64,
    ) -> Result<T, String> {
        let mut dots = token.match_indices('.').map(|(at, _)| at);
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err("not three segments".into());
        };
        let (header, signed, signature) = (&token[..first], &token[..second], &token[second + 1..]);

        let mut buffer = [0_u8; 256];
        let len = B64
            .decode_slice(header, &mut buffer)
            .map_err(|e| e.to_string())?;
        let header: Header<'_> =
            serde_json::from_slice(&buffer[..len]).map_err(|e| e.to_string())?;
        if header.alg != M::NAME || header.typ.is_some_and(|typ| typ != "JWT") {
            return Err("header".into());
        }

        let mut tag = [0_u8; 64];
        let len = B64
            .decode_slice(signature, &mut tag)
            .map_err(|e| e.to_string())?;
        self.mac
            .clone()
            .chain_update(signed.as_bytes())
            .verify_slice(&tag[..len])
            .map_err(|_| "signature".to_string())?;

        let payload = &token[first + 1..second];
        let claims: T = if payload.len() / 4 * 3 + 2 <= STACK {
            let mut buffer = [0_u8; STACK];
            let len = B64
                .decode_slice(payload, &mut buffer)
                .map_err(|e| e.to_string())?;
            serde_json::from_slice(&buffer[..len]).map_err(|e| e.to_string())?
        } else {
            let bytes = B64.decode(payload).map_err(|e| e.to_string())?;
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())?
        };
        let (exp, nbf, iat) = claims.times();
        if now >= exp
            || now < nbf
            || iat > now
            || claims.iss() != ISSUER
            || claims.aud() != AUDIENCE
        {
            return Err("claims".into());
        }
        Ok(claims)
    }
}

/// The floor as a contender; it reads the system clock per call, as the libraries do.
pub struct FloorContender {
    hs256: Floor<S256>,
    hs512: Floor<S512>,
}

impl FloorContender {
    pub fn new() -> Self {
        FloorContender {
            hs256: Floor::new(crate::SECRET_256),
            hs512: Floor::new(crate::SECRET_512),
        }
    }
}

impl Default for FloorContender {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for FloorContender {
    fn name(&self) -> &'static str {
        "floor"
    }
    fn encoder<'a>(&'a self, claims: &Typical) -> Box<dyn Fn() -> String + 'a> {
        let claims = claims.clone();
        Box::new(move || self.hs256.encode(&claims))
    }
    fn decode_hs256(&self, token: &str) -> Result<(), String> {
        consume(self.hs256.decode::<Typical>(token, crate::now())?)
    }
    fn decode_hs512(&self, token: &str) -> Result<(), String> {
        consume(self.hs512.decode::<Typical>(token, crate::now())?)
    }
    fn decode_large(&self, token: &str) -> Result<(), String> {
        consume(self.hs256.decode::<Large>(token, crate::now())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_headers_match() {
        assert_eq!(B64.encode(S256::HEADER), S256::ENCODED_HEADER);
        assert_eq!(B64.encode(S512::HEADER), S512::ENCODED_HEADER);
    }
}
