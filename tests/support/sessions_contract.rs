//! What every pair of stores (replay + revocation) must do for `jwt_runtime::sessions`, run
//! by `tests/sessions_memory.rs` on the memory stores and by `tests/sessions_redis.rs` on a
//! real `redis-server`. Each check takes two "servers": store handles that must share one
//! view (the same memory store twice, or two connections to one Redis).

// Each test file includes this module and uses only part of it.
#![allow(dead_code)]

use std::time::Duration;

use jwt_runtime::replay::ReplayStore;
use jwt_runtime::sessions::{RefreshClaims, RevocationStore, Sessions};
use jwt_runtime::{
    Claims, Error, HmacKey, Hs256, ManualClock, NumericDate, Validation, Validity, random_token_id,
};

/// An access token: short-lived, reusable, checked against revocation on every request.
#[derive(Claims, Debug)]
#[claims(typ = "at+jwt", iss = "https://auth.example.com")]
pub struct Access {
    pub sub: String,
    pub iat: NumericDate,
    pub exp: NumericDate,
}

/// A refresh token: one-use, with its family.
#[derive(Claims, Debug)]
#[claims(typ = "refresh+jwt", iss = "https://auth.example.com")]
pub struct Refresh {
    pub sub: String,
    pub iat: NumericDate,
    pub exp: NumericDate,
    pub jti: String,
    pub fam: String,
}

impl RefreshClaims for Refresh {
    fn family(&self) -> &str {
        &self.fam
    }
}

pub const ACCESS_LIFETIME: Duration = Duration::from_secs(15 * 60);
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
pub const START: i64 = 1_700_000_000;

pub fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"sessions contract key, 32 bytes!").unwrap()
}

/// A service's clock and its sessions policy. Two servers built from clones of one clock
/// agree on the time.
pub struct Server {
    pub clock: ManualClock,
    pub sessions: Sessions<ManualClock>,
}

impl Server {
    pub fn new(clock: &ManualClock) -> Server {
        Server {
            clock: clock.clone(),
            sessions: Sessions::new(REFRESH_LIFETIME)
                .validation(Validation::new().clock(clock.clone())),
        }
    }

    pub fn now(&self) -> NumericDate {
        jwt_runtime::Clock::now(&self.clock)
    }

    pub fn access(&self, subject: &str) -> String {
        let validity = Validity::starting_at(self.now(), ACCESS_LIFETIME);
        Access {
            sub: subject.into(),
            iat: validity.issued_at,
            exp: validity.expires_at,
        }
        .encode(&key())
        .unwrap()
    }

    pub fn refresh(&self, subject: &str, family: &str) -> String {
        let validity = Validity::starting_at(self.now(), REFRESH_LIFETIME);
        Refresh {
            sub: subject.into(),
            iat: validity.issued_at,
            exp: validity.expires_at,
            jti: random_token_id().unwrap(),
            fam: family.into(),
        }
        .encode(&key())
        .unwrap()
    }

    /// Login: a new family, and its first refresh token.
    pub fn login(&self, subject: &str) -> (String, String) {
        let family = random_token_id().unwrap();
        let token = self.refresh(subject, &family);
        (family, token)
    }

    /// The access token, decoded and checked against revocation, as a protected route does.
    pub fn protected<S: RevocationStore>(
        &self,
        token: &str,
        revocations: &S,
    ) -> Result<Access, Error> {
        let access: Access = Validation::new()
            .clock(self.clock.clone())
            .decode(token, &key())?;
        self.sessions.check_not_revoked(&access, revocations)?;
        Ok(access)
    }

    /// The refresh endpoint: rotates and issues the next pair (access, refresh).
    pub fn refresh_endpoint<R: ReplayStore, S: RevocationStore>(
        &self,
        token: &str,
        replay: &R,
        revocations: &S,
    ) -> Result<(String, String), Error> {
        let rotation =
            self.sessions
                .rotate::<Refresh, _, _, _>(token, &key(), replay, revocations)?;
        let previous = rotation.claims();
        let validity = rotation.validity(REFRESH_LIFETIME);
        assert_eq!(validity.issued_at, self.now());
        let next = Refresh {
            sub: previous.sub.clone(),
            iat: validity.issued_at,
            exp: validity.expires_at,
            jti: rotation.new_token_id().unwrap(),
            fam: previous.fam.clone(),
        }
        .encode(&key())
        .unwrap();
        Ok((self.access(&previous.sub), next))
    }
}

/// A random subject, so that tests sharing a Redis never see each other's records.
pub fn subject() -> String {
    format!("user-{}", random_token_id().unwrap())
}

/// Rotation issues a new pair on one server; the other server accepts the new refresh token
/// and refuses the consumed one.
pub fn rotation_issues_a_new_pair<R: ReplayStore, S: RevocationStore>(
    one: (&R, &S),
    two: (&R, &S),
) {
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let (a, b) = (Server::new(&clock), Server::new(&clock));
    let user = subject();
    let (family, first) = a.login(&user);

    clock.advance(Duration::from_secs(600));
    let (access, second) = a.refresh_endpoint(&first, one.0, one.1).unwrap();
    assert_eq!(a.protected(&access, one.1).unwrap().sub, user);
    assert_eq!(b.protected(&access, two.1).unwrap().sub, user);
    let peeked = jwt_runtime::dangerous::peek::<Refresh>(&second).unwrap();
    assert_eq!(peeked.unverified_claims().fam, family);

    // The other server rotates the second token: the chain goes on across servers.
    clock.advance(Duration::from_secs(600));
    let (_, third) = b.refresh_endpoint(&second, two.0, two.1).unwrap();
    assert_ne!(third, second);
    clock.advance(Duration::from_secs(600));
    a.refresh_endpoint(&third, one.0, one.1).unwrap();
}

