//! One-use (`jti`) tokens on the in-memory replay store: accepted once, consumed only after
//! every other check, forgotten at `exp` + leeway, bounded, and atomic under concurrency.
//! Time comes from clocks the tests set; nothing reads the wall clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use jwt_runtime::replay::{MemoryStore, ReplayStore, StoreError};
use jwt_runtime::{Claims, Clock, Error, HmacKey, Hs256, NumericDate, Validation, dangerous};

const ISSUED: i64 = 1_700_000_000;
const LIFETIME: i64 = 600;

/// A one-use link: `jti` makes it [`OneUse`](jwt_runtime::replay::OneUse).
#[derive(Claims, Debug, Clone)]
#[claims(iss = "https://auth.example.com", aud = "links.example.com")]
struct Link {
    sub: String,
    exp: NumericDate,
    jti: String,
}

/// The same shape for another audience.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "elsewhere.example.com")]
struct ElsewhereLink {
    sub: String,
    exp: NumericDate,
    jti: String,
}

/// A declared leeway.
#[derive(Claims, Debug)]
#[claims(leeway = "30s")]
struct LenientLink {
    exp: NumericDate,
    jti: String,
}

/// A clock the test moves by hand.
struct TestClock(AtomicI64);

impl TestClock {
    fn at(secs: i64) -> Self {
        TestClock(AtomicI64::new(secs))
    }

    fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> NumericDate {
        NumericDate::from_secs(self.0.load(Ordering::SeqCst))
    }
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"replay-memory test key, 32 bytes").unwrap()
}

fn link(jti: &str) -> Link {
    Link {
        sub: "ada".into(),
        exp: NumericDate::from_secs(ISSUED + LIFETIME),
        jti: jti.into(),
    }
}

fn token(jti: &str) -> String {
    link(jti).encode(&key()).unwrap()
}

fn at(secs: i64) -> Validation<TestClock> {
    Validation::new().clock(TestClock::at(secs))
}

#[test]
fn a_token_is_accepted_once_then_replayed() {
    let store = MemoryStore::builder().clock(TestClock::at(ISSUED)).build();
    let validation = at(ISSUED);
    let token = token("once");

    let first: Link = validation.decode_once(&token, &key(), &store).unwrap();
    assert_eq!((first.sub.as_str(), first.jti.as_str()), ("ada", "once"));
    for _ in 0..3 {
        let again = validation.decode_once::<Link, _, _>(&token, &key(), &store);
        assert!(matches!(again, Err(Error::Replayed)), "{again:?}");
    }
    // Another token, another id: accepted.
    let other: Link = validation
        .decode_once(&self::token("twice"), &key(), &store)
        .unwrap();
    assert_eq!(other.jti, "twice");
    assert_eq!(store.len(), 2);
}

#[test]
fn ids_compare_as_exact_bytes() {
    let store = MemoryStore::builder().clock(TestClock::at(ISSUED)).build();
    let validation = at(ISSUED);
    for jti in [
        "abc",
        "ABC",
        "abc ",
        " abc",
        "ab\u{0}c",
        "äbc",
        "a\u{308}bc",
    ] {
        let accepted = validation.decode_once::<Link, _, _>(&token(jti), &key(), &store);
        assert!(accepted.is_ok(), "{jti:?}: {accepted:?}");
    }
    let replayed = validation.decode_once::<Link, _, _>(&token("abc"), &key(), &store);
    assert!(matches!(replayed, Err(Error::Replayed)));
}

#[test]
fn a_rejected_token_never_burns_its_id() {
    let store = MemoryStore::builder().clock(TestClock::at(ISSUED)).build();
    let genuine = token("precious");

    // Forged: the same claims under another key.
    let forger = HmacKey::<Hs256>::from_bytes(b"not the issuer's key, 32 bytes!!").unwrap();
    let forged = link("precious").encode(&forger).unwrap();
    let result = at(ISSUED).decode_once::<Link, _, _>(&forged, &key(), &store);
    assert!(matches!(result, Err(Error::Signature)), "{result:?}");

    // Tampered signature.
    let mut tampered = genuine.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let result = at(ISSUED).decode_once::<Link, _, _>(&tampered, &key(), &store);
    assert!(matches!(result, Err(Error::Signature)), "{result:?}");

    // Expired: at exp exactly.
    let result = at(ISSUED + LIFETIME).decode_once::<Link, _, _>(&genuine, &key(), &store);
    assert!(matches!(result, Err(Error::Expired { .. })), "{result:?}");

    // Wrong audience.
    let elsewhere = ElsewhereLink {
        sub: "ada".into(),
        exp: NumericDate::from_secs(ISSUED + LIFETIME),
        jti: "precious".into(),
    }
    .encode(&key())
    .unwrap();
    let result = at(ISSUED).decode_once::<Link, _, _>(&elsewhere, &key(), &store);
    assert!(matches!(result, Err(Error::Audience)), "{result:?}");

    // Required subject does not match.
    let result = at(ISSUED)
        .subject("grace")
        .decode_once::<Link, _, _>(&genuine, &key(), &store);
    assert!(matches!(result, Err(Error::Subject)), "{result:?}");

    assert!(store.is_empty(), "a rejected token consumed its id");
    // The genuine token, one second before it expires, is still fresh.
    let accepted = at(ISSUED + LIFETIME - 1).decode_once::<Link, _, _>(&genuine, &key(), &store);
    assert!(accepted.is_ok(), "{accepted:?}");
    assert_eq!(store.len(), 1);
}

