#!/usr/bin/env bash
# sts-assume end to end, as root (CI runs as root): a set-uid copy of
# sts-assume run by throw-away users through setpriv, against the sandbox
# configuration. Allowed role, denied role, wrong and replayed codes, the
# command's exit status, dropped privileges, a sanitized environment, and no
# session files left behind. Everything created is removed, also on failure.
set -u
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
if [[ $(id -u) -ne 0 ]]; then
	echo "assume: needs root (CI runs as root)"
	echo "assume: 0 passed, 1 failed"
	exit 1
fi

# The throw-away users run what is staged here: outside the clone, which may
# sit below a 0700 /root.
. tests/lib/public-tmp.sh
tmp=$(public_tmpdir sts-assume) || {
	echo "assume: no directory every user can traverse (TMPDIR, /tmp, /var/tmp)"
	echo "assume: 0 passed, 1 failed"
	exit 1
}
suffix=$$
deployer=stsad$suffix
outsider=stsao$suffix
group=stsag$suffix
service=/etc/pam.d/sts-assume
saved_service=
secret=JBSWY3DPEHPK3PXPJBSWY3DP

cleanup() {
	userdel "$deployer" >/dev/null 2>&1
	userdel "$outsider" >/dev/null 2>&1
	groupdel "$group" >/dev/null 2>&1
	rm -f "$service"
	[[ -n $saved_service ]] && mv "$saved_service" "$service"
	rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -e $service ]]; then
	saved_service="$tmp/saved-pam-service"
	cp -p "$service" "$saved_service"
fi

# The configuration: the sandbox, with the deployers' policies attached to our
# throw-away group.
mkdir -p "$tmp/bin" "$tmp/state/mfa" "$tmp/run"
chmod 0700 "$tmp/state" "$tmp/state/mfa"
cp -r conf/sandbox "$tmp/sandbox"
mv "$tmp/sandbox/policies/groups/deployers" "$tmp/sandbox/policies/groups/$group"
chmod -R go-w "$tmp/sandbox"
install -m 0755 "$BUILD/sts-helper" "$tmp/bin/sts-helper"
install -m 4755 "$BUILD/sts-assume" "$tmp/bin/sts-assume"
conf="$tmp/pam_sts.conf"
cat >"$conf" <<CONF
state_dir = $tmp/state
totp_window = 10
fail_delay_ms = 0
account_id = 123456789012
policy_dir = $tmp/sandbox/policies
role_dir = $tmp/sandbox/roles
session_policy_dir = $tmp/sandbox/session-policies
issuer_key = $tmp/issuer.key
runtime_dir = $tmp/run
helper = $tmp/bin/sts-helper
CONF
chmod 0600 "$conf"
sed "s|pam_sts.so|$BUILD/pam_sts.so config=$conf|" conf/pam.d/sts-assume >"$service"
"$BUILD/stsctl" init --config "$conf" >/dev/null || bad "stsctl init"

groupadd "$group" && useradd -M -N -g "$group" -s /bin/sh -d "$tmp" "$deployer" &&
	useradd -M -N -s /bin/sh -d "$tmp" "$outsider" || bad "cannot create the test users"
for u in "$deployer" "$outsider"; do
	printf '%s\n' "$secret" | "$BUILD/stsctl" mfa --config "$conf" import "$u" - >/dev/null ||
		bad "mfa import $u"
done

step=0
# next_code: $c = the TOTP code of the next time step (each code is good once).
next_code() {
	c=$(oathtool --totp -b "$secret" -N "now + $((step * 30)) seconds")
	step=$((step + 1))
}
# as USER CODE ARGS...: sts-assume run by USER, CODE on its stdin.
as() {
	local user=$1 answer=$2
	shift 2
	printf '%s\n' "$answer" | PYTHONPATH=/tmp/evil IFS=: BASH_ENV=/tmp/evil \
		setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
		"$tmp/bin/sts-assume" "$@"
}

