#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, one after the other, seeded from
# fuzz/seeds (made from tests/data by make_seeds.py). Needs cargo-fuzz (`cargo install
# cargo-fuzz`) and a nightly toolchain, or, where only stable exists, stable with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz passes `-Z sanitizer=address`); both were tried with 1.95.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then targets=(decode header base64url payload_differential); fi
python3 make_seeds.py
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    echo "no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "== $target: ${seconds}s"
    "${fuzz[@]}" run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 -timeout=10
done
