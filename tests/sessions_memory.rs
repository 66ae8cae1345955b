//! Sessions that end, on the memory stores: refresh rotation with reuse detection, logout
//! everywhere, retention boundaries on an injected clock, and failing closed.

#[path = "support/sessions_contract.rs"]
mod sessions_contract;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jwt_runtime::http::Rejection;
use jwt_runtime::replay::{MemoryStore, StoreError};
use jwt_runtime::sessions::{
    MemoryRevocationStore, Retention, Revocable, RevocationStore, Sessions, SharedRevocationStore,
};
use jwt_runtime::{Claims, Error, ManualClock, NumericDate, Validation};
use sessions_contract::{
    Access, REFRESH_LIFETIME, Refresh, START, Server, key, log_out_everywhere_refuses_older_tokens,
    log_out_one_session, rejected_tokens_revoke_nothing, reuse_revokes_the_family,
    rotation_issues_a_new_pair, subject,
};

fn stores() -> (MemoryStore, MemoryRevocationStore) {
    (MemoryStore::new(), MemoryRevocationStore::new())
}

// Each check starts its clock at the same instant: fresh stores for each, as the memory
// replay store's time never moves back.
#[test]
fn contract_on_the_memory_stores() {
    let (replay, revocations) = stores();
    rotation_issues_a_new_pair((&replay, &revocations), (&replay, &revocations));
    let (replay, revocations) = stores();
    reuse_revokes_the_family((&replay, &revocations), (&replay, &revocations));
    let (replay, revocations) = stores();
    rejected_tokens_revoke_nothing((&replay, &revocations));
    let (replay, revocations) = stores();
    log_out_everywhere_refuses_older_tokens((&replay, &revocations), (&replay, &revocations));
    let (replay, revocations) = stores();
    log_out_one_session((&replay, &revocations), (&replay, &revocations));
}

/// A record of a logout at `T` is kept until `T` plus the longest token lifetime, the leeway
/// and the margin, and no longer: one second before, the full store has no room; at that
/// second the record has expired and makes room.
#[test]
fn a_record_is_kept_exactly_as_long_as_a_token_it_revokes_could_be_accepted() {
    let margin = Duration::from_secs(300);
    let leeway = Duration::from_secs(30);
    let revocations = MemoryRevocationStore::builder()
        .capacity(1)
        .retention_margin(margin)
        .build();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let sessions = Sessions::new(REFRESH_LIFETIME)
        .validation(Validation::new().clock(clock.clone()).leeway(leeway));
    let user = subject();
    sessions.log_out_everywhere(&revocations, &user).unwrap();
    let kept_until = START + (REFRESH_LIFETIME + leeway + margin).as_secs() as i64;

    clock.set(NumericDate::from_secs(kept_until - 1));
    let full = sessions.log_out_everywhere(&revocations, "someone else");
    assert!(
        matches!(full, Err(StoreError::Full { capacity: 1 })),
        "{full:?}"
    );
    assert_eq!(
        revocations.revoked_before(Revocable::Subject(&user)),
        Some(NumericDate::from_secs(START))
    );

    clock.set(NumericDate::from_secs(kept_until));
    sessions
        .log_out_everywhere(&revocations, "someone else")
        .unwrap();
    assert_eq!(revocations.revoked_before(Revocable::Subject(&user)), None);
}

/// A family's record is kept for the longest refresh lifetime from its revocation (the
/// newest token of the family was issued before it), plus the margin.
#[test]
fn a_family_record_outlives_the_newest_refresh_token() {
    let margin = Duration::from_secs(60);
    let revocations = MemoryRevocationStore::builder()
        .capacity(1)
        .retention_margin(margin)
        .build();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let sessions =
        Sessions::new(REFRESH_LIFETIME).validation(Validation::new().clock(clock.clone()));
    clock.advance(Duration::from_secs(1_000));
    sessions.revoke_family(&revocations, "family").unwrap();
    let kept_until = START + 1_000 + (REFRESH_LIFETIME + margin).as_secs() as i64;

    clock.set(NumericDate::from_secs(kept_until - 1));
    assert!(sessions.revoke_family(&revocations, "other").is_err());
    assert!(matches!(
        sessions.check_family_not_revoked("family", &revocations),
        Err(Error::Revoked)
    ));
    clock.set(NumericDate::from_secs(kept_until));
    sessions.revoke_family(&revocations, "other").unwrap();
    sessions
        .check_family_not_revoked("family", &revocations)
        .unwrap();
}

