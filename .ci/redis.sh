# Sourced by .ci/run (bash). Installs what the Redis replay-store tests need:
# `redis-server` (tests/replay_redis.rs starts its own servers on free loopback ports, kills
# and restarts them) and `redis-cli` (it forms a three-node Redis Cluster). Nothing is started
# here. JWT_REQUIRE_REDIS=1 turns "redis-server absent, skipping" into a test failure.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "installing redis-server (apt-get)" >&2
    apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
        || echo "could not install redis-server: the Redis tests will fail (JWT_REQUIRE_REDIS=1)" >&2
fi
export JWT_REQUIRE_REDIS=1
