#!/usr/bin/env bash
# Check every C source and header (tracked or untracked, not ignored) against .clang-format.
# Prints each file that differs and ends with `format: N passed, N failed`. `make format` fixes.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"

if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
	echo "format: $CLANG_FORMAT not found (scripts/deps.sh build installs it)"
	echo "format: 0 passed, 1 failed"
	exit 1
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' | sort -u)
else
	mapfile -t files < <(find . -path ./.git -prune -o -type f \( -name '*.c' -o -name '*.h' \) \
		-print | sed 's|^\./||' | sort)
fi

passed=0
failed=0
for f in "${files[@]}"; do
	[[ -f "$f" ]] || continue # tracked but deleted in the work tree
	if out=$("$CLANG_FORMAT" --dry-run --Werror "$f" 2>&1); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		first=$(printf '%s\n' "$out" | grep -m1 -E '^[^ ].*: (error|warning):' | cut -d: -f2,3)
		echo "format: $f differs from .clang-format${first:+ (first at line:col $first)}"
	fi
done

[[ $failed -gt 0 ]] && echo "format: run 'make format' to fix"
echo "format: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
