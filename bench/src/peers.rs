//! The peers, each used as its documentation shows, with the checks that match ours:
//! signature, `alg`, `exp`, `nbf`, `iss` and `aud`.

use serde::{Deserialize, Serialize};

use crate::{AUDIENCE, Contender, ISSUER, Large, Typical, consume};

/// `jsonwebtoken` 11, with the crypto backend this process installed.
pub struct JsonWebToken {
    label: &'static str,
    encoding: jsonwebtoken::EncodingKey,
    decoding: jsonwebtoken::DecodingKey,
    decoding512: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
    validation512: jsonwebtoken::Validation,
}

impl JsonWebToken {
    pub fn new(label: &'static str) -> Self {
        let validation = |alg| {
            let mut validation = jsonwebtoken::Validation::new(alg);
            validation.set_issuer(&[ISSUER]);
            validation.set_audience(&[AUDIENCE]);
            validation.validate_nbf = true;
            validation.leeway = 0;
            validation
        };
        JsonWebToken {
            label,
            encoding: jsonwebtoken::EncodingKey::from_secret(crate::SECRET_256),
            decoding: jsonwebtoken::DecodingKey::from_secret(crate::SECRET_256),
            decoding512: jsonwebtoken::DecodingKey::from_secret(crate::SECRET_512),
            validation: validation(jsonwebtoken::Algorithm::HS256),
            validation512: validation(jsonwebtoken::Algorithm::HS512),
        }
    }
}

impl Contender for JsonWebToken {
    fn name(&self) -> &'static str {
        self.label
    }
    fn encoder<'a>(&'a self, claims: &Typical) -> Box<dyn Fn() -> String + 'a> {
        let claims = claims.clone();
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        Box::new(move || jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap())
    }
    fn decode_hs256(&self, token: &str) -> Result<(), String> {
        consume(
            jsonwebtoken::decode::<Typical>(token, &self.decoding, &self.validation)
                .map_err(|e| e.to_string())?,
        )
    }
    fn decode_hs512(&self, token: &str) -> Result<(), String> {
        consume(
            jsonwebtoken::decode::<Typical>(token, &self.decoding512, &self.validation512)
                .map_err(|e| e.to_string())?,
        )
    }
    fn decode_large(&self, token: &str) -> Result<(), String> {
        consume(
            jsonwebtoken::decode::<Large>(token, &self.decoding, &self.validation)
                .map_err(|e| e.to_string())?,
        )
    }
}

/// `jwt-simple` 0.15 with its pure-Rust features. Its registered claims live in
/// `JWTClaims`, the rest in a custom struct.
pub struct JwtSimple {
    hs256: jwt_simple::prelude::HS256Key,
    hs512: jwt_simple::prelude::HS512Key,
    options: jwt_simple::prelude::VerificationOptions,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SimpleCustom {
    name: String,
    admin: bool,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SimpleLarge {
    name: String,
    admin: bool,
    roles: Vec<String>,
}

impl JwtSimple {
    pub fn new() -> Self {
        use jwt_simple::prelude::*;
        JwtSimple {
            hs256: HS256Key::from_bytes(crate::SECRET_256),
            hs512: HS512Key::from_bytes(crate::SECRET_512),
            options: VerificationOptions {
                allowed_issuers: Some(std::collections::HashSet::from([ISSUER.to_owned()])),
                allowed_audiences: Some(std::collections::HashSet::from([AUDIENCE.to_owned()])),
                ..VerificationOptions::default()
            },
        }
    }
}

impl Default for JwtSimple {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for JwtSimple {
    fn name(&self) -> &'static str {
        "jwt-simple"
    }
    fn encoder<'a>(&'a self, claims: &Typical) -> Box<dyn Fn() -> String + 'a> {
        use jwt_simple::prelude::*;
        let claims = JWTClaims {
            issued_at: Some(UnixTimeStamp::from_secs(claims.iat)),
            expires_at: Some(UnixTimeStamp::from_secs(claims.exp)),
            invalid_before: Some(UnixTimeStamp::from_secs(claims.nbf)),
            issuer: Some(claims.iss.clone()),
            subject: Some(claims.sub.clone()),
            audiences: Some(Audiences::AsString(claims.aud.clone())),
            jwt_id: Some(claims.jti.clone()),
            nonce: None,
            custom: SimpleCustom {
                name: claims.name.clone(),
                admin: claims.admin,
            },
        };
        // Its API takes the claims by value: each call pays one clone of them.
        Box::new(move || self.hs256.authenticate(claims.clone()).unwrap())
    }
    fn decode_hs256(&self, token: &str) -> Result<(), String> {
        use jwt_simple::prelude::*;
        // Its API takes the options by value: each call pays one clone of them.
        consume(
            self.hs256
                .verify_token::<SimpleCustom>(token, Some(self.options.clone()))
                .map_err(|e| e.to_string())?,
        )
    }
    fn decode_hs512(&self, token: &str) -> Result<(), String> {
        use jwt_simple::prelude::*;
        consume(
            self.hs512
                .verify_token::<SimpleCustom>(token, Some(self.options.clone()))
                .map_err(|e| e.to_string())?,
        )
    }
    fn decode_large(&self, token: &str) -> Result<(), String> {
        use jwt_simple::prelude::*;
        let options = VerificationOptions {
            max_token_length: None,
            ..self.options.clone()
        };
        consume(
            self.hs256
                .verify_token::<SimpleLarge>(token, Some(options))
                .map_err(|e| e.to_string())?,
        )
    }
}