#[test]
fn an_overlong_jti_is_an_invalid_claim_and_not_stored() {
    let store = MemoryStore::builder().clock(TestClock::at(ISSUED)).build();
    let longest = "j".repeat(jwt_runtime::MAX_JTI_LEN);
    let too_long = "j".repeat(jwt_runtime::MAX_JTI_LEN + 1);

    let result = at(ISSUED).decode_once::<Link, _, _>(&token(&too_long), &key(), &store);
    assert!(
        matches!(result, Err(Error::InvalidClaim { claim: "jti", .. })),
        "{result:?}"
    );
    assert!(store.is_empty());
    assert!(
        at(ISSUED)
            .decode_once::<Link, _, _>(&token(&longest), &key(), &store)
            .is_ok()
    );
    assert_eq!(store.len(), 1);
}

#[test]
fn the_id_is_kept_until_exp_plus_leeway_then_forgotten() {
    // The validation clock stays inside the token's lifetime (thanks to the leeway); only the
    // store's clock moves, to show exactly when the store forgets.
    let leeway = Duration::from_secs(30);
    let exp = ISSUED + LIFETIME;
    let store_clock = TestClock::at(ISSUED);
    let store = MemoryStore::builder().clock(&store_clock).build();
    let validation = at(exp + 10).leeway(leeway);
    let token = token("lenient");

    assert!(
        validation
            .decode_once::<Link, _, _>(&token, &key(), &store)
            .is_ok()
    );
    store_clock.set(exp + 29);
    let replayed = validation.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    store_clock.set(exp + 30);
    assert!(
        validation
            .decode_once::<Link, _, _>(&token, &key(), &store)
            .is_ok()
    );
}

#[test]
fn a_declared_leeway_extends_the_memory_too() {
    let exp = ISSUED + LIFETIME;
    let token = LenientLink {
        exp: NumericDate::from_secs(exp),
        jti: "declared".into(),
    }
    .encode(&key())
    .unwrap();
    let store_clock = TestClock::at(ISSUED);
    let store = MemoryStore::builder().clock(&store_clock).build();
    let validation = at(exp + 29);

    assert!(
        validation
            .decode_once::<LenientLink, _, _>(&token, &key(), &store)
            .is_ok()
    );
    store_clock.set(exp + 29);
    let replayed = validation.decode_once::<LenientLink, _, _>(&token, &key(), &store);
    assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    store_clock.set(exp + 30);
    assert!(
        validation
            .decode_once::<LenientLink, _, _>(&token, &key(), &store)
            .is_ok()
    );
    // And past exp + leeway the token itself is expired: the forgotten id cannot be reused.
    let expired = at(exp + 30).decode_once::<LenientLink, _, _>(&token, &key(), &store);
    assert!(matches!(expired, Err(Error::Expired { .. })), "{expired:?}");
}

#[test]
fn a_full_store_fails_closed_and_never_evicts_a_live_id() {
    let clock = TestClock::at(ISSUED);
    let store = MemoryStore::builder().capacity(2).clock(&clock).build();
    let validation = Validation::new().clock(&clock);

    assert!(
        validation
            .decode_once::<Link, _, _>(&token("a"), &key(), &store)
            .is_ok()
    );
    assert!(
        validation
            .decode_once::<Link, _, _>(&token("b"), &key(), &store)
            .is_ok()
    );
    let full = validation
        .decode_once::<Link, _, _>(&token("c"), &key(), &store)
        .unwrap_err();
    assert!(full.is_store_unavailable());
    assert!(full.to_string().contains("replay store full"), "{full}");
    let Error::StoreUnavailable(source) = &full else {
        panic!("{full:?}")
    };
    assert!(matches!(
        source.downcast_ref::<StoreError>(),
        Some(StoreError::Full { capacity: 2 })
    ));
    // The live ids stay: their tokens are still replays.
    for jti in ["a", "b"] {
        let replayed = validation.decode_once::<Link, _, _>(&token(jti), &key(), &store);
        assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    }
    // Once they expire, new tokens (valid later) are accepted again.
    let later = Link {
        exp: NumericDate::from_secs(ISSUED + 2 * LIFETIME),
        ..link("c")
    }
    .encode(&key())
    .unwrap();
    clock.set(ISSUED + LIFETIME);
    assert!(
        validation
            .decode_once::<Link, _, _>(&later, &key(), &store)
            .is_ok()
    );
}

