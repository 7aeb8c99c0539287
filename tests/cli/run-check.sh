#!/usr/bin/env bash
# stsctl check: a good configuration passes (exit 0); each planted fault is
# reported with its file (and place) and makes the exit status 1.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
S="$BUILD/stsctl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp" # users reach runtime_dir below it
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
umask 022
mkdir -p "$tmp/state/mfa" "$tmp/pam.d"
chmod 0700 "$tmp/state" "$tmp/state/mfa"
cp -r conf/sandbox "$tmp/sandbox"
chmod -R go-w "$tmp/sandbox"
install -m 0755 "$BUILD/sts-helper" "$tmp/sts-helper"
conf="$tmp/pam_sts.conf"
cat >"$conf" <<CONF
state_dir = $tmp/state
account_id = 123456789012
policy_dir = $tmp/sandbox/policies
role_dir = $tmp/sandbox/roles
session_policy_dir = $tmp/sandbox/session-policies
issuer_key = $tmp/issuer.key
runtime_dir = $tmp/run
helper = $tmp/sts-helper
CONF
chmod 0600 "$conf"
"$S" init --config "$conf" >/dev/null || bad "stsctl init"
printf 'auth required pam_sts.so config=%s\naccount required pam_sts.so config=%s action=assume-role role=UpdateAPP\n' \
	"$conf" "$conf" >"$tmp/pam.d/sshd"
printf 'auth required pam_unix.so\n' >"$tmp/pam.d/login"

# run: OUT and RC of stsctl check
run() { out=$("$S" check --config "$conf" --pam-dir "$tmp/pam.d" 2>&1) && rc=0 || rc=$?; }
# expect_fault WHAT PATTERN
expect_fault() {
	run
	if [[ $rc -eq 1 ]] && grep -q -- "$2" <<<"$out"; then ok; else bad "$1: exit $rc, output: $out"; fi
}

run
[[ $rc -eq 0 && $out == *", 0 faults" ]] && ok || bad "a good configuration: exit $rc: $out"
grep -q '^check: [0-9]* checked' <<<"$out" && ok || bad "no summary line: $out"

# Users must be able to traverse runtime_dir and every directory above it.
mkdir -m 0700 "$tmp/run"
expect_fault "a runtime_dir users cannot traverse" "$tmp/run: mode 0700: users cannot traverse"
chmod 0755 "$tmp/run"
chmod 0700 "$tmp"
expect_fault "a parent of runtime_dir users cannot traverse" "$tmp: mode 0700: users cannot traverse"
chmod 0755 "$tmp"
rmdir "$tmp/run"

echo '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*"}]}' \
	>"$tmp/sandbox/policies/groups/managers/broken.json"
expect_fault "a policy without Resource" "groups/managers/broken.json"
rm "$tmp/sandbox/policies/groups/managers/broken.json"

chmod g+w "$tmp/sandbox/roles/ReadOnly.json"
expect_fault "a group-writable role" "ReadOnly.json"
chmod g-w "$tmp/sandbox/roles/ReadOnly.json"

echo '{"Version": "2012-10-17", "Statement": []}' >"$tmp/sandbox/session-policies/empty.json"
expect_fault "an empty session policy" "empty.json"
rm "$tmp/sandbox/session-policies/empty.json"

mv "$tmp/issuer.key" "$tmp/issuer.key.away"
expect_fault "a missing issuer key" "issuer.key"
mv "$tmp/issuer.key.away" "$tmp/issuer.key"
chmod 0644 "$tmp/issuer.key"
expect_fault "a readable issuer key" "issuer.key"
chmod 0600 "$tmp/issuer.key"

chmod 0755 "$tmp/state/mfa"
expect_fault "an MFA store others can read" "$tmp/state/mfa: mode"
chmod 0700 "$tmp/state/mfa"

chmod 0775 "$tmp/sts-helper"
expect_fault "a group-writable helper" "$tmp/sts-helper: mode"
chmod 0755 "$tmp/sts-helper"

echo "session required pam_sts.so config=$conf frobnicate" >>"$tmp/pam.d/sshd"
expect_fault "an unknown module argument" "$tmp/pam.d/sshd:3: unknown pam_sts argument \"frobnicate\""
sed -i '$d' "$tmp/pam.d/sshd"
echo "session required pam_sts.so config=$tmp/absent.conf" >>"$tmp/pam.d/sshd"
expect_fault "a PAM line naming a missing config" "$tmp/pam.d/sshd:3: .*absent.conf"
sed -i '$d' "$tmp/pam.d/sshd"

run
[[ $rc -eq 0 ]] && ok || bad "repaired configuration: exit $rc: $out"
out=$("$S" check --config "$tmp/absent.conf" 2>&1) && rc=0 || rc=$?
[[ $rc -eq 1 && $out == *absent.conf* ]] && ok || bad "a missing main file: exit $rc: $out"
"$S" check --frobnicate >/dev/null 2>&1
[[ $? -eq 2 ]] && ok || bad "a bad option is a usage error"

echo "check: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
