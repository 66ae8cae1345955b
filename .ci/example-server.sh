#!/usr/bin/env bash
# Runs examples/server.rs on a free port and exercises it the way the README's curl commands
# do: login, a protected route, a rejected token, the admin scope, a one-time action twice.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
}
cargo build --quiet --all-features --example server
bin="${CARGO_TARGET_DIR:-target}/debug/examples/server"
log=$(mktemp)
"$bin" --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
base=""
for _ in $(seq 1 600); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n 1 || true)
  [ -n "$base" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "examples/server did not start" >&2; cat "$log" >&2; exit 1; }
cat "$log"
expect() { if [ "$2" != "$3" ]; then echo "FAIL $1: expected [$2], got [$3]" >&2; exit 1; fi; echo "ok   $1"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
challenge() { curl -s -D - -o /dev/null "$@" | tr -d '\r' | sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: //p'; }
field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/"; }
TOKEN=$(curl -s -X POST "$base/login" -H 'content-type: application/json' -d '{"username":"alice","password":"correct horse battery staple"}' | field access_token)
BOB=$(curl -s -X POST "$base/login" -H 'content-type: application/json' -d '{"username":"bob","password":"hunter2-but-longer"}' | field access_token)
expect "login, then /me" 200 "$(code "$base/me" -H "Authorization: Bearer $TOKEN")"
expect "wrong password" 400 "$(code -X POST "$base/login" -H 'content-type: application/json' -d '{"username":"alice","password":"x"}')"
expect "no header" 'Bearer realm="jwt-suite-example"' "$(challenge "$base/me")"
expect "two spaces" 400 "$(code "$base/me" -H "Authorization: Bearer  $TOKEN")"
expect "tampered" 'Bearer realm="jwt-suite-example", error="invalid_token", error_description="the token signature is invalid"' "$(challenge "$base/me" -H "Authorization: Bearer ${TOKEN}x")"
expect "admin as alice" 200 "$(code "$base/admin" -H "Authorization: Bearer $TOKEN")"
expect "admin as bob" 403 "$(code "$base/admin" -H "Authorization: Bearer $BOB")"
ACTION=$(curl -s -X POST "$base/actions/token" -H "Authorization: Bearer $TOKEN" | field action_token)
expect "one-time, first use" 200 "$(code -X POST "$base/actions/redeem" -H "Authorization: Bearer $ACTION")"
expect "one-time, second use" 'Bearer realm="jwt-suite-example", error="invalid_token", error_description="the token has already been used"' "$(challenge -X POST "$base/actions/redeem" -H "Authorization: Bearer $ACTION")"
