//! `jwt encode` and `jwt verify` on the library's key and validation types.
//!
//! `#[derive(Claims)]` types have their members fixed at compile time, so an arbitrary JSON
//! payload is signed through the key's own [`TokenSigner`], the step the library's encoder
//! uses. Every token made here is then decoded by the library before it is printed: what
//! `jwt encode` prints, the library accepts.

use std::time::Duration;

use jwt_runtime::replay::Reusable;
use jwt_runtime::{
    Claims, DecodeClaims, Error, FixedClock, HmacKey, NumericDate, TokenSigner, Validation,
    VerifyingKeys, base64url,
};

use crate::alg::Family;
use crate::exit::{CliError, Exit};
use crate::json::{Json, first_duplicate};

/// The run-time checks of `jwt verify`.
#[derive(Debug, Default)]
pub struct Checks {
    /// `--typ`: the header `typ` required (default: absent or `JWT`, the library's rule for a
    /// type that declares none).
    pub token_type: Option<String>,
    pub issuer: Option<String>,
    pub audience: Vec<String>,
    pub subject: Option<String>,
    pub leeway: Option<Duration>,
}

/// Verifies `token` with the library's full pipeline. The outer error is a key error, the
/// inner one the token's.
pub fn verify<F: Family>(
    token: &str,
    key: &[u8],
    checks: &Checks,
    now: NumericDate,
) -> Result<Result<(), Error>, CliError> {
    let key = HmacKey::<F::Algorithm>::from_bytes(key)?;
    Ok(validation_for::<F::Claims>(checks, now)
        .decode::<F::Claims, _>(token, &key)
        .map(|_: F::Claims| ()))
}

/// [`validation`] with `--typ` as the header `typ` required of claims type `C`.
pub fn validation_for<C: Claims>(checks: &Checks, now: NumericDate) -> Validation<FixedClock> {
    let validation = validation(checks, now);
    match &checks.token_type {
        Some(typ) => validation.token_type_for::<C>(typ),
        None => validation,
    }
}

/// The library's validation with `jwt verify`'s checks, at `now`.
pub fn validation(checks: &Checks, now: NumericDate) -> Validation<FixedClock> {
    let mut validation = Validation::new().clock(FixedClock(now));
    if let Some(issuer) = &checks.issuer {
        validation = validation.issuer(issuer.clone());
    }
    if !checks.audience.is_empty() {
        validation = validation.audience(checks.audience.iter().cloned());
    }
    if let Some(subject) = &checks.subject {
        validation = validation.subject(subject.clone());
    }
    if let Some(leeway) = checks.leeway {
        validation = validation.leeway(leeway);
    }
    validation
}

/// What `jwt encode` adds to the claims.
#[derive(Debug, Default)]
pub struct Additions {
    pub expires_in: Option<Duration>,
    pub issued_at: bool,
    pub jti: bool,
    pub kid: Option<String>,
}

/// The payload: `claims` (a JSON object) with the additions, members in order.
pub fn payload(claims: &str, additions: &Additions, now: NumericDate) -> Result<Json, CliError> {
    let json = Json::parse(claims.as_bytes())
        .map_err(|error| CliError::usage(format!("--claims is not valid JSON: {error}")))?;
    let Json::Object(mut members) = json else {
        return Err(CliError::usage("--claims must be a JSON object"));
    };
    if let Some(name) = first_duplicate(&Json::Object(members.clone())) {
        return Err(CliError::usage(format!(
            "--claims has the member {} twice",
            crate::json::quote(name)
        )));
    }
    let mut add = |name: &str, option: &str, value: Json| {
        if members.iter().any(|(key, _)| key == name) {
            return Err(CliError::usage(format!(
                "{option} and the `{name}` in --claims both set `{name}`; keep one"
            )));
        }
        members.push((name.to_owned(), value));
        Ok(())
    };
    if additions.issued_at {
        add("iat", "--iat", Json::Number(now.as_secs().into()))?;
    }
    if let Some(expires_in) = additions.expires_in {
        let exp = now.saturating_add(expires_in);
        add("exp", "--exp", Json::Number(exp.as_secs().into()))?;
    }
    if additions.jti {
        let mut bytes = [0_u8; 16];
        getrandom::fill(&mut bytes).map_err(|error| {
            CliError::new(
                Exit::Other,
                format!("the OS random number generator failed: {error}"),
            )
        })?;
        add("jti", "--jti", Json::String(base64url::encode(&bytes)))?;
    }
    Ok(Json::Object(members))
}

