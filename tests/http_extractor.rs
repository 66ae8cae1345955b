//! The axum extractor on its own: `Bearer<C>` and `Option<Bearer<C>>` run against request
//! parts built here, with a fixed clock, and the rejections turned into responses.
//! (`http_server.rs` and `http_redis.rs` cover the same over real HTTP.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jwt_runtime::http::axum::{Bearer, BearerRejection, Verifier};
use jwt_runtime::http::{ErrorCode, Realm, Rejection};
use jwt_runtime::replay::{
    AsyncReplayStore, InsertOutcome, MemoryStore, ReplayId, ReplayWindow, StoreError,
};
use jwt_runtime::sessions::{
    AsyncRevocationStore, MemoryRevocationStore, Retention, Revocable, Sessions,
    SharedRevocationStore,
};
use jwt_runtime::{Claims, Error, FixedClock, HmacKey, Hs256, KeySet, NumericDate, Validation};

const NOW: i64 = 1_700_000_000;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs)
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"a key for the extractor tests, 32+ bytes").unwrap()
}

#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "api")]
struct Session {
    sub: String,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "api")]
struct OneTime {
    sub: String,
    exp: NumericDate,
    jti: String,
}

fn session(exp: i64) -> String {
    Session {
        sub: "ada".into(),
        exp: at(exp),
    }
    .encode(&key())
    .unwrap()
}

fn one_time(jti: &str, exp: i64) -> String {
    OneTime {
        sub: "ada".into(),
        exp: at(exp),
        jti: jti.into(),
    }
    .encode(&key())
    .unwrap()
}

fn verifier() -> Verifier<Hs256> {
    Verifier::new(key())
        .clock(FixedClock(at(NOW)))
        .realm(Realm::new("api").unwrap())
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn parts(authorization: &[&[u8]]) -> axum::http::request::Parts {
    let mut request = Request::builder().uri("/");
    for value in authorization {
        request = request.header(header::AUTHORIZATION, *value);
    }
    request.body(()).unwrap().into_parts().0
}

fn extract<C>(verifier: &Verifier<Hs256>, authorization: &[&[u8]]) -> Result<C, BearerRejection>
where
    C: Claims<Algorithm = Hs256> + for<'de> jwt_runtime::DecodeClaims<'de> + Send + Sync + 'static,
    C::Replay: jwt_runtime::http::axum::ReplayCheck,
{
    let mut parts = parts(authorization);
    block_on(<Bearer<C> as FromRequestParts<_>>::from_request_parts(
        &mut parts, verifier,
    ))
    .map(Bearer::into_inner)
}

fn extract_optional(
    verifier: &Verifier<Hs256>,
    authorization: &[&[u8]],
) -> Result<Option<Session>, BearerRejection> {
    let mut parts = parts(authorization);
    block_on(
        <Bearer<Session> as OptionalFromRequestParts<_>>::from_request_parts(&mut parts, verifier),
    )
    .map(|bearer| bearer.map(Bearer::into_inner))
}

fn header_of(response: &Response, name: header::HeaderName) -> Option<&str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

fn body_of(response: Response) -> String {
    let bytes = block_on(axum::body::to_bytes(response.into_body(), 4096)).unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn bearer(token: &str) -> Vec<u8> {
    format!("Bearer {token}").into_bytes()
}

#[test]
fn a_valid_token_is_extracted() {
    let session: Session = extract(&verifier(), &[&bearer(&session(NOW + 60))]).unwrap();
    assert_eq!(session.sub, "ada");
}

#[test]
fn the_clock_is_the_verifiers() {
    // Valid one second before `exp`, expired at `exp`.
    assert!(extract::<Session>(&verifier(), &[&bearer(&session(NOW + 1))]).is_ok());
    let rejection = extract::<Session>(&verifier(), &[&bearer(&session(NOW))]).unwrap_err();
    assert!(matches!(rejection.error(), Some(Error::Expired { .. })));
}

#[test]
fn a_missing_header_is_a_bare_401_response() {
    let rejection = extract::<Session>(&verifier(), &[]).unwrap_err();
    assert_eq!(rejection.rejection(), &Rejection::missing());
    assert!(rejection.error().is_none());
    let response = rejection.into_response();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_of(&response, header::WWW_AUTHENTICATE),
        Some("Bearer realm=\"api\"")
    );
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        Some("application/json")
    );
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        Some("no-store")
    );
    // The same body shape as every other rejection: an `error_description` (and no `error`
    // code, as in the bare challenge).
    assert_eq!(
        body_of(response),
        r#"{"error_description":"the request has no Bearer token"}"#
    );
}

