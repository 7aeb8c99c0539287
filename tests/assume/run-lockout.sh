#!/usr/bin/env bash
# The MFA lockout holds whatever resource limits and signals the caller set,
# end to end through a set-uid sts-assume run by a throw-away user (setpriv),
# as root (CI runs as root). A set-uid program keeps its caller's limits, so a
# user could once run sts-assume under `prlimit --fsize=N` with SIGXFSZ
# ignored: the root helper's write of USER.state was cut at byte N and the
# torn record read as no failures, or was rebuilt without the lockout.
#
# 4 wrong codes, then a 5th with RLIMIT_FSIZE at every byte offset of the
# login state file (two slots of a record each; and 0): each time the user is
# locked out afterwards, `stsctl mfa status` says so, and the state file is
# whole. Twice per
# cut point: the soft limit cut, and both limits cut. Root raises even the
# hard limit back, but only with CAP_SYS_RESOURCE, which root in a container
# may lack: there, with both limits cut, the state cannot be written at all,
# and the attempt must fail without lowering the count (4 failures, whole).
#
# Runs in a private mount namespace with its own /etc/pam.d, so the host's
# PAM services (and other suites running at the same time) are untouched.
set -u
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" && pwd)
if [[ $(id -u) -ne 0 ]]; then
	echo "lockout: needs root (CI runs as root)"
	echo "lockout: 0 passed, 1 failed"
	exit 1
fi
if [[ -z ${STS_LOCKOUT_NS:-} ]]; then
	STS_LOCKOUT_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

