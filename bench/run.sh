#!/usr/bin/env bash
# Side-by-side benchmarks: jwt-runtime against the floor and the peers, on byte-identical
# tokens (every contender is first checked to accept the valid tokens and reject the forged
# and tampered ones). Runs criterion REPS times (default 3) and prints one Markdown table of
# medians, their spread across runs, and the ratios to the floor and to each peer; then the
# paired (interleaved) timing, whose per-round ratios hold up on a busy machine.
#
#   bench/run.sh                 # full run (~20 min)
#   REPS=1 JWT_BENCH_QUICK=1 ROUNDS=50 bench/run.sh   # smoke run
#   bench/run.sh hs256_decode    # only the criterion cases whose name matches
#   bench/callgrind.sh           # instruction counts (deterministic; needs valgrind)
#   bench/target/release/paired_pk [rounds] [--aws-lc]   # public-key tokens only
set -euo pipefail
cd "$(dirname "$0")"
REPS=${REPS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
results=$CARGO_TARGET_DIR/jwt-bench-results.tsv

cargo build --release --benches --bins --quiet
mkdir -p "$CARGO_TARGET_DIR"
: > "$results"
for rep in $(seq 1 "$REPS"); do
    for bench in compare compare_aws_lc; do
        echo "run $rep/$REPS: $bench (log: $CARGO_TARGET_DIR/$bench-$rep.log)" >&2
        rm -rf "$CARGO_TARGET_DIR/criterion"
        cargo bench --quiet --bench "$bench" -- "$@" > "$CARGO_TARGET_DIR/$bench-$rep.log" 2>&1 \
            || { tail -20 "$CARGO_TARGET_DIR/$bench-$rep.log" >&2; exit 1; }
        cargo run --quiet --release --bin report -- collect "$CARGO_TARGET_DIR/criterion" "$rep" >> "$results"
    done
done

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; $(rustc --version)"
echo
cargo run --quiet --release --bin report -- table "$results"
echo
"$CARGO_TARGET_DIR/release/paired" "${ROUNDS:-400}"
echo
"$CARGO_TARGET_DIR/release/paired" "${ROUNDS:-400}" --aws-lc
echo
# Public-key tokens (EdDSA, ES256, RS256) and the remote key set: src/bin/paired_pk.rs.
"$CARGO_TARGET_DIR/release/paired_pk" "${PK_ROUNDS:-200}"
echo
"$CARGO_TARGET_DIR/release/paired_pk" "${PK_ROUNDS:-200}" --aws-lc
