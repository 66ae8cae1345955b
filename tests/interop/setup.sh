#!/usr/bin/env bash
# Installs the interop peers of tests/interop.rs, pinned: PyJWT into tests/interop/.venv
# (requirements.txt) and jose into tests/interop/node_modules (package.json + lockfile).
# Idempotent: a second run with everything in place installs nothing. Needs python3 (with
# venv/pip) and node + npm, and the PyPI and npm registries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "interop: creating $here/.venv"
    "$python" -m venv .venv || {
        # Debian's python3 lacks ensurepip until python3-venv is installed.
        if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
            apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null
            rm -rf .venv
            "$python" -m venv .venv
        else
            exit 1
        fi
    }
fi
# Every pinned line must be installed (one missing line means install).
wanted=$(grep -v '^#' requirements.txt | grep . | wc -l)
found=$(.venv/bin/python -m pip freeze 2>/dev/null | grep -ixF -f <(grep -v '^#' requirements.txt | grep .) | wc -l || true)
if [ "$found" -ne "$wanted" ]; then
    echo "interop: installing $(grep -v '^#' requirements.txt | tr '\n' ' ')"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi

lock_stamp=node_modules/.package-lock.json
if [ ! -f "$lock_stamp" ] || ! cmp -s <(node -e 'const l=require("./package-lock.json");console.log(JSON.stringify(l.packages["node_modules/jose"].version))') \
    <(node -e 'const l=require("./node_modules/.package-lock.json");console.log(JSON.stringify(l.packages["node_modules/jose"]?.version))'); then
    echo "interop: installing jose from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
fi

.venv/bin/python -c 'import jwt, cryptography; print("interop: PyJWT", jwt.__version__, "cryptography", cryptography.__version__)'
node --input-type=module -e 'import { createRequire } from "node:module"; const v = createRequire(import.meta.url)("./node_modules/jose/package.json").version; console.log("interop: jose", v)'
