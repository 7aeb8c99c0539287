#!/usr/bin/env bash
# The Debian package, end to end: builds libpam-sts from a copy of the working tree
# (dpkg-buildpackage -us -uc -b, DEB_BUILD_OPTIONS=nocheck), runs lintian on it, installs it
# (dpkg -i), checks the installed files, owners and modes, the exported symbols and the
# idempotent `stsctl init`, enrolls a throw-away user and runs real PAM transactions
# against the installed module with pamtester (right code, replayed code, wrong code),
# then purges the package and checks that nothing is left behind.
#
# Needs root (CI runs as root). It changes the machine only for the time it runs and puts
# it back on any exit (trap): the package is purged, the user and the PAM service file are
# removed, and /etc/pam_sts, /var/lib/pam_sts and /run/pam_sts, when they existed before,
# are moved aside and restored. A libpam-sts that was installed before, by someone else,
# is never touched: the test fails instead. A run that was killed (no trap) leaves
# $MARKER behind, and the next run purges its leftover package first.
#
# Not run under SANITIZE=1 (the package is built without sanitizers; the plain
# `make check` runs it). Prints `deb: N passed, N failed[, N skipped]` last.
# `[[ cond ]] && ok || bad ...` is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PKG=libpam-sts
MARKER=/var/tmp/pam_sts-deb-test.installed
STATE_PATHS=(/etc/pam_sts /var/lib/pam_sts /run/pam_sts)
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
finish() {
	echo "deb: $pass passed, $fail failed${1:+, $1 skipped}"
	[[ $fail -eq 0 ]]
	exit
}

if [[ "${SANITIZE:-0}" == 1 ]]; then
	echo "deb: skipped under SANITIZE=1 (the package is built without sanitizers; the plain make check runs it)"
	finish 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deb: needs root (installs and purges the package, adds a user and a PAM service)"
	bad "needs root"
	finish
fi
# /etc/pam_sts/pam_sts.conf, /var/lib/pam_sts and /run/pam_sts are the machine's: the suites
# that replace them for their run (deb, ssh) take turns, or one would move the other's aside.
exec 9>/run/lock/pam_sts-system-tests.lock
if ! flock -w 1800 9; then
	echo "deb: another suite held /run/lock/pam_sts-system-tests.lock for 30 minutes"
	bad "lock"
	finish
fi
missing=()
for tool in dpkg-buildpackage dh lintian pamtester oathtool nm useradd userdel pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	bad "missing tools: ${missing[*]} (scripts/deps.sh build installs them)"
	finish
fi

export DEBIAN_FRONTEND=noninteractive
# The suite's build tree (for the test-only minter), before BUILD is unset.
suite_build=$(cd "${BUILD:-build}" 2>/dev/null && pwd)
# Not for the package build: make's jobserver and the suite's BUILD/SANITIZE.
unset MAKEFLAGS MFLAGS MAKELEVEL BUILD SANITIZE

installed_status() { dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null || true; }
is_installed() { [[ $(installed_status) =~ ^[a-z][^n] ]]; }

tmp=$(mktemp -d /tmp/pam_sts-deb.XXXXXX)
chmod 0700 "$tmp"
user="ststest$$"
service="ststest-$$"
user_added=0
saved=()
broker_pid=""
syslog_pid=""
made_devlog=0

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local p
	rm -f "/etc/pam.d/$service"
	if [[ -n $broker_pid ]]; then
		kill -TERM "$broker_pid" 2>/dev/null
		wait "$broker_pid" 2>/dev/null
	fi
	[[ -n $syslog_pid ]] && kill "$syslog_pid" 2>/dev/null
	[[ $made_devlog -eq 1 ]] && rm -f /dev/log
	if [[ -f $MARKER ]]; then
		if is_installed; then
			dpkg --purge "$PKG" >"$tmp/cleanup-purge.log" 2>&1 ||
				echo "deb: cleanup: dpkg --purge $PKG failed (see $tmp/cleanup-purge.log)"
		fi
		rm -f "$MARKER"
	fi
	[[ $user_added -eq 1 ]] && userdel "$user" >/dev/null 2>&1
	for p in "${saved[@]}"; do
		rm -rf "$p"
		mv "$tmp/saved/$(basename "$p")" "$p"
	done
	if ! is_installed; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the machine before -----------------------------------------------------------------
