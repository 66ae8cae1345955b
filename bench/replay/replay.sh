#!/usr/bin/env bash
# Replay-store benchmarks, in one run:
#   - the in-memory store: memory per id, criterion benches (fresh id on 1 and 2 threads,
#     an id already consumed; the floor and the old store on 1 thread), and the paired
#     (interleaved) timing of the store, the old store and the floor (src/bin/paired.rs);
#   - the Redis stores at 1, 8 and 64 concurrent callers over loopback, interleaved with
#     `redis-benchmark` doing the same `SET <key> 1 NX EXAT <t>` at the same concurrency,
#     against one redis-server this script starts on a free port.
# Every Redis case runs REPS times (default 3); the table shows medians and the spread
# (min-max across repetitions for redis-benchmark, criterion's 95% interval of the median
# within a repetition, merged across repetitions, for the stores).
#
#   bench/replay/replay.sh            # ~6 min
#   REPS=1 bench/replay/replay.sh     # ~2 min
set -euo pipefail
cd "$(dirname "$0")"
REPS=${REPS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
out=$CARGO_TARGET_DIR/replay-results
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null \
    || { echo "needs redis-server and redis-benchmark (apt-get install redis-server)" >&2; exit 1; }

cargo build --release --benches --bins --quiet
rm -rf "$out" && mkdir -p "$out"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
export REDIS_URL="redis://127.0.0.1:$port/"

echo "memory per id ..." >&2
cargo run --release --quiet --bin memory > "$out/memory.tsv"

echo "in-memory store (criterion) ..." >&2
rm -rf "$CARGO_TARGET_DIR/criterion"
cargo bench --quiet --bench memory > "$out/memory-bench.log" 2>&1
cp -r "$CARGO_TARGET_DIR/criterion" "$out/criterion-memory"
echo "in-memory store, paired with the floor and the old store ..." >&2
"$CARGO_TARGET_DIR/release/paired" "${ROUNDS:-400}" > "$out/memory-paired.md"

for rep in $(seq 1 "$REPS"); do
    for callers in 1 8 64; do
        requests=$(( callers == 1 ? 50000 : 200000 ))
        exat=$(( $(date +%s) + 60 ))
        echo "run $rep/$REPS: redis-benchmark, $callers clients ..." >&2
        redis-benchmark -p "$port" -c "$callers" -n "$requests" -r 1000000000 --csv \
            SET "rb:__rand_int__" 1 NX EXAT "$exat" > "$out/redis-benchmark-$rep-$callers.csv"
    done
    echo "run $rep/$REPS: RedisStore / AsyncRedisStore (criterion) ..." >&2
    rm -rf "$CARGO_TARGET_DIR/criterion"
    cargo bench --quiet --bench redis > "$out/redis-bench-$rep.log" 2>&1
    cp -r "$CARGO_TARGET_DIR/criterion" "$out/criterion-redis-$rep"
    redis-cli -p "$port" flushall >/dev/null
done

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg); $(redis-server --version | cut -d' ' -f1-3); $(rustc --version)"
echo
python3 report.py "$out" "$REPS"
echo
cat "$out/memory-paired.md"