/// A consumed refresh token presented again (on the other server) revokes the whole family:
/// the newest refresh token fails too, on both servers; another family of the same user
/// (another device) is untouched, and so are the user's access tokens.
pub fn reuse_revokes_the_family<R: ReplayStore, S: RevocationStore>(one: (&R, &S), two: (&R, &S)) {
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let (a, b) = (Server::new(&clock), Server::new(&clock));
    let user = subject();
    let (_, stolen) = a.login(&user);
    let (_, other_device) = a.login(&user);

    clock.advance(Duration::from_secs(60));
    let (access, newest) = a.refresh_endpoint(&stolen, one.0, one.1).unwrap();

    clock.advance(Duration::from_secs(60));
    let reuse = b.refresh_endpoint(&stolen, two.0, two.1);
    assert!(matches!(reuse, Err(Error::RefreshReuse)), "{reuse:?}");
    let newest_now = a.refresh_endpoint(&newest, one.0, one.1);
    assert!(matches!(newest_now, Err(Error::Revoked)), "{newest_now:?}");
    // Presented again: the family stays revoked (the token was consumed by the attempt).
    let again = b.refresh_endpoint(&newest, two.0, two.1);
    assert!(matches!(again, Err(Error::RefreshReuse)), "{again:?}");

    b.refresh_endpoint(&other_device, two.0, two.1).unwrap();
    a.protected(&access, one.1).unwrap();
}

/// Tokens that are not authentic, or not acceptable, never revoke a family: the reuse path
/// is reached only by a token that passed every check.
pub fn rejected_tokens_revoke_nothing<R: ReplayStore, S: RevocationStore>(one: (&R, &S)) {
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let server = Server::new(&clock);
    let (_, token) = server.login(&subject());

    // The signature's first character changed: six bits of the MAC.
    let signature_at = token.rfind('.').unwrap() + 1;
    let mut forged = token.clone();
    let first = if &token[signature_at..=signature_at] == "A" {
        "B"
    } else {
        "A"
    };
    forged.replace_range(signature_at..=signature_at, first);
    for _ in 0..2 {
        let result = server.refresh_endpoint(&forged, one.0, one.1);
        assert!(matches!(result, Err(Error::Signature)), "{result:?}");
    }
    // An access token at the refresh endpoint: the `typ` differs.
    let access = server.access(&subject());
    let result = server.refresh_endpoint(&access, one.0, one.1);
    assert!(matches!(result, Err(Error::TokenType { .. })), "{result:?}");

    server.refresh_endpoint(&token, one.0, one.1).unwrap();
}

/// Logging a subject out everywhere (on one server) refuses, on both servers, its access and
/// refresh tokens issued before that instant, and accepts those issued at it or later.
/// Other subjects are untouched.
pub fn log_out_everywhere_refuses_older_tokens<R: ReplayStore, S: RevocationStore>(
    one: (&R, &S),
    two: (&R, &S),
) {
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let (a, b) = (Server::new(&clock), Server::new(&clock));
    let (user, bystander) = (subject(), subject());

    let old_access = a.access(&user);
    let (_, old_refresh) = a.login(&user);
    let bystander_access = a.access(&bystander);
    clock.advance(Duration::from_secs(1));
    let just_before = a.access(&user);
    clock.advance(Duration::from_secs(1));

    let logged_out_at = a.sessions.log_out_everywhere(one.1, &user).unwrap();
    assert_eq!(logged_out_at, a.now());
    let at_the_instant = a.access(&user);
    clock.advance(Duration::from_secs(1));
    let after = b.access(&user);
    let (_, new_refresh) = b.login(&user);

    for server in [(&a, one), (&b, two)] {
        let (server, (_, revocations)) = server;
        for token in [&old_access, &just_before] {
            let result = server.protected(token, revocations);
            assert!(matches!(result, Err(Error::Revoked)), "{result:?}");
        }
        for token in [&at_the_instant, &after, &bystander_access] {
            server.protected(token, revocations).unwrap();
        }
    }
    let result = b.refresh_endpoint(&old_refresh, two.0, two.1);
    assert!(matches!(result, Err(Error::Revoked)), "{result:?}");
    a.refresh_endpoint(&new_refresh, one.0, one.1).unwrap();

    // Revoking an earlier instant later changes nothing: the latest instant holds.
    a.sessions
        .revoke_subject_before(one.1, &user, NumericDate::from_secs(START))
        .unwrap();
    let result = b.protected(&just_before, two.1);
    assert!(matches!(result, Err(Error::Revoked)), "{result:?}");
}

/// Logging out one session (its refresh family) ends that session's refresh tokens only.
pub fn log_out_one_session<R: ReplayStore, S: RevocationStore>(one: (&R, &S), two: (&R, &S)) {
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let (a, b) = (Server::new(&clock), Server::new(&clock));
    let user = subject();
    let (family, this_device) = a.login(&user);
    let (_, other_device) = a.login(&user);

    a.sessions.revoke_family(one.1, &family).unwrap();
    let result = b.refresh_endpoint(&this_device, two.0, two.1);
    assert!(matches!(result, Err(Error::Revoked)), "{result:?}");
    assert!(matches!(
        b.sessions.check_family_not_revoked(&family, two.1),
        Err(Error::Revoked)
    ));
    b.refresh_endpoint(&other_device, two.0, two.1).unwrap();
}
