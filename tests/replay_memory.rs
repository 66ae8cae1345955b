//! One-use (`jti`) tokens on the in-memory replay store: the store contract
//! (`tests/support/store_contract.rs`: accepted once, consumed only after every other check,
//! atomic under concurrency), then what is the memory store's own: forgotten at `exp` +
//! leeway, bounded. Time comes from clocks the tests set; nothing reads the wall clock.

#[path = "support/store_contract.rs"]
mod store_contract;

use std::sync::Arc;
use std::time::Duration;

use jwt_runtime::replay::{
    InsertOutcome, MemoryStore, ReplayId, ReplayStore, ReplayWindow, StoreError,
};
use jwt_runtime::{Claims, Error, HmacKey, Hs256, ManualClock, NumericDate, Validation, dangerous};

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

/// A declared leeway.
#[derive(Claims, Debug)]
#[claims(leeway = "30s")]
struct LenientLink {
    exp: NumericDate,
    jti: String,
}

/// A clock the test moves by hand, at `secs`.
fn clock_at(secs: i64) -> ManualClock {
    ManualClock::new(NumericDate::from_secs(secs))
}

/// A fresh store with the defaults.
fn store() -> MemoryStore {
    MemoryStore::new()
}

fn stored_ids(store: &MemoryStore) -> usize {
    store.len()
}

#[test]
fn a_token_is_accepted_once_then_replayed() {
    store_contract::a_token_is_accepted_once_then_replayed(&store(), ISSUED, stored_ids);
}

#[test]
fn ids_compare_as_exact_bytes() {
    store_contract::ids_compare_as_exact_bytes(&store(), ISSUED);
}

#[test]
fn a_rejected_token_never_burns_its_id() {
    store_contract::a_rejected_token_never_burns_its_id(&store(), ISSUED, stored_ids);
}

#[test]
fn an_overlong_jti_is_an_invalid_claim_and_not_stored() {
    store_contract::an_overlong_jti_is_an_invalid_claim_and_not_stored(
        &store(),
        ISSUED,
        stored_ids,
    );
}

#[test]
fn a_one_use_token_without_jti_is_refused() {
    store_contract::a_one_use_token_without_jti_is_refused(&store(), ISSUED, stored_ids);
}

#[test]
fn many_threads_presenting_the_same_token_have_exactly_one_winner() {
    store_contract::many_threads_presenting_the_same_token_have_exactly_one_winner(
        &store(),
        ISSUED,
        stored_ids,
    );
}

