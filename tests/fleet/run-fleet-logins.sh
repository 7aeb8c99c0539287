#!/usr/bin/env bash
# Whole logins' auth phase through simulated bastions sharing one PostgreSQL
# database (mfa_store = postgresql, issue 20): four hosts, each its own
# pam_sts.conf and state_dir, each login what pam_sts.so sends to an exec'd
# sts-helper (tests/fleet/fleet_login.c). A device imported on host A logs in
# on host B and is a replay on C; one code raced by 200 logins over the 4
# hosts is accepted exactly once, 5 times; a lockout reached through A holds
# on B until stsctl mfa unlock; the server stopped → every login fails closed
# and nothing is counted, and after a restart the same code logs in; a host's
# files store migrates in; no secret in a dump. The server is the suite's own
# (tests/lib/pg.sh).
# `[[ cond ]] && ok || bad ...` is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
ROOT=$PWD
L="$ROOT/$BUILD/tests/fleet_login"
STSCTL="$ROOT/$BUILD/stsctl"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
finish() {
	echo "fleet-logins: $pass passed, $fail failed"
	[[ $fail -eq 0 ]]
	exit
}

if [[ ! -x $L || ! -x $STSCTL ]]; then
	echo "fleet-logins: $L or $STSCTL not built (make tests)"
	bad "driver missing"
	finish
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "fleet-logins: needs root (a throw-away OS user runs the server)"
	echo "fleet-logins: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

# shellcheck source=tests/lib/pg.sh
. tests/lib/pg.sh
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	pg_cleanup
	rm -rf "${work:-}"
}
trap cleanup EXIT
if ! pg_start; then
	bad "no PostgreSQL server"
	finish
fi
work=$(mktemp -d)
chmod 0711 "$work"
install -d -m 0755 "$work/bin"
install -m 0755 "$BUILD/sts-helper" "$work/bin/sts-helper"
key="$work/fleet.key"

# host NAME [STORE]: a bastion's pam_sts.conf at $work/NAME.conf.
host() {
	install -d -m 0700 "$work/$1" "$work/$1/mfa"
	(
		umask 077
		cat >"$work/$1.conf" <<CONF
state_dir = $work/$1
helper = $work/bin/sts-helper
helper_socket =
helper_timeout = 60
max_failures = 3
mfa_store = ${2:-postgresql}
CONF
		if [[ ${2:-postgresql} == postgresql ]]; then
			cat >>"$work/$1.conf" <<CONF
mfa_db = $PG_CONNINFO
mfa_db_password_file = $PG_PASSFILE
mfa_fleet_key_file = $key
CONF
		fi
	)
}
for h in a b c d; do host "$h"; done
# stsctl mfa on host $1 (its warning that a test user has no passwd entry dropped).
ctl() { "$STSCTL" mfa --config "$work/$1.conf" "${@:2}" 2> >(grep -v "is not in the user database" >&2); }
login() { "$L" login "$work/$1.conf" "$2" "$3"; }
# new_secret: HEX and BASE32 of 20 random bytes.
new_secret() {
	python3 -c 'import os,base64; s=os.urandom(20); print(s.hex(), base64.b32encode(s).decode())'
}

# --- the fleet key, the schema, the connection -------------------------------------------------------------------
out=$("$STSCTL" fleet --config "$work/a.conf" key create 2>&1)
[[ $out == "fleet key ring created: $key (key 1)" ]] && ok || bad "key create: $out"
[[ $(stat -c %a "$key") == 600 ]] && ok || bad "key file mode"
"$STSCTL" fleet --config "$work/a.conf" key create >/dev/null 2>&1 && bad "key created twice" || ok
out=$("$STSCTL" fleet --config "$work/a.conf" init 2>&1)
[[ $out == "fleet: schema at version 1" ]] && ok || bad "fleet init: $out"
out=$("$STSCTL" check --config "$work/b.conf" 2>&1)
[[ $out != *"FAULT mfa_db"* && $out != *"FAULT mfa_fleet_key_file"* ]] && ok ||
	bad "check: $out"
pg_psql -c "UPDATE schema_version SET version = 0" >/dev/null
out=$("$STSCTL" check --config "$work/b.conf" 2>&1)
[[ $out == *"FAULT mfa_db"* ]] && ok || bad "check sees the old schema: $out"
"$STSCTL" fleet --config "$work/a.conf" init >/dev/null 2>&1
pg_psql -c "UPDATE schema_version SET version = 1" >/dev/null

# --- imported on A, logs in on B, a replay on C -------------------------------------------------
read -r hex b32 < <(new_secret)
out=$(ctl a import alice "$b32" 2>&1)
[[ $out == "alice: device imported and active"* ]] && ok || bad "import on A: $out"
[[ -z $(ls -A "$work/a/mfa") ]] && ok || bad "import wrote the files store"
code=$("$L" code "$hex")
out=$(login b alice "$code")
[[ $out == "ok passed" ]] && ok || bad "login on B: $out"
out=$(login c alice "$code")
[[ $out == "denied replay" ]] && ok || bad "the same code on C: $out"
out=$(ctl d status alice)
[[ $out == "alice active SHA1 6 30 failures=1 locked_until=-" ]] && ok || bad "status on D: $out"
out=$(ctl d status)
[[ $out == alice* ]] && ok || bad "status of all on D: $out"
out=$(login a nobody "$code")
[[ $out == "denied no-device" ]] && ok || bad "no device: $out"