if is_installed; then
	if [[ -f $MARKER ]]; then
		echo "deb: purging $PKG left over by an interrupted run"
		dpkg --purge "$PKG" >"$tmp/leftover-purge.log" 2>&1 ||
			{ bad "could not purge the leftover $PKG: $(tail -n 3 "$tmp/leftover-purge.log")"; finish; }
		rm -f "$MARKER"
	else
		bad "$PKG is installed on this machine (not by this test): not touching it"
		finish
	fi
fi

# --- build --------------------------------------------------------------------------------
# The working tree as it is (uncommitted and untracked files included), without build trees.
mkdir "$tmp/src"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$ROOT" ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do
			[[ $f == build*/* ]] && continue
			[[ -e "$ROOT/$f" || -L "$ROOT/$f" ]] && printf '%s\0' "$f"
		done | tar -C "$ROOT" --null -T - -cf - | tar -C "$tmp/src" -xf -
else
	tar -C "$ROOT" --exclude='./build*' --exclude='./debian/build' -cf - . | tar -C "$tmp/src" -xf -
fi
start=$(date +%s)
(cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc 2>/dev/null || echo 2)" \
	timeout 900 dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
rc=$?
echo "deb: dpkg-buildpackage: exit $rc after $(($(date +%s) - start))s"
shopt -s nullglob
debs=("$tmp/${PKG}"_*.deb) changes=("$tmp/${PKG}"_*.changes)
shopt -u nullglob
deb="" changes_file=""
for f in "${debs[@]}"; do [[ $f == *-dbgsym_* ]] || deb=$f; done
[[ ${#changes[@]} -gt 0 ]] && changes_file=${changes[0]}
if [[ $rc -ne 0 || -z $deb || -z $changes_file ]]; then
	bad "dpkg-buildpackage failed (exit $rc); the last lines of its log:"
	tail -n 40 "$tmp/build.log"
	finish
fi
ok

# --- lintian ------------------------------------------------------------------------------
lintian "$changes_file" >"$tmp/lintian.log" 2>&1
if grep -qE '^[EW]: ' "$tmp/lintian.log"; then
	bad "lintian reports errors or warnings:"
	grep -E '^[EW]: ' "$tmp/lintian.log"
else
	ok
fi

# --- install ------------------------------------------------------------------------------
# What the package owns or creates, when it exists already (not from a package), is moved
# aside for the test and put back at the end.
mkdir -p "$tmp/saved"
for p in "${STATE_PATHS[@]}"; do
	if [[ -e $p || -L $p ]]; then
		mv "$p" "$tmp/saved/" && saved+=("$p")
	fi
done
shopt -s nullglob
pam_common=(/etc/pam.d/common-*)
shopt -u nullglob
touch "$MARKER"
if ! dpkg -i "$deb" >"$tmp/install.log" 2>&1; then
	apt-get -q -o DPkg::Lock::Timeout=300 install -f -y --no-install-recommends \
		</dev/null >>"$tmp/install.log" 2>&1
fi
if [[ $(installed_status) == ii* ]]; then
	ok
else
	bad "dpkg -i did not leave $PKG installed (status '$(installed_status)'):"
	tail -n 30 "$tmp/install.log"
	finish
fi
dpkg -L "$PKG" >"$tmp/files.list"

# --- installed files, owners, modes ---------------------------------------------------------
pamdir="$(pkg-config --variable=libdir pam)/security"
module="$pamdir/pam_sts.so"
helper=/usr/libexec/pam_sts/sts-helper
stsctl=/usr/bin/stsctl

missing_files=0
while IFS= read -r f; do
	[[ -e $f || -L $f ]] || {
		bad "$f is in dpkg -L $PKG but not on disk"
		missing_files=1
	}
done <"$tmp/files.list"
[[ $missing_files -eq 0 ]] && ok

# expect_mode PATH MODE OWNER:GROUP [TYPE]
expect_mode() {
	local got
	got=$(stat -c '%a %U:%G %F' "$1" 2>/dev/null)
	if [[ $got == "$2 $3 ${4:-}"* ]]; then ok; else bad "$1: '$got', wanted '$2 $3 ${4:-}'"; fi
}
expect_mode "$module" 644 root:root "regular file"
expect_mode "$helper" 4755 root:root "regular file"
expect_mode "$stsctl" 755 root:root "regular file"
expect_mode /usr/bin/sts-assume 4755 root:root "regular file"
expect_mode /etc/pam.d/sts-assume 644 root:root "regular file"
grep -qx /etc/pam.d/sts-assume /var/lib/dpkg/info/$PKG.conffiles 2>/dev/null &&
	ok || bad "/etc/pam.d/sts-assume is not a conffile"
expect_mode /etc/pam_sts 755 root:root directory
expect_mode /etc/pam_sts/pam_sts.conf 644 root:root "regular file"
for d in policies roles session-policies; do
	expect_mode "/etc/pam_sts/$d" 755 root:root directory
done
expect_mode /var/lib/pam_sts 700 root:root directory
expect_mode /var/lib/pam_sts/mfa 700 root:root directory
expect_mode /etc/pam_sts/issuer.key 600 root:root "regular file"
expect_mode /usr/share/pam-configs/pam_sts 644 root:root "regular file"
expect_mode /usr/lib/tmpfiles.d/pam_sts.conf 644 root:root "regular file"
if command -v systemd-tmpfiles >/dev/null 2>&1; then
	expect_mode /run/pam_sts 755 root:root directory
fi
for page in man1/stsctl.1 man1/sts-assume.1 man5/pam_sts.conf.5 man8/pam_sts.8 man8/sts-helper.8; do
	expect_mode "/usr/share/man/$page.gz" 644 root:root "regular file"
done
grep -qx /etc/pam_sts/pam_sts.conf /var/lib/dpkg/info/$PKG.conffiles 2>/dev/null &&
	ok || bad "/etc/pam_sts/pam_sts.conf is not a conffile"
unit=$(grep -E '/systemd/system/pam-sts-helper\.service$' "$tmp/files.list" | head -n 1)
if [[ -n $unit ]]; then
	expect_mode "$unit" 644 root:root "regular file"
	if command -v systemd-analyze >/dev/null 2>&1; then
		out=$(systemd-analyze verify "$unit" 2>&1) && ok || bad "systemd-analyze verify $unit: $out"
	fi
else
	bad "the pam-sts-helper.service unit is not installed"
fi

# make install without DESTDIR (an install from source, into a prefix of the test's) creates
# state_dir and its mfa/ root-only and runtime_dir searchable, as the package does.
mi=$tmp/make-install
make -C "$tmp/src" BUILD=debian/build SANITIZE=0 PREFIX="$mi/usr" SYSCONFDIR="$mi/etc" \
	PAMDIR="$mi/pam" STATEDIR="$mi/var/lib/pam_sts" RUNTIMEDIR="$mi/run/pam_sts" install \
	>"$tmp/make-install.log" 2>&1 && ok || bad "make install: $(tail -n 5 "$tmp/make-install.log")"
expect_mode "$mi/var/lib/pam_sts" 700 root:root directory
expect_mode "$mi/var/lib/pam_sts/mfa" 700 root:root directory
expect_mode "$mi/run/pam_sts" 755 root:root directory

# Only the PAM entry points are exported.
syms=$(nm -D --defined-only "$module" 2>&1 | awk '{print $NF}')
others=$(grep -v '^pam_sm_' <<<"$syms")
if [[ -n $syms && -z $others ]] && grep -qx pam_sm_authenticate <<<"$syms"; then
	ok
else
	bad "pam_sts.so exports more than pam_sm_*: $(tr '\n' ' ' <<<"$others")"
fi

# The profile is registered but off: no common-* file mentions pam_sts.
if [[ ${#pam_common[@]} -gt 0 ]] && grep -l pam_sts "${pam_common[@]}" >/dev/null 2>&1; then
	bad "installing enabled pam_sts in /etc/pam.d/common-*: $(grep -l pam_sts "${pam_common[@]}")"
else
	ok
fi

# stsctl init again: exit 0, the key ring unchanged.
key_before=$(sha256sum /etc/pam_sts/issuer.key 2>/dev/null)
stsctl init >"$tmp/init.log" 2>&1 && rc=0 || rc=$?
[[ $rc -eq 0 ]] && ok || bad "stsctl init again: exit $rc: $(head -c 300 "$tmp/init.log")"
[[ -n $key_before && $(sha256sum /etc/pam_sts/issuer.key 2>/dev/null) == "$key_before" ]] &&
	ok || bad "stsctl init again changed the key ring"

# --- a PAM transaction against the installed module ---------------------------------------
if useradd -M -s /usr/sbin/nologin "$user" >"$tmp/useradd.log" 2>&1; then
	user_added=1
	ok
else
	bad "useradd $user: $(cat "$tmp/useradd.log")"
fi
secret=$(head -c 20 /dev/urandom | base32)
printf '%s\n' "$secret" | stsctl mfa import "$user" - >"$tmp/import.log" 2>&1 && rc=0 || rc=$?
[[ $rc -eq 0 ]] && ok || bad "stsctl mfa import $user -: exit $rc: $(cat "$tmp/import.log")"
printf 'auth required pam_sts.so\naccount required pam_permit.so\n' >"/etc/pam.d/$service"

# pamtester's conversation (misc_conv) reads the echo-off answer from standard input.
pamtest() { printf '%s\n' "$1" | timeout 60 pamtester "$service" "$user" authenticate >"$tmp/pamtester.log" 2>&1; }

code=$(oathtool --totp -b "$secret")
pamtest "$code" && ok || bad "the right code was refused: $(cat "$tmp/pamtester.log")"
pamtest "$code" && bad "a replayed code was accepted" || ok
# A wrong code: none of the codes of the accepted window (and a little more).
valid=$(oathtool --totp -b -w 6 -N "now - 90 seconds" "$secret")
wrong=000000
while grep -qx "$wrong" <<<"$valid"; do wrong=$(printf '%06d' $((10#$wrong + 1))); done
pamtest "$wrong" && bad "a wrong code was accepted" || ok
grep -q "successfully authenticated" "$tmp/pamtester.log" && bad "pamtester says authenticated for a wrong code" || ok

# --- a whole login through the resident broker, inside its unit's sandbox ---------------------
# No systemd here: tests/deb/unit-sandbox.sh builds the sandbox from the installed unit's own
# directives (read-only file system but for the paths it lists, its capabilities, no new
# privileges, its umask) and runs its ExecStart= in it. /run/pam_sts comes from the package's
# tmpfiles.d file, as at boot. The broker's log lines (syslog, captured here) show that it, and
# not the module's fallback to sts-helper, served the login.
unit=$(grep -E '/systemd/system/pam-sts-helper\.service$' "$tmp/files.list" | head -n 1)
# Captured whether or not the host runs a syslog daemon: without one the listener binds
# /dev/log; with one it binds beside it, and the broker and pamtester see it at /dev/log in a
# mount namespace of their own (with_log), so the daemon's /dev/log is never touched.
syslog_file=$tmp/syslog
devlog=/dev/log
[[ -e /dev/log || -L /dev/log ]] && devlog=$tmp/devlog
python3 - "$syslog_file" "$devlog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
os.chmod(sys.argv[2], 0o666)
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\n\0") + b"\n")
PY
syslog_pid=$!
for _ in $(seq 50); do [[ -S $devlog ]] && break; sleep 0.1; done
with_log=()
if [[ -S $devlog && $devlog == /dev/log ]]; then
	made_devlog=1
elif [[ -S $devlog ]]; then
	# shellcheck disable=SC2016
	with_log=(unshare -m --propagation private -- sh -c 'mount --bind "$0" /dev/log && exec "$@"'
		"$devlog")
else
	bad "syslog: no listener at $devlog"
fi
# Every unit directive the sandbox does not emulate (seccomp, systemd's own) is checked here.
unit_has() { grep -qE "^$1=(.* )?$2( |\$)" "$unit"; }
for fam in AF_UNIX AF_INET AF_INET6; do # the socket; the upstream issuer and PostgreSQL
	unit_has RestrictAddressFamilies "$fam" && ok || bad "$unit: RestrictAddressFamilies lacks $fam"
done
unit_has SystemCallFilter @system-service && ok || bad "$unit: SystemCallFilter is not @system-service"
if [[ -n $unit ]] && command -v systemd-tmpfiles >/dev/null 2>&1; then
	systemd-tmpfiles --create /usr/lib/tmpfiles.d/pam_sts.conf
elif [[ ! -d /run/pam_sts ]]; then
	install -d -m 0755 /run/pam_sts
fi
echo "account_id = 123456789012" >>/etc/pam_sts/pam_sts.conf
printf '%s\n' 'auth required pam_sts.so' 'account required pam_sts.so action=session' \
	'session required pam_sts.so' >"/etc/pam.d/$service"
if [[ -n $unit && ! -e /run/pam_sts-helper ]]; then
	"${with_log[@]}" "$ROOT/tests/deb/unit-sandbox.sh" "$unit" >"$tmp/broker.log" 2>&1 &
	broker_pid=$!
	for _ in $(seq 1 100); do [[ -S /run/pam_sts-helper/helper.sock ]] && break; sleep 0.05; done
	expect_mode /run/pam_sts-helper/helper.sock 600 root:root socket
	expect_mode /var/lib/pam_sts 700 root:root directory
	served=$(pgrep -P "$broker_pid" | head -n 1)
	# The next code (the window takes one step ahead): the one above is used.
	code=$(oathtool --totp -b -N "now + 30 seconds" "$secret")
	printf '%s\n' "$code" | timeout 60 "${with_log[@]}" pamtester "$service" "$user" authenticate acct_mgmt \
		open_session close_session >"$tmp/login.log" 2>&1 && rc=0 || rc=$?
	[[ $rc -eq 0 ]] && ok || bad "a whole login through the sandboxed broker failed (exit $rc):" \
		"$(cat "$tmp/login.log") $(grep -h pam_sts "$syslog_file" 2>/dev/null | tail -n 5)"
	# The listener writes each datagram as it reads it: the last line may
	# still be on its way when pamtester has exited.
	for _ in $(seq 50); do grep -qF -- "session $user." "$syslog_file" && break; sleep 0.1; done
	for line in "user $user passed MFA" "operation=GetSessionToken" "issued: user=$user" \
		"session $user."; do
		grep -qF -- "$line" "$syslog_file" && ok || bad "the login's log lacks '$line'"
	done
	if [[ -n $served ]]; then
		grep -qE "sts-helper\[$served\]: issued: user=$user " "$syslog_file" && ok ||
			bad "the broker (pid $served) did not issue the credentials: $(tail -n 5 "$syslog_file")"
	fi
	left=$(find /run/pam_sts -mindepth 1 -maxdepth 1 -name "$user.*")
	[[ -z $left ]] && ok || bad "the session directory is left: $left"
	[[ -f /var/lib/pam_sts/mfa/$user.state ]] && ok || bad "no MFA state: $(ls /var/lib/pam_sts/mfa)"
else
	bad "no unit, or /run/pam_sts-helper exists already: the broker cannot be tested"
fi

# --- a user verifies a credential they hold (stsctl verify through the set-uid helper) -----
# A credential minted with the installed key ring by the test-only minter of the
# build tree, handed to the throw-away user.
minter="$suite_build/tests/test_token"
if [[ -x $minter ]]; then
	udir="$tmp/user-cred"
	install -d -m 0700 -o "$user" "$udir"
	chmod 0755 "$tmp"
	"$minter" mint --ring /etc/pam_sts/issuer.key --out "$udir/credentials" \
		--operation GetSessionToken --principal "arn:aws:iam::123456789012:user/$user" \
		--user "$user" --issued now --expires now+900 && chown "$user" "$udir/credentials" &&
		ok || bad "could not mint a credential for $user"
	as_user() { setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
		env -i PATH=/usr/bin:/bin AWS_SHARED_CREDENTIALS_FILE="$udir/credentials" "$@"; }
	out=$(as_user stsctl verify 2>&1) && rc=0 || rc=$?
	[[ $rc -eq 0 && $out == valid* && $out == *"user/$user"* ]] && ok ||
		bad "stsctl verify as $user: exit $rc: $out"
	# The resident broker (started above, in its unit's sandbox): root's requests are
	# served on its socket, and a user, who may not connect to it, still verifies through
	# the set-uid helper.
	if [[ -n $broker_pid ]]; then
		answer=$(python3 - "$udir/credentials" <<'PY' 2>&1
import socket, sys
kv = dict(l.split(" = ", 1) for l in open(sys.argv[1]).read().splitlines() if " = " in l)
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect("/run/pam_sts-helper/helper.sock")
s.sendall(("version=1\nop=verify\naccess_key_id=%s\nsecret_access_key=%s\nsession_token=%s\n" % (
    kv["aws_access_key_id"], kv["aws_secret_access_key"], kv["aws_session_token"])).encode())
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode())
PY
)
		[[ $answer == status=ok* && $answer == *"user/$user"* ]] && ok ||
			bad "the installed broker did not verify: $answer $(cat "$tmp/broker.log")"
		out=$(as_user stsctl verify 2>&1) && rc=0 || rc=$?
		[[ $rc -eq 0 && $out == valid* ]] && ok ||
			bad "stsctl verify as $user with the broker running: exit $rc: $out"
	fi
	# One character of the sealed token changed.
	awk '/^aws_session_token = /{c=substr($0,41,1); $0=substr($0,1,40) (c=="A"?"B":"A") substr($0,42)} {print}' \
		"$udir/credentials" >"$udir/tampered" && mv "$udir/tampered" "$udir/credentials" &&
		chown "$user" "$udir/credentials"
	out=$(as_user stsctl verify 2>&1) && rc=0 || rc=$?
	[[ $rc -eq 1 ]] && ok || bad "a tampered credential verified for $user: exit $rc: $out"
	# The helper does nothing else for users.
	out=$(printf 'version=1\nop=open\nuser=root\n' | as_user "$helper" 2>&1)
	[[ $out == *"status=error"* && $out == *"only verify"* ]] && ok ||
		bad "sts-helper run by $user did more than verify: $out"
	chmod 0700 "$tmp"
else
	bad "$minter is missing (make tests builds it)"
fi

if [[ -n $broker_pid ]]; then
	kill -TERM "$broker_pid" && wait "$broker_pid" && rc=0 || rc=$?
	broker_pid=""
	[[ $rc -eq 0 && ! -e /run/pam_sts-helper ]] && ok ||
		bad "the broker did not stop cleanly on SIGTERM (exit $rc) or left its directory"
fi

# --- purge --------------------------------------------------------------------------------
rm -f "/etc/pam.d/$service"
if dpkg --purge "$PKG" >"$tmp/purge.log" 2>&1; then
	ok
	rm -f "$MARKER"
else
	bad "dpkg --purge $PKG failed: $(tail -n 5 "$tmp/purge.log")"
fi
[[ $(installed_status) =~ ^.n ]] || [[ -z $(installed_status) ]] &&
	ok || bad "$PKG still known to dpkg after purge (status '$(installed_status)')"
left=()
while IFS= read -r f; do
	[[ -d $f ]] && continue # shared directories (/etc, /usr/bin, /lib -> usr/lib, ...) stay
	[[ -e $f || -L $f ]] && left+=("$f")
done <"$tmp/files.list"
for p in /etc/pam_sts /var/lib/pam_sts /run/pam_sts /usr/libexec/pam_sts /usr/share/doc/$PKG \
	/usr/share/pam-configs/pam_sts /var/lib/dpkg/info/$PKG.list; do
	[[ -e $p || -L $p ]] && left+=("$p")
done
[[ ${#left[@]} -eq 0 ]] && ok || bad "left behind after purge: ${left[*]}"
if [[ ${#pam_common[@]} -gt 0 ]] && grep -l pam_sts "${pam_common[@]}" >/dev/null 2>&1; then
	bad "pam_sts still in /etc/pam.d/common-* after purge"
else
	ok
fi

finish
