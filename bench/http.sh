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
# and the median requests/s of each route and their ratio.
#
# Settings (environment): ROUNDS (3), DURATION (10s), THREADS (1), CONNECTIONS (32),
# WARMUP (3s), CARGO_TARGET_DIR (target). The server uses the machine's cores (tokio's
# default); wrk and the server share them, so compare the ratio, not the absolute figures,
# across machines.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
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

# Runs wrk on a route; prints requests/s. Fails on any non-2xx answer or socket error.
measure() {
  local path=$1 duration=$2 out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -H "$auth" "$base$path")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "wrk reported errors on $path:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS alternating rounds, server $base ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
measure /public/ping "$WARMUP" >/dev/null
measure /protected/ping "$WARMUP" >/dev/null

open_runs=()
protected_runs=()
for round in $(seq 1 "$ROUNDS"); do
  open=$(measure /public/ping "$DURATION")
  protected=$(measure /protected/ping "$DURATION")
  open_runs+=("$open")
  protected_runs+=("$protected")
  printf 'round %d: unprotected %10.0f req/s   protected %10.0f req/s\n' "$round" "$open" "$protected"
done

open_median=$(printf '%s\n' "${open_runs[@]}" | median)
protected_median=$(printf '%s\n' "${protected_runs[@]}" | median)
ratio=$(awk -v p="$protected_median" -v o="$open_median" 'BEGIN { printf "%.1f", 100 * p / o }')
printf 'median:  unprotected %10.0f req/s   protected %10.0f req/s   ratio %s%% (target >= 90%%)\n' \
  "$open_median" "$protected_median" "$ratio"
