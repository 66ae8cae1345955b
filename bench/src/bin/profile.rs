//! Runs one case of one contender in a loop, for `valgrind --tool=callgrind` instruction
//! counts (stable where timings are noisy) and for profilers.
//!
//! `profile <contender> <case> <iterations>`; contender: floor, jwt-runtime, jsonwebtoken,
//! jwt-simple, jwt-compact; case: encode, decode, bad-signature, hs512, large, sweep-<i>.
//! `bench/callgrind.sh` turns two runs into instructions per operation.

use std::hint::black_box;

use jwt_bench::{Fixtures, contenders};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contender, case, iterations] = args.as_slice() else {
        eprintln!("usage: profile <contender> <case> <iterations>");
        std::process::exit(2);
    };
    let iterations: u64 = iterations.parse().expect("iterations");
    jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
        .install_default()
        .unwrap();
    let fixtures = Fixtures::new();
    let all = contenders("jsonwebtoken", true);
    let contender = all
        .iter()
        .find(|c| c.name() == contender)
        .expect("known contender");
    match case.as_str() {
        "encode" => {
            let encode = contender.encoder(&fixtures.typical);
            for _ in 0..iterations {
                black_box(encode());
            }
        }
        "decode" | "bad-signature" | "hs512" | "large" => {
            let token = match case.as_str() {
                "decode" => &fixtures.hs256,
                "bad-signature" => &fixtures.forged,
                "hs512" => &fixtures.hs512,
                _ => &fixtures.large_token,
            };
            for _ in 0..iterations {
                let result = match case.as_str() {
                    "hs512" => contender.decode_hs512(black_box(token)),
                    "large" => contender.decode_large(black_box(token)),
                    _ => contender.decode_hs256(black_box(token)),
                };
                let _ = black_box(result);
            }
        }
        sweep => {
            let index: usize = sweep
                .strip_prefix("sweep-")
                .and_then(|i| i.parse().ok())
                .expect("case");
            let token = &fixtures.sweep[index].1;
            for _ in 0..iterations {
                let _ = black_box(contender.decode_large(black_box(token)));
            }
        }
    }
}