#[test]
fn a_bad_token_is_a_401_invalid_token_response() {
    let token = session(NOW + 60);
    let tampered = format!("{}A", &token[..token.len() - 1]);
    let tampered = if tampered == token {
        format!("{}B", &token[..token.len() - 1])
    } else {
        tampered
    };
    let rejection = extract::<Session>(&verifier(), &[&bearer(&tampered)]).unwrap_err();
    assert!(rejection.error().is_some());
    assert_eq!(
        rejection.rejection().error_code(),
        Some(ErrorCode::InvalidToken)
    );
    let response = rejection.into_response();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = header_of(&response, header::WWW_AUTHENTICATE)
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer realm=\"api\", error=\"invalid_token\""),
        "{challenge}"
    );
    let body = body_of(response);
    assert!(body.starts_with("{\"error\":\"invalid_token\""), "{body}");
    for part in tampered.split('.') {
        assert!(!challenge.contains(part) && !body.contains(part));
    }
}

#[test]
fn malformed_or_repeated_headers_are_400() {
    let token = bearer(&session(NOW + 60));
    for headers in [
        vec![&b"Bearer"[..]],
        vec![&b"Bearer  abc"[..]],
        vec![&b"Bearer abc def"[..]],
        vec![&b"Bearer \xff"[..]],
        vec![&token[..], &token[..]],
    ] {
        let rejection = extract::<Session>(&verifier(), &headers).unwrap_err();
        assert_eq!(rejection.rejection().status(), 400, "{headers:?}");
        assert_eq!(
            rejection.rejection().error_code(),
            Some(ErrorCode::InvalidRequest)
        );
        assert_eq!(rejection.into_response().status(), StatusCode::BAD_REQUEST);
    }
}

#[test]
fn optional_authentication() {
    let verifier = verifier();
    assert!(extract_optional(&verifier, &[]).unwrap().is_none());
    assert!(
        extract_optional(&verifier, &[b"Basic YWRhOnNlY3JldA=="])
            .unwrap()
            .is_none()
    );
    let session = extract_optional(&verifier, &[&bearer(&session(NOW + 60))]).unwrap();
    assert_eq!(session.unwrap().sub, "ada");
    // Present but bad is still refused.
    assert_eq!(
        extract_optional(&verifier, &[b"Bearer  x"])
            .unwrap_err()
            .rejection()
            .status(),
        400
    );
    let expired = extract_optional(&verifier, &[&bearer(&self::session(NOW))]).unwrap_err();
    assert_eq!(expired.rejection().status(), 401);
}

#[test]
fn a_one_use_token_is_consumed_by_extraction() {
    let verifier = verifier();
    let token = bearer(&one_time("abc", NOW + 60));
    let first: OneTime = extract(&verifier, &[&token]).unwrap();
    assert_eq!(first.jti, "abc");
    let second = extract::<OneTime>(&verifier, &[&token]).unwrap_err();
    assert!(matches!(second.error(), Some(Error::Replayed)));
    assert_eq!(
        second.rejection().description(),
        Some("the token has already been used")
    );
    // Clones share the store.
    let clone = verifier.clone();
    assert!(extract::<OneTime>(&clone, &[&token]).is_err());
    // A verifier of its own has a store of its own.
    assert!(extract::<OneTime>(&self::verifier(), &[&token]).is_ok());
}

#[test]
fn the_default_store_runs_on_the_verifiers_clock() {
    // 2001, long before the wall clock: a store on the system clock would think this id
    // expired at once and accept the token again.
    let verifier = Verifier::new(key()).clock(FixedClock(at(1_000_000_000)));
    let token = bearer(&one_time("old", 1_000_000_060));
    assert!(extract::<OneTime>(&verifier, &[&token]).is_ok());
    assert!(matches!(
        extract::<OneTime>(&verifier, &[&token])
            .unwrap_err()
            .error(),
        Some(Error::Replayed)
    ));
}

