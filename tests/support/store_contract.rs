//! The contract every replay store keeps, as test functions generic over the store: run by
//! `tests/replay_memory.rs` on the in-memory store and by `tests/replay_redis.rs` on Redis.
//!
//! Each function takes a fresh, empty store whose clock reads `now` (or earlier) for the
//! whole test, the validation time `now`, and `stored_ids`, which counts the ids the store
//! holds (`MemoryStore::len`, Redis's `DBSIZE`). Tokens expire at `now + LIFETIME`.

use std::sync::{Arc, Barrier};

use jwt_runtime::replay::{AsyncReplayStore, ReplayStore};
use jwt_runtime::{Claims, Error, FixedClock, HmacKey, Hs256, NumericDate, Validation};

/// How long the contract's tokens live, in seconds.
pub const LIFETIME: i64 = 600;

/// A one-use link: `jti` makes it [`OneUse`](jwt_runtime::replay::OneUse).
#[derive(Claims, Debug, Clone)]
#[claims(iss = "https://auth.example.com", aud = "links.example.com")]
pub struct Link {
    pub sub: String,
    pub exp: NumericDate,
    pub jti: String,
}

/// The same shape for another audience.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "elsewhere.example.com")]
struct ElsewhereLink {
    sub: String,
    exp: NumericDate,
    jti: String,
}

/// The same token shape without an id: presented where a one-use token is expected.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "links.example.com")]
struct Unidentified {
    sub: String,
    exp: NumericDate,
}

pub fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"store-contract test key, 32 byte").unwrap()
}

pub fn link(jti: &str, now: i64) -> Link {
    Link {
        sub: "ada".into(),
        exp: NumericDate::from_secs(now + LIFETIME),
        jti: jti.into(),
    }
}

/// A genuine one-use token with this id, expiring at `now + LIFETIME`.
pub fn token(jti: &str, now: i64) -> String {
    link(jti, now).encode(&key()).unwrap()
}

pub fn validation_at(now: i64) -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(now)))
}

/// Accepted once, then [`Error::Replayed`] however often it comes back; another id is
/// accepted.
pub fn a_token_is_accepted_once_then_replayed<S: ReplayStore>(
    store: &S,
    now: i64,
    stored_ids: impl Fn(&S) -> usize,
) {
    let validation = validation_at(now);
    let token = token("once", now);

    let first: Link = validation.decode_once(&token, &key(), store).unwrap();
    assert_eq!((first.sub.as_str(), first.jti.as_str()), ("ada", "once"));
    for _ in 0..3 {
        let again = validation.decode_once::<Link, _, _>(&token, &key(), store);
        assert!(matches!(again, Err(Error::Replayed)), "{again:?}");
    }
    // Another token, another id: accepted.
    let other: Link = validation
        .decode_once(&self::token("twice", now), &key(), store)
        .unwrap();
    assert_eq!(other.jti, "twice");
    assert_eq!(stored_ids(store), 2);
}

/// Ids that differ in case, whitespace, a NUL or Unicode normalization are different ids.
pub fn ids_compare_as_exact_bytes<S: ReplayStore>(store: &S, now: i64) {
    let validation = validation_at(now);
    for jti in [
        "abc",
        "ABC",
        "abc ",
        " abc",
        "ab\u{0}c",
        "äbc",
        "a\u{308}bc",
    ] {
        let accepted = validation.decode_once::<Link, _, _>(&token(jti, now), &key(), store);
        assert!(accepted.is_ok(), "{jti:?}: {accepted:?}");
    }
    let replayed = validation.decode_once::<Link, _, _>(&token("abc", now), &key(), store);
    assert!(matches!(replayed, Err(Error::Replayed)));
}

/// Forged, tampered, expired, wrong-audience and wrong-subject tokens are rejected for that
/// reason and leave the store untouched; the genuine token is accepted afterwards.
pub fn a_rejected_token_never_burns_its_id<S: ReplayStore>(
    store: &S,
    now: i64,
    stored_ids: impl Fn(&S) -> usize,
) {
    let genuine = token("precious", now);

    // Forged: the same claims under another key.
    let forger = HmacKey::<Hs256>::from_bytes(b"not the issuer's key, 32 bytes!!").unwrap();
    let forged = link("precious", now).encode(&forger).unwrap();
    let result = validation_at(now).decode_once::<Link, _, _>(&forged, &key(), store);
    assert!(matches!(result, Err(Error::Signature)), "{result:?}");

    // Tampered signature.
    let mut tampered = genuine.clone();
    // `A` and `E` both leave the final character's unused bits zero, so the segment stays
    // canonical base64url and the change is a signature error, not a malformed one.
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'E' } else { 'A' });
    let result = validation_at(now).decode_once::<Link, _, _>(&tampered, &key(), store);
    assert!(matches!(result, Err(Error::Signature)), "{result:?}");

    // Expired: at exp exactly.
    let result = validation_at(now + LIFETIME).decode_once::<Link, _, _>(&genuine, &key(), store);
    assert!(matches!(result, Err(Error::Expired { .. })), "{result:?}");

    // Wrong audience.
    let elsewhere = ElsewhereLink {
        sub: "ada".into(),
        exp: NumericDate::from_secs(now + LIFETIME),
        jti: "precious".into(),
    }
    .encode(&key())
    .unwrap();
    let result = validation_at(now).decode_once::<Link, _, _>(&elsewhere, &key(), store);
    assert!(matches!(result, Err(Error::Audience)), "{result:?}");

    // Required subject does not match.
    let result = validation_at(now)
        .subject("grace")
        .decode_once::<Link, _, _>(&genuine, &key(), store);
    assert!(matches!(result, Err(Error::Subject)), "{result:?}");

    assert_eq!(stored_ids(store), 0, "a rejected token consumed its id");
    // The genuine token, one second before it expires, is still fresh.
    let accepted =
        validation_at(now + LIFETIME - 1).decode_once::<Link, _, _>(&genuine, &key(), store);
    assert!(accepted.is_ok(), "{accepted:?}");
    assert_eq!(stored_ids(store), 1);
}

