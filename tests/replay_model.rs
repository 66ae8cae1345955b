//! One-use means once, whatever the clocks do: a model-based property test of
//! `decode_once` on the in-memory store and on a real `redis-server`.
//!
//! A scenario is an arbitrary interleaving of presentations of a few one-use tokens to a few
//! validations that share one store, each validation with its own leeway and its own clock,
//! clocks that advance together (time passing) and clocks that step on their own, forward or
//! back. A reference model predicts each outcome: `Expired` when the validation's own claims
//! check refuses the token, `Replayed` once its id was accepted, the fresh token accepted
//! otherwise, and for the memory store a refusal (`StoreUnavailable`) exactly when the
//! validation's clock minus its leeway is further behind the store's time than the retention
//! margin. Every outcome must match the model, and no token is ever accepted twice.
//!
//! - Memory: clocks step anywhere (far beyond the margin), which the store must refuse rather
//!   than answer `Inserted` for a token it may not be protecting.
//! - Redis: the store's clock is Redis's own, put far from the validations' (a day, an hour,
//!   none, ahead or behind); the validations' clocks and leeways differ by less than the
//!   retention margin, the deployment rule the Redis store documents. Keys live at least the
//!   margin (five minutes), longer than the test, so the model has Redis forget nothing; the
//!   forgetting itself is tested in `tests/replay_redis.rs`.
//!
//! Without `redis-server` on `PATH` the Redis half prints a loud notice and passes, unless
//! `JWT_REQUIRE_REDIS=1`. `PROPTEST_CASES` changes the number of cases.

#[path = "support/redis_server.rs"]
mod redis_server;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use jwt_runtime::replay::{MemoryStore, RedisStore, ReplayStore, StoreError};
use jwt_runtime::{Claims, Error, HmacKey, Hs256, ManualClock, NumericDate, Validation};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use redis_server::{RedisServer, redis_installed};

/// The retention margin of the stores under test (the default).
const MARGIN_SECS: f64 = 300.0;

/// A one-use ticket.
#[derive(Claims, Debug)]
struct Ticket {
    exp: NumericDate,
    jti: String,
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"replay-model test key, 32 bytes!").unwrap()
}

/// Quarter seconds: exact in `f64` at today's dates, so the model's arithmetic is the
/// validation's.
fn quarters(range: core::ops::RangeInclusive<i32>) -> impl Strategy<Value = f64> {
    range.prop_map(|quarters| f64::from(quarters) / 4.0)
}

#[derive(Debug, Clone)]
enum Op {
    /// Validation `validation` is presented token `token`.
    Present { validation: usize, token: usize },
    /// Time passes: every clock moves forward by this many seconds.
    Advance(f64),
    /// One clock steps: it now runs `offset` seconds from the true time.
    Step { validation: usize, offset: f64 },
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Per validation: its leeway in whole seconds and its clock's offset from the true time.
    validations: Vec<(u64, f64)>,
    /// Per token: its `exp`, in seconds from the start.
    expiries: Vec<f64>,
    ops: Vec<Op>,
}

/// Scenarios whose clock offsets stay within `±spread` seconds.
fn scenarios(spread: i32) -> impl Strategy<Value = Scenario> {
    let leeways = prop_oneof![Just(0_u64), Just(1), Just(5), Just(30), Just(60)];
    let validations = prop::collection::vec((leeways, quarters(-4 * spread..=4 * spread)), 1..=4);
    let expiries = prop::collection::vec(quarters(-4 * 60..=4 * 400), 1..=6);
    (validations, expiries).prop_flat_map(move |(validations, expiries)| {
        let (count, tokens) = (validations.len(), expiries.len());
        let op = prop_oneof![
            6 => (0..count, 0..tokens)
                .prop_map(|(validation, token)| Op::Present { validation, token }),
            2 => quarters(0..=4 * 120).prop_map(Op::Advance),
            2 => (0..count, quarters(-4 * spread..=4 * spread))
                .prop_map(|(validation, offset)| Op::Step { validation, offset }),
        ];
        prop::collection::vec(op, 1..48).prop_map(move |ops| Scenario {
            validations: validations.clone(),
            expiries: expiries.clone(),
            ops,
        })
    })
}

/// What the model expects of one presentation.
#[derive(Debug, PartialEq)]
enum Expected {
    Accepted,
    Replayed,
    Expired,
    /// The memory store refuses: the clock is too far behind its time.
    ClockBehind,
}

