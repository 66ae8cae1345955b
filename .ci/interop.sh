# Sourced by .ci/run (which then exports JWT_REQUIRE_INTEROP=1): installs the pinned interop
# peers of tests/interop.rs, PyJWT into tests/interop/.venv and jose into
# tests/interop/node_modules. Needs python3 with pip and node with npm, and the PyPI and npm
# registries. A failure here fails CI, as a missing peer would fail the tests anyway.
bash "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/interop/setup.sh"
