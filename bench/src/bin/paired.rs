//! Interleaved ("paired") timing: every contender runs a short burst in each round, in
//! rotating order, and ratios are taken within a round. A busy machine slows a whole round
//! at once, so the ratios stay meaningful where criterion's sequential medians drift.
//!
//! `paired [rounds] [--aws-lc]` prints, per case, each contender's median ns/op across
//! rounds and the median (and interquartile range) of its per-round ratio to the floor, then
//! the payload-size sweep with each contender's slope in ns per payload byte. jsonwebtoken
//! runs with its rust_crypto backend, or with aws-lc-rs under `--aws-lc` (one backend per
//! process).

use std::hint::black_box;
use std::time::Instant;

use jwt_bench::{Contender, Fixtures, check, contenders};

type Op<'a> = Box<dyn Fn() + 'a>;
/// A case: its name, and how to make a contender's operation for it.
type Case<'a> = (String, Box<dyn Fn(&dyn Contender) -> Op<'_> + 'a>);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let aws_lc = args.iter().any(|arg| arg == "--aws-lc");
    let rounds: usize = args
        .iter()
        .find(|arg| !arg.starts_with("--"))
        .map_or(400, |r| r.parse().expect("rounds"));
    let all = if aws_lc {
        jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
            .install_default()
            .unwrap();
        let mut all = contenders("jsonwebtoken-aws-lc", true);
        all.retain(|c| matches!(c.name(), "floor" | "jwt-runtime" | "jsonwebtoken-aws-lc"));
        all
    } else {
        jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
            .install_default()
            .unwrap();
        contenders("jsonwebtoken", true)
    };
    let fixtures: &'static Fixtures = Box::leak(Box::new(Fixtures::new()));
    for contender in &all {
        check(contender.as_ref(), fixtures);
    }
    let f = fixtures;
    let mut cases: Vec<Case<'_>> = vec![
        (
            "HS256 encode".into(),
            Box::new(|c: &dyn Contender| {
                let encode = c.encoder(&f.typical);
                Box::new(move || {
                    black_box(encode());
                }) as Op<'_>
            }),
        ),
        (
            "HS256 decode+validate".into(),
            Box::new(|c: &dyn Contender| {
                Box::new(move || {
                    let _ = black_box(c.decode_hs256(black_box(&f.hs256)));
                }) as Op<'_>
            }),
        ),
        (
            "HS256 bad signature".into(),
            Box::new(|c: &dyn Contender| {
                Box::new(move || {
                    let _ = black_box(c.decode_hs256(black_box(&f.forged)));
                }) as Op<'_>
            }),
        ),
        (
            "HS512 decode".into(),
            Box::new(|c: &dyn Contender| {
                Box::new(move || {
                    let _ = black_box(c.decode_hs512(black_box(&f.hs512)));
                }) as Op<'_>
            }),
        ),
        (
            "HS256 large decode".into(),
            Box::new(|c: &dyn Contender| {
                Box::new(move || {
                    let _ = black_box(c.decode_large(black_box(&f.large_token)));
                }) as Op<'_>
            }),
        ),
    ];
    let sweep_from = cases.len();
    for (len, token) in &f.sweep {
        cases.push((
            format!("sweep {len} B"),
            Box::new(move |c: &dyn Contender| {
                Box::new(move || {
                    let _ = black_box(c.decode_large(black_box(token)));
                }) as Op<'_>
            }),
        ));
    }
    let mut sweep_medians = vec![Vec::new(); all.len()];
    println!(
        "Paired timing, {rounds} interleaved rounds: median ns/op; ratio to the floor = median of per-round ratios [interquartile range]\n"
    );
    print!("| |");
    for contender in &all {
        print!(" {} |", contender.name());
    }
    print!("\n|---|");
    for _ in &all {
        print!("---:|");
    }
    println!();
    for (index, (name, make)) in cases.iter().enumerate() {
        let ops: Vec<Op<'_>> = all.iter().map(|c| make(c.as_ref())).collect();
        // Calibrate a burst of ~20 µs per contender.
        let bursts: Vec<u32> = ops
            .iter()
            .map(|op| {
                let start = Instant::now();
                for _ in 0..200 {
                    op();
                }
                let per_op = start.elapsed().as_nanos() as f64 / 200.0;
                ((20_000.0 / per_op) as u32).clamp(1, 10_000)
            })
            .collect();
        let mut samples = vec![Vec::with_capacity(rounds); ops.len()];
        for round in 0..rounds {
            for k in 0..ops.len() {
                let i = (round + k) % ops.len();
                let start = Instant::now();
                for _ in 0..bursts[i] {
                    ops[i]();
                }
                samples[i].push(start.elapsed().as_nanos() as f64 / f64::from(bursts[i]));
            }
        }
        print!("| {name} |");
        for i in 0..ops.len() {
            let mut ratios: Vec<f64> = (0..rounds).map(|r| samples[i][r] / samples[0][r]).collect();
            let median = percentile(&mut samples[i].clone(), 0.5);
            if index >= sweep_from {
                sweep_medians[i].push((f.sweep[index - sweep_from].0 as f64, median));
            }
            let (q1, q2, q3) = (
                percentile(&mut ratios, 0.25),
                percentile(&mut ratios, 0.5),
                percentile(&mut ratios, 0.75),
            );
            print!(" {median:.0} ({q2:.2}x [{q1:.2}-{q3:.2}]) |");
        }
        println!();
    }
    print!("| slope, ns per payload byte |");
    let floor_slope = slope(&sweep_medians[0]);
    for points in &sweep_medians {
        let slope = slope(points);
        print!(" {slope:.3} ({:.2}x) |", slope / floor_slope);
    }
    println!();
}

/// Least-squares slope of (x, y) points.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x / n, sy + y / n));
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    num / den
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}
