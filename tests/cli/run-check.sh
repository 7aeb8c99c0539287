#!/usr/bin/env bash
# stsctl check: a good configuration passes (exit 0); each planted fault is
# reported with its file (and place) and makes the exit status 1. The PAM
# lines are checked against the configuration they name, as the module
# would read them: role, duration, session policy, and that configuration's
# directories.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
S="$BUILD/stsctl"
# runtime_dir is below it: every directory above must be searchable by users.
. tests/lib/public-tmp.sh
tmp=$(public_tmpdir check) || {
	echo "check: no directory every user can traverse (TMPDIR, /tmp, /var/tmp)"
	echo "check: 0 passed, 1 failed"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
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
expect_fault "an unknown module argument" "$tmp/pam.d/sshd:3: bad module argument \"frobnicate\""
sed -i '$d' "$tmp/pam.d/sshd"
echo "session required pam_sts.so config=$tmp/absent.conf" >>"$tmp/pam.d/sshd"
expect_fault "a PAM line naming a missing config" "$tmp/pam.d/sshd:3: .*absent.conf"
sed -i '$d' "$tmp/pam.d/sshd"

# --- the PAM lines against the configuration they name ----------------------------
# conf2: a second configuration, named only by config= in a service file.
conf2="$tmp/bastion.conf"
sed "s|^runtime_dir = .*|runtime_dir = $tmp/run|" "$conf" >"$conf2"
chmod 0600 "$conf2"
# service LINES...: the service file "bastion" holds exactly these lines.
service() { printf '%s\n' "$@" >"$tmp/pam.d/bastion"; }
# set2 KEY VALUE: conf2 with KEY set to VALUE (on its own line).
set2() { sed -i "s|^$1 = .*|$1 = $2|" "$conf2"; }
good2() { sed "s|^runtime_dir = .*|runtime_dir = $tmp/run|" "$conf" >"$conf2"; }

service "auth required pam_sts.so config=$conf2" \
	"# account required pam_sts.so config=$conf2 role=Commented" \
	"account [success=ok default=die] pam_sts.so config=$conf2 \\" \
	"	action=assume-role role=UpdateAPP duration=7200 session_policy=readonly-s3" \
	"account required /usr/lib/security/pam_sts.so [config=$conf2] action=assume-role role=arn:aws:iam::123456789012:role/ReadOnly session_name=ops-%u" \
	"-session optional pam_sts.so config=$conf2 action=federate name=%u duration=129600 session_policy=readonly-s3" \
	"account required pam_sts.so config=$conf2 action=assume-role role=prompt duration=43200"
run
[[ $rc -eq 0 && $out == *", 0 faults" ]] && ok || bad "a good stack with its own configuration: exit $rc: $out"

service "account required pam_sts.so config=$conf2 action=assume-role role=NoSuchRole"
expect_fault "a role that does not exist" "$tmp/pam.d/bastion:1: role=NoSuchRole: .*no such role"
service "account required pam_sts.so config=$conf2 action=assume-role role=arn:aws:iam::123456789012:role/team/UpdateAPP"
expect_fault "a role ARN with another path" "$tmp/pam.d/bastion:1: role=arn:aws:iam::123456789012:role/team/UpdateAPP: .*no such role"
service "auth required pam_sts.so config=$conf2" \
	"account required pam_sts.so config=$conf2 action=federate name=%u session_policy=absent"
expect_fault "a missing session_policy file" "$tmp/pam.d/bastion:2: session_policy=absent: .*absent.json: does not exist"
service "account required pam_sts.so config=$conf2 action=assume-role role=UpdateAPP \\" \
	"	duration=7201"
expect_fault "duration beyond the role's MaxSessionDuration" "$tmp/pam.d/bastion:1: duration=7201: .*MaxSessionDuration .*(7200)"
service "account required pam_sts.so config=$conf2 action=assume-role role=prompt duration=43201"
expect_fault "duration beyond any role's limit" "$tmp/pam.d/bastion:1: duration=43201: .*(43200) (no role may allow more)"
service "account required pam_sts.so config=$conf2 action=federate name=%u duration=129601"
expect_fault "duration beyond STS's limit" "$tmp/pam.d/bastion:1: duration=129601: .*129600"
service "account required pam_sts.so config=$conf2 action=federate name=x"
expect_fault "a federated name STS refuses" "$tmp/pam.d/bastion:1: name=x: STS refuses it"
service "account required pam_sts.so config=$conf2 action=assume-role role=UpdateAPP session_name=a/b"
expect_fault "a session name STS refuses" "$tmp/pam.d/bastion:1: session_name=a/b: STS refuses it"
service "account required pam_sts.so config=$conf2 duration=600"
expect_fault "duration below STS's minimum" "$tmp/pam.d/bastion:1: duration=600: .*900"
service "account required pam_sts.so config=$conf2 action=assume-role"
expect_fault "arguments the module refuses together" "$tmp/pam.d/bastion:1: bad module arguments: action=assume-role needs role="

service "auth required pam_sts.so config=$conf2"
set2 policy_dir "$tmp/nopolicies"
expect_fault "a missing policy directory" "$conf2:3: policy_dir = $tmp/nopolicies: does not exist"
good2
set2 state_dir "$tmp/nostate"
expect_fault "a state_dir that does not exist" "$conf2:1: state_dir = $tmp/nostate: does not exist"
good2
set2 runtime_dir "$tmp/absent/run"
expect_fault "a runtime_dir that cannot be created" "$tmp/absent: runtime_dir $tmp/absent/run cannot be created"
mkdir -m 0700 "$tmp/private"
set2 runtime_dir "$tmp/private/run"
expect_fault "a runtime_dir users cannot reach" "$tmp/private: mode 0700: users cannot traverse it .* $tmp/private/run"
good2
run
[[ $rc -eq 0 ]] && ok || bad "the second configuration repaired: exit $rc: $out"
rm "$tmp/pam.d/bastion"

# grant_ttl; ticket_ttl, its deprecated name, still read with a warning that is
# no fault; both names together: a fault.
cp "$conf" "$tmp/saved.conf"
echo "grant_ttl = 120" >>"$conf"
run
[[ $rc -eq 0 && $out != *WARNING* ]] && ok || bad "grant_ttl: exit $rc: $out"
sed -i 's/^grant_ttl =/ticket_ttl =/' "$conf"
run
[[ $rc -eq 0 ]] && grep -qxF "WARNING $conf: ticket_ttl is deprecated: name it grant_ttl" <<<"$out" &&
	ok || bad "ticket_ttl: exit $rc: $out"
echo "grant_ttl = 120" >>"$conf"
expect_fault "grant_ttl and ticket_ttl both set" "grant_ttl and ticket_ttl (its deprecated name) are both set"
cp "$tmp/saved.conf" "$conf"

# issuer = aws: region required; the endpoints by lib/upstream's rules; the keys file;
# a PAM line asking for GetFederationToken of a base identity that is a role (IMDS).
cp "$conf" "$tmp/saved.conf"
printf 'issuer = aws\nregion = eu-west-1\nsts_endpoint = http://127.0.0.1:9\n' >>"$conf"
run
[[ $rc -eq 0 ]] && ok || bad "issuer = aws with IMDS and AssumeRole: exit $rc: $out"
echo "sts_endpoint = http://127.0.0.1:9/path" >>"$conf"
sed -i '/^sts_endpoint = http:\/\/127.0.0.1:9$/d' "$conf"
expect_fault "an sts_endpoint with a path" "sts_endpoint"
sed -i '/^sts_endpoint/d' "$conf"
echo "imds_endpoint = http://metadata.internal" >>"$conf"
expect_fault "an imds_endpoint that is no IP address" "imds_endpoint"
sed -i '/^imds_endpoint/d' "$conf"
printf 'account required pam_sts.so config=%s action=federate name=Manager-Bob\n' "$conf" \
	>"$tmp/pam.d/fed"
expect_fault "GetFederationToken with role credentials" "pam.d/fed:1: GetFederationToken with issuer = aws needs an IAM user's keys"
printf '[default]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = %s\n' \
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" >"$tmp/upstream.creds"
chmod 0600 "$tmp/upstream.creds"
printf 'upstream_credentials = file\nupstream_credentials_file = %s\n' "$tmp/upstream.creds" \
	>>"$conf"
run
[[ $rc -eq 0 ]] && ok || bad "GetFederationToken with an IAM user's keys: exit $rc: $out"
chmod 0644 "$tmp/upstream.creds"
expect_fault "a keys file others can read" "upstream.creds"
rm "$tmp/pam.d/fed" "$tmp/upstream.creds"
printf 'account required pam_sts.so config=%s action=session\n' "$conf" >"$tmp/pam.d/sess"
expect_fault "GetSessionToken without iam_user_dir" "iam_user_dir"
rm "$tmp/pam.d/sess"
sed -i '/^region/d' "$conf"
expect_fault "issuer = aws without region" "issuer = aws needs region"
cp "$tmp/saved.conf" "$conf"

run
[[ $rc -eq 0 ]] && ok || bad "repaired configuration: exit $rc: $out"
out=$("$S" check --config "$tmp/absent.conf" 2>&1) && rc=0 || rc=$?
[[ $rc -eq 1 && $out == *absent.conf* ]] && ok || bad "a missing main file: exit $rc: $out"
"$S" check --frobnicate >/dev/null 2>&1
[[ $? -eq 2 ]] && ok || bad "a bad option is a usage error"

echo "check: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
