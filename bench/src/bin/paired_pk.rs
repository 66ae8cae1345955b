//! Public-key tokens, paired (interleaved) timing, as `paired` does for HMAC: in every round
//! each contender runs a short burst, in rotating order, and ratios are taken within the
//! round, so a busy machine slows numerator and denominator alike.
//!
//! `paired_pk [rounds] [--aws-lc]` prints, for sign and verify of EdDSA, ES256 and RS256,
//! each contender's median µs/op and the median [interquartile range] of its per-round
//! ratio to the primitive (*ring* alone), and `jwt-runtime`'s per-round speed-up over each
//! peer. Then the remote key set: decoding through a warmed `RemoteKeySet` (served by a
//! loopback HTTP server) against decoding through a plain `PublicKeySet`, and the cost of
//! getting the keys alone. jsonwebtoken runs with its rust_crypto backend, or with aws-lc-rs
//! under `--aws-lc` (one backend per process).

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use jwt_bench::public_key::{Alg, Op, Ours, PkFixtures, SessionEd, check, contenders};
use jwt_runtime::{Claims, Ed25519PublicKey, NumericDate, PublicKeySet, RemoteKeySet, Validation};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let aws_lc = args.iter().any(|arg| arg == "--aws-lc");
    let rounds: usize = args
        .first()
        .filter(|arg| !arg.starts_with("--"))
        .map_or(200, |r| r.parse().expect("rounds"));
    let label = if aws_lc {
        jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
            .install_default()
            .unwrap();
        "jsonwebtoken-aws-lc"
    } else {
        jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
            .install_default()
            .unwrap();
        "jsonwebtoken"
    };
    let ours = Ours::new();
    let fixtures = PkFixtures::new(&ours);
    let all = contenders(Ours::new(), &fixtures, label);
    if args.first().map(String::as_str) == Some("--profile") {
        profile(&all, &fixtures, &args[1..]);
        return;
    }
    for contender in &all {
        check(contender.as_ref(), &ours, &fixtures);
    }
    println!(
        "Public-key tokens, {rounds} interleaved rounds, load average {}: median µs/op (ratio to the primitive: median of per-round ratios [interquartile range])\n",
        load_average()
    );
    print!("| |");
    for contender in &all {
        print!(" {} |", contender.name());
    }
    for peer in &all[2..] {
        print!(" {} / jwt-runtime |", peer.name());
    }
    print!("\n|---|");
    for _ in 0..all.len() + all.len() - 2 {
        print!("---:|");
    }
    println!();
    for verify in [true, false] {
        for alg in Alg::ALL {
            let ops: Vec<Op<'_>> = all
                .iter()
                .map(|c| {
                    if verify {
                        c.verifier(alg, fixtures.token(alg))
                    } else {
                        c.signer(alg, &fixtures.typical)
                    }
                })
                .collect();
            let samples = paired(&ops, rounds, 200_000.0);
            print!(
                "| {} {} |",
                alg.name(),
                if verify { "verify" } else { "sign" }
            );
            for i in 0..ops.len() {
                let median = percentile(&mut samples[i].clone(), 0.5) / 1_000.0;
                let (q1, q2, q3) = ratio_quartiles(&samples[i], &samples[0]);
                print!(" {median:.1} ({q2:.3}x [{q1:.3}-{q3:.3}]) |");
            }
            for i in 2..ops.len() {
                let (q1, q2, q3) = ratio_quartiles(&samples[i], &samples[1]);
                print!(" {q2:.2}x [{q1:.2}-{q3:.2}] |");
            }
            println!();
        }
    }
    println!();
    remote_key_set(&ours, &fixtures, rounds);
    println!("\nload average at the end: {}", load_average());
}

/// `--profile CONTENDER sign|verify ALG N`: that operation N times and nothing else (for
/// `valgrind --tool=callgrind`: instructions per operation are (I(N) - I(0)) / N).
fn profile(
    all: &[Box<dyn jwt_bench::public_key::PkContender>],
    fixtures: &PkFixtures,
    args: &[String],
) {
    let usage =
        "--profile primitive|jwt-runtime|jsonwebtoken|jwt-simple sign|verify EdDSA|ES256|RS256 N";
    let [name, op, alg, n] = args else {
        panic!("{usage}")
    };
    let contender = all.iter().find(|c| c.name() == name).expect(usage);
    let alg = Alg::ALL.into_iter().find(|a| a.name() == alg).expect(usage);
    let op = if op == "sign" {
        contender.signer(alg, &fixtures.typical)
    } else {
        contender.verifier(alg, fixtures.token(alg))
    };
    for _ in 0..n.parse::<usize>().expect(usage) {
        op().unwrap();
    }
}