/// A `jti` longer than [`MAX_JTI_LEN`](jwt_runtime::MAX_JTI_LEN) is an invalid claim and is
/// not stored; one of exactly that length is.
pub fn an_overlong_jti_is_an_invalid_claim_and_not_stored<S: ReplayStore>(
    store: &S,
    now: i64,
    stored_ids: impl Fn(&S) -> usize,
) {
    let longest = "j".repeat(jwt_runtime::MAX_JTI_LEN);
    let too_long = "j".repeat(jwt_runtime::MAX_JTI_LEN + 1);

    let result =
        validation_at(now).decode_once::<Link, _, _>(&token(&too_long, now), &key(), store);
    assert!(
        matches!(result, Err(Error::InvalidClaim { claim: "jti", .. })),
        "{result:?}"
    );
    assert_eq!(stored_ids(store), 0);
    assert!(
        validation_at(now)
            .decode_once::<Link, _, _>(&token(&longest, now), &key(), store)
            .is_ok()
    );
    assert_eq!(stored_ids(store), 1);
}

/// A one-use token without an id cannot be protected: it is refused, never accepted
/// unprotected. (`jti: Option<_>` is a compile error: tests/ui/jti-optional.rs.)
pub fn a_one_use_token_without_jti_is_refused<S: ReplayStore>(
    store: &S,
    now: i64,
    stored_ids: impl Fn(&S) -> usize,
) {
    let without = Unidentified {
        sub: "user-1".into(),
        exp: NumericDate::from_secs(now + LIFETIME),
    }
    .encode(&key())
    .unwrap();
    let result = validation_at(now).decode_once::<Link, _, _>(&without, &key(), store);
    assert!(
        matches!(result, Err(Error::MissingClaim { claim: "jti" })),
        "{result:?}"
    );
    assert_eq!(stored_ids(store), 0);
}

/// Sixteen threads present the same forty tokens at once: each token has exactly one winner.
pub fn many_threads_presenting_the_same_token_have_exactly_one_winner<S: ReplayStore + Sync>(
    store: &S,
    now: i64,
    stored_ids: impl Fn(&S) -> usize,
) {
    const THREADS: usize = 16;
    const TOKENS: usize = 40;
    let validation = validation_at(now);
    let tokens: Vec<String> = (0..TOKENS)
        .map(|i| token(&format!("race-{i}"), now))
        .collect();
    let barrier = Barrier::new(THREADS);

    let outcomes: Vec<Vec<bool>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    tokens
                        .iter()
                        .map(|token| {
                            match validation.decode_once::<Link, _, _>(token, &key(), store) {
                                Ok(_) => true,
                                Err(Error::Replayed) => false,
                                Err(other) => panic!("unexpected {other:?}"),
                            }
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for token in 0..TOKENS {
        let winners = outcomes.iter().filter(|thread| thread[token]).count();
        assert_eq!(winners, 1, "token {token} was accepted {winners} times");
    }
    assert_eq!(stored_ids(store), TOKENS);
}

/// Sixty-four tokio tasks on two worker threads present each of twenty tokens at once: each
/// token has exactly one winner. `build_store` runs inside the runtime (an async Redis store
/// must be built there).
pub fn many_tasks_presenting_the_same_token_have_exactly_one_winner<S>(
    build_store: impl FnOnce() -> S,
    now: i64,
    stored_ids: impl Fn(&S) -> usize,
) where
    S: AsyncReplayStore + Send + Sync + 'static,
{
    const TASKS: usize = 64;
    const TOKENS: usize = 20;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let store = runtime.block_on(async { Arc::new(build_store()) });
    let validation = Arc::new(validation_at(now));

    runtime.block_on(async {
        for i in 0..TOKENS {
            let token = token(&format!("task-{i}"), now);
            let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (store, validation, token, barrier) = (
                        Arc::clone(&store),
                        Arc::clone(&validation),
                        token.clone(),
                        Arc::clone(&barrier),
                    );
                    tokio::spawn(async move {
                        barrier.wait().await;
                        validation
                            .decode_once_async::<Link, _, _>(&token, &key(), &*store)
                            .await
                    })
                })
                .collect();
            let mut accepted = 0;
            for task in tasks {
                match task.await.unwrap() {
                    Ok(_) => accepted += 1,
                    Err(Error::Replayed) => {}
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(accepted, 1, "token {i}");
        }
    });
    assert_eq!(stored_ids(&store), TOKENS);
}
