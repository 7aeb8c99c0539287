#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer target (clang, ASan+UBSan)
# and runs each for FUZZ_SECONDS on a working copy of its seed corpus
# (tests/fuzz/corpus/NAME), so the checked-in seeds stay small.
# Prints libFuzzer's final figures (executions, coverage) for each target.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CC=${FUZZ_CC:-clang}
mkdir -p "$BUILD"
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Ilib -Ihelper $(pkg-config --cflags json-c openssl liboath)"
libs="$(pkg-config --libs json-c openssl liboath) -lm"
status=0
# FUZZ_TARGETS="policy config" picks targets; the default is every fuzz_*.c.
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	if [[ -n ${FUZZ_TARGETS:-} && " $FUZZ_TARGETS " != *" $short "* ]]; then
		continue
	fi
	bin="$BUILD/$name"
	# shellcheck disable=SC2086
	# The helper's own parsers that are not in lib/ (the application's request).
	$CC $flags -o "$bin" "$src" lib/*/*.c helper/sts-helper/sts_helper_request.c $libs
	work="$BUILD/corpus-$short"
	mkdir -p "$work"
	cp -n tests/fuzz/corpus/"$short"/* "$work"/ 2>/dev/null || true
	echo "fuzz: $name for ${FUZZ_SECONDS}s"
	if ! "$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -artifact_prefix="$BUILD/$name-" \
		"$work" >"$BUILD/$name.log" 2>&1; then
		echo "fuzz: $name FAILED (see $BUILD/$name.log)"
		status=1
	fi
	grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE" "$BUILD/$name.log" || true
	tail -n 3 "$BUILD/$name.log" | grep -E "cov:|ft:" || true
done
exit $status
