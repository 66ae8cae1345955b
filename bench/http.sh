#!/usr/bin/env bash
# HTTP cost of verifying a token: the same tiny route unprotected (`/open`), behind the axum
# extractor (`/extractor`), behind the tower layer (`/layer`), and with the least work that
# verifies, written by hand in the handler (`/decode`: parse the header, Validation::decode),
# served by bench/http-server and loaded with wrk over loopback.
#
#   bash bench/http.sh                  # wrk rounds; needs wrk (apt-get install -y wrk) and curl
#   bash bench/http.sh --micro          # the same four in process, no HTTP (timings)
#   bash bench/http.sh --instructions   # instructions per request under callgrind (valgrind)
#
# Every request carries the same `Authorization: Bearer <token>` header, so the routes differ
# only in what verifies it. The routes are measured in rotation, round after round; the script
# prints each round and the medians: requests/s, the server's CPU time per request (user +
# system, from /proc: the figure least disturbed by other work on a shared machine), each
# protected route's throughput as a share of the unprotected one (per round, as the rounds are
# adjacent in time), and the extra CPU of the extractor and the layer over the hand-written
# decode. The instruction counts are the deterministic version of the last figure.
#
# Settings (environment): ROUNDS (7), DURATION (5s), THREADS (1), CONNECTIONS (32),
# WARMUP (3s), N (2000, callgrind iterations). The server uses the machine's cores (tokio's
# default); wrk and the server share them, so compare ratios, not absolute figures, across
# machines, and note the load (printed).
set -euo pipefail
cd "$(dirname "$0")/http-server"

ROUNDS=${ROUNDS:-7}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-3s}
N=${N:-2000}

cargo build --quiet --release
bin=target/release/jwt-http-bench

case "${1:-}" in
  --micro)
    echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    exec "$bin" micro "$ROUNDS" 100000
    ;;
  --instructions)
    instructions() {
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" count "$@" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
    }
    declare -A per
    for case in decode verify bare extractor layer request; do
      base=$(instructions "$case" 0)
      total=$(instructions "$case" "$N")
      per[$case]=$(( (total - base) / N ))
    done
    layer=$(( per[layer] - per[request] ))
    printf 'instructions per request (callgrind, (I(%d) - I(0)) / %d):\n' "$N" "$N"
    printf '  Validation::decode of the token        %7d\n' "${per[decode]}"
    printf '  Verifier::verify of the token          %7d\n' "${per[verify]}"
    printf '  bare decode (header + decode)          %7d\n' "${per[bare]}"
    printf '  Bearer<Session> extractor              %7d  (%s x the bare decode)\n' "${per[extractor]}" \
      "$(awk -v a="${per[extractor]}" -v b="${per[bare]}" 'BEGIN { printf "%.3f", a / b }')"
    printf '  BearerLayer<Session> (request built)   %7d  (%s x the bare decode)\n' "$layer" \
      "$(awk -v a="$layer" -v b="${per[bare]}" 'BEGIN { printf "%.3f", a / b }')"
    exit 0
    ;;
esac

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench/http.sh: $tool is not installed (apt-get install -y $tool)" >&2; exit 1; }
done

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

"$bin" serve 0 >"$log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 1 200); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n 1 || true)
  token=$(sed -n 's/^token //p' "$log")
  [ -n "$base" ] && [ -n "$token" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.05
done
[ -n "$base" ] || { echo "the server did not start:" >&2; cat "$log" >&2; exit 1; }
auth="Authorization: Bearer $token"

routes="open extractor layer decode"
# Every route answers 200 with the same body to this exact request, and 401 without a token
# (except the open one).
expected=$(curl -sf -H "$auth" "$base/open")
for route in $routes; do
  [ "$(curl -sf -H "$auth" "$base/$route")" = "$expected" ] || { echo "/$route differs" >&2; exit 1; }
  [ "$route" = open ] || [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/$route")" = 401 ] ||
    { echo "/$route is open" >&2; exit 1; }
done

# Runs wrk on a route; prints "requests/s server-CPU-µs-per-request". Fails on any non-2xx
# answer or socket error.
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
    END { printf "%s %.3f\n", rps, 1e6 * ticks / hz / requests }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds of $routes, server $base ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
for route in $routes; do measure "/$route" "$WARMUP" >/dev/null; done

declare -A rps cpu
rows=()
for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order, so that no route always runs first in a round.
  set -- $routes
  for _ in $(seq 2 "$round"); do set -- "${@:2}" "$1"; done
  for route in "$@"; do
    read -r rps[$route] cpu[$route] < <(measure "/$route" "$DURATION")
  done
  row=""
  for route in $routes; do row+="${rps[$route]} ${cpu[$route]} "; done
  rows+=("$row")
  printf 'round %2d:' "$round"
  for route in $routes; do printf ' %s %7.0f/s %5.2fµs' "$route" "${rps[$route]}" "${cpu[$route]}"; done
  echo
done

# Column helpers over the rows: route i (0-based) has rps in column 2i+1 and CPU in 2i+2.
col() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{ print $c }' | median; }
ratio_col() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{ printf "%.2f\n", 100 * $c / $1 }' | median; }
extra_col() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{ printf "%.3f\n", $c - $2 }' | median; }
echo "medians:"
i=0
for route in $routes; do
  printf '  %-10s %8.0f req/s %6.2f µs CPU/req' "$route" "$(col $((2 * i + 1)))" "$(col $((2 * i + 2)))"
  if [ "$route" != open ]; then
    printf '  throughput %5.1f%% of open, +%.3f µs CPU/req' "$(ratio_col $((2 * i + 1)))" "$(extra_col $((2 * i + 2)))"
  fi
  echo
  i=$((i + 1))
done
decode_extra=$(extra_col 8)
for pair in "extractor 4" "layer 6"; do
  set -- $pair
  printf '%s extra CPU / hand-written decode extra CPU: %s\n' "$1" \
    "$(awk -v a="$(extra_col "$2")" -v b="$decode_extra" 'BEGIN { printf "%.2f", a / b }')"
done