#[test]
fn many_tasks_presenting_the_same_token_have_exactly_one_winner() {
    store_contract::many_tasks_presenting_the_same_token_have_exactly_one_winner(
        store, ISSUED, stored_ids,
    );
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

fn at(secs: i64) -> Validation<ManualClock> {
    Validation::new().clock(clock_at(secs))
}

#[test]
fn the_id_is_kept_while_the_consuming_validation_accepts_the_token() {
    // Retention is measured from the validation's own clock reading: with no margin, the id
    // is kept exactly until the token fails the `exp` check (exp + leeway), and no longer.
    let leeway = Duration::from_secs(30);
    let exp = ISSUED + LIFETIME;
    // One shard, so that the later insert below evicts from the first id's shard.
    let store = MemoryStore::builder()
        .shards(1)
        .retention_margin(Duration::ZERO)
        .build();
    let clock = clock_at(exp + 10);
    let validation = Validation::new().clock(&clock).leeway(leeway);
    let token = token("lenient");

    assert!(
        validation
            .decode_once::<Link, _, _>(&token, &key(), &store)
            .is_ok()
    );
    clock.set(NumericDate::from_f64((exp + 29) as f64 + 0.999).unwrap());
    let replayed = validation.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    // A later token moves the store's time on to exp + 30 - 30: the id is forgotten...
    let later = Link {
        exp: NumericDate::from_secs(exp + 600),
        ..link("later")
    }
    .encode(&key())
    .unwrap();
    clock.set(NumericDate::from_secs(exp + 30));
    assert!(
        validation
            .decode_once::<Link, _, _>(&later, &key(), &store)
            .is_ok()
    );
    assert_eq!(store.len(), 1, "the first id was evicted");
    // ...exactly when the token fails the `exp` check for this validation.
    let expired = validation.decode_once::<Link, _, _>(&token, &key(), &store);
    assert!(matches!(expired, Err(Error::Expired { .. })), "{expired:?}");
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
    let store = MemoryStore::builder()
        .retention_margin(Duration::ZERO)
        .build();
    let clock = clock_at(exp + 20);
    let validation = Validation::new().clock(&clock);

    assert!(
        validation
            .decode_once::<LenientLink, _, _>(&token, &key(), &store)
            .is_ok()
    );
    clock.set(NumericDate::from_secs(exp + 29));
    let replayed = validation.decode_once::<LenientLink, _, _>(&token, &key(), &store);
    assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    // Past exp + leeway the token itself is expired: the id may go.
    clock.set(NumericDate::from_secs(exp + 30));
    let expired = validation.decode_once::<LenientLink, _, _>(&token, &key(), &store);
    assert!(matches!(expired, Err(Error::Expired { .. })), "{expired:?}");
}

#[test]
fn a_full_store_fails_closed_and_never_evicts_a_live_id() {
    let clock = clock_at(ISSUED);
    let store = MemoryStore::builder()
        .capacity(2)
        .retention_margin(Duration::ZERO)
        .build();
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
    clock.set(NumericDate::from_secs(ISSUED + LIFETIME));
    assert!(
        validation
            .decode_once::<Link, _, _>(&later, &key(), &store)
            .is_ok()
    );
}

#[test]
fn memory_stays_bounded_under_a_stream_of_distinct_ids() {
    // 20,000 one-use tokens, each valid for 10 s, presented while the clock advances one
    // second every 100 tokens: about 1,000 are live at any time, and the store holds about
    // that many, never the whole stream, and never fills up.
    let clock = clock_at(ISSUED);
    let store = MemoryStore::builder()
        .capacity(2_000)
        .retention_margin(Duration::ZERO)
        .build();
    let validation = Validation::new().clock(&clock);
    let key = key();
    let mut most = 0;
    for i in 0..20_000_i64 {
        let now = ISSUED + i / 100;
        clock.set(NumericDate::from_secs(now));
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
    let store = MemoryStore::new();
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
    let store = Arc::new(MemoryStore::new());
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

#[test]
fn every_expired_id_is_evicted_after_a_burst_sharing_one_expiry_second() {
    // Bursts of ids that all expire in the same second land in one bucket of the expiry
    // wheel. Once they have expired, a stream of later inserts drains the wheel (each insert
    // evicts a few expired ids of its shard); afterwards nothing expired may be left behind.
    const BURST: usize = 50_000;
    let store = MemoryStore::builder()
        .shards(2)
        .retention_margin(Duration::ZERO)
        .build();
    let now = NumericDate::from_secs(ISSUED);
    for burst in 0..4_i64 {
        let window = ReplayWindow::new(now, NumericDate::from_secs(ISSUED + 10 + burst));
        for i in 0..BURST {
            let jti = format!("burst-{burst}-{i}");
            let _ = store
                .insert_if_absent(ReplayId::new("", &jti), window)
                .unwrap();
        }
    }
    assert_eq!(store.len(), 4 * BURST);
    let later = ReplayWindow::new(
        NumericDate::from_secs(ISSUED + 100),
        NumericDate::from_secs(ISSUED + 1_000),
    );
    // Far more inserts than needed to drain every expired id at a few per insert.
    let drains = 4 * BURST;
    for i in 0..drains {
        let jti = format!("drain-{i}");
        let _ = store
            .insert_if_absent(ReplayId::new("", &jti), later)
            .unwrap();
    }
    assert_eq!(store.len(), drains, "expired ids were left behind");
}

#[test]
fn ids_of_any_length_in_any_number_of_namespaces_take_one_slot_each() {
    // Ids are held as digests: a long `jti` is as welcome as a short one, and there is no
    // limit on namespaces (one per kind of token is the norm; 70,000 here, all in one shard).
    let store = MemoryStore::builder()
        .shards(1)
        .retention_margin(Duration::ZERO)
        .build();
    let window = ReplayWindow::new(
        NumericDate::from_secs(ISSUED),
        NumericDate::from_secs(ISSUED + LIFETIME),
    );
    let long = "j".repeat(1_000);
    let namespaces: Vec<String> = (0..70_000).map(|n| format!("kind-{n}")).collect();
    for round in [InsertOutcome::Inserted, InsertOutcome::AlreadyPresent] {
        for namespace in &namespaces {
            for jti in ["a", long.as_str()] {
                assert_eq!(
                    store
                        .insert_if_absent(ReplayId::new(namespace, jti), window)
                        .unwrap(),
                    round,
                    "{namespace}"
                );
            }
        }
    }
    assert_eq!(store.len(), 2 * namespaces.len());
}

/// A one-use kind for another audience.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "invites.example.com")]
struct Invite {
    sub: String,
    exp: NumericDate,
    jti: String,
}

/// The same declarations as `Link`: it accepts `Link` tokens.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "links.example.com")]
struct LinkAlias {
    sub: String,
    exp: NumericDate,
    jti: String,
}

fn invite(jti: &str) -> String {
    Invite {
        sub: "ada".into(),
        exp: NumericDate::from_secs(ISSUED + LIFETIME),
        jti: jti.into(),
    }
    .encode(&key())
    .unwrap()
}

#[test]
fn replay_ids_are_namespaced_one_namespace_per_one_use_type() {
    // Two kinds of one-use token share a store and use the same `jti`: neither uses up the
    // other's id.
    let store = MemoryStore::new();
    let validation = at(ISSUED);
    assert!(
        validation
            .decode_once::<Link, _, _>(&token("42"), &key(), &store)
            .is_ok()
    );
    let invite_42 = validation.decode_once::<Invite, _, _>(&invite("42"), &key(), &store);
    assert!(invite_42.is_ok(), "{invite_42:?}");
    let replayed = validation.decode_once::<Invite, _, _>(&invite("42"), &key(), &store);
    assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
    assert_ne!(
        ReplayId::namespace_of::<Link>(),
        ReplayId::namespace_of::<Invite>()
    );

    // The same through one axum `Verifier` and its shared store.
    let verifier = jwt_runtime::http::axum::Verifier::new(key()).clock(clock_at(ISSUED));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert!(verifier.verify::<Link>(&token("7")).await.is_ok());
        let other = verifier.verify::<Invite>(&invite("7")).await;
        assert!(other.is_ok(), "{other:?}");
        for replayed in [
            verifier.verify::<Link>(&token("7")).await.map(drop),
            verifier.verify::<Invite>(&invite("7")).await.map(drop),
        ] {
            assert!(matches!(replayed, Err(Error::Replayed)), "{replayed:?}");
        }
    });
}

#[test]
fn types_that_accept_the_same_tokens_share_a_namespace() {
    // A token consumed as one type is not accepted again as another that declares the same
    // issuer, audience, `typ` and algorithm, and so accepts the same tokens.
    assert_eq!(
        ReplayId::namespace_of::<Link>(),
        ReplayId::namespace_of::<LinkAlias>()
    );
    let store = MemoryStore::new();
    let validation = at(ISSUED);
    assert!(
        validation
            .decode_once::<Link, _, _>(&token("shared"), &key(), &store)
            .is_ok()
    );
    let again = validation.decode_once::<LinkAlias, _, _>(&token("shared"), &key(), &store);
    assert!(matches!(again, Err(Error::Replayed)), "{again:?}");
}
