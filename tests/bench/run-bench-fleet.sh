#!/usr/bin/env bash
# The fleet store's speed (issue 20), against a PostgreSQL server of its own
# (tests/lib/pg.sh: a Unix socket, fsync as pg.sh sets it), through the
# resident broker (sts-helper --serve), as pam_sts.so's auth phase calls it:
#
#   BENCH pam_auth_postgresql_vs_files=R x     one login at a time: the auth
#         phase with the database over the files store (the bar: <= 1.5)
#   BENCH pam_auth_files_ms=T ms, BENCH pam_auth_postgresql_ms=T ms
#   BENCH fleet_auths_per_s=N logins/s          distinct users, 8 at a time,
#         through one broker, with the database
#
# Needs root (the server's throw-away user); prints a note and no line else.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
ROOT=$PWD
L="$ROOT/$BUILD/tests/fleet_login"
STSCTL="$ROOT/$BUILD/stsctl"
N=${FLEET_BENCH_LOGINS:-400}

if [[ $(id -u) -ne 0 || ! -x $L ]]; then
	echo "bench-fleet: needs root and $L (make tests); skipped" >&2
	exit 0
fi
# shellcheck source=tests/lib/pg.sh
. tests/lib/pg.sh
brokers=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	for pid in "${brokers[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	pg_cleanup
	rm -rf "${work:-}"
}
trap cleanup EXIT
pg_start >&2 || exit 0
work=$(mktemp -d)
chmod 0711 "$work"
install -d -m 0755 "$work/bin"
install -m 0755 "$BUILD/sts-helper" "$work/bin/sts-helper"
key="$work/fleet.key"

# host NAME STORE: a pam_sts.conf with its own broker socket.
host() {
	install -d -m 0700 "$work/$1" "$work/$1/mfa" "$work/$1-run"
	(
		umask 077
		cat >"$work/$1.conf" <<CONF
state_dir = $work/$1
helper = $work/bin/sts-helper
helper_socket = $work/$1-run/helper.sock
helper_timeout = 30
mfa_store = $2
CONF
		[[ $2 == postgresql ]] && cat >>"$work/$1.conf" <<CONF
mfa_db = $PG_CONNINFO
mfa_db_password_file = $PG_PASSFILE
mfa_fleet_key_file = $key
CONF
	)
}
host files files
host pg postgresql
"$STSCTL" fleet --config "$work/pg.conf" key create >/dev/null
"$STSCTL" fleet --config "$work/pg.conf" init >/dev/null || exit 0
read -r hex b32 < <(python3 -c 'import os,base64; s=os.urandom(20); print(s.hex(), base64.b32encode(s).decode())')
for store in files pg; do
	for i in $(seq 0 $((N - 1))); do
		"$STSCTL" mfa --config "$work/$store.conf" import "u$i" "$b32" >/dev/null 2>&1
		"$STSCTL" mfa --config "$work/$store.conf" import "v$i" "$b32" >/dev/null 2>&1
	done
	"$work/bin/sts-helper" --serve --config "$work/$store.conf" 2>/dev/null &
	brokers+=($!)
done
for _ in $(seq 50); do
	[[ -S $work/files-run/helper.sock && -S $work/pg-run/helper.sock ]] && break
	sleep 0.1
done
code=$("$L" code "$hex")
# seconds, when every login passed (a failed one would measure a refusal).
seconds() { sed -n "s/^seconds=\([0-9.]*\) passed=$N\$/\1/p"; }
files_s=$("$L" bench "$N" 1 u "$code" "$work/files.conf" | seconds)
pg_s=$("$L" bench "$N" 1 u "$code" "$work/pg.conf" | seconds)
# Other users (v*), 8 at a time through the one broker.
par=$("$L" bench "$N" 8 v "$code" "$work/pg.conf" 2>/dev/null)
[[ -n $files_s && -n $pg_s ]] || {
	echo "bench-fleet: a login failed; no figure" >&2
	exit 0
}
awk -v f="$files_s" -v p="$pg_s" -v n="$N" 'BEGIN {
	printf "BENCH pam_auth_files_ms=%.3f ms\n", 1000 * f / n
	printf "BENCH pam_auth_postgresql_ms=%.3f ms\n", 1000 * p / n
	printf "BENCH pam_auth_postgresql_vs_files=%.2f x\n", p / f }'
echo "$par" | awk -F'[= ]' -v n="$N" '{ printf "BENCH fleet_auths_per_s=%.0f logins/s (%s of %d passed)\n", n / $2, $4, n }'
