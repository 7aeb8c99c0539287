#!/usr/bin/env bash
# End to end through a real OpenSSH sshd (Debian openssh-server) on
# 127.0.0.1: publickey + keyboard-interactive:pam, with pam_sts in auth,
# account and session of a PAM service of the test's own. sshd runs the
# keyboard-interactive PAM conversation and the account phase in a child and
# opens the session in the monitor, so a login that ends with credentials
# in the shell proves that the MFA result and the account's grant survive
# that split. Logins use the real `ssh` client (driven by expect, login.exp)
# and the session is checked with the real AWS CLI (/usr/bin/aws).
#
# Needs root (CI runs make check as root): it creates throw-away users and
# groups, /etc/pam.d/<service>, and (when the host has no syslog) a /dev/log
# listener that captures pam_sts's log lines; all of it is removed on exit,
# also on failure. Packages: openssh-server openssh-client expect awscli
# oathtool (scripts/deps.sh build).
#
# sshd takes its PAM service name from its program name (OpenSSH 9.2's
# auth-pam.c: SSHD_PAM_SERVICE defaults to __progname; Debian does not
# override it), so it runs through a symbolic link named after the service
# (and with PAMServiceName where sshd -T knows that option); /etc/pam.d/sshd
# is never touched. Two sshds: one for AssumeRole UpdateAPP, one for
# GetSessionToken; then three with the guide's own stacks (doc-stacks.sh).
#
# `[[ cond ]] && ok || bad ...` is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -u
BUILD=${BUILD:-build}
SANITIZE=${SANITIZE:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 2
START=$SECONDS
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
summary() { echo "ssh: $pass passed, $fail failed${1:+, $1 skipped}"; }

if [[ $(id -u) -ne 0 ]]; then
	echo "ssh: needs root (users, groups, /etc/pam.d, sshd)"
	summary 1
	exit 0
fi
# /etc/pam_sts/pam_sts.conf, /var/lib/pam_sts and /run/pam_sts are the machine's: the suites
# that replace them for their run (deb, ssh) take turns, or one would move the other's aside.
exec 9>/run/lock/pam_sts-system-tests.lock
if ! flock -w 1800 9; then
	echo "ssh: another suite held /run/lock/pam_sts-system-tests.lock for 30 minutes"
	summary
	exit 1
fi
# Under SANITIZE=1 the module is built with ASan and UBSan: their runtimes
# must come first in sshd, so sshd runs with them preloaded, and every
# report they write (log_path below) is a failure.
sshd_env=() preload=""
if [[ $SANITIZE == 1 ]]; then
	for lib in libasan.so libubsan.so; do
		p=$(${CC:-cc} -print-file-name=$lib)
		if [[ $p != /* || ! -e $p ]]; then
			echo "ssh: SANITIZE=1 but $lib not found"
			summary
			exit 1
		fi
		preload+=${preload:+:}$p
	done
fi
missing=()
for t in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen /usr/bin/expect /usr/bin/aws oathtool \
	useradd userdel groupadd groupdel python3 pgrep findmnt; do
	command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
for f in "$BUILD/pam_sts.so" "$BUILD/sts-helper" "$BUILD/stsctl"; do
	[[ -f $f ]] || missing+=("$f (make all)")
done
# Debian's python3 by path when there is one: a version manager's shim
# earlier on PATH can take a second per call.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "ssh: missing: ${missing[*]} (scripts/deps.sh build installs the packages)"
	summary
	exit 1
fi

# --- everything the test creates, and its removal -------------------------------------------
rnd=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
svc_role=sshd-stsr$rnd # PAM service names = sshd's program names
svc_sess=sshd-stss$rnd
gdep=stsdep$rnd # mapped onto the sandbox's deployers policies
gmgr=stsmgr$rnd # mapped onto the sandbox's managers policies
ua=stsa$rnd     # a deployer: may assume UpdateAPP
ub=stsb$rnd     # a manager: may not assume UpdateAPP
# The test's directory holds the users' homes and runtime_dir (so every
# directory above it must be searchable by others) and the module and the
# helper (so its file system must allow exec): never the clone, which may sit
# below a 0700 /root.
. "$ROOT/tests/lib/public-tmp.sh"
if ! base=$(public_base); then
	echo "ssh: no directory for the test (searchable by all, exec allowed)"
	summary
	exit 1
fi
tmp=$(mktemp -d "$base/pam_sts-ssh.XXXXXX") || exit 2
chmod 0755 "$tmp" # users must reach runtime_dir and their homes below it
if [[ -n ${preload:-} ]]; then
	san="log_path=$tmp/sanitizer:halt_on_error=1"
	sshd_env=(env "LD_PRELOAD=$preload" "ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:$san"
		"UBSAN_OPTIONS=print_stacktrace=1:$san")
fi
created_users=() created_groups=() pam_files=() sshd_pids=() bg_pids=()
syslog_pid="" made_devlog=0 made_privsep=0 saved_sysconf="" made_sysconf_dir=0 sysconf_ours=0

kill_pids() { # PID... : TERM, then KILL what is left
	local p live=()
	for p in "$@"; do kill "$p" 2>/dev/null && live+=("$p"); done
	[[ ${#live[@]} -eq 0 ]] && return
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "${live[@]}" 2>/dev/null || return
		sleep 0.1
	done
	kill -9 "${live[@]}" 2>/dev/null
}

cleanup() {
	local p u g pids=()
	set +e
	kill_pids "${bg_pids[@]}"
	# Per-connection sshd processes are children of the listeners.
	for p in "${sshd_pids[@]}"; do
		mapfile -t -O "${#pids[@]}" pids < <(pgrep -P "$p")
	done
	kill_pids "${pids[@]}"
	kill_pids "${sshd_pids[@]}"
	for u in "${created_users[@]}"; do
		mapfile -t pids < <(pgrep -u "$u")
		kill_pids "${pids[@]}"
		userdel -r -f "$u" >/dev/null 2>&1 || echo "ssh: cleanup: userdel $u failed"
	done
	for g in "${created_groups[@]}"; do
		groupdel "$g" 2>/dev/null || echo "ssh: cleanup: groupdel $g failed"
	done
	for f in "${pam_files[@]}"; do rm -f "$f"; done
	if [[ -n $syslog_pid ]]; then kill_pids "$syslog_pid"; fi
	if [[ $made_devlog == 1 && -S /dev/log ]]; then rm -f /dev/log; fi
	if [[ $made_privsep == 1 ]]; then rmdir /run/sshd 2>/dev/null; fi
	if [[ $sysconf_ours == 1 ]]; then rm -f /etc/pam_sts/pam_sts.conf; fi
	if [[ -n $saved_sysconf ]]; then mv "$saved_sysconf" /etc/pam_sts/pam_sts.conf; fi
	if [[ $made_sysconf_dir == 1 ]]; then rmdir /etc/pam_sts 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- syslog: pam_sts and sts-helper log through syslog(3) -----------------------------------
# Their lines are captured for the reason checks below and for the failure
# report, whether or not the host runs a syslog daemon: without one the
# listener binds /dev/log; with one it binds beside it, and sshd (with the
# module and the helper it runs) sees it at /dev/log in a mount namespace of
# its own, so the daemon's /dev/log is never touched.
syslog_file=$tmp/syslog
devlog=/dev/log
[[ -e /dev/log || -L /dev/log ]] && devlog=$tmp/devlog
"$PY" - "$syslog_file" "$devlog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
os.chmod(sys.argv[2], 0o666)
with open(sys.argv[1], "ab", buffering=0) as f:
    f.write(b"ready\n")
    while True:
        f.write(s.recv(65536).rstrip(b"\n\0") + b"\n")
PY
syslog_pid=$!
for _ in $(seq 50); do
	[[ -S $devlog ]] && break
	sleep 0.1
done
have_syslog=0
if [[ -S $devlog ]]; then
	have_syslog=1
	if [[ $devlog == /dev/log ]]; then
		made_devlog=1
	else
		# shellcheck disable=SC2016
		sshd_env=(unshare -m --propagation private -- sh -c 'mount --bind "$0" /dev/log && exec "$@"'
			"$devlog" "${sshd_env[@]}")
	fi
fi
if [[ $have_syslog != 1 ]]; then
	bad "syslog: no listener at $devlog"
fi
# log_has NAME TEXT: pam_sts's log has TEXT (checked only when captured here)
log_has() {
	[[ $have_syslog == 1 ]] || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -qF -- "$2" "$syslog_file" && {
			ok
			return
		}
		sleep 0.2
	done
	bad "$1: the log lacks '$2'"
}

# --- configuration: a copy of conf/sandbox, keys and state under $tmp ----------------------
etc=$tmp/etc
mkdir -m 0755 "$etc" "$tmp/lib" "$tmp/bin" "$tmp/run" "$tmp/home"
mkdir -m 0700 "$tmp/state" "$tmp/state/mfa"
cp -r conf/sandbox/policies conf/sandbox/roles conf/sandbox/session-policies "$etc/"
# The policy directory is keyed by group name: the throw-away groups get
# the deployers' and the managers' policies.
cp -r "$etc/policies/groups/deployers" "$etc/policies/groups/$gdep"
cp -r "$etc/policies/groups/managers" "$etc/policies/groups/$gmgr"
chown -R root:root "$etc"
chmod -R go-w "$etc"
# The module and the helper must be root-owned and writable by nobody else.
# stsctl is copied too: all three from one moment of the build tree, which a
# concurrent `make` may relink while the test runs.
install -m 0644 "$BUILD/pam_sts.so" "$tmp/lib/pam_sts.so"
# Set-uid, as the package installs it: users verify their credentials through it.
install -m 4755 "$BUILD/sts-helper" "$tmp/lib/sts-helper"
install -m 0755 "$BUILD/stsctl" "$tmp/lib/stsctl"
S=$tmp/lib/stsctl
conf=$etc/pam_sts.conf
W=5 # totp_window: room for a few distinct codes per user without waiting
cat >"$conf" <<EOF
state_dir = $tmp/state
totp_window = $W
max_failures = 5
fail_delay_ms = 100
account_id = 123456789012
region = eu-west-1
policy_dir = $etc/policies
role_dir = $etc/roles
session_policy_dir = $etc/session-policies
issuer_key = $etc/issuer.key
runtime_dir = $tmp/run
helper = $tmp/lib/sts-helper
helper_timeout = 10
EOF
chmod 0600 "$conf"
if "$S" init --config "$conf" >"$tmp/init.out" 2>&1; then ok; else bad "stsctl init: $(cat "$tmp/init.out")"; fi
# stsctl verify run by a user (inside the session) uses the system configuration,
# as the set-uid helper does: for the duration of the test it is ours (the
# machine's own is put back afterwards).
if [[ -e /etc/pam_sts/pam_sts.conf ]]; then
	saved_sysconf=$tmp/saved-system-pam_sts.conf
	mv /etc/pam_sts/pam_sts.conf "$saved_sysconf"
elif [[ ! -d /etc/pam_sts ]]; then
	mkdir -m 0755 /etc/pam_sts && made_sysconf_dir=1
fi
sysconf_ours=1
install -m 0644 "$conf" /etc/pam_sts/pam_sts.conf

# PAM services (the module by absolute path).
mod=$tmp/lib/pam_sts.so
for svc in "$svc_role" "$svc_sess"; do
	if [[ -e /etc/pam.d/$svc ]]; then
		echo "ssh: /etc/pam.d/$svc exists already"
		summary
		exit 1
	fi
done
pam_files+=("/etc/pam.d/$svc_role")
cat >"/etc/pam.d/$svc_role" <<EOF
# pam_sts end-to-end test (tests/ssh/run-ssh.sh); removed when it ends
auth     required $mod config=$conf
account  required $mod config=$conf action=assume-role role=UpdateAPP
session  required $mod config=$conf
EOF
pam_files+=("/etc/pam.d/$svc_sess")
cat >"/etc/pam.d/$svc_sess" <<EOF
# pam_sts end-to-end test (tests/ssh/run-ssh.sh); removed when it ends
auth     required $mod config=$conf
account  required $mod config=$conf action=session
session  required $mod config=$conf
EOF

# --- users, groups, MFA devices, ssh keys ---------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C pam_sts-test -f "$tmp/client_key"
declare -A secret last_step
for g in "$gdep" "$gmgr"; do
	groupadd "$g" && created_groups+=("$g") || bad "groupadd $g"
done
add_user() { # USER GROUP
	local u=$1 g=$2 h=$tmp/home/$1
	if ! useradd -N -g "$g" -d "$h" -m -s /bin/bash "$u"; then
		bad "useradd $u"
		return
	fi
	created_users+=("$u")
	install -d -m 0700 -o "$u" -g "$g" "$h/.ssh"
	install -m 0600 -o "$u" -g "$g" "$tmp/client_key.pub" "$h/.ssh/authorized_keys"
	secret[$u]=$(head -c 20 /dev/urandom | base32 | tr -d '=')
	last_step[$u]=0
	# The secret on stdin ("-"), never on a command line.
	if "$S" mfa --config "$conf" import "$u" - <<<"${secret[$u]}" >"$tmp/import.out" 2>&1; then
		ok
	else
		bad "stsctl mfa import $u: $(cat "$tmp/import.out")"
	fi
}
add_user "$ua" "$gdep"
add_user "$ub" "$gmgr"
if [[ $fail -gt 0 ]]; then
	summary
	exit 1
fi

# A fresh code for USER in $code: the next time step after the last one
# used (each code is accepted once), within totp_window of now.
next_code() {
	local u=$1 step now
	now=$(($(date +%s) / 30))
	step=$((last_step[$u] + 1))
	((step < now)) && step=$now
	if ((step > now + W)); then
		bad "next_code $u: out of time steps"
	fi
	last_step[$u]=$step
	code=$(oathtool --totp -b "${secret[$u]}" -N "@$((step * 30))")
}
# A code that is wrong for USER at every step the window could accept.
wrong_code() {
	local u=$1 now s valid
	now=$(($(date +%s) / 30))
	valid=" "
	for ((s = now - W - 2; s <= now + W + 2; s++)); do
		valid+="$(oathtool --totp -b "${secret[$u]}" -N "@$((s * 30))") "
	done
	while :; do
		code=$(printf '%06d' $((RANDOM * 32768 % 1000000 + RANDOM % 1000)))
		code=${code: -6}
		[[ $valid != *" $code "* ]] && return
	done
}

# --- sshd -----------------------------------------------------------------------------------
if [[ ! -d /run/sshd ]]; then # Debian's sshd wants its privilege separation directory
	mkdir -m 0755 /run/sshd && made_privsep=1
fi
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
cat >"$tmp/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $tmp/host_key
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey,keyboard-interactive:pam
AuthorizedKeysFile .ssh/authorized_keys
StrictModes yes
PermitRootLogin no
AllowUsers $ua $ub
PermitUserEnvironment no
AcceptEnv none
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
PrintLastLog no
UseDNS no
LoginGraceTime 60
MaxAuthTries 6
MaxStartups 20
LogLevel VERBOSE
EOF
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_sshd SERVICE [CONFIG] -> sets $port (sshd listening), or fails
start_sshd() {
	local svc=$1 cfg=${2:-$tmp/sshd_config} try pid named=()
	ln -sf /usr/sbin/sshd "$tmp/bin/$svc"
	if ! "$tmp/bin/$svc" -t -f "$cfg" >"$tmp/sshd-t.out" 2>&1; then
		bad "sshd -t: $(cat "$tmp/sshd-t.out")"
		return 1
	fi
	# Newer OpenSSH names the PAM service in its configuration instead.
	if "$tmp/bin/$svc" -T -f "$cfg" 2>/dev/null | grep -qi '^pamservicename '; then
		named=(-o "PAMServiceName=$svc")
	fi
	for try in 1 2 3; do
		port=$(free_port)
		: >"$tmp/$svc.log"
		# An absolute path: sshd re-executes itself by it.
		"${sshd_env[@]}" "$tmp/bin/$svc" -D -f "$cfg" -E "$tmp/$svc.log" -o "Port=$port" \
			-o "PidFile=$tmp/$svc.pid" "${named[@]}" &
		pid=$!
		sshd_pids+=("$pid")
		for _ in $(seq 100); do
			grep -q "Server listening on 127.0.0.1 port $port" "$tmp/$svc.log" && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill_pids "$pid"
		echo "ssh: sshd $svc on port $port did not start (try $try): $(tail -n 3 "$tmp/$svc.log")"
	done
	bad "sshd $svc did not start"
	return 1
}
start_sshd "$svc_role" && port_role=$port || port_role=
start_sshd "$svc_sess" && port_sess=$port || port_sess=
if [[ -z $port_role || -z $port_sess ]]; then
	summary
	exit 1
fi

# --- logins ---------------------------------------------------------------------------------
# The session check, run by the user inside the session: KEY=VALUE lines.
check=$tmp/session-check.sh
cat >"$check" <<'EOF'
f=${AWS_SHARED_CREDENTIALS_FILE-}
echo "WHO=$(id -un)"
echo "CREDFILE=${f:-unset}"
echo "EXPIRATION=${AWS_CREDENTIAL_EXPIRATION-unset}"
echo "REGION=${AWS_REGION-unset}"
echo "SECURITY_TOKEN=${AWS_SECURITY_TOKEN-unset}"
echo "PAM_STS_VARS=$(env | grep -c '^PAM_STS_')"
echo "SECRET_IN_ENV=${AWS_SECRET_ACCESS_KEY:+yes}"
echo "FILE_AKID=$(sed -n 's/^aws_access_key_id *= *//p' "$f" 2>/dev/null)"
echo "FILE_STAT=$(stat -c '%U %a' "$f" 2>&1)"
echo "DIR_STAT=$(stat -c '%U %a' "$(dirname "$f")" 2>&1)"
out=$HOME/export.$$
/usr/bin/aws configure export-credentials --format env >"$out" 2>&1
echo "AWS_RC=$?"
echo "AWS_AKID=$(sed -n 's/^export AWS_ACCESS_KEY_ID=//p' "$out")"
echo "AWS_TOKEN_LINES=$(grep -c '^export AWS_SESSION_TOKEN=.' "$out")"
echo "AWS_OTHER=$(grep -v '^export ' "$out" | head -c 300 | tr '\n' ' ')"
rm -f "$out"
echo "VERIFY=$(STSCTL verify 2>&1 | head -n 2 | tr '\n' ' ')"
echo "CHECK=done"
EOF
sed -i "s|STSCTL|$S|" "$check"
chmod 0755 "$check"

ssh_args() { # USER PORT [COMMAND]
	local u=$1 p=$2
	shift 2
	printf '%s\n' /usr/bin/ssh -F /dev/null -p "$p" -i "$tmp/client_key" -o IdentitiesOnly=yes \
		-o IdentityAgent=none \
		-o BatchMode=no -o StrictHostKeyChecking=no -o "UserKnownHostsFile=$tmp/known_hosts" \
		-o GlobalKnownHostsFile=/dev/null -o PreferredAuthentications=publickey,keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 -o LogLevel=ERROR "$u@127.0.0.1" "$@"
}
# login_cmd NAME USER PORT CODE COMMAND -> $out (output, no CR), $rc (ssh's status)
login_cmd() {
	local name=$1 u=$2 p=$3 c=$4
	shift 4
	local args
	mapfile -t args < <(ssh_args "$u" "$p" "$@")
	STS_CODE=$c timeout 120 expect -f "$HERE/login.exp" cmd "${args[@]}" >"$tmp/$name.out" 2>&1 &&
		rc=0 || rc=$?
	out=$(tr -d '\r' <"$tmp/$name.out")
}
val() { sed -n "s/^$1=//p" <<<"$2" | head -n 1; }
# sessions USER: how many session directories USER has under runtime_dir
sessions() { find "$tmp/run" -mindepth 1 -maxdepth 1 -name "$1.*" | wc -l; }
# wait_sessions NAME USER N: runtime_dir holds N of USER's session directories
# (the monitor closes the PAM session just after the client has gone)
wait_sessions() {
	local n
	for _ in $(seq 50); do
		n=$(sessions "$2")
		[[ $n -eq $3 ]] && {
			ok
			return
		}
		sleep 0.1
	done
	bad "$1: $n session directories of $2 under runtime_dir, wanted $3: $(ls "$tmp/run")"
}
# check_session NAME USER OUTPUT: what the session check printed
check_session() {
	local name=$1 u=$2 o=$3 cf akid
	cf=$(val CREDFILE "$o")
	akid=$(val FILE_AKID "$o")
	[[ $(val CHECK "$o") == "done" ]] && ok || bad "$name: the session check did not run: $o"
	[[ $(val WHO "$o") == "$u" ]] && ok || bad "$name: runs as '$(val WHO "$o")'"
	[[ $cf == "$tmp/run/$u."*/credentials ]] && ok || bad "$name: AWS_SHARED_CREDENTIALS_FILE='$cf'"
	[[ $akid =~ ^ASIA[A-Z2-7]{16}$ ]] && ok || bad "$name: access key id in the file: '$akid'"
	[[ $(val FILE_STAT "$o") == "$u 600" ]] && ok || bad "$name: credentials file: $(val FILE_STAT "$o")"
	[[ $(val DIR_STAT "$o") == "root 710" ]] && ok || bad "$name: session directory: $(val DIR_STAT "$o")"
	[[ $(val AWS_RC "$o") == 0 ]] && ok || bad "$name: aws configure export-credentials: exit $(val AWS_RC "$o"): $(val AWS_OTHER "$o")"
	[[ -n $akid && $(val AWS_AKID "$o") == "$akid" ]] && ok ||
		bad "$name: aws export-credentials printed AWS_ACCESS_KEY_ID='$(val AWS_AKID "$o")', the file has '$akid'"
	[[ $(val AWS_TOKEN_LINES "$o") == 1 ]] && ok || bad "$name: aws export-credentials printed no session token"
	[[ $(val EXPIRATION "$o") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] && ok ||
		bad "$name: AWS_CREDENTIAL_EXPIRATION='$(val EXPIRATION "$o")'"
	[[ $(val REGION "$o") == eu-west-1 ]] && ok || bad "$name: AWS_REGION='$(val REGION "$o")'"
	[[ $(val SECURITY_TOKEN "$o") == "" ]] && ok || bad "$name: AWS_SECURITY_TOKEN='$(val SECURITY_TOKEN "$o")'"
	[[ $(val VERIFY "$o") == "valid principal:"* ]] && ok ||
		bad "$name: stsctl verify run by $u in the session: $(val VERIFY "$o")"
	[[ $(val PAM_STS_VARS "$o") == 0 ]] && ok || bad "$name: PAM_STS_MFA/PAM_STS_GRANT reached the session environment"
	[[ -z $(val SECRET_IN_ENV "$o") ]] && ok || bad "$name: the secret key is in the environment (no env=secrets)"
}
# verify_creds NAME FILE WANT_PRINCIPAL WANT_OPERATION USER WANT_AKID
#              SESSION_EXPIRATION WANT_DURATION:
# stsctl verify --json as root, on the session's credentials file while the
# session is open, for every claim in the token (the user's own stsctl verify
# inside the session, through the set-uid helper, is checked by check_session).
verify_creds() {
	local name=$1 f=$2 principal=$3 op=$4 u=$5 akid=$6 exp=$7 dur=$8 j v issued expires
	if j=$("$S" verify --json --config "$conf" --credentials-file "$f" 2>&1); then ok; else
		bad "$name: stsctl verify refused $f: $j"
		return
	fi
	v=$("$PY" -c '
import json, sys
d = json.load(sys.stdin)
for k in ("valid", "principal_arn", "source_identity", "operation", "mfa_present",
          "mfa_time", "source_ip", "issued", "expiration", "access_key_id"):
    x = d.get(k)
    print("%s=%s" % (k, json.dumps(x) if isinstance(x, bool) or x is None else x))
' <<<"$j" 2>&1)
	[[ $(val valid "$v") == true ]] && ok || bad "$name: stsctl verify: $j"
	[[ $(val principal_arn "$v") == "$principal" ]] && ok || bad "$name: principal, wanted $principal: $v"
	[[ $(val source_identity "$v") == "$u" ]] && ok || bad "$name: source identity, wanted $u: $v"
	[[ $(val operation "$v") == "$op" ]] && ok || bad "$name: operation, wanted $op: $v"
	[[ $(val mfa_present "$v") == true && $(val mfa_time "$v") =~ ^[0-9]{4}- ]] && ok ||
		bad "$name: the token does not carry MFA presence and time: $v"
	[[ $(val source_ip "$v") == 127.0.0.1 ]] && ok || bad "$name: source ip: $v"
	[[ $(val access_key_id "$v") == "$akid" ]] && ok || bad "$name: access key id, wanted $akid: $v"
	issued=$(val issued "$v")
	expires=$(val expiration "$v")
	[[ -n $exp && $expires == "$exp" ]] && ok ||
		bad "$name: the token expires at '$expires', AWS_CREDENTIAL_EXPIRATION says '$exp'"
	[[ $(($(date -d "$expires" +%s) - $(date -d "$issued" +%s))) -eq $dur ]] && ok ||
		bad "$name: issued $issued, expires $expires: wanted $dur s"
}

role_arn=arn:aws:sts::123456789012:assumed-role/UpdateAPP

# 1. Interactive login, AssumeRole UpdateAPP; checked while the session is open.
next_code "$ua"
code_a1=$code
mapfile -t args < <(ssh_args "$ua" "$port_role")
export STS_CHECK=$check STS_READY=$tmp/shell.ready STS_GO=$tmp/shell.go
STS_CODE=$code_a1 timeout 150 expect -f "$HERE/login.exp" shell "${args[@]}" >"$tmp/shell.out" 2>&1 &
shell_pid=$!
bg_pids+=("$shell_pid")
for _ in $(seq 600); do
	[[ -e $STS_READY ]] && break
	kill -0 "$shell_pid" 2>/dev/null || break
	sleep 0.1
done
if [[ -e $STS_READY ]]; then
	ok
	o=$(cat "$tmp/home/$ua/session.out" 2>/dev/null)
	check_session interactive "$ua" "$o"
	cred1=$(val CREDFILE "$o")
	akid1=$(val FILE_AKID "$o")
	verify_creds interactive "$cred1" "$role_arn/$ua" AssumeRole "$ua" "$akid1" \
		"$(val EXPIRATION "$o")" 3600
	[[ $(sessions "$ua") -eq 1 ]] && ok || bad "interactive: $(sessions "$ua") session directories of $ua"
	log_has "interactive: the account decision, under the test's PAM service" \
		"decision: user=$ua rhost=127.0.0.1 service=$svc_role operation=AssumeRole"

	# 2. The non-interactive form (ssh host command), while the first session
	# is still open: a session of its own that does not touch the first one.
	next_code "$ua"
	code_a2=$code
	login_cmd command "$ua" "$port_role" "$code_a2" "sh $check"
	[[ $rc -eq 0 ]] && ok || bad "command: ssh exit $rc: $out"
	check_session command "$ua" "$out"
	cred2=$(val CREDFILE "$out")
	[[ -n $cred2 && $cred2 != "$cred1" ]] && ok || bad "command: same credentials file as the open session: $cred2"
	[[ $(val FILE_AKID "$out") != "$akid1" ]] && ok || bad "command: same access key as the open session"
	wait_sessions "command: logout removes its session, not the open one" "$ua" 1
	[[ -f $cred1 ]] && ok || bad "command: the open session's credentials file is gone"
	[[ ! -e $(dirname "$cred2") ]] && ok || bad "command: $(dirname "$cred2") left behind"
else
	bad "interactive: no session: $(tr -d '\r' <"$tmp/shell.out" | tail -n 5)"
fi
touch "$STS_GO"
wait "$shell_pid" && rc=0 || rc=$?
[[ $rc -eq 0 ]] && ok || bad "interactive: expect/ssh exit $rc: $(tr -d '\r' <"$tmp/shell.out" | tail -n 5)"
wait_sessions "interactive: logout removes the session directory" "$ua" 0
[[ -n ${cred1:-} && ! -e $(dirname "$cred1") ]] && ok || bad "interactive: $(dirname "${cred1:-?}") left behind"

# 3. A wrong code: refused, no session.
wrong_code "$ua"
login_cmd wrong "$ua" "$port_role" "$code" "sh $check"
[[ $rc -eq 255 && $out == *"Permission denied"* ]] && ok || bad "wrong code: ssh exit $rc: $out"
[[ $out != *CHECK=done* ]] && ok || bad "wrong code: the command ran"
grep -q "PAM: Authentication failure for $ua from 127.0.0.1" "$tmp/$svc_role.log" && ok ||
	bad "wrong code: sshd did not log an authentication failure for $ua"
log_has "wrong code: pam_sts's reason" "user $ua failed MFA"
[[ $(sessions "$ua") -eq 0 ]] && ok || bad "wrong code: a session directory exists"

# 4. A replayed code (the one the command login used, still inside the
# window): refused.
login_cmd replay "$ua" "$port_role" "$code_a2" "sh $check"
[[ $rc -eq 255 && $out == *"Permission denied"* ]] && ok || bad "replayed code: ssh exit $rc: $out"
[[ $out != *CHECK=done* ]] && ok || bad "replayed code: the command ran"
log_has "replayed code: pam_sts's reason" "user $ua presented an already used code"
[[ $(sessions "$ua") -eq 0 ]] && ok || bad "replayed code: a session directory exists"

# 5. A manager: MFA passes, the account phase refuses UpdateAPP (the groups'
# policies do not allow sts:AssumeRole on it). sshd's keyboard-interactive
# thread reports any account-phase refusal as PAM_ACCT_EXPIRED (auth-pam.c:
# `if (!do_pam_account()) { sshpam_err = PAM_ACCT_EXPIRED; ...`), so its log
# says "User account has expired" where an auth failure says "Authentication
# failure"; pam_sts's own line names the decision.
next_code "$ub"
login_cmd manager-role "$ub" "$port_role" "$code" "sh $check"
[[ $rc -eq 255 && $out == *"Permission denied"* ]] && ok || bad "manager, role: ssh exit $rc: $out"
[[ $out != *CHECK=done* ]] && ok || bad "manager, role: the command ran"
grep -q "PAM: User account has expired for $ub from 127.0.0.1" "$tmp/$svc_role.log" && ok ||
	bad "manager, role: sshd did not log the account phase's refusal: $(grep "$ub" "$tmp/$svc_role.log" | tail -n 3)"
log_has "manager, role: pam_sts passed MFA first" "user $ub passed MFA"
log_has "manager, role: the deny decision" \
	"decision: user=$ub rhost=127.0.0.1 service=$svc_role operation=AssumeRole target=UpdateAPP decision=implicitDeny"
[[ $(sessions "$ub") -eq 0 ]] && ok || bad "manager, role: a session directory exists"

# 6. The same manager through the GetSessionToken service: allowed for
# every user who passed MFA. A command that waits for the go file, so that
# the credentials are verified while the session is open.
next_code "$ub"
mapfile -t args < <(ssh_args "$ub" "$port_sess" \
	"sh $check >\$HOME/gst.out 2>&1; while [ ! -e $tmp/gst.go ]; do sleep 0.1; done")
STS_CODE=$code timeout 120 expect -f "$HERE/login.exp" cmd "${args[@]}" >"$tmp/gst.exp" 2>&1 &
gst_pid=$!
bg_pids+=("$gst_pid")
for _ in $(seq 600); do
	grep -q '^CHECK=done' "$tmp/home/$ub/gst.out" 2>/dev/null && break
	kill -0 "$gst_pid" 2>/dev/null || break
	sleep 0.1
done
o=$(cat "$tmp/home/$ub/gst.out" 2>/dev/null)
if [[ $(val CHECK "$o") == "done" ]]; then
	check_session manager-session "$ub" "$o"
	verify_creds manager-session "$(val CREDFILE "$o")" "arn:aws:iam::123456789012:user/$ub" \
		GetSessionToken "$ub" "$(val FILE_AKID "$o")" "$(val EXPIRATION "$o")" 43200
	log_has "manager, GetSessionToken: the decision" \
		"decision: user=$ub rhost=127.0.0.1 service=$svc_sess operation=GetSessionToken target=- decision=allowed"
else
	bad "manager, GetSessionToken: no session: $(tr -d '\r' <"$tmp/gst.exp" | tail -n 5)"
fi
touch "$tmp/gst.go"
wait "$gst_pid" && rc=0 || rc=$?
[[ $rc -eq 0 ]] && ok || bad "manager, GetSessionToken: ssh exit $rc: $(tr -d '\r' <"$tmp/gst.exp" | tail -n 5)"
wait_sessions "manager, GetSessionToken: logout removes the session directory" "$ub" 0

# 7. Two logins at once with one fresh code: exactly one gets in.
next_code "$ub"
race=()
for i in 1 2; do
	mapfile -t args < <(ssh_args "$ub" "$port_sess" "echo LOGGED-IN")
	STS_CODE=$code timeout 120 expect -f "$HERE/login.exp" cmd "${args[@]}" >"$tmp/race$i.out" 2>&1 &
	race+=($!)
	bg_pids+=("$!")
done
won=0 lost=0
for i in 1 2; do
	wait "${race[i - 1]}" && rc=0 || rc=$?
	o=$(tr -d '\r' <"$tmp/race$i.out")
	if [[ $rc -eq 0 && $o == *LOGGED-IN* ]]; then
		won=$((won + 1))
	elif [[ $rc -eq 255 && $o == *"Permission denied"* && $o == *"Verification code:"* ]]; then
		lost=$((lost + 1))
	else
		echo "race $i: exit $rc: $o"
	fi
done
[[ $won -eq 1 && $lost -eq 1 ]] && ok || bad "one code, two logins at once: $won got in, $lost refused"
log_has "one code, two logins at once: the replay refused" "user $ub presented an already used code"
wait_sessions "one code, two logins at once: no session left" "$ub" 0

# 8. The guide's own stacks (docs/bastion.md), as it gives them.
# shellcheck source=tests/ssh/doc-stacks.sh
. "$HERE/doc-stacks.sh"

# 9. The log lines of docs/bastion.md section 6 are among the ones these logins wrote.
if [[ $have_syslog == 1 ]]; then
	o=$("$PY" "$ROOT/tests/man/doc-logs.py" "$ROOT" "$syslog_file" 2>&1) && ok ||
		bad "docs/bastion.md section 6 against the captured log: $(grep -v '^ok: ' <<<"$o")"
fi

# Nothing left in runtime_dir; no secret in sshd's logs.
left=$(find "$tmp/run" -mindepth 1 | head -n 5)
[[ -z $left ]] && ok || bad "runtime_dir not empty: $left"
for u in "$ua" "$ub"; do
	if grep -qF -- "${secret[$u]}" "$tmp/$svc_role.log" "$tmp/$svc_sess.log" "$syslog_file" 2>/dev/null; then
		bad "the MFA secret of $u is in a log"
	else
		ok
	fi
done

if [[ -n ${preload:-} ]]; then
	mapfile -t reports < <(find "$tmp" -maxdepth 1 -name 'sanitizer.*')
	if [[ ${#reports[@]} -eq 0 ]]; then ok; else
		bad "sanitizer reports from pam_sts in sshd: $(head -n 40 "${reports[@]}")"
	fi
fi
if [[ $fail -gt 0 ]]; then
	for f in "$tmp/$svc_role.log" "$tmp/$svc_sess.log" "$syslog_file"; do
		[[ -s $f ]] || continue
		echo "--- last lines of $(basename "$f")"
		tail -n 25 "$f"
	done
fi
echo "ssh: took $((SECONDS - START)) s"
summary
[[ $fail -eq 0 ]]
