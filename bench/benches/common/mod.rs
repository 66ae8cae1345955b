//! The cases, shared by both bench binaries.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use jwt_bench::{Contender, Fixtures, check};

/// Criterion settings; `JWT_BENCH_QUICK=1` shortens every measurement (for smoke runs).
pub fn criterion() -> Criterion {
    let quick = std::env::var_os("JWT_BENCH_QUICK").is_some();
    let (warm_up, measurement) = if quick { (200, 500) } else { (1000, 3000) };
    Criterion::default()
        .warm_up_time(Duration::from_millis(warm_up))
        .measurement_time(Duration::from_millis(measurement))
        .sample_size(if quick { 20 } else { 100 })
        .noise_threshold(0.03)
        .configure_from_args()
}

/// A decode case: its group name, its token, and the contender's method it calls.
type Case<'a> = (
    &'static str,
    &'a str,
    fn(&dyn Contender, &str) -> Result<(), String>,
);

pub fn run(c: &mut Criterion, contenders: &[Box<dyn Contender>]) {
    let fixtures = Fixtures::new();
    assert_eq!(
        fixtures.hs256.len(),
        347,
        "the typical token is 347 characters"
    );
    for contender in contenders {
        check(contender.as_ref(), &fixtures);
    }
    eprintln!(
        "correctness: {} contenders accept the valid tokens and reject the forged and tampered ones",
        contenders.len()
    );

    let mut group = c.benchmark_group("hs256_encode");
    for contender in contenders {
        let encode = contender.encoder(&fixtures.typical);
        group.bench_function(contender.name(), |b| b.iter(|| black_box(encode())));
    }
    group.finish();

    let cases: [Case<'_>; 4] = [
        ("hs256_decode", &fixtures.hs256, |c, t| c.decode_hs256(t)),
        ("hs256_bad_signature", &fixtures.forged, |c, t| {
            c.decode_hs256(t)
        }),
        ("hs512_decode", &fixtures.hs512, |c, t| c.decode_hs512(t)),
        ("hs256_large_decode", &fixtures.large_token, |c, t| {
            c.decode_large(t)
        }),
    ];
    for (case, token, decode) in cases {
        let mut group = c.benchmark_group(case);
        for contender in contenders {
            let contender = contender.as_ref();
            group.bench_function(contender.name(), |b| {
                b.iter(|| decode(contender, black_box(token)))
            });
        }
        group.finish();
    }

    let mut group = c.benchmark_group("payload_sweep");
    for (len, token) in &fixtures.sweep {
        group.throughput(Throughput::Bytes(*len as u64));
        for contender in contenders {
            let contender = contender.as_ref();
            group.bench_with_input(
                BenchmarkId::new(contender.name(), len),
                token,
                |b, token| b.iter(|| contender.decode_large(black_box(token))),
            );
        }
    }
    group.finish();
}
