#!/bin/sh
# Policy-engine benchmark (make bench).  env: BUILD (default build).
# Runs $BUILD/tests/bench_policy (prints decisions_per_s=N) on the checked-in seed-style
# corpus and on a generated corpus of 10,000 statements, and iam-simulate (installed at
# test time into $BUILD/iamsim) on the seed corpus, then prints:
#   BENCH policy_decisions_per_s=N decisions/s
#   BENCH policy_decisions_per_s_10k=N decisions/s
#   BENCH iam_simulate_decisions_per_s=N decisions/s
#   BENCH policy_speedup_vs_iam_simulate=R x
set -u
BUILD=${BUILD:-build}
export BUILD
here=$(cd "$(dirname "$0")" && pwd)
BENCH_BIN="$BUILD/tests/bench_policy"
SEED="$here/corpus-seed.json"
OUT="$BUILD/bench"

if [ ! -x "$BENCH_BIN" ]; then
    echo "bench: $BENCH_BIN is missing: build it first (make $BENCH_BIN, or make bench)" >&2
    exit 1
fi
if ! command -v node >/dev/null 2>&1; then
    echo "bench: node is required (corpus generator, iam-simulate)" >&2
    exit 1
fi
mkdir -p "$OUT" || exit 1

# run_c CORPUS -> prints N from the bench's decisions_per_s=N line, details on stderr
run_c() {
    res=$("$BENCH_BIN" "$1") || { echo "bench: $BENCH_BIN $1 failed" >&2; return 1; }
    printf '%s\n' "$res" | grep -v '^decisions_per_s=' | sed "s|^|bench: $(basename "$1"): |" >&2
    n=$(printf '%s\n' "$res" | sed -n 's/^decisions_per_s=\([0-9][0-9]*\).*/\1/p' | tail -n 1)
    [ -n "$n" ] || { echo "bench: no decisions_per_s line from $BENCH_BIN $1" >&2; return 1; }
    echo "$n"
}

node "$here/gen-corpus-10k.js" "$OUT/corpus-10k.json" || exit 1

ours=$(run_c "$SEED") || exit 1
echo "BENCH policy_decisions_per_s=$ours decisions/s"
ours10k=$(run_c "$OUT/corpus-10k.json") || exit 1
echo "BENCH policy_decisions_per_s_10k=$ours10k decisions/s"

if ! "$here/../diff/install-iamsim.sh"; then
    echo "bench: iam-simulate could not be installed: no comparison"
    exit 0
fi
res=$(node "$here/iamsim-bench.js" "$SEED") || { echo "bench: iamsim-bench.js failed" >&2; exit 1; }
printf '%s\n' "$res" | grep -v '^decisions_per_s=' | sed 's/^/bench: /' >&2
theirs=$(printf '%s\n' "$res" | sed -n 's/^decisions_per_s=\([0-9][0-9]*\).*/\1/p' | tail -n 1)
if [ -z "$theirs" ] || [ "$theirs" -eq 0 ]; then
    echo "bench: no decisions_per_s from iamsim-bench.js" >&2
    exit 1
fi
echo "BENCH iam_simulate_decisions_per_s=$theirs decisions/s"
echo "BENCH policy_speedup_vs_iam_simulate=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.1f", a / b }') x"