/// Signs `payload` into a compact JWS with the header the library writes
/// (`{"alg":...,"typ":"JWT"}`, then `kid`), then has the library decode it.
pub fn encode<F: Family>(
    payload: &Json,
    key_bytes: &[u8],
    kid: Option<&str>,
    now: NumericDate,
) -> Result<String, CliError> {
    // The library's key checks (length, `kid`) and its verifier, for the check below.
    let mut key = HmacKey::<F::Algorithm>::from_bytes(key_bytes)?;
    if let Some(kid) = kid {
        key = key.with_kid(kid)?;
    }
    let alg = <F::Algorithm as jwt_runtime::Algorithm>::NAME;
    let token = sign_with(payload, &key, alg)?;
    check_encoded::<F::Claims, _>(token, &key, now)
}

/// Signs `payload` with `key` under the header the library writes: `alg`, `typ` `JWT`,
/// then the key's `kid` when it has one.
pub fn sign_with<K: TokenSigner>(payload: &Json, key: &K, alg: &str) -> Result<String, CliError> {
    let mut header = vec![
        ("alg".to_owned(), Json::String(alg.to_owned())),
        ("typ".to_owned(), Json::String("JWT".to_owned())),
    ];
    if let Some(kid) = key.kid() {
        header.push(("kid".to_owned(), Json::String(kid.to_owned())));
    }
    let mut token = base64url::encode(Json::Object(header).to_compact().as_bytes());
    token.push('.');
    base64url::encode_into(payload.to_compact().as_bytes(), &mut token);
    let mut signature = vec![0; key.signature_len()];
    key.sign_into(token.as_bytes(), &mut signature)
        .map_err(|error| CliError::new(Exit::Key, error.to_string()))?;
    token.push('.');
    base64url::encode_into(&signature, &mut token);
    Ok(token)
}

/// `token` if the library decodes it as `C` with `keys`, apart from the checks that depend
/// on who verifies and when.
pub fn check_encoded<C, Ks>(token: String, keys: &Ks, now: NumericDate) -> Result<String, CliError>
where
    C: for<'de> DecodeClaims<'de> + Claims<Replay = Reusable>,
    Ks: VerifyingKeys<C::Algorithm> + ?Sized,
{
    // Times, issuer and audience depend on who verifies and when; anything else the library
    // refuses (a mistyped `exp`, an overlong `jti`, a payload over the length limit) would
    // make a token nobody can use.
    match Validation::new()
        .clock(FixedClock(now))
        .decode::<C, _>(&token, keys)
    {
        Ok(_)
        | Err(
            Error::Expired { .. }
            | Error::NotYetValid { .. }
            | Error::IssuedInFuture { .. }
            | Error::IssuedTooLongAgo { .. }
            | Error::Issuer
            | Error::Audience
            | Error::Subject,
        ) => Ok(token),
        Err(error) => Err(CliError::new(
            Exit::of(&error),
            format!("the library would refuse this token: {error}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alg::Hs256Family;

    const NOW: NumericDate = NumericDate::from_secs(1_700_000_000);

    #[test]
    fn additions_are_appended_and_never_override() {
        let additions = Additions {
            expires_in: Some(Duration::from_secs(900)),
            issued_at: true,
            jti: true,
            kid: None,
        };
        let json = payload(r#"{"sub":"ada"}"#, &additions, NOW).unwrap();
        let names: Vec<&str> = json
            .members()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(names, ["sub", "iat", "exp", "jti"]);
        assert_eq!(
            json.get("exp").and_then(Json::as_f64),
            Some(1_700_000_900.0)
        );
        assert_eq!(
            json.get("jti").and_then(Json::as_str).map(str::len),
            Some(22)
        );

        let conflict = payload(r#"{"exp":1}"#, &additions, NOW).unwrap_err();
        assert_eq!(conflict.exit, Exit::Usage);
        assert!(payload("[]", &Additions::default(), NOW).is_err());
        assert!(payload(r#"{"a":{"b":1,"b":2}}"#, &Additions::default(), NOW).is_err());
    }

    #[test]
    fn encoded_tokens_verify_and_match_the_library() {
        let key = [7_u8; 32];
        let json = payload(r#"{"exp":1700000900}"#, &Additions::default(), NOW).unwrap();
        let token = encode::<Hs256Family>(&json, &key, None, NOW).unwrap();
        assert!(
            verify::<Hs256Family>(&token, &key, &Checks::default(), NOW)
                .unwrap()
                .is_ok()
        );

        // The library's own encoder makes the same bytes for the same claims.
        #[derive(jwt_runtime::Claims)]
        struct Expiring {
            exp: NumericDate,
        }
        let library = Claims::encode(
            &Expiring {
                exp: NumericDate::from_secs(1_700_000_900),
            },
            &HmacKey::<jwt_runtime::Hs256>::from_bytes(&key).unwrap(),
        )
        .unwrap();
        assert_eq!(token, library);

        let mistyped = payload(r#"{"exp":"soon"}"#, &Additions::default(), NOW).unwrap();
        let error = encode::<Hs256Family>(&mistyped, &key, None, NOW).unwrap_err();
        assert_eq!(error.exit, Exit::Claims);
    }
}
