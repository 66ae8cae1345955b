#!/usr/bin/env bash
# Mutation testing of the decode path with cargo-mutants: every mutant of these files must be
# caught by a test, or be listed in docs/mutants.md as equivalent, with the reason.
#
#   cargo install cargo-mutants --locked
#   scripts/mutants.sh                        # pipeline, header, json, validation, base64url
#   scripts/mutants.sh header validation      # some of them
#   JOBS=3 scripts/mutants.sh                 # parallel jobs, each in its own copy of the tree
#
# About 270 mutants; one takes 30-60 s on two cores (an incremental build and the behaviour
# tests), so the whole run takes hours there: run it before a release, or per file after a
# change to that file. Results go to target/mutants/<file>/mutants.out/ (caught.txt,
# missed.txt, timeout.txt, unviable.txt). Exits non-zero when a mutant is missed or times
# out and docs/mutants.md does not list it as equivalent.
set -euo pipefail
cd "$(dirname "$0")/.."

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    files=(pipeline header json validation base64url)
fi
# The tests that pin the decode path: the runtime's unit tests and the behaviour tests. The
# differential, property and HTTP tests are left out for time; they would only add kills.
tests=(--lib --test attacks --test bad_input --test token_kinds --test strictness
       --test vectors --test derive_roundtrip --test validation_boundaries)

# cargo-mutants runs its unmutated baseline on the mutated package alone, where the
# behaviour tests (in the root package) do not exist: run the baseline here instead.
cargo test --quiet -p jwt-runtime -p jwt-suite "${tests[@]}" > /dev/null

status=0
for file in "${files[@]}"; do
    out=target/mutants/$file
    cargo mutants --workspace --file "jwt-runtime/src/$file.rs" \
        --test-package jwt-runtime --test-package jwt-suite --baseline=skip \
        --timeout 300 --build-timeout 900 --jobs "${JOBS:-1}" --output "$out" \
        -- "${tests[@]}" || true
    # A survivor is accepted only when docs/mutants.md lists it (without its line and column,
    # which move with every edit) as equivalent.
    for list in missed timeout; do
        [ -f "$out/mutants.out/$list.txt" ] || continue
        while IFS= read -r mutant; do
            key=$(sed -E 's/^([^:]+):[0-9]+:[0-9]+: /\1: /' <<< "$mutant")
            if ! grep -qF -- "\`$key\`" docs/mutants.md; then
                echo "not caught, not listed as equivalent: $mutant"
                status=1
            fi
        done < "$out/mutants.out/$list.txt"
    done
done
exit $status
