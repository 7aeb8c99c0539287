#!/usr/bin/env bash
# The package's tmpfiles.d rule (debian/libpam-sts.pam_sts.tmpfiles), run by
# systemd-tmpfiles on a copy whose path points into a scratch directory:
# it parses, creates runtime_dir 0755 root:root, and its clean-up removes a
# session whose files are older than the longest STS credentials (36 h) and
# keeps a recent one. Without systemd-tmpfiles the line is parsed here.
set -u
cd "$(dirname "$0")/../.."
RULE=debian/libpam-sts.pam_sts.tmpfiles
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
tmp=$(mktemp -d /tmp/pam_sts-tmpfiles.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The one rule line: type, path, mode, owner, group, age.
read -r type path mode user group age rest < <(grep -v '^\s*\(#\|$\)' "$RULE")
[[ $(grep -cv '^\s*\(#\|$\)' "$RULE") -eq 1 ]] && ok || bad "more than one rule line"
[[ $type == d && $path == /run/pam_sts && $mode == 0755 && $user == root && $group == root ]] &&
	ok || bad "rule: $type $path $mode $user $group"
[[ $age == mM:36h && -z $rest ]] && ok || bad "age: '$age' (wanted mM:36h: 36 h by mtime)"

if ! command -v systemd-tmpfiles >/dev/null; then
	skip=$((skip + 1))
	echo "tmpfiles: $pass passed, $fail failed, $skip skipped"
	[[ $fail -eq 0 ]]
	exit
fi
sed "s#/run/pam_sts#$tmp/run#" "$RULE" >"$tmp/pam_sts.conf"
out=$(systemd-tmpfiles --create "$tmp/pam_sts.conf" 2>&1) && rc=0 || rc=$?
[[ $rc -eq 0 && -z $out ]] && ok || bad "systemd-tmpfiles --create: exit $rc: $out"
[[ $(stat -c '%a %U %G' "$tmp/run" 2>&1) == "755 root root" ]] && ok ||
	bad "runtime_dir: $(stat -c '%a %U %G' "$tmp/run" 2>&1)"

# session NAME AGE: a session directory as sts-helper makes it, its times AGE ago.
session() {
	mkdir -m 0710 "$tmp/run/$1"
	echo "[default]" >"$tmp/run/$1/credentials"
	echo "pid=1 start=1 expires=1" >"$tmp/run/$1/owner"
	touch -d "$2" "$tmp/run/$1"/* "$tmp/run/$1"
}
session alice.00000000000000000000000000000001 "37 hours ago"
session bob.00000000000000000000000000000002 "35 hours ago"
out=$(systemd-tmpfiles --clean "$tmp/pam_sts.conf" 2>&1) && rc=0 || rc=$?
[[ $rc -eq 0 && -z $out ]] && ok || bad "systemd-tmpfiles --clean: exit $rc: $out"
[[ ! -e $tmp/run/alice.00000000000000000000000000000001 ]] && ok ||
	bad "a session older than 36 h was kept"
[[ -e $tmp/run/bob.00000000000000000000000000000002/credentials ]] && ok ||
	bad "a session of 35 h was removed"
echo "tmpfiles: $pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
