#!/usr/bin/env bash
# Static analysis of the C sources (lib/, pam_sts/, helper/): cppcheck
# (warning, portability, performance) and clang-tidy with the checked-in
# .clang-tidy (the analyzer and the bug-prone checks). Each file is one check.
# Skipped under SANITIZE=1 (the same sources; make asan runs the suites again).
set -u
cd "$(dirname "$0")/../.."
if [[ ${SANITIZE:-0} == 1 ]]; then
	echo "lint: 0 passed, 0 failed, 1 skipped (the plain run lints)"
	exit 0
fi
pass=0 fail=0
flags="-std=c11 -D_GNU_SOURCE -Ilib -Ipam_sts $(pkg-config --cflags json-c liboath pam libxml-2.0 libcurl libpq)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
files=(lib/*/*.c pam_sts/*.c helper/*/*.c)
cppcheck --quiet --enable=warning,portability,performance --std=c11 -D_GNU_SOURCE -Ilib \
	-Ipam_sts --suppress=missingIncludeSystem --template='{file}:{line}: {severity}: {message} [{id}]' \
	"${files[@]}" 2>"$out/cppcheck.txt"
for f in "${files[@]}"; do
	if grep -q "^$f:" "$out/cppcheck.txt"; then
		fail=$((fail + 1))
		grep "^$f:" "$out/cppcheck.txt" | sed 's/^/FAIL: cppcheck: /'
	else
		pass=$((pass + 1))
	fi
done
# clang-tidy, two files at a time.
# shellcheck disable=SC2086
printf '%s\n' "${files[@]}" | xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
	'clang-tidy --quiet "$1" -- '"$flags"' >"$2/$(echo "$1" | tr / _).tidy" 2>/dev/null' _ {} "$out"
for f in "${files[@]}"; do
	t="$out/$(echo "$f" | tr / _).tidy"
	if grep -q "warning:\|error:" "$t"; then
		fail=$((fail + 1))
		grep "warning:\|error:" "$t" | sed 's/^/FAIL: clang-tidy: /'
	else
		pass=$((pass + 1))
	fi
done
echo "lint: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
