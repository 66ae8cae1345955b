//! The in-memory store, the same store before its hot path was reworked (`baseline`), and
//! the floor (`floor`), timed interleaved: in every round each one consumes a burst of fresh
//! ids (made beforehand, untimed), in rotating order, and ratios are taken within the
//! round, so that a busy machine slows all three alike. Each runs in the steady state of
//! `benches/memory.rs` (its own clock ticks every 65,536 ids, ids live two ticks), reached
//! before timing.
//!
//! `paired [rounds] [burst] [tick]` (defaults 400, 2,000 and 65,536): `tick` is how many ids
//! each clock tick takes; a store holds two to three ticks' worth (130,000 to 200,000 ids by
//! default: megabytes of tables, more than a core's L2, so that most table accesses miss the
//! cache, as in a busy service). `tick` 2,048 holds 4,000 to 6,000 ids, whose tables stay in
//! cache: that separates the cost of the instructions from the memory stalls. `paired --profile store|baseline|floor|ids N` inserts N fresh ids into a
//! warmed store and nothing else (for `valgrind --tool=callgrind`: instructions per insert
//! are (I(N) - I(0)) / N, less the same for `ids`, which only makes the ids).

use std::hint::black_box;
use std::time::{Duration, Instant};

use jwt_replay_bench::baseline::BaselineStore;
use jwt_replay_bench::floor::FloorStore;
use jwt_replay_bench::{LIFETIME, TICK_EVERY, TickingClock, fresh_id};
use jwt_runtime::Clock;
use jwt_runtime::replay::{InsertOutcome, MemoryStore, ReplayId, ReplayWindow};

/// Consumes one id in a window; true when it was fresh.
type Insert = Box<dyn Fn(&str, ReplayWindow) -> bool>;

/// One store under test, with its own clock and count of ids consumed.
struct Contender {
    name: &'static str,
    clock: TickingClock,
    made: u64,
    tick_every: u64,
    insert: Insert,
}

impl Contender {
    fn new(name: &'static str, tick_every: u64, insert: Insert) -> Self {
        Contender {
            name,
            clock: TickingClock::at(1_700_000_000),
            made: 0,
            tick_every,
            insert,
        }
    }

    /// Consumes `ids`, ticking the clock as the benchmark does.
    fn run(&mut self, ids: &[String]) {
        for id in ids {
            self.made += 1;
            if self.made.is_multiple_of(self.tick_every) {
                self.clock.tick();
            }
            let now = self.clock.now();
            let window = ReplayWindow::new(now, now + Duration::from_secs(LIFETIME.unsigned_abs()));
            assert!(
                (self.insert)(black_box(id), window),
                "{} refused a fresh id",
                self.name
            );
        }
    }
}

fn contenders(tick_every: u64) -> Vec<Contender> {
    let store = MemoryStore::builder()
        .retention_margin(Duration::ZERO)
        .build();
    let baseline = BaselineStore::builder()
        .retention_margin(Duration::ZERO)
        .build();
    let live = usize::try_from(2 * LIFETIME.unsigned_abs() * tick_every).unwrap();
    let floor = FloorStore::new(shard_count(&store), live);
    vec![
        Contender::new(
            "floor",
            tick_every,
            Box::new(move |id, _| floor.insert("bench", id)),
        ),
        Contender::new(
            "store",
            tick_every,
            Box::new(move |id, window| {
                store
                    .insert_if_absent(ReplayId::new("bench", id), window)
                    .unwrap()
                    == InsertOutcome::Inserted
            }),
        ),
        Contender::new(
            "baseline",
            tick_every,
            Box::new(move |id, window| {
                baseline
                    .insert_if_absent(ReplayId::new("bench", id), window)
                    .unwrap()
                    == InsertOutcome::Inserted
            }),
        ),
    ]
}

/// The store's shard count, from its `Debug` output (the floor gets as many).
fn shard_count(store: &MemoryStore) -> usize {
    let debug = format!("{store:?}");
    let after = &debug[debug.find("shards: ").expect("shards in Debug") + 8..];
    after[..after.find(|c: char| !c.is_ascii_digit()).unwrap()]
        .parse()
        .unwrap()
}

fn ids(n: usize, salt: u64) -> Vec<String> {
    (0..n).map(|_| fresh_id(salt)).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let profile = args.first().map(String::as_str) == Some("--profile");
    let tick_every: u64 = args
        .get(2)
        .filter(|_| !profile)
        .and_then(|tick| tick.parse().ok())
        .unwrap_or(TICK_EVERY);
    let mut all = contenders(tick_every);
    let warm = usize::try_from(4 * tick_every).unwrap();
    if profile {
        let which = args.get(1).expect("store|baseline|floor|ids");
        let n: usize = args.get(2).and_then(|n| n.parse().ok()).expect("N");
        if which == "ids" {
            black_box(ids(warm, 3));
            black_box(ids(n, 4));
            return;
        }
        let mut contender = all
            .into_iter()
            .find(|c| c.name == which)
            .expect("store|baseline|floor");
        contender.run(&ids(warm, 3));
        let batch = ids(n, 4);
        contender.run(&batch);
        return;
    }
    let rounds: usize = args.first().and_then(|r| r.parse().ok()).unwrap_or(400);
    let burst: usize = args.get(1).and_then(|b| b.parse().ok()).unwrap_or(2_000);
    for contender in &mut all {
        contender.run(&ids(warm, 5));
    }
    let mut samples = vec![Vec::with_capacity(rounds); all.len()];
    for round in 0..rounds {
        for k in 0..all.len() {
            let i = (round + k) % all.len();
            let batch = ids(burst, 6 + i as u64);
            let start = Instant::now();
            all[i].run(&batch);
            samples[i].push(start.elapsed().as_nanos() as f64 / burst as f64);
            drop(batch);
        }
    }
    println!(
        "In-memory replay store, fresh id on one thread: {rounds} interleaved rounds of {burst} ids, clock tick every {tick_every} ids; load average {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    // On a busy machine many rounds are disturbed; the fastest decile is each contender's
    // least disturbed view.
    println!(
        "\n| | median ns/op | fastest decile, ns/op | ratio to the floor [interquartile range] |\n|---|---:|---:|---:|"
    );
    for i in 0..all.len() {
        let (q1, q2, q3) = quartiles(
            samples[i]
                .iter()
                .zip(&samples[0])
                .map(|(a, b)| a / b)
                .collect(),
        );
        let (_, median, _) = quartiles(samples[i].clone());
        let decile = percentile(samples[i].clone(), 0.1);
        println!(
            "| {} | {median:.0} | {decile:.0} | {q2:.2}x [{q1:.2}-{q3:.2}] |",
            all[i].name
        );
    }
    let (q1, q2, q3) = quartiles(
        samples[1]
            .iter()
            .zip(&samples[2])
            .map(|(a, b)| a / b)
            .collect(),
    );
    println!("\nstore / baseline, per round: {q2:.2}x [{q1:.2}-{q3:.2}]");
}

fn percentile(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}
