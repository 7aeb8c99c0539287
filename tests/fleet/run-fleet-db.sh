#!/usr/bin/env bash
# The fleet store (issue 20) against a real PostgreSQL server this suite starts
# (tests/lib/pg.sh) and removes: the versioned schema; a device sealed at rest
# and read back; one time step raced by 200 logins over 4 simulated hosts (4
# pools) -> exactly one accepted, 5 times; failures to a lockout that another
# connection sees; the server stopped mid-run -> every attempt fails closed,
# and after a restart attempts work again; no secret in pg_dump's output.
# `[[ cond ]] && ok || bad ...` is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
D="$BUILD/tests/fleet_driver"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
finish() {
	echo "fleet-db: $pass passed, $fail failed"
	[[ $fail -eq 0 ]]
	exit
}

if [[ ! -x $D ]]; then
	echo "fleet-db: $D not built (make tests)"
	bad "driver missing"
	finish
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "fleet-db: needs root (a throw-away OS user runs the server)"
	echo "fleet-db: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

# shellcheck source=tests/lib/pg.sh
. tests/lib/pg.sh
coproc_pid=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[[ -n $coproc_pid ]] && kill "$coproc_pid" 2>/dev/null
	pg_cleanup
	rm -rf "${work:-}"
}
trap cleanup EXIT
if ! pg_start; then
	bad "no PostgreSQL server"
	finish
