#!/usr/bin/env bash
# Throughput of a JWT-protected route against an otherwise identical unprotected route of
# examples/server.rs, with wrk over loopback, in one run.
#
#   bash bench/http.sh            # needs wrk (apt-get install -y wrk) and curl
#
# Both routes return the same tiny JSON body, and both requests carry the same
# `Authorization: Bearer <token>` header (a session token from POST /login), so the only
# difference is the extractor: header parsing, HMAC-SHA256, payload decoding and claims
# validation. The routes are measured in alternating rounds; the script prints each round
# and the medians: requests/s of each route, the ratio of the two (per round, as the rounds
# are adjacent in time), and the server's CPU time per request on each route.
#
# Settings (environment): ROUNDS (7), DURATION (5s), THREADS (1), CONNECTIONS (32),
# WARMUP (3s), CARGO_TARGET_DIR (target). The server uses the machine's cores (tokio's
# default); wrk and the server share them, so compare the ratio, not the absolute figures,
# across machines.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-7}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-3s}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench/http.sh: $tool is not installed (apt-get install -y $tool)" >&2; exit 1; }
done

cargo build --quiet --release --example server
server_bin="$TARGET_DIR/release/examples/server"

log=$(mktemp)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT

# A throwaway key: the token comes from the server's own login route.
key=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
JWT_KEY="$key" "$server_bin" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 1 200); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n 1 || true)
  [ -n "$base" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.05
done
[ -n "$base" ] || { echo "the server did not start:" >&2; cat "$log" >&2; exit 1; }

token=$(curl -sf -X POST "$base/login" -H 'content-type: application/json' \
  -d '{"username":"bob","password":"hunter2-but-longer"}' |
  sed -E 's/.*"access_token":"([^"]+)".*/\1/')
auth="Authorization: Bearer $token"

# Both routes answer 200 with the same body to this exact request.
open_body=$(curl -sf -H "$auth" "$base/public/ping")
protected_body=$(curl -sf -H "$auth" "$base/protected/ping")
[ "$open_body" = "$protected_body" ] || { echo "routes differ: $open_body vs $protected_body" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/protected/ping")" = 401 ] || { echo "protected route is open" >&2; exit 1; }

# Runs wrk on a route; prints "requests/s server-CPU-µs-per-request". Fails on any non-2xx
# answer or socket error. The server's CPU time (user + system, from /proc) per request is
# the figure least disturbed by other work on the machine.
ticks_per_sec=$(getconf CLK_TCK)
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
measure() {
  local path=$1 duration=$2 out before after
  before=$(server_ticks)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -H "$auth" "$base$path")
  after=$(server_ticks)
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "wrk reported errors on $path:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk -v ticks=$((after - before)) -v hz="$ticks_per_sec" '
    /requests in/ { requests = $1 }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%s %.2f\n", rps, 1e6 * ticks / hz / requests }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS alternating rounds, server $base ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
measure /public/ping "$WARMUP" >/dev/null
measure /protected/ping "$WARMUP" >/dev/null

rows=()
for round in $(seq 1 "$ROUNDS"); do
  read -r open_rps open_cpu < <(measure /public/ping "$DURATION")
  read -r protected_rps protected_cpu < <(measure /protected/ping "$DURATION")
  ratio=$(awk -v p="$protected_rps" -v o="$open_rps" 'BEGIN { printf "%.1f", 100 * p / o }')
  rows+=("$open_rps $protected_rps $ratio $open_cpu $protected_cpu")
  printf 'round %2d: unprotected %8.0f req/s %6.2f µs CPU/req | protected %8.0f req/s %6.2f µs CPU/req | ratio %5.1f%%\n' \
    "$round" "$open_rps" "$open_cpu" "$protected_rps" "$protected_cpu" "$ratio"
done

column() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{ print $c }' | median; }
open_rps=$(column 1)
protected_rps=$(column 2)
ratio=$(column 3)
open_cpu=$(column 4)
protected_cpu=$(column 5)
cpu_ratio=$(awk -v p="$protected_cpu" -v o="$open_cpu" 'BEGIN { printf "%.1f", 100 * o / p }')
printf 'median:   unprotected %8.0f req/s %6.2f µs CPU/req | protected %8.0f req/s %6.2f µs CPU/req\n' \
  "$open_rps" "$open_cpu" "$protected_rps" "$protected_cpu"
printf 'protected/unprotected throughput: %s%% (median of the rounds'"'"' ratios; target >= 90%%)\n' "$ratio"
printf 'server CPU per request, unprotected/protected: %s%% (the throughput ratio on a CPU-bound server)\n' "$cpu_ratio"
