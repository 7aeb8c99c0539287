#!/usr/bin/env bash
# make demo: a whole MFA -> policy -> credentials login in a sandbox.
#
# The sandbox is a directory under the build tree holding the configuration
# of conf/sandbox (the seeds' groups, the UpdateAPP role, a session policy), an
# issuer key, an MFA store, and two users (alice in deployers, mia in managers)
# that exist only for the demo: pam_wrapper supplies the PAM services and
# nss_wrapper the users, so nothing on the machine is touched. Each login runs
# the real pam_sts.so and sts-helper: the TOTP prompt, the account decision
# with its deciding statement (from the module's syslog lines), the credentials
# written into the session, verified by `stsctl verify`, checked against their
# scope by `stsctl authorize`, and removed at close.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "${BUILD:-build}" && pwd)
LIBDIR=$(pkg-config --variable=libdir pam)
S="$BUILD/stsctl"
box=$(mktemp -d "$BUILD/demo-XXXXXX")
trap 'rm -rf "$box"' EXIT
secret=JBSWY3DPEHPK3PXPJBSWY3DP

# The sandbox's users, groups and configuration.
printf 'alice:x:%s:%s:Alice:/tmp:/bin/sh\nmia:x:%s:%s:Mia:/tmp:/bin/sh\n' \
	"$(id -u)" "$(id -g)" "$(id -u)" "$(id -g)" >"$box/passwd"
printf '%s:x:%s:\ndeployers:x:45001:alice\nmanagers:x:45002:mia\n' \
	"$(id -gn)" "$(id -g)" >"$box/group"
cp -r conf/sandbox "$box/sandbox"
chmod -R go-w "$box/sandbox"
mkdir -p "$box/state/mfa" "$box/run" "$box/services"
chmod 0700 "$box/state" "$box/state/mfa"
# The helper stand-in gives sts-helper the sandbox's users (nss_wrapper).
install -m 0755 "$BUILD/tests/sts-helper-wrap" "$box/sts-helper"
conf="$box/pam_sts.conf"
cat >"$conf" <<CONF
# The demo sandbox's pam_sts.conf
state_dir = $box/state
fail_delay_ms = 0
totp_window = 2
account_id = 123456789012
policy_dir = $box/sandbox/policies
role_dir = $box/sandbox/roles
session_policy_dir = $box/sandbox/session-policies
issuer_key = $box/issuer.key
runtime_dir = $box/run
helper = $box/sts-helper
CONF
chmod 0600 "$conf"
stack() { # SERVICE ACCOUNT-ARGS
	printf 'auth required %s config=%s\naccount required %s config=%s %s\nsession required %s config=%s\n' \
		"$BUILD/pam_sts.so" "$conf" "$BUILD/pam_sts.so" "$conf" "$2" "$BUILD/pam_sts.so" "$conf" \
		>"$box/services/$1"
}
stack deploy "action=assume-role role=UpdateAPP"
stack report "action=federate name=Manager-Bob session_policy=readonly-s3"
stack sneak "action=assume-role role=UpdateAPP"
printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' \
	>"$box/services/other"
export NSS_WRAPPER_PASSWD="$box/passwd" NSS_WRAPPER_GROUP="$box/group"
nss() { LD_PRELOAD="$LIBDIR/libnss_wrapper.so" "$@"; }

echo "== pam_sts demo: MFA -> policy -> credentials, in a sandbox ($box) =="
echo
echo "\$ stsctl init            # the issuer key"
"$S" init --config "$conf"
for u in alice mia; do
	echo "\$ stsctl mfa import $u -   # (the demo's known TOTP secret)"
	printf '%s\n' "$secret" | nss "$S" mfa --config "$conf" import "$u" -
done

step=0
login() { # TITLE SERVICE USER COMMAND...
	local title=$1 service=$2 user=$3
	shift 3
	local code
	code=$(oathtool --totp -b "$secret" -N "now + $((step * 30)) seconds")
	step=$((step + 1))
	printf '\n== %s ==\n$ login %s as %s (from 192.0.2.10)\n' "$title" "$service" "$user"
	LD_PRELOAD="$LIBDIR/libpam_wrapper.so:$LIBDIR/libnss_wrapper.so" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$box/services" PAM_WRAPPER_DEBUGLEVEL=2 \
		"$BUILD/demo-login" "$service" "$user" "$code" "$@" 2>"$box/log" && rc=0 || rc=$?
	# The module's syslog lines (pam_wrapper prints them): the decisions.
	echo "  syslog (authpriv) of this login:"
	sed -n 's/^PWRAP_[A-Z]*\[[^]]*\] - SYSLOG([^)]*): /  syslog: /p' "$box/log" |
		grep -v 'pam_wrapper\|PAM_WRAPPER' || true
	echo "  (login exit $rc)"
}
verify=("$S" verify --config "$conf")
authz() { printf '  $ stsctl authorize --action %s --resource %s\n' "$1" "$2"; }
login "seed: a deployer assumes UpdateAPP" deploy alice sh -c "
	echo '  \$ stsctl verify'; ${verify[*]} | sed 's/^/    /'
	echo '  \$ stsctl authorize --action s3:PutObject --resource arn:aws:s3:::example-app-releases/v2.zip'
	$S authorize --config $conf --action s3:PutObject --resource arn:aws:s3:::example-app-releases/v2.zip | sed 's/^/    /'
	echo '  \$ stsctl authorize --action iam:CreateUser --resource arn:aws:iam::123456789012:user/x'
	$S authorize --config $conf --action iam:CreateUser --resource arn:aws:iam::123456789012:user/x | sed 's/^/    /'
	echo '  files in the session directory:'; ls -l \"\$(dirname \"\$AWS_SHARED_CREDENTIALS_FILE\")\" | sed 's/^/    /'"
login "seed: a manager federates as Manager-Bob with a read-only session policy" report mia sh -c "
	echo '  \$ stsctl verify'; ${verify[*]} | sed 's/^/    /'
	echo '  \$ stsctl authorize --action s3:GetObject --resource arn:aws:s3:::example-reports/q3.csv'
	$S authorize --config $conf --action s3:GetObject --resource arn:aws:s3:::example-reports/q3.csv | sed 's/^/    /'
	echo '  \$ stsctl authorize --action s3:PutObject --resource arn:aws:s3:::example-reports/q3.csv'
	$S authorize --config $conf --action s3:PutObject --resource arn:aws:s3:::example-reports/q3.csv | sed 's/^/    /'"
login "a manager may not assume UpdateAPP: refused at account" sneak mia true
echo
echo "session directories left in the sandbox's runtime directory: $(ls -A "$box/run" | wc -l)"
