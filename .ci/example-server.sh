#!/usr/bin/env bash
# Runs examples/server.rs (API and front end on free ports) and exercises it the way the
# README's curl commands do: login, a protected route, rejected tokens, the admin scope, a
# one-time action twice, refresh with rotation and reuse detection, logout, the JWKS, CORS,
# and the front end's files.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
}
cargo build --quiet --all-features --example server
bin="${CARGO_TARGET_DIR:-target}/debug/examples/server"
log=$(mktemp)
"$bin" --port 0 --frontend-port 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
base="" front=""
for _ in $(seq 1 600); do
  base=$(sed -n 's|^listening on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$log" | head -n 1)
  front=$(sed -n 's|^front end on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$log" | head -n 1)
  [ -n "$base" ] && [ -n "$front" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] && [ -n "$front" ] || { echo "examples/server did not start" >&2; cat "$log" >&2; exit 1; }
cat "$log"
expect() { if [ "$2" != "$3" ]; then echo "FAIL $1: expected [$2], got [$3]" >&2; exit 1; fi; echo "ok   $1"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
challenge() { curl -s -D - -o /dev/null "$@" | tr -d '\r' | sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: //p'; }
header() { curl -s -D - -o /dev/null "${@:2}" | tr -d '\r' | sed -n "s/^$1: //Ip"; }
field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/"; }
login() { curl -s -X POST "$base/login" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}"; }
refresh() { curl -s -X POST "$base/token" -H 'content-type: application/json' -d "{\"refresh_token\":\"$1\"}"; }

PAIR=$(login alice 'correct horse battery staple')
TOKEN=$(echo "$PAIR" | field access_token)
REFRESH=$(echo "$PAIR" | field refresh_token)
BOB=$(login bob hunter2-but-longer | field access_token)
expect "login, then /me" 200 "$(code "$base/me" -H "Authorization: Bearer $TOKEN")"
expect "wrong password" 400 "$(code -X POST "$base/login" -H 'content-type: application/json' -d '{"username":"alice","password":"x"}')"
expect "token response not cached" no-store "$(header cache-control -X POST "$base/login" -H 'content-type: application/json' -d '{"username":"bob","password":"hunter2-but-longer"}')"
expect "no header" 'Bearer realm="jwt-suite-example"' "$(challenge "$base/me")"
expect "two spaces" 400 "$(code "$base/me" -H "Authorization: Bearer  $TOKEN")"
expect "tampered" 'Bearer realm="jwt-suite-example", error="invalid_token", error_description="the token signature is invalid"' "$(challenge "$base/me" -H "Authorization: Bearer ${TOKEN}x")"
expect "admin as alice" 200 "$(code "$base/admin" -H "Authorization: Bearer $TOKEN")"
expect "admin as bob" 403 "$(code "$base/admin" -H "Authorization: Bearer $BOB")"
ACTION=$(curl -s -X POST "$base/actions/token" -H "Authorization: Bearer $TOKEN" | field action_token)
expect "one-time, first use" 200 "$(code -X POST "$base/actions/redeem" -H "Authorization: Bearer $ACTION")"
expect "one-time, second use" 'Bearer realm="jwt-suite-example", error="invalid_token", error_description="the token has already been used"' "$(challenge -X POST "$base/actions/redeem" -H "Authorization: Bearer $ACTION")"
expect "a refresh token is no one-time link" 'Bearer realm="jwt-suite-example", error="invalid_token", error_description="the token type is not accepted"' "$(challenge -X POST "$base/actions/redeem" -H "Authorization: Bearer $REFRESH")"

NEXT=$(refresh "$REFRESH")
NEW_TOKEN=$(echo "$NEXT" | field access_token)
NEW_REFRESH=$(echo "$NEXT" | field refresh_token)
expect "refresh rotates" yes "$([ -n "$NEW_REFRESH" ] && [ "$NEW_REFRESH" != "$REFRESH" ] && echo yes)"
expect "new access token" 200 "$(code "$base/me" -H "Authorization: Bearer $NEW_TOKEN")"
expect "old refresh token again: reuse" 'the refresh token was already used: the session is revoked, sign in again' "$(refresh "$REFRESH" | field error_description)"
expect "newest refresh token after reuse" 'the session was revoked, sign in again' "$(refresh "$NEW_REFRESH" | field error_description)"

expect "logout" 200 "$(code -X POST "$base/logout" -H "Authorization: Bearer $NEW_TOKEN")"
expect "access token after logout" 'Bearer realm="jwt-suite-example", error="invalid_token", error_description="the token has been revoked"' "$(challenge "$base/me" -H "Authorization: Bearer $TOKEN")"
AGAIN=$(login alice 'correct horse battery staple' | field access_token)
expect "login right after logout" 200 "$(code "$base/me" -H "Authorization: Bearer $AGAIN")"

expect "jwks" 1 "$(curl -s "$base/.well-known/jwks.json" | grep -o '"kty":"OKP"' | wc -l | tr -d ' ')"
expect "jwks has no private member" 0 "$(curl -s "$base/.well-known/jwks.json" | grep -c '"d"' || true)"
expect "preflight from the front end, no token" "$front" "$(header access-control-allow-origin -X OPTIONS "$base/me" -H "Origin: $front" -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: authorization')"
expect "preflight from another origin" "" "$(header access-control-allow-origin -X OPTIONS "$base/me" -H 'Origin: http://evil.example' -H 'Access-Control-Request-Method: GET')"
expect "front end page" 200 "$(code "$front/")"
expect "front end knows the API" "window.API_BASE = \"$base\";" "$(curl -s "$front/config.js")"