#[test]
fn many_threads_presenting_the_same_token_have_exactly_one_winner() {
    const THREADS: usize = 16;
    const TOKENS: usize = 40;
    let store = MemoryStore::builder().clock(TestClock::at(ISSUED)).build();
    let validation = at(ISSUED);
    let tokens: Vec<String> = (0..TOKENS).map(|i| token(&format!("race-{i}"))).collect();
    let barrier = Barrier::new(THREADS);

    let outcomes: Vec<Vec<bool>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    tokens
                        .iter()
                        .map(|token| {
                            match validation.decode_once::<Link, _, _>(token, &key(), &store) {
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
    assert_eq!(store.len(), TOKENS);
}

#[test]
fn many_tasks_presenting_the_same_token_have_exactly_one_winner() {
    const TASKS: usize = 64;
    const TOKENS: usize = 20;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let store = Arc::new(MemoryStore::builder().clock(TestClock::at(ISSUED)).build());
    let validation = Arc::new(at(ISSUED));
    let tokens: Vec<String> = (0..TOKENS).map(|i| token(&format!("task-{i}"))).collect();

    runtime.block_on(async {
        for token in tokens {
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
            assert_eq!(accepted, 1);
        }
    });
    assert_eq!(store.len(), TOKENS);
}

#[test]
fn memory_stays_bounded_under_a_stream_of_distinct_ids() {
    // 20,000 one-use tokens, each valid for 10 s, presented while the clock advances one
    // second every 100 tokens: about 1,000 are live at any time, and the store holds about
    // that many, never the whole stream, and never fills up.
    let clock = TestClock::at(ISSUED);
    let store = MemoryStore::builder().capacity(2_000).clock(&clock).build();
    let validation = Validation::new().clock(&clock);
    let key = key();
    let mut most = 0;
    for i in 0..20_000_i64 {
        let now = ISSUED + i / 100;
        clock.set(now);
        let token = Link {
            sub: "stream".into(),
            exp: NumericDate::from_secs(now + 10),
            jti: format!("stream-{i}"),
        }
        .encode(&key)
        .unwrap();
        let accepted = validation.decode_once::<Link, _, _>(&token, &key, &store);
        assert!(accepted.is_ok(), "token {i}: {accepted:?}");
        most = most.max(store.len());
    }
    assert!(most <= 1_500, "the store held {most} ids");
}

#[test]
fn the_escape_hatch_checks_everything_but_replay_and_consumes_nothing() {
    let store = MemoryStore::builder().clock(TestClock::at(ISSUED)).build();
    let validation = at(ISSUED);
    let token = token("inspected");
    for _ in 0..2 {
        let inspected: Link =
            dangerous::decode_without_replay_check(&validation, &token, &key()).unwrap();
        assert_eq!(inspected.jti, "inspected");
    }
    let expired = dangerous::decode_without_replay_check::<Link, _, _>(
        &at(ISSUED + LIFETIME),
        &token,
        &key(),
    );
    assert!(matches!(expired, Err(Error::Expired { .. })));
    assert!(store.is_empty());
    assert!(
        validation
            .decode_once::<Link, _, _>(&token, &key(), &store)
            .is_ok()
    );
}

#[test]
fn stores_can_be_shared_by_reference_arc_box_and_trait_object() {
    let store = Arc::new(MemoryStore::builder().clock(TestClock::at(ISSUED)).build());
    let validation = at(ISSUED);
    let boxed: Box<dyn ReplayStore + Send + Sync> = Box::new(Arc::clone(&store));
    let dynamic: &dyn ReplayStore = &*store;

    assert!(
        validation
            .decode_once::<Link, _, _>(&token("1"), &key(), &store)
            .is_ok()
    );
    assert!(
        validation
            .decode_once::<Link, _, _>(&token("2"), &key(), &boxed)
            .is_ok()
    );
    assert!(
        validation
            .decode_once::<Link, _, _>(&token("3"), &key(), dynamic)
            .is_ok()
    );
    for jti in ["1", "2", "3"] {
        let replayed = validation.decode_once::<Link, _, _>(&token(jti), &key(), &*store);
        assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    }
}

/// The same token shape without an id: presented where a one-use token is expected.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "links.example.com")]
struct Unidentified {
    sub: String,
    exp: NumericDate,
}

/// A one-use token without an id cannot be protected: it is refused, never accepted
/// unprotected. (`jti: Option<_>` is a compile error: tests/ui/jti-optional.rs.)
#[test]
fn a_one_use_token_without_jti_is_refused() {
    let store = MemoryStore::builder().clock(TestClock::at(ISSUED)).build();
    let exp = NumericDate::from_secs(ISSUED + LIFETIME);
    let without = Unidentified {
        sub: "user-1".into(),
        exp,
    }
    .encode(&key())
    .unwrap();
    let result = at(ISSUED).decode_once::<Link, _, _>(&without, &key(), &store);
    assert!(
        matches!(result, Err(Error::MissingClaim { claim: "jti" })),
        "{result:?}"
    );
    assert!(store.is_empty());
}
