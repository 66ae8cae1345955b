//! The Redis replay stores against a real `redis-server` on loopback (`REDIS_URL`, set by
//! `replay.sh`), at 1, 8 and 64 concurrent callers: OS threads on the sync `RedisStore`,
//! tasks on one current-thread tokio runtime over the async `AsyncRedisStore` (one
//! multiplexed connection, like `redis-benchmark`'s single client thread). Each call is one
//! fresh `SET <prefix><jti> 1 NX EXAT <now + 5>`.

use std::hash::{BuildHasher, RandomState};
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion, Throughput};
use jwt_replay_bench::fresh_id;
use jwt_runtime::NumericDate;
use jwt_runtime::replay::{
    AsyncRedisStore, AsyncReplayStore, RedisStore, ReplayId, ReplayStore, ReplayWindow,
};

fn main() {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!(
            "REDIS_URL is not set: skipping the Redis benchmarks (run bench/replay/replay.sh)"
        );
        return;
    };
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let salt = RandomState::new().hash_one(std::process::id());
    let sync_store = RedisStore::builder(url.as_str()).build().unwrap();
    sync_store.ping().expect("redis answers");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_store = runtime.block_on(async { AsyncRedisStore::open(&url).unwrap() });

    let mut group = criterion.benchmark_group("redis");
    group.throughput(Throughput::Elements(1));
    for callers in [1_u64, 8, 64] {
        group.bench_function(BenchmarkId::new("sync_threads", callers), |bencher| {
            bencher.iter_custom(|iters| in_threads(&sync_store, callers, iters, salt));
        });
        group.bench_function(BenchmarkId::new("async_tasks", callers), |bencher| {
            bencher.iter_custom(|iters| in_tasks(&runtime, &async_store, callers, iters, salt));
        });
    }
    group.finish();
    criterion.final_summary();
}

/// Checked now, acceptable for 5 s more (kept 5 s plus the margin; the keys are distinct).
fn soon() -> ReplayWindow {
    let now = NumericDate::from_system_time(SystemTime::now());
    ReplayWindow::new(now, now + Duration::from_secs(5))
}

fn scale(elapsed: Duration, iters: u64, done: u64) -> Duration {
    elapsed.mul_f64(iters as f64 / done as f64)
}

fn in_threads(store: &RedisStore, callers: u64, iters: u64, salt: u64) -> Duration {
    let per_caller = iters.div_ceil(callers);
    let barrier = Barrier::new(usize::try_from(callers).unwrap() + 1);
    let exp = soon();
    let started = std::thread::scope(|scope| {
        for _ in 0..callers {
            let barrier = &barrier;
            scope.spawn(move || {
                let ids: Vec<String> = (0..per_caller).map(|_| fresh_id(salt)).collect();
                barrier.wait();
                for id in &ids {
                    let _ = store
                        .insert_if_absent(ReplayId::new("bench", id), exp)
                        .expect("redis answers");
                }
            });
        }
        barrier.wait();
        Instant::now()
    });
    scale(started.elapsed(), iters, per_caller * callers)
}

fn in_tasks(
    runtime: &tokio::runtime::Runtime,
    store: &AsyncRedisStore,
    callers: u64,
    iters: u64,
    salt: u64,
) -> Duration {
    let per_caller = iters.div_ceil(callers);
    let exp = soon();
    let batches: Vec<Vec<String>> = (0..callers)
        .map(|_| (0..per_caller).map(|_| fresh_id(salt)).collect())
        .collect();
    let elapsed = runtime.block_on(async {
        let started = Instant::now();
        let tasks: Vec<_> = batches
            .into_iter()
            .map(|ids| {
                let store = store.clone();
                tokio::spawn(async move {
                    for id in &ids {
                        let _ = store
                            .insert_if_absent(ReplayId::new("bench", id), exp)
                            .await
                            .expect("redis answers");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed()
    });
    scale(elapsed, iters, per_caller * callers)
}