tmp=$(mktemp -d /var/tmp/sts-lockout.XXXXXX)
chmod 0755 "$tmp"
secret=JBSWY3DPEHPK3PXPJBSWY3DP
# USER.state holds two records of 512 bytes (STS_MFA_STATE_SLOTS and
# STS_MFA_STATE_SIZE, lib/mfa/mfa_store_internal.h).
file_size=1024
# Every refused code costs the PAM fail delay (2 s), so the cut points are
# shared among this many users, each trying its own share at once.
jobs=${LOCKOUT_JOBS:-32}
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
can_raise_hard=$(((0x$capeff >> 24) & 1)) # CAP_SYS_RESOURCE
users=()
for ((k = 0; k < jobs; k++)); do users+=("stslk$$x$k"); done
cleanup() {
	for u in "${users[@]}"; do userdel "$u" >/dev/null 2>&1; done
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/bin" "$tmp/state/mfa" "$tmp/run" "$tmp/results"
chmod 0700 "$tmp/state" "$tmp/state/mfa"
install -m 0755 "$BUILD/sts-helper" "$tmp/bin/sts-helper"
install -m 4755 "$BUILD/sts-assume" "$tmp/bin/sts-assume"
conf="$tmp/pam_sts.conf"
cat >"$conf" <<CONF
state_dir = $tmp/state
runtime_dir = $tmp/run
helper = $tmp/bin/sts-helper
helper_socket =
issuer_key = $tmp/issuer.key
account_id = 123456789012
policy_dir = $PWD/conf/sandbox/policies
role_dir = $PWD/conf/sandbox/roles
totp_window = 1
fail_delay_ms = 0
max_failures = 5
failure_interval = 86400
lockout_seconds = 900
CONF
chmod 0600 "$conf"
# A private copy of /etc/pam.d whose sts-assume service checks the code and
# nothing else.
cp -a /etc/pam.d/. "$tmp/pam.d"
printf 'auth required %s config=%s\naccount required pam_permit.so\nsession required pam_permit.so\n' \
	"$BUILD/pam_sts.so" "$conf" >"$tmp/pam.d/sts-assume"
setup_failed() {
	echo "FAIL: set-up: $*"
	echo "lockout: $pass passed, $((fail + 1)) failed"
	exit 1
}
mount --bind "$tmp/pam.d" /etc/pam.d || setup_failed "cannot bind a private /etc/pam.d"
"$BUILD/stsctl" init --config "$conf" >/dev/null || setup_failed "stsctl init"
for u in "${users[@]}"; do
	useradd -M -N -s /bin/sh -d "$tmp" "$u" || setup_failed "cannot create the user $u"
	printf '%s\n' "$secret" | "$BUILD/stsctl" mfa --config "$conf" import "$u" - >/dev/null ||
		setup_failed "mfa import $u"
done

# wrong USER [LIMIT]: sts-assume as USER with a wrong code, SIGXFSZ ignored
# and, with LIMIT, RLIMIT_FSIZE=LIMIT, as the attacker runs it. Its status.
wrong() {
	local user=$1 limit=(prlimit "--fsize=${2:-unlimited}")
	(
		trap '' XFSZ
		printf '000000\n' | exec timeout 20 "${limit[@]}" setpriv --reuid="$user" \
			--regid="$(id -g "$user")" --init-groups "$tmp/bin/sts-assume" -- /bin/true \
			>/dev/null 2>&1
	)
}
status() { "$BUILD/stsctl" mfa --config "$conf" status "$1" 2>/dev/null; }

# worker K: user K's 4 wrong codes, then the 5th at its share of the cut
# points, each from the 4 failures again; one line per trial.
worker() {
	local user=${users[$1]} state="$tmp/state/mfa/${users[$1]}.state" n out
	for _ in 1 2 3 4; do
		wrong "$user" && echo "setup: $user: a wrong code was accepted"
	done
	out=$(status "$user")
	if [[ $out != *" failures=4 locked_until=-" ]]; then
		echo "setup: $user: after 4 wrong codes: $out"
		return
	fi
	cp -p "$state" "$tmp/four-failures.$1"
	for ((n = $1; n <= file_size; n += jobs)); do
		for limit in "$n:unlimited" "$n"; do
			cp -p "$tmp/four-failures.$1" "$state"
			wrong "$user" "$limit" && echo "accepted $limit"
			out=$(status "$user")
			if [[ $(stat -c %s "$state") -ne $file_size ]]; then
				echo "lost $limit (a state file of $(stat -c %s "$state") bytes)"
			elif [[ $out == *" locked_until=20"* ]]; then
				echo "held $limit"
			elif [[ $limit == "$n" && $can_raise_hard == 0 &&
				$out == *" failures=4 locked_until=-" ]]; then
				echo "held $limit (not written: no CAP_SYS_RESOURCE)"
			else
				echo "lost $limit ($out)"
			fi
		done
	done
}
for ((k = 0; k < jobs; k++)); do worker "$k" >"$tmp/results/$k" & done
wait
cat "$tmp/results/"* >"$tmp/all"
held=$(grep -c '^held ' "$tmp/all")
[[ $held -eq $((2 * (file_size + 1))) ]] && ok ||
	bad "lockout held in $held of $((2 * (file_size + 1))) trials:" \
		"$(grep -v '^held ' "$tmp/all" | sort -k2n | head -n 8 | tr '\n' ';')"
if [[ $can_raise_hard == 0 ]]; then
	echo "lockout: no CAP_SYS_RESOURCE: $(grep -c 'not written' "$tmp/all") trials with both" \
		"limits cut could not write the state and failed closed"
fi
grep -q '^accepted ' "$tmp/all" && bad "a wrong code was accepted: $(grep '^accepted ' "$tmp/all" | head -3)" || ok

# Locked out (the 5th wrong code under a cut soft limit): even the right
# code is refused, whatever the limits.
user=${users[0]}
cp -p "$tmp/four-failures.0" "$tmp/state/mfa/$user.state"
wrong "$user" 100:unlimited
[[ $(status "$user") == *" locked_until=20"* ]] && ok || bad "not locked out: $(status "$user")"
for limit in 0:unlimited 100 "$file_size"; do
	code=$(oathtool --totp -b "$secret")
	out=$(printf '%s\n' "$code" | timeout 20 prlimit "--fsize=$limit" setpriv --reuid="$user" \
		--regid="$(id -g "$user")" --init-groups "$tmp/bin/sts-assume" -- /bin/echo RAN 2>/dev/null)
	[[ $out != *RAN* ]] && ok || bad "fsize=$limit: the right code passed a locked-out user"
done

# No temporary file is left in the store.
leftover=$(find "$tmp/state/mfa" -name "*.tmp.*")
[[ -z $leftover ]] && ok || bad "$(wc -l <<<"$leftover") temporary files left in the store:" \
	"$(head -n 3 <<<"$leftover" | tr '\n' ' ')"

echo "lockout: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
