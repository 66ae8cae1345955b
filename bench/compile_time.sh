#!/usr/bin/env bash
# Compile time of the derive: the CPU time (user + sys) rustc spends in `cargo check` of a
# crate holding ten 40-field structs, with `#[derive(Claims)]`, with serde's
# `#[derive(Serialize, Deserialize)]`, and with no derive (the baseline), dependencies
# already checked. Variants are interleaved, so that load from other processes hits them
# alike; CPU time rather than wall time, which the load distorts far more. Prints the median
# per variant and the cost per struct above the baseline.
#
#   bench/compile_time.sh [ROUNDS]      # default 9
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${CTIME_DIR:-/tmp/jwt-compile-time}
rounds=${1:-9}
mkdir -p "$work"
fields='    pub exp: jwt_runtime::NumericDate,
    pub iat: jwt_runtime::NumericDate,
    pub nbf: Option<jwt_runtime::NumericDate>,
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,'
types=(String u64 bool 'Vec<String>' 'Option<String>' i64 'Option<u32>')
for i in $(seq 0 33); do
    fields+=$'\n'"    pub field$i: ${types[$((i % 7))]},"
done
declare -A derives=(
    [none]=''
    [serde]='#[derive(serde::Serialize, serde::Deserialize)]'
    [claims]='#[derive(jwt_runtime::Claims)]'
)
for variant in none serde claims; do
    mkdir -p "$work/$variant/src"
    cat > "$work/$variant/Cargo.toml" <<TOML
[package]
name = "ctime-$variant"
version = "0.0.0"
edition = "2024"
[dependencies]
jwt-runtime = { path = "$repo/jwt-runtime" }
serde = { version = "1", features = ["derive"] }
[workspace]
TOML
    : > "$work/$variant/src/lib.rs"
    for n in $(seq 0 9); do
        printf '%s\npub struct Forty%s {\n%s\n}\n' "${derives[$variant]}" "$n" "$fields" \
            >> "$work/$variant/src/lib.rs"
    done
done
cat > "$work/wrap.sh" <<'WRAP'
#!/usr/bin/env bash
if [[ " $* " == *" --crate-name ctime_"* ]]; then
    exec /usr/bin/time -f "%U %S" -a -o "$CTIME_OUT" "$@"
fi
exec "$@"
WRAP
chmod +x "$work/wrap.sh"
export CARGO_TARGET_DIR="$work/target" CTIME_OUT="$work/cpu.txt"
for variant in none serde claims; do (cd "$work/$variant" && cargo check -q); done
: > "$CTIME_OUT"
for _ in $(seq 1 "$rounds"); do
    for variant in none serde claims; do
        touch "$work/$variant/src/lib.rs"
        printf '%s ' "$variant" >> "$CTIME_OUT"
        (cd "$work/$variant" && RUSTC_WRAPPER="$work/wrap.sh" cargo check -q --offline)
    done
done
python3 - "$CTIME_OUT" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    variant, user, system = line.split()
    times[variant].append((float(user) + float(system)) * 1000)
base = statistics.median(times["none"])
for variant in ("none", "serde", "claims"):
    median = statistics.median(times[variant])
    print(f"{variant:7} {median:6.0f} ms for ten structs; {(median - base) / 10:5.1f} ms per struct above none")
PY