/// `jwt-compact` 0.8. It has no `iss`/`aud` checks: those are compared by hand.
pub struct JwtCompact {
    hs256: jwt_compact::alg::Hs256Key,
    hs512: jwt_compact::alg::Hs512Key,
    time: jwt_compact::TimeOptions,
}

#[derive(Serialize, Deserialize)]
pub struct CompactCustom {
    sub: String,
    name: String,
    admin: bool,
    iss: String,
    aud: String,
    jti: String,
}

#[derive(Serialize, Deserialize)]
pub struct CompactLarge {
    sub: String,
    name: String,
    admin: bool,
    iss: String,
    aud: String,
    jti: String,
    roles: Vec<String>,
}

impl JwtCompact {
    pub fn new() -> Self {
        JwtCompact {
            hs256: jwt_compact::alg::Hs256Key::new(crate::SECRET_256),
            hs512: jwt_compact::alg::Hs512Key::new(crate::SECRET_512),
            time: jwt_compact::TimeOptions::new(chrono::Duration::zero(), chrono::Utc::now),
        }
    }

    fn validate<A, C>(
        &self,
        alg: &A,
        key: &A::VerifyingKey,
        token: &str,
        issuer: impl Fn(&C) -> (&str, &str),
    ) -> Result<(), String>
    where
        A: jwt_compact::Algorithm,
        C: serde::de::DeserializeOwned,
    {
        use jwt_compact::prelude::*;
        let untrusted = UntrustedToken::new(token).map_err(|e| e.to_string())?;
        let token: Token<C> = alg
            .validator(key)
            .validate(&untrusted)
            .map_err(|e| e.to_string())?;
        let claims = token.claims();
        claims
            .validate_expiration(&self.time)
            .and_then(|claims| claims.validate_maturity(&self.time))
            .map_err(|e| e.to_string())?;
        if issuer(&claims.custom) != (ISSUER, AUDIENCE) {
            return Err("iss or aud".into());
        }
        consume(token)
    }
}

impl Default for JwtCompact {
    fn default() -> Self {
        Self::new()
    }
}

#[allow(clippy::cast_possible_wrap)]
fn utc(secs: u64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs as i64, 0).unwrap()
}

impl Contender for JwtCompact {
    fn name(&self) -> &'static str {
        "jwt-compact"
    }
    fn encoder<'a>(&'a self, claims: &Typical) -> Box<dyn Fn() -> String + 'a> {
        use jwt_compact::prelude::*;
        let mut compact = Claims::new(CompactCustom {
            sub: claims.sub.clone(),
            name: claims.name.clone(),
            admin: claims.admin,
            iss: claims.iss.clone(),
            aud: claims.aud.clone(),
            jti: claims.jti.clone(),
        });
        compact.issued_at = Some(utc(claims.iat));
        compact.expiration = Some(utc(claims.exp));
        compact.not_before = Some(utc(claims.nbf));
        let header = Header::empty().with_token_type("JWT");
        Box::new(move || {
            jwt_compact::alg::Hs256
                .token(&header, &compact, &self.hs256)
                .unwrap()
        })
    }
    fn decode_hs256(&self, token: &str) -> Result<(), String> {
        self.validate(
            &jwt_compact::alg::Hs256,
            &self.hs256,
            token,
            |c: &CompactCustom| (&c.iss, &c.aud),
        )
    }
    fn decode_hs512(&self, token: &str) -> Result<(), String> {
        self.validate(
            &jwt_compact::alg::Hs512,
            &self.hs512,
            token,
            |c: &CompactCustom| (&c.iss, &c.aud),
        )
    }
    fn decode_large(&self, token: &str) -> Result<(), String> {
        self.validate(
            &jwt_compact::alg::Hs256,
            &self.hs256,
            token,
            |c: &CompactLarge| (&c.iss, &c.aud),
        )
    }
}
