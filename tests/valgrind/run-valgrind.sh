#!/usr/bin/env bash
# make valgrind: whole PAM transactions (auth, account, open and close
# session) through pam_wrapper in one process:
#  - GROWTH_N (default 4,000) natively: the heap in use (mallinfo2) does not
#    grow after a warm-up quarter (see pam_loop.c);
#  - VALGRIND_N (default 300) under valgrind's memcheck: no error, no definite
#    or indirect leak. (Each transaction forks and execs sts-helper, which
#    costs about 0.36 s under memcheck here: 10,000 would take an hour.)
# env: BUILD, GROWTH_N, VALGRIND_N.
set -u
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" && pwd)
N=${VALGRIND_N:-300}
GROWTH_N=${GROWTH_N:-4000}
LIBDIR=$(pkg-config --variable=libdir pam)
root=$(mktemp -d "$BUILD/valgrind-XXXXXX")
trap 'rm -rf "$root"' EXIT
"$BUILD/tests/pam_loop" --prepare "$BUILD" "$root" || exit 2
run_env() { PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$root/services" LD_PRELOAD="$LIBDIR/libpam_wrapper.so" "$@"; }
pass=0 fail=0
# Growth, natively (mallinfo2 sees the real heap): after a warm-up quarter,
# the second half's peak may not exceed the first half's. glibc's tcache is
# off for this run: chunks it keeps for reuse count as "in use" in mallinfo2,
# and showed here as steps of 300-3,000 bytes over 6,000 transactions that
# valgrind's added-leak check (nothing added between 1,000 and 3,000) and a
# run without the tcache (flat within 16 bytes) both show are not growth.
if GLIBC_TUNABLES=glibc.malloc.tcache_count=0 run_env "$BUILD/tests/pam_loop" --run "$root" "$GROWTH_N"; then pass=$((pass + 1)); else
	fail=$((fail + 1))
	echo "FAIL: the heap grew over $GROWTH_N transactions (or one failed)"
fi
echo "valgrind: $N PAM transactions (auth, account, open and close session) in one process"
start=$(date +%s)
run_env valgrind --quiet --error-exitcode=9 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --trace-children=no \
	"$BUILD/tests/pam_loop" --run "$root" "$N" 2>"$root/valgrind.log"
rc=$?
# valgrind 3.19 does not know pidfd_open (the module then falls back to polling).
grep -v '^$\|syscall: 434\|write your own handler\|README_MISSING_SYSCALL\|consider this a bug\|valgrind.org/support' \
	"$root/valgrind.log" | head -40
echo "valgrind: memcheck exit $rc after $(($(date +%s) - start)) s"
if [[ $rc -eq 0 ]]; then pass=$((pass + 1)); else
	fail=$((fail + 1))
	echo "FAIL: valgrind found errors or leaks"
fi
echo "valgrind: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
