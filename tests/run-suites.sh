#!/usr/bin/env bash
# The `make check` runner: runs every suite in order, logs each to $BUILD/test-logs/<suite>.log
# while showing it, and ends with exactly one line `N passed, N failed` (the sum of all suites).
# Exit 0 only when every suite ran cleanly and nothing failed.
#
# Env: BUILD (default build), SANITIZE (0/1), SUITE_TIMEOUT (seconds per unit-test binary,
# default 600), SCRIPT_TIMEOUT (seconds per suite script, default 1800).
#
# Suites, in order:
#   format        tests/format-check.sh (not under SANITIZE=1: the plain run checks it)
#   test_*        every cmocka binary in $BUILD/tests/, run from the repo root
#   scripts       each path in tests/suites.list; its last line must be
#                 `NAME: N passed, N failed[, N skipped]`
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 2
BUILD="${BUILD:-build}"
SANITIZE="${SANITIZE:-0}"
SUITE_TIMEOUT="${SUITE_TIMEOUT:-600}"
SCRIPT_TIMEOUT="${SCRIPT_TIMEOUT:-1800}"
export BUILD SANITIZE
# The suites run Debian's programs (python3, aws, node, sshd), never whatever
# the caller's PATH puts first (a pyenv shim, a pip-installed aws).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PYTHONUNBUFFERED=1
export CMOCKA_MESSAGE_OUTPUT=stdout

if [[ "$SANITIZE" == 1 ]]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
	# The differential suite starts stsctl once per case, and each sanitized
	# start is slow: the plain run compares all 3000 cases, the sanitized run
	# the first 1000 of the same seed (they reach the same engine code), which
	# keeps .ci/run under 20 minutes on this machine (diff took 230 s of
	# make asan's 748 s).
	export DIFF_CASES="${DIFF_CASES:-1000}"
fi

LOGDIR="$BUILD/test-logs"
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.log

total_pass=0
total_fail=0
total_skip=0
summary=()

# record NAME PASS FAIL SKIP NOTE
record() {
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	total_skip=$((total_skip + $4))
	local status=ok
	[[ $3 -gt 0 ]] && status=FAIL
	summary+=("$(printf '  %-24s %5d passed %5d failed %5d skipped  %s%s' "$1" "$2" "$3" "$4" \
		"$status" "${5:+  ($5)}")")
}

# run_logged LOG TIMEOUT CMD... -> shows and logs the output; returns the command's status
run_logged() {
	local log="$1" limit="$2"
	shift 2
	timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

banner() {
	echo
	echo "=== $1"
}

# --- format ----------------------------------------------------------------------------------
if [[ "$SANITIZE" == 1 ]]; then
	banner "format: skipped under SANITIZE=1 (the plain make check runs it)"
else
	banner "format: tests/format-check.sh"
	run_logged "$LOGDIR/format.log" 300 tests/format-check.sh
	rc=$?
	line=$(grep -E '^format: [0-9]+ passed, [0-9]+ failed' "$LOGDIR/format.log" | tail -n1)
	if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
		[[ $rc -ne 0 && $f -eq 0 ]] && f=1
		record format "$p" "$f" 0
	else
		record format 0 1 0 "no summary line, exit $rc"
	fi
fi

# --- cmocka unit tests -----------------------------------------------------------------------
shopt -s nullglob
bins=()
for b in "$BUILD"/tests/test_*; do
	base=$(basename "$b")
	[[ -f "$b" && -x "$b" && "$base" != *.* ]] && bins+=("$b")
done
srcs=(tests/unit/test_*.c)
shopt -u nullglob
if [[ ${#bins[@]} -eq 0 && ${#srcs[@]} -gt 0 ]]; then
	banner "unit: no test binaries in $BUILD/tests (build them with make tests)"
	record unit 0 1 0 "no binaries built"
fi

for b in "${bins[@]}"; do
	name=$(basename "$b")
	banner "$name"
	run_logged "$LOGDIR/$name.log" "$SUITE_TIMEOUT" "$b"
	rc=$?
	p=0 f=0 seen_pass=0 seen_fail=0
	while IFS= read -r l; do
		if [[ $l =~ ^\[\ +PASSED\ +\]\ ([0-9]+)\ test ]]; then
			p=$((p + BASH_REMATCH[1]))
			seen_pass=1
		elif [[ $l =~ ^\[\ +FAILED\ +\]\ ([0-9]+)\ test\(s\),\ listed\ below ]]; then
			f=$((f + BASH_REMATCH[1]))
			seen_fail=1
		fi
	done <"$LOGDIR/$name.log"
	note=""
	if [[ $rc -ne 0 && $seen_fail -eq 0 ]]; then
		f=$((f + 1))
		if [[ $rc -eq 124 || $rc -eq 137 ]]; then
			note="timed out after ${SUITE_TIMEOUT}s"
		elif [[ $rc -gt 128 ]]; then
			note="killed by signal $((rc - 128))"
		else
			note="exit $rc without a cmocka FAILED count"
		fi
	elif [[ $rc -eq 0 && $seen_pass -eq 0 && $seen_fail -eq 0 ]]; then
		f=$((f + 1))
		note="no cmocka summary"
	fi
	[[ -n $note ]] && echo "$name: $note"
	record "$name" "$p" "$f" 0 "$note"
done

# --- suite scripts from tests/suites.list ----------------------------------------------------
if [[ -f tests/suites.list ]]; then
	while IFS= read -r entry || [[ -n $entry ]]; do
		entry="${entry%%#*}"
		entry="${entry#"${entry%%[![:space:]]*}"}"
		entry="${entry%"${entry##*[![:space:]]}"}"
		[[ -z $entry ]] && continue
		name=$(basename "$entry")
		name="${name#run-}"
		name="${name%.*}"
		banner "$name: $entry"
		if [[ ! -e $entry ]]; then
			echo "$name: $entry is listed in tests/suites.list but does not exist"
			record "$name" 0 1 0 "script missing"
			continue
		fi
		if [[ ! -x $entry ]]; then
			echo "$name: $entry is not executable (chmod +x, and commit the mode)"
			record "$name" 0 1 0 "not executable"
			continue
		fi
		run_logged "$LOGDIR/$name.log" "$SCRIPT_TIMEOUT" "./$entry" </dev/null
		rc=$?
		last=$(grep -v '^[[:space:]]*$' "$LOGDIR/$name.log" | tail -n1)
		re='^[A-Za-z0-9_.-]+: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?'
		if [[ $last =~ $re ]]; then
			p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
			note=""
			if [[ $rc -ne 0 && $f -eq 0 ]]; then
				f=1
				note="exit $rc with 0 failed"
			fi
			record "$name" "$p" "$f" "$s" "$note"
		else
			note="exit $rc, last line is not 'NAME: N passed, N failed'"
			[[ $rc -eq 124 || $rc -eq 137 ]] && note="timed out after ${SCRIPT_TIMEOUT}s"
			echo "$name: $note"
			record "$name" 0 1 0 "$note"
		fi
	done <tests/suites.list
fi

echo
echo "=== summary (logs in $LOGDIR/)"
printf '%s\n' "${summary[@]}"
[[ $total_skip -gt 0 ]] && echo "($total_skip skipped, not counted as passed)"
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