/// The exact boundary of "issued before T": a token issued at T is accepted, one issued a
/// fraction of a second before is not.
#[test]
fn issued_before_is_strict() {
    let revocations = MemoryRevocationStore::new();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let server = Server::new(&clock);
    let user = subject();
    let cutoff = NumericDate::from_secs(START + 100);
    server
        .sessions
        .revoke_subject_before(&revocations, &user, cutoff)
        .unwrap();
    for (iat, revoked) in [
        (NumericDate::from_f64(START as f64 + 99.999).unwrap(), true),
        (cutoff, false),
        (NumericDate::from_secs(START + 101), false),
    ] {
        let access = Access {
            sub: user.clone(),
            iat,
            exp: iat + Duration::from_secs(60),
        };
        let result = server.sessions.check_not_revoked(&access, &revocations);
        assert_eq!(matches!(result, Err(Error::Revoked)), revoked, "{iat}");
        if !revoked {
            result.unwrap();
        }
    }
}

/// A token that lives longer than records are kept, or lacks what the check reads, is
/// refused: a record could otherwise be forgotten while such a token is valid.
#[test]
fn tokens_the_retention_cannot_cover_are_refused() {
    let revocations = MemoryRevocationStore::new();
    let sessions = Sessions::new(Duration::from_secs(900));
    let iat = NumericDate::from_secs(START);
    let within = Access {
        sub: "ada".into(),
        iat,
        exp: iat + Duration::from_secs(900),
    };
    sessions.check_not_revoked(&within, &revocations).unwrap();
    let beyond = Access {
        exp: iat + Duration::from_secs(901),
        ..within
    };
    assert!(matches!(
        sessions.check_not_revoked(&beyond, &revocations),
        Err(Error::InvalidClaim { claim: "exp", .. })
    ));

    #[derive(Claims)]
    struct NoIssuedAt {
        sub: String,
        exp: NumericDate,
    }
    let no_iat = NoIssuedAt {
        sub: "ada".into(),
        exp: iat,
    };
    assert!(matches!(
        sessions.check_not_revoked(&no_iat, &revocations),
        Err(Error::MissingClaim { claim: "iat" })
    ));

    #[derive(Claims)]
    struct NoSubject {
        iat: NumericDate,
        exp: NumericDate,
    }
    let no_sub = NoSubject { iat, exp: iat };
    assert!(matches!(
        sessions.check_not_revoked(&no_sub, &revocations),
        Err(Error::MissingClaim { claim: "sub" })
    ));
}

/// A revocation store that fails on demand (the memory store behind a switch): every
/// operation fails while it is down.
struct Switchable {
    inner: MemoryRevocationStore,
    down: AtomicBool,
}

impl RevocationStore for Switchable {
    fn revoke_before(
        &self,
        target: Revocable<'_>,
        before: NumericDate,
        retention: Retention,
    ) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::backend("revocation store down"));
        }
        self.inner.revoke_before(target, before, retention)
    }

    fn revoked_before(&self, target: Revocable<'_>) -> Result<Option<NumericDate>, StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::backend("revocation store down"));
        }
        Ok(self.inner.revoked_before(target))
    }
}

/// A revocation store that cannot answer refuses every token that needs it, as a 503; a
/// failed revocation is reported, never taken for done; a reuse whose family revocation could
/// not be recorded is refused as unavailable and revokes the family when presented again.
#[test]
fn a_failing_revocation_store_fails_closed() {
    let replay = MemoryStore::new();
    let revocations = Switchable {
        inner: MemoryRevocationStore::new(),
        down: AtomicBool::new(false),
    };
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let server = Server::new(&clock);
    let user = subject();
    let access = server.access(&user);
    let (_, first) = server.login(&user);
    let (_, second) = server
        .refresh_endpoint(&first, &replay, &revocations)
        .unwrap();

    revocations.down.store(true, Ordering::SeqCst);
    let checked = server.protected(&access, &revocations);
    assert!(
        matches!(checked, Err(Error::StoreUnavailable(_))),
        "{checked:?}"
    );
    assert_eq!(Rejection::from(&checked.unwrap_err()).status(), 503);
    assert!(
        server
            .sessions
            .log_out_everywhere(&revocations, &user)
            .is_err()
    );
    let reuse = server.refresh_endpoint(&first, &replay, &revocations);
    assert!(
        matches!(reuse, Err(Error::StoreUnavailable(_))),
        "{reuse:?}"
    );
    let rotated = server.refresh_endpoint(&second, &replay, &revocations);
    assert!(
        matches!(rotated, Err(Error::StoreUnavailable(_))),
        "{rotated:?}"
    );

    revocations.down.store(false, Ordering::SeqCst);
    server.protected(&access, &revocations).unwrap();
    let reuse = server.refresh_endpoint(&first, &replay, &revocations);
    assert!(matches!(reuse, Err(Error::RefreshReuse)), "{reuse:?}");
}

