//! Token kinds never cross: tokens of one kind (a session, a refresh token, a one-use reset
//! link) signed with one key never pass as another kind, by `typ` or by `aud`, and run-time
//! settings never erase a kind's declared identity.

use jwt_runtime::http::axum::Verifier;
use jwt_runtime::replay::MemoryStore;
use jwt_runtime::{Claims, Error, FixedClock, HmacKey, Hs256, NumericDate, Validation, base64url};

const NOW: i64 = 1_700_000_000;

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&[0x5a; 64]).unwrap()
}

fn clock() -> FixedClock {
    FixedClock(NumericDate::from_secs(NOW))
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(clock())
}

fn exp() -> NumericDate {
    NumericDate::from_secs(NOW + 600)
}

/// A correctly signed token with `header` and `payload` as given.
fn forge(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header.as_bytes()),
        base64url::encode(payload.as_bytes())
    );
    let mac = key().__mac(input.as_bytes());
    format!("{input}.{}", base64url::encode(&mac))
}

/// A plain session type: declares no `typ`, no `aud`.
#[derive(Claims, Debug)]
struct Session {
    sub: String,
    exp: NumericDate,
}

/// A one-use password reset link.
#[derive(Claims, Debug)]
#[claims(typ = "reset+jwt")]
struct Reset {
    sub: String,
    exp: NumericDate,
    jti: String,
}

#[derive(Claims, Debug)]
#[claims(typ = "refresh+jwt")]
struct Refresh {
    sub: String,
    exp: NumericDate,
}