fi
work=$(mktemp -d)
key="$work/fleet.key"
(umask 077 && printf '5 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$key")
drv() { "$D" "$PG_CONNINFO" "$PG_PASSFILE" "$@"; }

# --- the schema ---------------------------------------------------------------------------------
out=$(drv version)
[[ $out == "version 0" ]] && ok || bad "empty database: $out"
out=$(drv init)
[[ $out == "version 1" ]] && ok || bad "init: $out"
out=$(drv init)
[[ $out == "version 1" ]] && ok || bad "init again: $out"
[[ $(pg_psql -c "SELECT count(*) FROM schema_version") == 1 ]] && ok || bad "one version row"
out=$("$D" "$PG_CONNINFO" - version)
[[ $out == error\ connect* ]] && ok || bad "no password: $out"
# A database a newer pam_sts migrated is refused, not written.
pg_psql -c "INSERT INTO schema_version (version) VALUES (2)"
out=$(drv init)
[[ $? -eq 2 && $out == *"newer than this pam_sts knows"* ]] && ok || bad "newer schema: $out"
drv version >/dev/null && bad "newer schema passes the check" || ok
pg_psql -c "DELETE FROM schema_version WHERE version = 2"

# --- a device sealed at rest ---------------------------------------------------------------------
out=$(drv enroll "$key" alice)
[[ $out == enrolled ]] && ok || bad "enroll: $out"
out=$(drv read "$key" alice)
[[ $out == "device SHA1 6 30 active=1 secret=same" ]] && ok || bad "read: $out"
out=$(drv read "$key" nobody-here)
[[ $out == no-device ]] && ok || bad "no device: $out"
# Alice's row given to mallory does not open for mallory.
drv enroll "$key" mallory >/dev/null
pg_psql -c "UPDATE mfa_device SET sealed = (SELECT sealed FROM mfa_device WHERE user_name = 'alice') WHERE user_name = 'mallory'"
out=$(drv read "$key" mallory)
[[ $out == *"does not open for this user"* ]] && ok || bad "copied row: $out"
# Rotation: a new current key; alice's old ciphertext still opens, then is re-sealed.
old_key=$(cat "$key")
(umask 077 && printf '6 %s\n%s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	"$old_key" >"$key")
out=$(drv read "$key" alice)
[[ $out == *"secret=same" ]] && ok || bad "old key after rotation: $out"
[[ $(drv reseal "$key" alice) == "resealed 1" ]] && ok || bad "reseal"
[[ $(drv reseal "$key" alice) == "resealed 0" ]] && ok || bad "reseal is done once"
sed -i '2d' "$key"
out=$(drv read "$key" alice)
[[ $out == *"secret=same" ]] && ok || bad "re-sealed under the new key: $out"

# --- the replay floor ----------------------------------------------------------------------------
# An enrollment confirmed with the code of step 77 writes that step as the floor.
drv enroll "$key" carol 77 >/dev/null
[[ $(drv accept carol 77 "$(date +%s)") == refused && $(drv accept carol 78 "$(date +%s)") == accepted ]] &&
	ok || bad "the confirming code's step is the floor"
now=$(date +%s)
out=$(drv accept alice 100 "$now")
[[ $out == accepted ]] && ok || bad "first step: $out"
out=$(drv accept alice 100 "$now")
[[ $out == refused ]] && ok || bad "same step again: $out"
out=$(drv accept alice 99 "$now")
[[ $out == refused ]] && ok || bad "lower step: $out"
[[ $(drv status alice) == "last_step=100 failures=0"* ]] && ok || bad "floor 100"
for run in 1 2 3 4 5; do
	out=$(drv race alice $((1000 + run)) 4 200)
	[[ $out == "accepted=1 refused=199 errors=0" ]] && ok || bad "race $run: $out"
done
[[ $(drv status alice) == "last_step=1005 "* ]] && ok || bad "floor after the races"
# A row another transaction holds: the accept fails closed within its budget,
# and the step is still there to accept afterwards.
pg_psql -c "BEGIN" -c "SELECT 1 FROM mfa_login WHERE user_name = 'alice' FOR UPDATE" \
	-c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null &
holder=$!
sleep 1
out=$(FLEET_BUDGET_MS=1000 drv accept alice 1010 "$now")
[[ $? -eq 2 && $out == "error accept: fleet database: refused: ERROR:  canceling statement due to "* ]] &&
	ok || bad "a held row: $out"
wait "$holder"
[[ $(drv status alice) == "last_step=1005 "* ]] && ok || bad "nothing accepted while held"
out=$(drv accept alice 1010 "$now")
[[ $out == accepted ]] && ok || bad "accepted once released: $out"

# --- failures and the lockout, seen from another connection --------------------------------------
drv enroll "$key" bob >/dev/null
now=$(date +%s)
for i in 1 2; do
	out=$(drv fail bob "$now" 3 300 600)
	[[ $out == "counted failures=$i locked_until=0" ]] && ok || bad "failure $i: $out"
done
out=$(drv fail bob "$now" 3 300 600)
[[ $out == "counted failures=3 locked_until=$((now + 600))" ]] && ok || bad "lockout: $out"
out=$(drv status bob)
[[ $out == *"failures=3 failure_start=$now locked_until=$((now + 600))"* ]] && ok ||
	bad "lockout seen elsewhere: $out"
out=$(drv accept bob 50 "$now")
[[ $out == refused ]] && ok || bad "a fresh step while locked: $out"
out=$(drv fail bob "$now" 3 300 600)
[[ $out == not-counted ]] && ok || bad "no counting while locked: $out"
# After the lockout a failure opens a new window; a failure past the interval too.
out=$(drv fail bob $((now + 601)) 3 300 600)
[[ $out == "counted failures=1 locked_until=0" ]] && ok || bad "after the lockout: $out"
out=$(drv fail bob $((now + 1000)) 3 300 600)
[[ $out == "counted failures=1 locked_until=0" ]] && ok || bad "past the interval: $out"
out=$(drv accept bob 50 $((now + 1000)))
[[ $out == accepted && $(drv status bob) == *"failures=0 failure_start=0 locked_until=0"* ]] &&
	ok || bad "a pass clears the failures: $out"
for i in 1 2 3; do drv fail bob "$now" 3 300 600 >/dev/null; done
[[ $(drv unlock bob) == "unlocked 1" && $(drv status bob) == *"locked_until=0"* ]] && ok ||
	bad "unlock"

# --- the server stopped mid-run: fail closed, then work again ------------------------------------
coproc SERVE { "$D" "$PG_CONNINFO" "$PG_PASSFILE" serve alice 2>&1; }
coproc_pid=$SERVE_PID
read -r -t 30 line <&"${SERVE[0]}"
[[ ${line:-} == ready ]] && ok || bad "serve: ${line:-nothing}"
ask() {
	echo "attempts $1 $2" >&"${SERVE[1]}"
	line=""
	read -r -t 120 line <&"${SERVE[0]}"
	echo "$line"
}
out=$(ask 5 2000)
[[ $out == "accepted=5 refused=0 errors=0" ]] && ok || bad "before the outage: $out"
pg_stop_server || bad "pg_ctl stop"
out=$(ask 20 3000)
[[ $out == "accepted=0 refused=0 errors=20" ]] && ok || bad "during the outage: $out"
pg_restart_server || bad "pg_ctl start"
[[ $(drv status alice) == "last_step=2004 "* ]] && ok || bad "nothing accepted while down"
out=$(ask 5 4000)
[[ $out == "accepted=5 refused=0 errors=0" ]] && ok || bad "after the restart: $out"
out=$(ask 5 4000)
[[ $out == "accepted=0 refused=5 errors=0" ]] && ok || bad "replays after the restart: $out"
serve_in=${SERVE[1]}
exec {serve_in}>&-
wait "$coproc_pid" 2>/dev/null
coproc_pid=""

# --- no secret in a dump -------------------------------------------------------------------------
dump="$work/dump.sql"
pg_dump_db >"$dump" 2>/dev/null
grep -q 'COPY public.mfa_device' "$dump" && ok || bad "the dump holds the device table"
# RFC 6238's seed as raw text, as hex, and as base32 (what enroll and the QR code show).
for needle in 12345678901234567890 3132333435363738393031323334353637383930 \
	GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ; do
	grep -qi "$needle" "$dump" && bad "the dump holds the secret as $needle" || ok
done

finish
