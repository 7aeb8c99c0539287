#!/usr/bin/env bash
# The built artefacts: pam_sts.so exports only pam_sm_* and does not link
# OpenSSL; every program and the
# module are PIE/PIC with full RELRO (BIND_NOW), a non-executable stack, the
# stack protector and (outside sanitizer builds) _FORTIFY_SOURCE's checked
# functions. Reads the ELF files with binutils; changes nothing.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SANITIZE=${SANITIZE:-0}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

module="$BUILD/pam_sts.so"
syms=$(nm -D --defined-only "$module" | awk '{print $NF}' | sort)
want=$(printf '%s\n' pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session \
	pam_sm_open_session pam_sm_setcred | sort)
[[ $syms == "$want" ]] && ok || bad "$module exports: $(tr '\n' ' ' <<<"$syms")"

# The module loads nothing but libpam and libc into the application
# (docs/login-latency.md): OpenSSL, json-c, liboath, the keys and the device
# secrets live in sts-helper. (ASan builds add the sanitizer runtimes.)
needed=$(readelf -d "$module" | awk '/NEEDED/ {gsub(/[][]/, "", $NF); print $NF}' | grep -v 'libasan\|libubsan' | sort | tr '\n' ' ')
[[ $needed == "libc.so.6 libpam.so.0 " ]] && ok || bad "$module needs more than libpam and libc: $needed"

for f in "$module" "$BUILD/sts-helper" "$BUILD/stsctl" "$BUILD/sts-assume"; do
	[[ -f $f ]] || {
		bad "$f is missing"
		continue
	}
	hdr=$(readelf -h "$f")
	dyn=$(readelf -d "$f")
	seg=$(readelf -lW "$f")
	grep -q 'Type:.*DYN' <<<"$hdr" && ok || bad "$f is not position independent"
	grep -q 'GNU_RELRO' <<<"$seg" && ok || bad "$f has no RELRO segment"
	grep -qE 'BIND_NOW|FLAGS_1.*NOW' <<<"$dyn" && ok || bad "$f is not linked with -z now"
	grep -E 'GNU_STACK' <<<"$seg" | grep -q 'RWE' && bad "$f has an executable stack" || ok
	nm -D "$f" | grep -q '__stack_chk_fail' && ok || bad "$f lacks the stack protector"
	if [[ $SANITIZE != 1 ]]; then
		nm -D "$f" | grep -qE ' U __[a-z_]+_chk(@|$)' && ok ||
			bad "$f uses no _FORTIFY_SOURCE checked function"
	fi
done
echo "hardening: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
