#!/usr/bin/env bash
# Summarizes which jwt-runtime functions each fuzz target's corpus reaches, with libFuzzer's
# own -print_coverage (no llvm-cov needed). Run after fuzz/run.sh has built the targets and
# grown fuzz/corpus. Usage: fuzz/coverage.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then targets=(decode header base64url); fi
bin="${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release"
for target in "${targets[@]}"; do
    report=$("$bin/$target" "corpus/$target" -runs=0 -print_coverage=1 2>&1 || true)
    runtime=$(grep -E '^(UN)?COVERED_FUNC' <<<"$report" | grep '/jwt-runtime/src/' || true)
    covered=$(grep -c '^COVERED_FUNC' <<<"$runtime" || true)
    uncovered=$(grep -c '^UNCOVERED_FUNC' <<<"$runtime" || true)
    edges=$(grep '^COVERED_FUNC' <<<"$runtime" | sed -E 's/.*edges: ([0-9]+)\/([0-9]+).*/\1 \2/' |
        awk '{a += $1; b += $2} END {print a "/" b}')
    echo "$target: $covered jwt-runtime functions reached, $uncovered not; $edges edges in those reached"
    grep '^UNCOVERED_FUNC' <<<"$runtime" | sed -E 's/^UNCOVERED_FUNC: hits: 0 edges: [0-9]+\/[0-9]+ /    not reached: /; s/ [^ ]*\/jwt-runtime\/src\// @ /' | sort -u
done