# --- one code, 200 logins over 4 hosts, exactly one accepted, 5 times -------------------------------
for run in 1 2 3 4 5; do
	read -r hex b32 < <(new_secret)
	ctl a import "racer$run" "$b32" >/dev/null 2>&1 || bad "import racer$run"
	code=$("$L" code "$hex")
	out=$("$L" race 200 "racer$run" "$code" "$work/a.conf" "$work/b.conf" "$work/c.conf" \
		"$work/d.conf")
	[[ $out == passed=1\ * ]] && ok || bad "race $run: $out"
done

# --- a lockout reached through A holds on B -------------------------------------------------------
read -r hex b32 < <(new_secret)
ctl a import bob "$b32" >/dev/null 2>&1
code=$("$L" code "$hex")
wrong=$(printf '%06d' $(((10#$code + 1) % 1000000)))
for _ in 1 2 3; do login a bob "$wrong" >/dev/null; done
out=$(login b bob "$code")
[[ $out == "denied locked" ]] && ok || bad "locked on B: $out"
out=$(ctl c status bob)
[[ $out == *"failures=3"* && $out != *"locked_until=-"* ]] && ok || bad "status: $out"
out=$(ctl c unlock bob)
[[ $out == "bob: failures cleared, not locked" ]] && ok || bad "unlock on C: $out"
out=$(login d bob "$code")
[[ $out == "ok passed" ]] && ok || bad "after unlock on D: $out"

# --- the server stopped: every login fails closed, nothing counted; restarted: it works ----------
read -r hex b32 < <(new_secret)
ctl a import carol "$b32" >/dev/null 2>&1
code=$("$L" code "$hex")
pg_stop_server || bad "pg_ctl stop"
out=$("$L" race 20 carol "$code" "$work/a.conf" "$work/b.conf" "$work/c.conf" "$work/d.conf")
[[ $out == "passed=0 denied=0 error=20" ]] && ok || bad "server down: $out"
out=$(login b carol "$code")
[[ $out == error* && $out != *"$PG_PASSFILE"* ]] && ok || bad "server down, one login: $out"
out=$(ctl a status carol 2>&1)
[[ $? -eq 2 ]] && ok || bad "status with the server down: $out"
pg_restart_server || bad "pg_ctl start"
out=$(ctl a status carol)
[[ $out == "carol active SHA1 6 30 failures=0 locked_until=-" ]] && ok ||
	bad "nothing counted while down: $out"
out=$(login c carol "$code")
[[ $out == "ok passed" ]] && ok || bad "after the restart: $out"

# --- a host's files store migrates in -----------------------------------------------------------
host e files
read -r hex b32 < <(new_secret)
"$STSCTL" mfa --config "$work/e.conf" import dave "$b32" >/dev/null 2>&1 || bad "files import"
code=$("$L" code "$hex")
out=$(login e dave "$code")
[[ $out == "ok passed" ]] && ok || bad "files store login: $out"
# The host switches: same state_dir, the database now.
host e postgresql
out=$(ctl e migrate)
[[ $out == *"dave: migrated"* && $out == *"migrated 1 of 1, 0 failed" ]] && ok ||
	bad "migrate: $out"
out=$(login a dave "$code")
[[ $out == "denied replay" ]] && ok || bad "the floor came along: $out"
out=$(login b dave "$("$L" code "$hex" 1)")
[[ $out == "ok passed" ]] && ok || bad "next code on B after migrate: $out"
out=$(ctl e migrate)
[[ $out == *"already in the database"* ]] && ok || bad "migrate again: $out"

# --- the fleet key rotated: old seals open, then re-sealed -----------------------------------------
out=$("$STSCTL" fleet --config "$work/a.conf" key rotate 2>&1)
[[ $out == "fleet key 2 is current"* ]] && ok || bad "key rotate: $out"
read -r hex b32 < <(new_secret)
ctl a import frank "$b32" >/dev/null 2>&1
# Dave's device, sealed under key 1, still opens: his used code is a replay.
out=$(login b dave "$code")
[[ $out == "denied replay" ]] && ok || bad "a device under the old key: $out"
out=$("$STSCTL" fleet --config "$work/c.conf" key reseal 2>&1)
# All but frank's, sealed under key 2 already.
[[ $out == "resealed 9 of 10 devices, 0 failed" ]] && ok || bad "reseal: $out"
out=$("$STSCTL" fleet --config "$work/c.conf" key reseal 2>&1)
[[ $out == "resealed 0 of"* ]] && ok || bad "reseal again: $out"
out=$(login d frank "$("$L" code "$hex")")
[[ $out == "ok passed" ]] && ok || bad "after reseal: $out"

# --- remove; no secret in a dump ------------------------------------------------------------------
out=$(ctl b remove dave)
[[ $out == "dave: MFA device removed" ]] && ok || bad "remove: $out"
out=$(ctl c status dave 2>&1)
[[ $? -eq 1 ]] && ok || bad "removed everywhere: $out"
dump="$work/dump.sql"
pg_dump_db >"$dump" 2>/dev/null
grep -q 'COPY public.mfa_device' "$dump" && ok || bad "the dump holds the device table"
grep -qi -e "$hex" -e "$b32" "$dump" && bad "the dump holds a secret" || ok
read -r hex b32 < <(new_secret)
ctl a import erin "$b32" >/dev/null 2>&1
pg_dump_db >"$dump" 2>/dev/null
grep -q erin "$dump" && ok || bad "erin in the dump"
grep -qi -e "$hex" -e "$b32" "$dump" && bad "the dump holds erin's secret" || ok
finish