/// Runs `scenario` against `store`, with validations whose clocks start at `start`; the
/// memory store's refusal is modelled when `refuses_lagging_clocks`.
fn run<S: ReplayStore>(
    scenario: &Scenario,
    store: &S,
    start: f64,
    refuses_lagging_clocks: bool,
    seen: &Seen,
) -> Result<(), TestCaseError> {
    let key = key();
    let tokens: Vec<String> = scenario
        .expiries
        .iter()
        .enumerate()
        .map(|(i, &exp)| {
            Ticket {
                exp: NumericDate::from_f64(start + exp).unwrap(),
                jti: format!("ticket-{i}"),
            }
            .encode(&key)
            .unwrap()
        })
        .collect();
    let mut offsets: Vec<f64> = scenario.validations.iter().map(|v| v.1).collect();
    let clocks: Vec<ManualClock> = offsets
        .iter()
        .map(|offset| ManualClock::new(NumericDate::from_f64(start + offset).unwrap()))
        .collect();
    let validations: Vec<Validation<&ManualClock>> = scenario
        .validations
        .iter()
        .zip(&clocks)
        .map(|(&(leeway, _), clock)| {
            Validation::new()
                .clock(clock)
                .leeway(Duration::from_secs(leeway))
        })
        .collect();

    // The model: the true time, the ids accepted so far, the store's time.
    let mut now = start;
    let mut accepted = HashSet::new();
    let mut store_time = f64::NEG_INFINITY;
    for (step, op) in scenario.ops.iter().enumerate() {
        match *op {
            Op::Advance(seconds) => now += seconds,
            Op::Step { validation, offset } => offsets[validation] = offset,
            Op::Present { validation, token } => {
                let clock = now + offsets[validation];
                clocks[validation].set(NumericDate::from_f64(clock).unwrap());
                #[allow(clippy::cast_precision_loss, reason = "small leeways")]
                let leeway = scenario.validations[validation].0 as f64;
                let exp = start + scenario.expiries[token];
                let checked_at = clock - leeway;
                let expected = if clock >= exp + leeway {
                    Expected::Expired
                } else {
                    store_time = store_time.max(checked_at);
                    if refuses_lagging_clocks && store_time - checked_at > MARGIN_SECS {
                        Expected::ClockBehind
                    } else if accepted.insert(token) {
                        Expected::Accepted
                    } else {
                        Expected::Replayed
                    }
                };
                let result = validations[validation].decode_once::<Ticket, _, _>(
                    &tokens[token],
                    &key,
                    store,
                );
                let found = match &result {
                    Ok(_) => Expected::Accepted,
                    Err(Error::Replayed) => Expected::Replayed,
                    Err(Error::Expired { .. }) => Expected::Expired,
                    Err(Error::StoreUnavailable(source))
                        if matches!(
                            source.downcast_ref::<StoreError>(),
                            Some(StoreError::ClockBehind { .. })
                        ) =>
                    {
                        Expected::ClockBehind
                    }
                    Err(other) => {
                        return Err(TestCaseError::fail(format!("step {step}: {other:?}")));
                    }
                };
                seen.record(&found);
                // The property itself, then the model's exact prediction.
                prop_assert!(
                    !(found == Expected::Accepted && expected == Expected::Replayed),
                    "step {step}: token {token} accepted twice (validation {validation}, clock {clock}, exp {exp})"
                );
                prop_assert_eq!(
                    &found,
                    &expected,
                    "step {}: token {} at validation {} (clock {}, leeway {}, exp {})",
                    step,
                    token,
                    validation,
                    clock,
                    leeway,
                    exp
                );
            }
        }
    }
    Ok(())
}

/// How often each outcome occurred over all cases: a test whose scenarios never reach an
/// outcome proves nothing about it.
#[derive(Default)]
struct Seen([AtomicU32; 4]);

impl Seen {
    fn record(&self, outcome: &Expected) {
        let index = match outcome {
            Expected::Accepted => 0,
            Expected::Replayed => 1,
            Expected::Expired => 2,
            Expected::ClockBehind => 3,
        };
        self.0[index].fetch_add(1, Ordering::Relaxed);
    }

    fn assert_reached(&self, outcomes: usize) {
        let counts: Vec<u32> = self
            .0
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .collect();
        assert!(
            counts[..outcomes].iter().all(|&count| count > 0),
            "outcomes (accepted, replayed, expired, clock behind) seen: {counts:?}"
        );
    }
}

fn runner(default_cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default_cases);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn a_one_use_token_is_accepted_at_most_once_whatever_the_clocks_do_memory() {
    // Steps of up to 20 minutes either way, four times the margin.
    let seen = Seen::default();
    runner(256)
        .run(&scenarios(1_200), |scenario| {
            let store = MemoryStore::new();
            run(&scenario, &store, 1_700_000_000.0, true, &seen)
        })
        .unwrap();
    seen.assert_reached(4);
}

#[test]
fn a_one_use_token_is_accepted_at_most_once_whatever_the_clocks_do_redis() {
    if !redis_installed("replay model test on Redis") {
        return;
    }
    let server = RedisServer::start(&[]);
    let redis_now: i64 = redis::cmd("TIME")
        .query::<(i64, i64)>(
            &mut redis::Client::open(server.url())
                .unwrap()
                .get_connection()
                .unwrap(),
        )
        .unwrap()
        .0;
    let case = AtomicU32::new(0);
    let seen = Seen::default();
    // Clocks and leeways within the margin of one another: offsets within ±100 s, leeways up
    // to 60 s, so (clock - leeway) differs by at most 260 s.
    let skews = prop_oneof![
        Just(-86_400_i64),
        Just(-3_600),
        Just(0),
        Just(3_600),
        Just(86_400)
    ];
    runner(64)
        .run(&(scenarios(100), skews), |(scenario, skew)| {
            let case = case.fetch_add(1, Ordering::Relaxed);
            // A fresh namespace of keys per case, on the one server.
            let store = RedisStore::builder(server.url())
                .key_prefix(format!("case-{case}:"))
                .build()
                .unwrap();
            #[allow(clippy::cast_precision_loss, reason = "today's dates")]
            let start = (redis_now + skew) as f64;
            run(&scenario, &store, start, false, &seen)
        })
        .unwrap();
    seen.assert_reached(3);
}
