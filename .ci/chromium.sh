# Sourced by .ci/run (bash). Installs what the browser test of the example front end needs:
# Debian's `chromium` (tests/frontend_browser.rs runs it headless, with --no-sandbox since CI
# runs as root). JWT_REQUIRE_BROWSER=1 turns "chromium absent, skipping" into a test failure.
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium (apt-get)" >&2
    apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        || echo "could not install chromium: the browser test will fail (JWT_REQUIRE_BROWSER=1)" >&2
fi
export JWT_REQUIRE_BROWSER=1