#[test]
fn revoked_and_reused_tokens_are_401_invalid_token() {
    for error in [Error::Revoked, Error::RefreshReuse] {
        let rejection = Rejection::from(&error);
        assert_eq!(rejection.status(), 401);
        let challenge = rejection.challenge(None).unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(error.is_claims_error());
        assert!(!error.is_store_unavailable());
    }
}

fn send<F: Future + Send>(future: F) -> F {
    future
}

#[tokio::test]
async fn async_rotation_and_revocation_on_the_memory_stores() {
    let (replay, revocations) = stores();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let server = Server::new(&clock);
    let user = subject();
    let (_, first) = server.login(&user);

    let rotation = server
        .sessions
        .rotate_async::<Refresh, _, _, _>(&first, &key(), &replay, &revocations)
        .await
        .unwrap();
    assert_eq!(rotation.claims().sub, user);
    // Type-erased, as a verifier or a tower layer holds it; the future is Send.
    let shared = SharedRevocationStore::new(revocations);
    let reuse = send(server.sessions.rotate_async::<Refresh, _, _, _>(
        &first,
        &key(),
        &replay,
        &shared,
    ))
    .await;
    assert!(matches!(reuse, Err(Error::RefreshReuse)), "{reuse:?}");
    let revocations = shared;
    server
        .sessions
        .check_family_not_revoked_async(&rotation.claims().fam, &revocations)
        .await
        .unwrap_err();

    let access: Access = Validation::new()
        .clock(clock.clone())
        .decode(&server.access(&user), &key())
        .unwrap();
    clock.advance(Duration::from_secs(1));
    server
        .sessions
        .log_out_everywhere_async(&revocations, &user)
        .await
        .unwrap();
    let result = server
        .sessions
        .check_not_revoked_async(&access, &revocations)
        .await;
    assert!(matches!(result, Err(Error::Revoked)), "{result:?}");
}

/// Reuse is detected under the validation's own length limit, also for a refresh token longer
/// than the default limit of 64 KiB (the family's claims are read again under that limit).
#[test]
fn reuse_of_a_large_refresh_token_under_a_raised_limit_revokes_its_family() {
    let (replay, revocations) = stores();
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let sessions = Sessions::new(REFRESH_LIFETIME).validation(
        Validation::new()
            .clock(clock.clone())
            .max_token_len(256 * 1024),
    );
    let family = "f".repeat(100_000);
    let server = Server::new(&clock);
    let token = server.refresh(&subject(), &family);
    assert!(token.len() > 65_536);

    let rotation = sessions
        .rotate::<Refresh, _, _, _>(&token, &key(), &replay, &revocations)
        .unwrap();
    assert_eq!(rotation.claims().fam, family);
    let reuse = sessions.rotate::<Refresh, _, _, _>(&token, &key(), &replay, &revocations);
    assert!(matches!(reuse, Err(Error::RefreshReuse)), "{reuse:?}");
    assert!(matches!(
        sessions.check_family_not_revoked(&family, &revocations),
        Err(Error::Revoked)
    ));
}

/// The async check holds the subject, not the claims: its future is `Send` for a claims type
/// that is not `Sync`, as a verifier needs for any extracted type.
#[tokio::test]
async fn the_async_check_is_send_for_claims_that_are_not_sync() {
    #[derive(Claims)]
    struct WithCell {
        sub: String,
        iat: NumericDate,
        exp: NumericDate,
        seen: std::cell::Cell<u32>,
    }
    let revocations = SharedRevocationStore::new(MemoryRevocationStore::new());
    let sessions = Sessions::new(REFRESH_LIFETIME);
    let iat = NumericDate::from_secs(START);
    let claims = WithCell {
        sub: "ada".into(),
        iat,
        exp: iat + Duration::from_secs(60),
        seen: std::cell::Cell::new(0),
    };
    send(sessions.check_not_revoked_async(&claims, &revocations))
        .await
        .unwrap();
    sessions
        .revoke_subject_before_async(&revocations, "ada", iat + Duration::from_secs(1))
        .await
        .unwrap();
    let result = send(sessions.check_not_revoked_async(&claims, &revocations)).await;
    assert!(matches!(result, Err(Error::Revoked)), "{result:?}");
    claims.seen.set(1);
}
