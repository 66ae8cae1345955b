//! The in-memory replay store: consuming a fresh id (one thread, two threads) and presenting
//! an id already consumed. The store runs in a steady state: the clock ticks every 65,536 ids
//! and ids live two ticks (no retention margin), so inserts also evict, as in a long-running
//! service.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput};
use jwt_replay_bench::baseline::BaselineStore;
use jwt_replay_bench::floor::FloorStore;
use jwt_replay_bench::{LIFETIME, TICK_EVERY, TickingClock, fresh_id};
use jwt_runtime::Clock;
use jwt_runtime::replay::{InsertOutcome, MemoryStore, ReplayId, ReplayWindow};

/// Consumes one fresh id at the clock's time.
type Insert<'a> = &'a dyn Fn(&str, &TickingClock);

fn main() {
    let mut criterion = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let mut group = criterion.benchmark_group("memory");
    group.throughput(Throughput::Elements(1));

    let clock = TickingClock::at(1_700_000_000);
    let store = MemoryStore::builder()
        .retention_margin(Duration::ZERO)
        .build();
    let shards = shard_count(&store);
    // The store before its hot path was reworked, and the floor, in the same run: the
    // before/after comparison and the ratio to the floor come from one process.
    let baseline = BaselineStore::builder()
        .retention_margin(Duration::ZERO)
        .build();
    let floor = FloorStore::new(
        shards,
        usize::try_from(2 * LIFETIME.unsigned_abs() * TICK_EVERY).unwrap(),
    );
    let (baseline_clock, floor_clock) = (
        TickingClock::at(1_700_000_000),
        TickingClock::at(1_700_000_000),
    );
    let contenders: [(&str, &TickingClock, Insert<'_>); 3] = [
        ("insert_fresh/1", &clock, &|id, clock| {
            let outcome = store.insert_if_absent(ReplayId::new("bench", id), expiry(clock));
            assert_eq!(black_box(outcome).unwrap(), InsertOutcome::Inserted);
        }),
        ("baseline_fresh/1", &baseline_clock, &|id, clock| {
            let outcome = baseline.insert_if_absent(ReplayId::new("bench", id), expiry(clock));
            assert_eq!(black_box(outcome).unwrap(), InsertOutcome::Inserted);
        }),
        ("floor_fresh/1", &floor_clock, &|id, _| {
            assert!(black_box(floor.insert("bench", id)));
        }),
    ];
    for (name, clock, insert) in contenders {
        let mut made = 0_u64;
        group.bench_function(name, |bencher| {
            bencher.iter_batched(
                || {
                    made += 1;
                    if made.is_multiple_of(TICK_EVERY) {
                        clock.tick();
                    }
                    fresh_id(1)
                },
                |id| {
                    insert(&id, clock);
                    id
                },
                BatchSize::SmallInput,
            );
        });
    }

    group.bench_function("insert_fresh/2", |bencher| {
        bencher.iter_custom(|iters| in_threads(&store, &clock, 2, iters));
    });

    let present: Vec<String> = (0..100_000).map(|_| fresh_id(2)).collect();
    let far = ReplayWindow::new(clock.now(), clock.now() + Duration::from_secs(3_600));
    for id in &present {
        let _ = store
            .insert_if_absent(ReplayId::new("bench", id), far)
            .unwrap();
    }
    let mut next = 0;
    group.bench_function("insert_present/1", |bencher| {
        bencher.iter(|| {
            next = (next + 1) % present.len();
            store.insert_if_absent(ReplayId::new("bench", &present[next]), far)
        });
    });
    group.finish();
    criterion.final_summary();
    eprintln!("store after the run: {store:?}");
}

/// The store's shard count, from its `Debug` output (the floor gets as many).
fn shard_count(store: &MemoryStore) -> usize {
    let debug = format!("{store:?}");
    let after = &debug[debug.find("shards: ").expect("shards in Debug") + 8..];
    after[..after.find(|c: char| !c.is_ascii_digit()).unwrap()]
        .parse()
        .unwrap()
}

fn expiry(clock: &TickingClock) -> ReplayWindow {
    let now = clock.now();
    ReplayWindow::new(now, now + Duration::from_secs(LIFETIME.unsigned_abs()))
}

/// `threads` threads consume `iters` fresh ids between them; the wall time of the whole.
fn in_threads(store: &MemoryStore, clock: &TickingClock, threads: u64, iters: u64) -> Duration {
    let per_thread = iters.div_ceil(threads);
    let barrier = Barrier::new(usize::try_from(threads).unwrap() + 1);
    let elapsed = std::thread::scope(|scope| {
        for thread in 0..threads {
            let barrier = &barrier;
            scope.spawn(move || {
                let ids: Vec<String> = (0..per_thread).map(|_| fresh_id(10 + thread)).collect();
                barrier.wait();
                for (i, id) in ids.iter().enumerate() {
                    if thread == 0 && (i as u64).is_multiple_of(TICK_EVERY / threads) {
                        clock.tick();
                    }
                    let _ = store.insert_if_absent(ReplayId::new("bench", id), expiry(clock));
                }
            });
        }
        barrier.wait();
        Instant::now()
    })
    .elapsed();
    elapsed.mul_f64(iters as f64 / (per_thread * threads) as f64)
}
