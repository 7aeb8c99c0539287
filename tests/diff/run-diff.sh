#!/bin/sh
# Differential test of `stsctl simulate` against @cloud-copilot/iam-simulate.
# env: BUILD (default build); DIFF_CASES, DIFF_SEED, DIFF_JOBS, STSCTL (see run-diff.js).
# Installs the oracle into $BUILD/iamsim at test time (AGPL: never committed or vendored).
# Last line: "diff: N passed, N failed"; exit 1 on any unexplained disagreement.
set -u
TZ=UTC
export TZ
BUILD=${BUILD:-build}
export BUILD
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
    echo "diff: 0 passed, 0 failed, 1 skipped (node not found)"
    exit 0
fi
if ! "$here/install-iamsim.sh"; then
    echo "diff: 0 passed, 0 failed, 1 skipped (iam-simulate could not be installed)"
    exit 0
fi
exec node "$here/run-diff.js"