#[test]
fn a_rejected_one_use_token_does_not_burn_its_jti() {
    let verifier = verifier();
    let expired = bearer(&one_time("later", NOW));
    assert!(matches!(
        extract::<OneTime>(&verifier, &[&expired])
            .unwrap_err()
            .error(),
        Some(Error::Expired { .. })
    ));
    assert!(extract::<OneTime>(&verifier, &[&bearer(&one_time("later", NOW + 60))]).is_ok());
}

/// A store that is always down, counting how often it was asked.
#[derive(Default)]
struct DownStore(AtomicUsize);

impl AsyncReplayStore for DownStore {
    async fn insert_if_absent(
        &self,
        _: ReplayId<'_>,
        _: ReplayWindow,
    ) -> Result<InsertOutcome, StoreError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Err(StoreError::backend("connection refused"))
    }
}

#[test]
fn an_unavailable_store_is_503_without_a_challenge() {
    let store = Arc::new(DownStore::default());
    let verifier = verifier().shared_replay_store(Arc::clone(&store));
    let rejection =
        extract::<OneTime>(&verifier, &[&bearer(&one_time("x", NOW + 60))]).unwrap_err();
    assert!(matches!(
        rejection.error(),
        Some(Error::StoreUnavailable(_))
    ));
    let response = rejection.into_response();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header_of(&response, header::WWW_AUTHENTICATE), None);
    assert!(!body_of(response).contains("connection refused"));
    assert_eq!(store.0.load(Ordering::Relaxed), 1);
    // Reusable tokens never ask the store.
    assert!(extract::<Session>(&verifier, &[&bearer(&session(NOW + 60))]).is_ok());
    assert_eq!(store.0.load(Ordering::Relaxed), 1);
}

#[test]
fn a_shared_store_is_shared() {
    let store = Arc::new(MemoryStore::new());
    let first = Verifier::new(key())
        .clock(FixedClock(at(NOW)))
        .shared_replay_store(Arc::clone(&store));
    let second = Verifier::new(key())
        .clock(FixedClock(at(NOW)))
        .shared_replay_store(Arc::clone(&store));
    let token = bearer(&one_time("shared", NOW + 60));
    assert!(extract::<OneTime>(&first, &[&token]).is_ok());
    assert!(extract::<OneTime>(&second, &[&token]).is_err());
    assert_eq!(store.len(), 1);
}

#[test]
fn validation_settings_apply() {
    // A run-time audience replaces the declared one.
    let verifier = verifier().validation(Validation::new().audience(["other"]));
    let rejection = extract::<Session>(&verifier, &[&bearer(&session(NOW + 60))]).unwrap_err();
    assert!(matches!(rejection.error(), Some(Error::Audience)));
    // Leeway, and the clock set before `validation` is kept.
    let verifier = self::verifier().validation(Validation::new().leeway(Duration::from_secs(30)));
    assert!(extract::<Session>(&verifier, &[&bearer(&session(NOW - 29))]).is_ok());
    assert!(extract::<Session>(&verifier, &[&bearer(&session(NOW - 30))]).is_err());
}

#[test]
fn a_key_set_selects_by_kid() {
    let current = HmacKey::<Hs256>::from_bytes(&[1; 32])
        .unwrap()
        .with_kid("new")
        .unwrap();
    let old = HmacKey::<Hs256>::from_bytes(&[2; 32])
        .unwrap()
        .with_kid("old")
        .unwrap();
    let keys = KeySet::new(current).unwrap().with_key(old.clone()).unwrap();
    let verifier = Verifier::new(keys).clock(FixedClock(at(NOW)));
    let token = Session {
        sub: "ada".into(),
        exp: at(NOW + 60),
    }
    .encode(&old)
    .unwrap();
    assert!(extract::<Session>(&verifier, &[&bearer(&token)]).is_ok());
    // The single test key has no kid: refused, no fallback.
    let rejection = extract::<Session>(&verifier, &[&bearer(&session(NOW + 60))]).unwrap_err();
    assert!(matches!(
        rejection.error(),
        Some(Error::UnknownKeyId { kid: None })
    ));
}

#[test]
fn verify_checks_tokens_from_elsewhere() {
    let verifier = verifier();
    let session: Session = block_on(verifier.verify(&session(NOW + 60))).unwrap();
    assert_eq!(session.sub, "ada");
    let token = one_time("ws", NOW + 60);
    assert!(block_on(verifier.verify::<OneTime>(&token)).is_ok());
    assert!(matches!(
        block_on(verifier.verify::<OneTime>(&token)),
        Err(Error::Replayed)
    ));
}