# 1. Allowed role: the command runs as the user with the credentials.
probe='echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"; env | sort; exit 7'
next_code
out=$(as "$deployer" "$c" --role UpdateAPP -- /bin/sh -c "$probe" 2>"$tmp/err")
rc=$?
[[ $rc -eq 7 ]] && ok || bad "allowed role: exit $rc, wanted the command's 7 ($(cat "$tmp/err"))"
uid=$(id -u "$deployer") gid=$(id -g "$deployer")
grep -qx "uid=$uid gid=$gid groups=$gid" <<<"$out" && ok ||
	bad "privileges not dropped: $(grep '^uid=' <<<"$out")"
grep -q '^AWS_ACCESS_KEY_ID=ASIA[A-Z2-7]\{16\}$' <<<"$out" && ok || bad "no access key id in the environment"
grep -q '^AWS_SECRET_ACCESS_KEY=.\{40\}$' <<<"$out" && ok || bad "no secret in the environment"
grep -q '^AWS_SESSION_TOKEN=.' <<<"$out" && ok || bad "no session token in the environment"
grep -q '^AWS_CREDENTIAL_EXPIRATION=20' <<<"$out" && ok || bad "no expiration in the environment"
grep -q "^AWS_SHARED_CREDENTIALS_FILE=$tmp/run/$deployer\." <<<"$out" && ok || bad "no credentials file"
grep -q '^PYTHONPATH=\|^BASH_ENV=\|^IFS=' <<<"$out" && bad "the caller's PYTHONPATH/BASH_ENV/IFS leaked" || ok
grep -q '^PAM_STS_' <<<"$out" && bad "pam_sts's internal variables leaked" || ok
grep -q "^PATH=/usr/local/bin:/usr/bin:/bin$" <<<"$out" && ok || bad "PATH not reset"
[[ -z $(ls -A "$tmp/run") ]] && ok || bad "session files left: $(ls -A "$tmp/run")"

# 2. The credentials verify, and the default command is the user's shell.
next_code
out=$(as "$deployer" "$c" --role UpdateAPP --duration 900 -- /bin/sh -c \
	'cat "$AWS_SHARED_CREDENTIALS_FILE"' 2>"$tmp/err")
key=$(sed -n 's/^aws_access_key_id = //p' <<<"$out")
[[ $key == ASIA* ]] && ok || bad "credentials file: $(cat "$tmp/err")"
next_code
out=$(printf '%s\necho shell-ran-as-$(id -un)\n' "$c" | setpriv --reuid="$deployer" \
	--regid="$gid" --init-groups "$tmp/bin/sts-assume" --role UpdateAPP 2>/dev/null)
[[ $out == *"shell-ran-as-$deployer"* ]] && ok || bad "the default command is not the user's shell: $out"

