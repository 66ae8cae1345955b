#!/usr/bin/env bash
# Runs examples/one_time_link.rs on the in-memory store, then on a redis-server started here
# on a free loopback port (two stores standing for two servers).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --all-features --example one_time_link

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
cargo run --quiet --all-features --example one_time_link -- --redis "redis://127.0.0.1:$port/"