#[test]
fn reject_answers_with_the_realm() {
    let rejection = Rejection::insufficient_scope().with_scope("admin").unwrap();
    let response = verifier().reject(rejection).into_response();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header_of(&response, header::WWW_AUTHENTICATE),
        Some(
            "Bearer realm=\"api\", error=\"insufficient_scope\", \
             error_description=\"the token does not grant access to this resource\", scope=\"admin\""
        )
    );
}

/// Sessions with `iat`, for the revocation checks.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "api")]
struct Access {
    sub: String,
    iat: NumericDate,
    exp: NumericDate,
}

#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "api", typ = "link+jwt")]
struct Link {
    sub: String,
    iat: NumericDate,
    exp: NumericDate,
    jti: String,
}

fn access(sub: &str, iat: i64) -> String {
    Access {
        sub: sub.into(),
        iat: at(iat),
        exp: at(iat + 600),
    }
    .encode(&key())
    .unwrap()
}

fn link(jti: &str, iat: i64) -> String {
    Link {
        sub: "ada".into(),
        iat: at(iat),
        exp: at(iat + 600),
        jti: jti.into(),
    }
    .encode(&key())
    .unwrap()
}

fn sessions() -> Sessions<FixedClock> {
    Sessions::new(Duration::from_secs(3600))
        .validation(Validation::new().clock(FixedClock(at(NOW))))
}

#[test]
fn revoked_subjects_are_refused_after_the_signature() {
    let revocations = SharedRevocationStore::new(MemoryRevocationStore::new());
    let verifier = verifier().revocation(&sessions(), revocations.clone());
    let before = access("ada", NOW - 10);
    assert!(extract::<Access>(&verifier, &[&bearer(&before)]).is_ok());

    block_on(sessions().log_out_everywhere_async(&revocations, "ada")).unwrap();
    let rejection = extract::<Access>(&verifier, &[&bearer(&before)]).unwrap_err();
    assert!(
        matches!(rejection.error(), Some(Error::Revoked)),
        "{rejection}"
    );
    assert_eq!(rejection.rejection().status(), 401);
    // Another subject, and a token issued after the logout, pass.
    assert!(extract::<Access>(&verifier, &[&bearer(&access("bob", NOW - 10))]).is_ok());
    assert!(extract::<Access>(&verifier, &[&bearer(&access("ada", NOW))]).is_ok());
    // A forged token is a signature error, never a revocation lookup.
    let forged = Access {
        sub: "ada".into(),
        iat: at(NOW - 10),
        exp: at(NOW + 590),
    }
    .encode(&HmacKey::<Hs256>::from_bytes(&[7; 32]).unwrap())
    .unwrap();
    let rejection = extract::<Access>(&verifier, &[&bearer(&forged)]).unwrap_err();
    assert!(
        matches!(rejection.error(), Some(Error::Signature)),
        "{rejection}"
    );
}

#[test]
fn revocation_needs_the_claims_it_reads() {
    let verifier = verifier().revocation(&sessions(), MemoryRevocationStore::new());
    // `Session` has no `iat`: refused rather than let through unchecked.
    let rejection = extract::<Session>(&verifier, &[&bearer(&session(NOW + 60))]).unwrap_err();
    assert!(
        matches!(
            rejection.error(),
            Some(Error::MissingClaim { claim: "iat" })
        ),
        "{rejection}"
    );
    // A token that lives longer than records are kept is refused too.
    let long = Access {
        sub: "ada".into(),
        iat: at(NOW),
        exp: at(NOW + 7200),
    }
    .encode(&key())
    .unwrap();
    let rejection = extract::<Access>(&verifier, &[&bearer(&long)]).unwrap_err();
    assert!(
        matches!(
            rejection.error(),
            Some(Error::InvalidClaim { claim: "exp", .. })
        ),
        "{rejection}"
    );
}

/// A revocation store that cannot answer.
struct DownRevocations;

impl AsyncRevocationStore for DownRevocations {
    async fn revoke_before(
        &self,
        _: Revocable<'_>,
        _: NumericDate,
        _: Retention,
    ) -> Result<(), StoreError> {
        Err(StoreError::backend("connection refused"))
    }