/// Decoding through a warmed `RemoteKeySet` against a plain `PublicKeySet`, same token,
/// same claims type, same validation.
fn remote_key_set(ours: &Ours, fixtures: &PkFixtures, rounds: usize) {
    let set = PublicKeySet::new(vec![ours.ed_public.clone()]).unwrap();
    let url = serve_once_per_request(set.to_jwks());
    let remote = RemoteKeySet::<Ed25519PublicKey>::from_url(&url).unwrap();
    #[allow(clippy::cast_possible_wrap)]
    let claims = SessionEd {
        sub: fixtures.typical.sub.clone(),
        name: fixtures.typical.name.clone(),
        admin: fixtures.typical.admin,
        iss: fixtures.typical.iss.clone(),
        aud: fixtures.typical.aud.clone(),
        iat: NumericDate::from_secs(fixtures.typical.iat as i64),
        exp: NumericDate::from_secs(fixtures.typical.exp as i64),
        nbf: NumericDate::from_secs(fixtures.typical.nbf as i64),
    };
    let token = claims.encode(&ours.ed_private).unwrap();
    let validation = Validation::new();
    let warm: SessionEd = remote.decode(&validation, &token).unwrap();
    assert_eq!(warm, claims);
    assert_eq!(remote.fetch_count(), 1);
    let plain: SessionEd = validation.decode(&token, &set).unwrap();
    assert_eq!(plain, claims);

    let held = Arc::new(set.clone());
    let ops: Vec<Op<'_>> = vec![
        Box::new(|| {
            let claims: SessionEd = validation
                .decode(black_box(&token), &set)
                .map_err(|e| e.to_string())?;
            black_box(claims);
            Ok(())
        }),
        Box::new(|| {
            let claims: SessionEd = remote
                .decode(&validation, black_box(&token))
                .map_err(|e| e.to_string())?;
            black_box(claims);
            Ok(())
        }),
    ];
    let decode = paired(&ops, rounds, 200_000.0);
    let keys_ops: Vec<Op<'_>> = vec![
        Box::new(|| {
            black_box(Arc::clone(black_box(&held)));
            Ok(())
        }),
        Box::new(|| {
            black_box(remote.keys().map_err(|e| e.to_string())?);
            Ok(())
        }),
    ];
    let keys = paired(&keys_ops, rounds, 20_000.0);
    assert_eq!(remote.fetch_count(), 1, "the key set stayed cached");

    println!(
        "Remote key set (EdDSA, one key, warmed, served over loopback with max-age 86400), {rounds} rounds:\n"
    );
    println!("| | via `PublicKeySet` | via `RemoteKeySet` | ratio [interquartile range] |");
    println!("|---|---:|---:|---:|");
    let (q1, q2, q3) = ratio_quartiles(&decode[1], &decode[0]);
    println!(
        "| decode + validate, µs | {:.2} | {:.2} | {q2:.3}x [{q1:.3}-{q3:.3}] |",
        percentile(&mut decode[0].clone(), 0.5) / 1_000.0,
        percentile(&mut decode[1].clone(), 0.5) / 1_000.0,
    );
    let (q1, q2, q3) = ratio_quartiles(&keys[1], &keys[0]);
    println!(
        "| the keys alone, ns (an `Arc` clone; `RemoteKeySet::keys`) | {:.1} | {:.1} | {q2:.2}x [{q1:.2}-{q3:.2}] |",
        percentile(&mut keys[0].clone(), 0.5),
        percentile(&mut keys[1].clone(), 0.5),
    );
}

/// A loopback HTTP server answering every request with `jwks` (cacheable for a day); its
/// URL.
fn serve_once_per_request(jwks: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/.well-known/jwks.json",
        listener.local_addr().unwrap().port()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buffer = [0; 1024];
            while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: public, max-age=86400\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{jwks}",
                jwks.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

/// Per contender, per round: ns per operation over a burst of about `burst_ns`.
fn paired(ops: &[Op<'_>], rounds: usize, burst_ns: f64) -> Vec<Vec<f64>> {
    let bursts: Vec<u32> = ops
        .iter()
        .map(|op| {
            let start = Instant::now();
            for _ in 0..20 {
                op().unwrap();
            }
            let per_op = start.elapsed().as_nanos() as f64 / 20.0;
            ((burst_ns / per_op) as u32).clamp(1, 100_000)
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(rounds); ops.len()];
    for round in 0..rounds {
        for k in 0..ops.len() {
            let i = (round + k) % ops.len();
            let start = Instant::now();
            for _ in 0..bursts[i] {
                let _ = black_box(ops[i]());
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / f64::from(bursts[i]));
        }
    }
    samples
}

/// Quartiles of the per-round ratio `numerator / denominator`.
fn ratio_quartiles(numerator: &[f64], denominator: &[f64]) -> (f64, f64, f64) {
    let mut ratios: Vec<f64> = numerator
        .iter()
        .zip(denominator)
        .map(|(n, d)| n / d)
        .collect();
    (
        percentile(&mut ratios, 0.25),
        percentile(&mut ratios, 0.5),
        percentile(&mut ratios, 0.75),
    )
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}
