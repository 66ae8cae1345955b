#!/usr/bin/env bash
# Instructions per operation under callgrind: (I(n) - I(0)) / n, so set-up cancels out.
# Deterministic, unlike timings on a busy machine.
#
#   bench/callgrind.sh                       # every contender, every case
#   bench/callgrind.sh jwt-runtime decode    # one
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
N=${N:-2000}
cargo build --quiet --release --bin profile
bin=$CARGO_TARGET_DIR/release/profile
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 \
        | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
contenders=${1:-"floor jwt-runtime jsonwebtoken jwt-compact jwt-simple prototype"}
cases=${2:-"encode decode bad-signature hs512 large"}
printf '%-14s' "instructions"
for case in $cases; do printf '%16s' "$case"; done
echo
for contender in $contenders; do
    printf '%-14s' "$contender"
    for case in $cases; do
        base=$(instructions "$contender" "$case" 0)
        total=$(instructions "$contender" "$case" "$N")
        printf '%16s' $(( (total - base) / N ))
    done
    echo
done
