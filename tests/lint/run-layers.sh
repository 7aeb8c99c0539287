#!/usr/bin/env bash
# The privilege boundary as the tree and the link keep it (docs/design.md):
#  - every source file includes only the families its folder may (tests/lint/layers.py);
#  - libstsclient.a holds only lib/base and lib/proto objects, and pam_sts.so's objects link
#    against it alone, whole, with libpam and libc and --no-undefined: the module cannot reach
#    the decision code or a library the client side does not need.
# tests/hardening checks the built module's NEEDED list as a second guard.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 tests/lint/layers.py . >"$tmp/layers.txt"
grep '^FAIL' "$tmp/layers.txt"
read -r p f < <(sed -n 's/^layers: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$tmp/layers.txt")
pass=$((pass + ${p:-0}))
fail=$((fail + ${f:-1}))

client="$BUILD/libstsclient.a"
expected=$(for f in lib/base/*.c lib/proto/*.c; do basename "${f%.c}.o"; done | sort)
if [[ $(ar t "$client" | sort) == "$expected" ]]; then ok; else
	bad "$client does not hold exactly lib/base and lib/proto: $(ar t "$client" | tr '\n' ' ')"
fi

# shellcheck disable=SC2046
if cc -shared -Wl,--no-undefined -o "$tmp/m.so" "$BUILD"/pam_sts/*.o -Wl,--whole-archive "$client" \
	-Wl,--no-whole-archive $(pkg-config --libs pam) $([[ ${SANITIZE:-0} == 1 ]] &&
		echo -fsanitize=address,undefined) 2>"$tmp/link.txt"; then ok; else
	bad "the module and the whole client archive do not link with libpam and libc alone:"
	sed 's/^/  /' "$tmp/link.txt" | head -20
fi

echo "layers: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