    async fn revoked_before(&self, _: Revocable<'_>) -> Result<Option<NumericDate>, StoreError> {
        Err(StoreError::backend("connection refused"))
    }
}

#[test]
fn an_unavailable_revocation_store_fails_closed_and_burns_no_jti() {
    let replay = Arc::new(MemoryStore::new());
    let down = verifier()
        .shared_replay_store(Arc::clone(&replay))
        .revocation(&sessions(), DownRevocations);
    let token = link("l1", NOW - 10);
    let rejection = extract::<Link>(&down, &[&bearer(&token)]).unwrap_err();
    assert!(
        matches!(rejection.error(), Some(Error::StoreUnavailable(_))),
        "{rejection}"
    );
    assert_eq!(
        rejection.into_response().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let rejection = extract::<Access>(&down, &[&bearer(&access("ada", NOW))]).unwrap_err();
    assert!(matches!(
        rejection.error(),
        Some(Error::StoreUnavailable(_))
    ));

    // The one-time token was not consumed while revocation could not be checked.
    let up = verifier()
        .shared_replay_store(Arc::clone(&replay))
        .revocation(&sessions(), MemoryRevocationStore::new());
    assert!(extract::<Link>(&up, &[&bearer(&token)]).is_ok());
    let rejection = extract::<Link>(&up, &[&bearer(&token)]).unwrap_err();
    assert!(matches!(rejection.error(), Some(Error::Replayed)));
}

#[test]
fn a_revoked_one_time_token_keeps_its_jti() {
    let replay = Arc::new(MemoryStore::new());
    let revocations = SharedRevocationStore::new(MemoryRevocationStore::new());
    let verifier = verifier()
        .shared_replay_store(Arc::clone(&replay))
        .revocation(&sessions(), revocations.clone());
    let token = link("l2", NOW - 10);
    block_on(sessions().log_out_everywhere_async(&revocations, "ada")).unwrap();
    let rejection = extract::<Link>(&verifier, &[&bearer(&token)]).unwrap_err();
    assert!(matches!(rejection.error(), Some(Error::Revoked)));
    // Its id is still free in the store: revocation ran before consumption.
    let id = ReplayId::new(ReplayId::namespace_of::<Link>(), "l2");
    let window = ReplayWindow::new(at(NOW), at(NOW + 600));
    assert_eq!(
        block_on(AsyncReplayStore::insert_if_absent(&*replay, id, window)).unwrap(),
        InsertOutcome::Inserted
    );
}

#[test]
fn a_signing_verifier_signs_what_it_verifies() {
    let verifier = Verifier::signing(key()).clock(FixedClock(at(NOW)));
    let token = verifier
        .encode(&Session {
            sub: "ada".into(),
            exp: at(NOW + 60),
        })
        .unwrap();
    // Signed with the one key: a verify-only verifier on the same key accepts it.
    let session: Session = extract(
        &Verifier::new(key()).clock(FixedClock(at(NOW))),
        &[&bearer(&token)],
    )
    .unwrap();
    assert_eq!(session.sub, "ada");
    // The signing verifier serves the extractor as router state.
    let mut parts = parts(&[&bearer(&token)]);
    let Bearer(session) = block_on(
        <Bearer<Session> as FromRequestParts<_>>::from_request_parts(&mut parts, &verifier),
    )
    .unwrap();
    assert_eq!(session.sub, "ada");
    let verify_only: Verifier<Hs256> = verifier.verify_only();
    assert!(block_on(verify_only.verify::<Session>(&token)).is_ok());
    // Another key refuses it.
    let other = Verifier::new(
        HmacKey::<Hs256>::from_bytes(b"another key for the extractor tests!!").unwrap(),
    )
    .clock(FixedClock(at(NOW)));
    assert!(matches!(
        block_on(other.verify::<Session>(&token)),
        Err(Error::Signature)
    ));
}

#[test]
fn a_key_set_verifier_signs_with_the_current_key() {
    let current = HmacKey::<Hs256>::from_bytes(&[1; 32])
        .unwrap()
        .with_kid("new")
        .unwrap();
    let old = HmacKey::<Hs256>::from_bytes(&[2; 32])
        .unwrap()
        .with_kid("old")
        .unwrap();
    let set = KeySet::new(current.clone()).unwrap().with_key(old).unwrap();
    let verifier = Verifier::signing(set).clock(FixedClock(at(NOW)));
    let token = verifier
        .encode(&Session {
            sub: "ada".into(),
            exp: at(NOW + 60),
        })
        .unwrap();
    assert!(block_on(verifier.verify::<Session>(&token)).is_ok());
    // Signed with the current key: a verifier holding that key alone accepts it.
    let current_only = Verifier::new(current).clock(FixedClock(at(NOW)));
    assert!(block_on(current_only.verify::<Session>(&token)).is_ok());
}

#[derive(Claims, Debug)]
#[claims(alg = "EdDSA")]
struct Signed {
    sub: String,
    exp: NumericDate,
}

#[test]
fn a_public_key_verifier_signs_with_its_private_half() {
    let private = jwt_runtime::Ed25519PrivateKey::generate().unwrap();
    let public = private.public_key();
    let verifier = Verifier::signing_with(private, public.clone()).clock(FixedClock(at(NOW)));
    let token = verifier
        .encode(&Signed {
            sub: "ada".into(),
            exp: at(NOW + 60),
        })
        .unwrap();
    let Signed { sub, .. } = block_on(verifier.verify::<Signed>(&token)).unwrap();
    assert_eq!(sub, "ada");
    // The services that only verify hold the public key alone.
    let verify_only = Verifier::new(public).clock(FixedClock(at(NOW)));
    assert!(block_on(verify_only.verify::<Signed>(&token)).is_ok());
    // A mismatched pair refuses its own tokens, as documented.
    let other = jwt_runtime::Ed25519PrivateKey::generate()
        .unwrap()
        .public_key();
    let mismatched =
        Verifier::signing_with(jwt_runtime::Ed25519PrivateKey::generate().unwrap(), other)
            .clock(FixedClock(at(NOW)));
    let token = mismatched
        .encode(&Signed {
            sub: "ada".into(),
            exp: at(NOW + 60),
        })
        .unwrap();
    assert!(matches!(
        block_on(mismatched.verify::<Signed>(&token)),
        Err(Error::Signature)
    ));
}

/// A private key that tells, through its witness's count, whether anything still holds it.
struct WitnessedKey {
    key: jwt_runtime::Ed25519PrivateKey,
    _witness: Arc<()>,
}

impl jwt_runtime::SigningKey<jwt_runtime::EdDsa> for WitnessedKey {
    fn signing_key(&self) -> &jwt_runtime::Ed25519PrivateKey {
        &self.key
    }
}

#[test]
fn a_verify_only_handle_does_not_keep_the_private_key() {
    let witness = Arc::new(());
    let key = jwt_runtime::Ed25519PrivateKey::generate().unwrap();
    let public = key.public_key();
    let signing = Verifier::signing_with(
        WitnessedKey {
            key,
            _witness: Arc::clone(&witness),
        },
        public,
    )
    .clock(FixedClock(at(NOW)));
    let token = signing
        .encode(&Signed {
            sub: "ada".into(),
            exp: at(NOW + 60),
        })
        .unwrap();
    let verify_only = signing.verify_only();
    let layer = jwt_runtime::http::tower::BearerLayer::<Signed>::new(&signing);
    assert!(format!("{verify_only:?}").contains("signs: false"));
    assert!(format!("{signing:?}").contains("signs: true"));
    drop(signing);
    // The signing verifier is gone, and the private key with it: the verify-only handles
    // kept the public key alone.
    assert_eq!(Arc::strong_count(&witness), 1);
    let Signed { sub, .. } = block_on(verify_only.verify::<Signed>(&token)).unwrap();
    assert_eq!(sub, "ada");
    drop(layer);
}

#[test]
fn a_verify_only_handle_shares_the_signing_verifiers_state() {
    // The one-use ids it consumes are the signing verifier's: one store, not a copy.
    let signing = Verifier::signing(key()).clock(FixedClock(at(NOW)));
    let token = signing
        .encode(&OneTime {
            sub: "ada".into(),
            exp: at(NOW + 60),
            jti: "shared".into(),
        })
        .unwrap();
    let verify_only = signing.verify_only();
    assert!(block_on(verify_only.verify::<OneTime>(&token)).is_ok());
    assert!(matches!(
        block_on(signing.verify::<OneTime>(&token)),
        Err(Error::Replayed)
    ));
}