# 2b. runtime_dir absent before the first login: sts-helper (umask 077) creates
# it 0755. That login's sts-assume is killed (kill -9, by the user): its
# session stays, and the user's next login removes it, since its owner is gone.
rm -rf "$tmp/run"
next_code
as "$deployer" "$c" --role UpdateAPP -- /bin/sh -c 'kill -9 $PPID' >/dev/null 2>&1
[[ -n $(ls -A "$tmp/run") ]] && ok || bad "kill -9 of sts-assume left no session to reap"
[[ $(stat -c %a "$tmp/run") == 755 ]] && ok || bad "runtime_dir created $(stat -c %a "$tmp/run")"
# 2c. The user reads the credentials by their path, and can create nothing in
# the session directory (root's).
next_code
out=$(as "$deployer" "$c" --role UpdateAPP -- /bin/sh -c \
	'd=$(dirname "$AWS_SHARED_CREDENTIALS_FILE"); cat "$AWS_SHARED_CREDENTIALS_FILE";
	 touch "$d/filler" 2>/dev/null && echo CREATED; mkdir "$d/nested" 2>/dev/null && echo CREATED;
	 stat -c "dir=%U:%a" "$d"' 2>"$tmp/err")
[[ $(sed -n 's/^aws_access_key_id = //p' <<<"$out") == ASIA* ]] && ok ||
	bad "credentials unreadable under a runtime_dir created at login: $(cat "$tmp/err")"
[[ $out != *CREATED* && $out == *"dir=root:710"* ]] && ok || bad "session directory: $out"
[[ -z $(ls -A "$tmp/run") ]] && ok || bad "the killed session was not reaped: $(ls -A "$tmp/run")"

# 3. Denied: a role the user's groups may not assume, and a user without groups.
next_code
out=$(as "$deployer" "$c" --role ReadOnly -- /bin/sh -c 'echo RAN' 2>"$tmp/err")
rc=$?
[[ $rc -eq 1 && $out != *RAN* ]] && ok || bad "denied role: exit $rc, output '$out'"
grep -q "Permission denied" "$tmp/err" && ok || bad "denied role: stderr $(cat "$tmp/err")"
next_code
out=$(as "$outsider" "$c" --role UpdateAPP -- /bin/sh -c 'echo RAN' 2>/dev/null)
rc=$?
[[ $rc -eq 1 && $out != *RAN* ]] && ok || bad "outsider: exit $rc, output '$out'"

# 4. Wrong and replayed codes.
out=$(as "$deployer" 000000 --role UpdateAPP -- /bin/sh -c 'echo RAN' 2>/dev/null)
rc=$?
[[ $rc -eq 1 && $out != *RAN* ]] && ok || bad "wrong code: exit $rc"
next_code
as "$deployer" "$c" -- /bin/true 2>/dev/null && ok || bad "GetSessionToken with a fresh code"
out=$(as "$deployer" "$c" -- /bin/sh -c 'echo RAN' 2>/dev/null)
rc=$?
[[ $rc -eq 1 && $out != *RAN* ]] && ok || bad "replayed code: exit $rc"

# 5. A session policy from a file of the user's narrows the scope; a file the
# user cannot read is refused (read with the user's identity, not root's).
cat >"$tmp/narrow.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
JSON
chmod 0644 "$tmp/narrow.json"
next_code
out=$(as "$deployer" "$c" --role UpdateAPP --session-policy "$tmp/narrow.json" -- /bin/sh -c \
	'echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN"' 2>"$tmp/err")
read -r akid sak tok <<<"$out"
if [[ $akid == ASIA* ]]; then
	ok
	put=$(AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$sak AWS_SESSION_TOKEN=$tok \
		"$BUILD/stsctl" authorize --config "$conf" --action s3:PutObject \
		--resource arn:aws:s3:::example-app-releases/x 2>&1 | head -n 1)
	get=$(AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$sak AWS_SESSION_TOKEN=$tok \
		"$BUILD/stsctl" authorize --config "$conf" --action s3:GetObject \
		--resource arn:aws:s3:::example-app-releases/x 2>&1 | head -n 1)
	[[ $put == implicitDeny && $get == allowed ]] && ok ||
		bad "session policy scope: PutObject '$put' (want implicitDeny), GetObject '$get' (want allowed)"
else
	bad "--session-policy: $(cat "$tmp/err")"
fi
chmod 0600 "$tmp/narrow.json"
out=$(as "$deployer" 000000 --role UpdateAPP --session-policy "$tmp/narrow.json" -- true 2>&1)
[[ $? -eq 2 && $out == *"Permission denied"* ]] && ok || bad "an unreadable policy file: $out"

# 6. Usage errors and a signal's exit status.
as "$deployer" 000000 --role A --federated B >/dev/null 2>&1
[[ $? -eq 2 ]] && ok || bad "--role with --federated is a usage error"
next_code
as "$deployer" "$c" --role UpdateAPP -- /bin/sh -c 'kill -TERM $$' 2>/dev/null
rc=$?
[[ $rc -eq 143 ]] && ok || bad "a command killed by SIGTERM: exit $rc, wanted 143"
[[ -z $(ls -A "$tmp/run") ]] && ok || bad "session files left at the end: $(ls -A "$tmp/run")"

echo "assume: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