#[test]
fn kinds_typ_undeclared_accepts_only_absent_or_jwt() {
    let payload = format!(r#"{{"sub":"ada","exp":{}}}"#, NOW + 600);
    let with_typ = |typ: Option<&str>| {
        let header = match typ {
            Some(typ) => serde_json::json!({"alg": "HS256", "typ": typ}).to_string(),
            None => r#"{"alg":"HS256"}"#.to_owned(),
        };
        validation().decode::<Session, _>(&forge(&header, &payload), &key())
    };
    for typ in [
        None,
        Some("JWT"),
        Some("jwt"),
        Some("application/jwt"),
        Some("APPLICATION/JWT"),
    ] {
        assert!(with_typ(typ).is_ok(), "{typ:?}");
    }
    for typ in [
        "refresh+jwt",
        "reset+jwt",
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "secevent+jwt",
        "+jwt",
        "JOSE",
        "xxxxxxxxxxx/jwt",
    ] {
        let error = with_typ(Some(typ)).unwrap_err();
        assert!(
            matches!(&error, Error::TokenType { expected: "JWT", found: Some(found) } if found == typ),
            "{typ}: {error:?}"
        );
    }
}

#[test]
fn kinds_typ_declared_accepts_exactly_its_own() {
    let payload = format!(r#"{{"sub":"ada","exp":{}}}"#, NOW + 600);
    let with_typ = |typ: Option<&str>| {
        let header = match typ {
            Some(typ) => serde_json::json!({"alg": "HS256", "typ": typ}).to_string(),
            None => r#"{"alg":"HS256"}"#.to_owned(),
        };
        validation().decode::<Refresh, _>(&forge(&header, &payload), &key())
    };
    for typ in [
        "refresh+jwt",
        "REFRESH+JWT",
        "application/refresh+jwt",
        "Application/Refresh+JWT",
    ] {
        assert!(with_typ(Some(typ)).is_ok(), "{typ}");
    }
    // Only `application/` may be added: any other prefix of its length is another type.
    for typ in [
        None,
        Some("JWT"),
        Some("reset+jwt"),
        Some("xxxxxxxxxxx/refresh+jwt"),
        Some("applicationXrefresh+jwt"),
        Some("refresh+jwt "),
        Some("refresh"),
    ] {
        let error = with_typ(typ).unwrap_err();
        assert!(
            matches!(
                error,
                Error::TokenType {
                    expected: "refresh+jwt",
                    ..
                }
            ),
            "{typ:?}: {error:?}"
        );
    }
}

#[test]
fn kinds_typ_error_says_which_typ_to_declare() {
    let refresh = Refresh {
        sub: "ada".into(),
        exp: exp(),
    }
    .encode(&key())
    .unwrap();
    let message = validation()
        .decode::<Session, _>(&refresh, &key())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(r#"#[claims(typ = "refresh+jwt")]"#),
        "{message}"
    );
}

#[test]
fn kinds_one_use_reset_link_never_passes_as_a_session() {
    // The reset link is one-use; were it accepted as a `Session` (same key, same `sub`),
    // it could be replayed without limit through that type.
    let reset = Reset {
        sub: "ada".into(),
        exp: exp(),
        jti: "reset-1".into(),
    }
    .encode(&key())
    .unwrap();
    assert!(matches!(
        validation().decode::<Session, _>(&reset, &key()),
        Err(Error::TokenType {
            expected: "JWT",
            ..
        })
    ));
    let store = MemoryStore::builder().build();
    assert!(
        validation()
            .decode_once::<Reset, _, _>(&reset, &key(), &store)
            .is_ok()
    );
    assert!(matches!(
        validation().decode_once::<Reset, _, _>(&reset, &key(), &store),
        Err(Error::Replayed)
    ));
}

/// Two kinds that differ only in their declared audience: same key, same `typ` (none).
#[derive(Claims, Debug)]
#[claims(aud = "api")]
struct ApiSession {
    sub: String,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(aud = "refresh")]
struct RefreshByAudience {
    sub: String,
    exp: NumericDate,
}

fn api_session() -> String {
    ApiSession {
        sub: "ada".into(),
        exp: exp(),
    }
    .encode(&key())
    .unwrap()
}

fn refresh_by_audience() -> String {
    RefreshByAudience {
        sub: "ada".into(),
        exp: exp(),
    }
    .encode(&key())
    .unwrap()
}

#[tokio::test]
async fn kinds_verifier_declared_audiences_never_cross() {
    // One verifier for every claims type, configured with the session audience, as a
    // service reading its audience from configuration does.
    let verifier = Verifier::new(key())
        .clock(clock())
        .validation(Validation::new().audience(["api"]));
    assert!(verifier.verify::<ApiSession>(&api_session()).await.is_ok());
    // A session token is not a refresh token: the run-time audience adds to the declared
    // one, it does not replace it (it did before, and this passed).
    assert!(matches!(
        verifier.verify::<RefreshByAudience>(&api_session()).await,
        Err(Error::Audience)
    ));
    assert!(matches!(
        verifier.verify::<ApiSession>(&refresh_by_audience()).await,
        Err(Error::Audience)
    ));

    // A run-time audience given for one type replaces that type's alone.
    let verifier = Verifier::new(key()).clock(clock()).validation(
        Validation::new()
            .audience_for::<ApiSession>(["api"])
            .audience_for::<RefreshByAudience>(["refresh"]),
    );
    assert!(verifier.verify::<ApiSession>(&api_session()).await.is_ok());
    assert!(
        verifier
            .verify::<RefreshByAudience>(&refresh_by_audience())
            .await
            .is_ok()
    );
    for (token, as_refresh) in [(api_session(), true), (refresh_by_audience(), false)] {
        let error = if as_refresh {
            verifier
                .verify::<RefreshByAudience>(&token)
                .await
                .unwrap_err()
        } else {
            verifier.verify::<ApiSession>(&token).await.unwrap_err()
        };
        assert!(matches!(error, Error::Audience), "{error:?}");
    }
}

#[test]
fn kinds_run_time_audience_replaces_only_for_its_type() {
    // `audience_for::<ApiSession>` accepts the refresh audience for sessions only.
    let validation = validation().audience_for::<ApiSession>(["refresh"]);
    assert!(
        validation
            .decode::<ApiSession, _>(&refresh_by_audience(), &key())
            .is_ok()
    );
    assert!(matches!(
        validation.decode::<ApiSession, _>(&api_session(), &key()),
        Err(Error::Audience)
    ));
    assert!(matches!(
        validation.decode::<RefreshByAudience, _>(&api_session(), &key()),
        Err(Error::Audience)
    ));
    assert!(
        validation
            .decode::<RefreshByAudience, _>(&refresh_by_audience(), &key())
            .is_ok()
    );
    // Another type keeps its declaration (an untyped run-time audience replaced every
    // type's before).
    let staging = self::validation().audience_for::<ApiSession>(["api.staging"]);
    assert!(
        staging
            .decode::<RefreshByAudience, _>(&refresh_by_audience(), &key())
            .is_ok()
    );
    assert!(matches!(
        staging.decode::<ApiSession, _>(&api_session(), &key()),
        Err(Error::Audience)
    ));
    // The untyped setting narrows: both the declaration and it must hold.
    let narrowed = self::validation().audience(["other"]);
    assert!(matches!(
        narrowed.decode::<ApiSession, _>(&api_session(), &key()),
        Err(Error::Audience)
    ));
    // Issuers alike.
    #[derive(Claims, Debug)]
    #[claims(iss = "https://auth.example.com")]
    struct Issued {
        exp: NumericDate,
    }
    let issued = Issued { exp: exp() }.encode(&key()).unwrap();
    assert!(matches!(
        self::validation()
            .issuer("https://other.example")
            .decode::<Issued, _>(&issued, &key()),
        Err(Error::Issuer)
    ));
    let other = forge(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &format!(r#"{{"exp":{},"iss":"https://other.example"}}"#, NOW + 600),
    );
    let replaced = self::validation().issuer_for::<Issued>("https://other.example");
    assert!(replaced.decode::<Issued, _>(&other, &key()).is_ok());
    assert!(matches!(
        replaced.decode::<Issued, _>(&issued, &key()),
        Err(Error::Issuer)
    ));
    #[derive(Claims, Debug)]
    #[claims(iss = "https://auth.example.com")]
    struct IssuedToo {
        exp: NumericDate,
    }
    assert!(replaced.decode::<IssuedToo, _>(&issued, &key()).is_ok());
    assert!(matches!(
        replaced.decode::<IssuedToo, _>(&other, &key()),
        Err(Error::Issuer)
    ));
}

#[test]
fn kinds_empty_run_time_audience_refuses_every_token() {
    // `aud = []` does not compile; an empty run-time list accepts nothing either, rather
    // than turning the audience check off (before, a token without `aud` then passed a type
    // that declares one).
    let no_aud = forge(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &format!(r#"{{"sub":"ada","exp":{}}}"#, NOW + 600),
    );
    for validation in [
        validation().audience(Vec::<String>::new()),
        validation().audience_for::<ApiSession>(Vec::<String>::new()),
    ] {
        assert!(
            validation
                .decode::<ApiSession, _>(&api_session(), &key())
                .is_err()
        );
        assert!(matches!(
            validation.decode::<ApiSession, _>(&no_aud, &key()),
            Err(Error::MissingClaim { claim: "aud" })
        ));
    }
    assert!(matches!(
        validation()
            .audience(Vec::<String>::new())
            .decode::<Session, _>(&no_aud, &key()),
        Err(Error::MissingClaim { claim: "aud" })
    ));
}

#[test]
fn kinds_peek_reads_the_header_typ() {
    // A client telling kinds apart before it has the key reads `typ` from the header.
    let refresh = Refresh {
        sub: "ada".into(),
        exp: exp(),
    }
    .encode(&key())
    .unwrap();
    let peeked = jwt_runtime::dangerous::peek::<Session>(&refresh).unwrap();
    assert_eq!(peeked.header().typ(), Some("refresh+jwt"));
    let session = Session {
        sub: "ada".into(),
        exp: exp(),
    }
    .encode(&key())
    .unwrap();
    let peeked = jwt_runtime::dangerous::peek::<Session>(&session).unwrap();
    assert_eq!(peeked.header().typ(), Some("JWT"));
}

#[test]
fn kinds_per_type_settings_show_in_debug() {
    // A verifier's settings are logged at start-up: per-type ones name their type.
    let validation = Validation::new()
        .audience_for::<ApiSession>(["api.staging"])
        .issuer_for::<Refresh>("https://auth.example.com");
    let debug = format!("{validation:?}");
    for expected in [
        "ApiSession",
        "api.staging",
        "Refresh",
        "https://auth.example.com",
    ] {
        assert!(debug.contains(expected), "{expected} in {debug}");
    }
}

/// A type whose kind is only known at run time (a command-line tool): `token_type_for`
/// gives it a `typ` for that type alone, exactly as a declaration would.
#[derive(Claims, Debug)]
struct AnyPayload {}

#[test]
fn a_run_time_token_type_replaces_the_declared_one_for_its_type_alone() {
    let at_jwt = forge(r#"{"alg":"HS256","typ":"at+jwt"}"#, "{}");
    let plain = forge(r#"{"alg":"HS256","typ":"JWT"}"#, "{}");
    // Without it, `at+jwt` is not the default kind.
    assert!(matches!(
        validation().decode::<AnyPayload, _>(&at_jwt, &key()),
        Err(Error::TokenType {
            expected: "JWT",
            ..
        })
    ));
    let typed = validation().token_type_for::<AnyPayload>("at+jwt");
    assert!(typed.decode::<AnyPayload, _>(&at_jwt, &key()).is_ok());
    assert!(
        typed
            .decode::<AnyPayload, _>(
                &forge(r#"{"alg":"HS256","typ":"application/AT+JWT"}"#, "{}"),
                &key()
            )
            .is_ok()
    );
    // Exactly that kind now: the default `JWT` is refused for this type ...
    assert!(matches!(
        typed.decode::<AnyPayload, _>(&plain, &key()),
        Err(Error::TokenType {
            expected: "at+jwt",
            ..
        })
    ));
    // ... and the setting does not reach any other type.
    assert!(matches!(
        typed.decode::<Session, _>(&at_jwt, &key()),
        Err(Error::TokenType {
            expected: "JWT",
            ..
        })
    ));
}
