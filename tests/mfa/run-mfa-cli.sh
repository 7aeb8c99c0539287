#!/usr/bin/env bash
# stsctl mfa (issue 3, item 5): enroll with a code typed on stdin, import,
# status, unlock, remove; exit statuses (0 done, 1 refused, 2 usage/config/
# store error); root only; no secret on stderr. Runs as root (CI does); codes
# are computed with oathtool (Debian package oathtool, scripts/deps.sh).
# `[[ cond ]] && ok || bad ...` is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -u
BUILD=${BUILD:-build}
S="$BUILD/stsctl"
pass=0 fail=0

if [[ ! -x $S ]]; then
	echo "mfa-cli: $S not built"
	echo "mfa-cli: 0 passed, 1 failed"
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "mfa-cli: needs root (the MFA store is root-only)"
	echo "mfa-cli: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
if ! command -v oathtool >/dev/null; then
	echo "mfa-cli: oathtool missing (scripts/deps.sh build installs it)"
	echo "mfa-cli: 0 passed, 1 failed"
	exit 1
fi

mkdir -p "$BUILD"
tmp=$(mktemp -d "$(cd "$BUILD" && pwd)/mfa-cli.XXXXXX")
enroll_pid=
cleanup() {
	[[ -n $enroll_pid ]] && kill "$enroll_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 0700 "$tmp"
mkdir -m 0700 "$tmp/state" "$tmp/state/mfa"
conf="$tmp/pam_sts.conf"
printf 'state_dir = %s/state\n' "$tmp" >"$conf"
chmod 0600 "$conf"
store="$tmp/state/mfa"
secrets=() # every secret used, checked against all stderr at the end

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# run ARGS...: runs stsctl mfa --config $conf ARGS with stdin from $stdin_file
# (default /dev/null); sets $rc, $out; stderr is appended to $tmp/err.all.
stdin_file=/dev/null
run() {
	"$S" mfa --config "$conf" "$@" <"$stdin_file" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	out=$(cat "$tmp/out")
	cat "$tmp/err" >>"$tmp/err.all"
}
# expect NAME STATUS ARGS...
expect() {
	local name=$1 want=$2
	shift 2
	run "$@"
	if [[ $rc -eq $want ]]; then ok; else bad "$name: exit $rc, wanted $want ($(head -c 300 "$tmp/err"))"; fi
}
out_has() { if grep -qF -- "$2" "$tmp/out"; then ok; else bad "$1: stdout lacks '$2': $out"; fi; }
err_has() { if grep -qF -- "$2" "$tmp/err"; then ok; else bad "$1: stderr lacks '$2': $(cat "$tmp/err")"; fi; }
field() { sed -n "s/^$2 = //p" "$store/$1"; }             # the device file
# A key of the login state file's newer slot (of two: the higher sequence).
state_field() {
	awk -v key="$2" '$1 == "sequence" { seq = $3 } $1 == key { v[seq] = $3 }
		END { best = -1; for (s in v) if (s + 0 > best) best = s + 0; print v[best] }' \
		"$store/$1.state"
}

# --- import ---------------------------------------------------------------
SEC_A=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ # RFC 6238's SHA1 key
secrets+=("$SEC_A")
expect "import" 0 import alice "gezd gnbv gy3t qojq gezd gnbv gy3t qojq"
expect "status alice" 0 status alice
[[ $out == "alice active SHA1 6 30 failures=0 locked_until=-" ]] && ok || bad "status alice: '$out'"
[[ $(field alice secret) == "$SEC_A" ]] && ok || bad "import: stored secret differs"
[[ $(stat -c %a "$store/alice") == 600 ]] && ok || bad "import: record mode $(stat -c %a "$store/alice")"
# The split store: the device file (format 2) and the login state beside it.
[[ $(field alice version) == 2 && -z $(field alice last_step) ]] && ok || bad "import: device file not format 2"
[[ $(stat -c '%a %s' "$store/alice.state") == "600 1024" ]] && ok ||
	bad "import: state file $(stat -c '%a %s' "$store/alice.state")"
[[ $(state_field alice last_step) == 0 && $(state_field alice boot_id) == "$(cat /proc/sys/kernel/random/boot_id)" ]] &&
	ok || bad "import: state file content: $(cat "$store/alice.state")"

expect "import bad base32" 2 import bob 'NOT*BASE32!'
err_has "import bad base32" "not valid base32"
[[ ! -e $store/bob ]] && ok || bad "import bad base32 left a record"
expect "import too short" 2 import bob GEZDGNBV
expect "import over active" 1 import alice "$SEC_A"
err_has "import over active" "already has an active device"

# RFC 6238's 64-byte SHA512 key, as a pam_oath users.oath line (hex), converted
# the way stsctl_mfa_import.c documents (there with xxd -r -p): base32 wraps
# its output at 76 columns, and import - joins the lines.
echo "HOTP/T60/8 bob - $(printf '%s' 1234567890123456789012345678901234567890123456789012345678901234 |
	od -An -tx1 | tr -d ' \n')" >"$tmp/users.oath"
hex=$(awk '$1 ~ /^HOTP\/T/ { print $4 }' "$tmp/users.oath")
# shellcheck disable=SC2059,SC2001 # the format is the secret's bytes as \xHH escapes
printf "$(sed 's/../\\x&/g' <<<"$hex")" | base32 >"$tmp/sec"
SEC_B=$(tr -d '\n' <"$tmp/sec")
secrets+=("$SEC_B")
[[ $(wc -l <"$tmp/sec") -eq 2 ]] && ok || bad "base32 did not wrap the 64-byte secret"
stdin_file="$tmp/sec"
expect "import from stdin" 0 import bob - --algorithm sha512 --digits 8 --period 60
stdin_file=/dev/null
expect "status bob" 0 status bob
[[ $out == "bob active SHA512 8 60 failures=0 locked_until=-" ]] && ok || bad "status bob: '$out'"
[[ $(field bob secret) == "${SEC_B%%=*}"* ]] && ok || bad "import -: secret differs"
[[ ${#SEC_B} -gt 100 ]] && ok || bad "test bug: SEC_B '$SEC_B'"
expect "import --digits 9" 2 import carl "$SEC_A" --digits 9
expect "import --algorithm MD5" 2 import carl "$SEC_A" --algorithm MD5
expect "import extra argument" 2 import carl GEZD GNBVGY3TQOJQ
if grep -qF GNBVGY3TQOJQ "$tmp/err"; then bad "extra argument echoed to stderr"; else ok; fi

# --- usage, config, root --------------------------------------------------
expect "unknown subcommand" 2 frobnicate alice
expect "status unknown option" 2 status alice --force
expect "invalid user name" 2 status ../etc
expect "unlock without user" 2 unlock
"$S" mfa --config "$tmp/missing.conf" status >/dev/null 2>"$tmp/err" && rc=0 || rc=$?
[[ $rc -eq 2 ]] && ok || bad "missing config: exit $rc"
err_has "missing config" "$tmp/missing.conf"
# nobody runs a copy staged outside the clone (which may sit below a 0700 /root).
. tests/lib/public-tmp.sh
pub=$(public_tmpdir mfa-cli-nobody) && NS=$(stage_program "$S" "$pub") || NS=/nonexistent
setpriv --reuid=65534 --regid=65534 --clear-groups "$NS" mfa --config "$conf" status \
	>/dev/null 2>"$tmp/err" && rc=0 || rc=$?
[[ -n ${pub:-} ]] && rm -rf "$pub"
[[ $rc -eq 2 ]] && ok || bad "non-root: exit $rc ($(cat "$tmp/err"))"
err_has "non-root" "must be run as root"

# --- enroll ---------------------------------------------------------------
# enroll_with USER MODE [ARGS...]: runs enroll reading stdin from a fifo; once
# the URI is on stdout, types the right code (MODE good) or three wrong ones
# (MODE bad). Sets $rc and $secret; stdout in $tmp/enroll.out.
enroll_with() {
	local user=$1 mode=$2 i d code valid alg digits oath
	shift 2
	rm -f "$tmp/fifo" "$tmp/enroll.out"
	mkfifo "$tmp/fifo"
	"$S" mfa --config "$conf" enroll "$user" "$@" <"$tmp/fifo" >"$tmp/enroll.out" \
		2>"$tmp/err" &
	enroll_pid=$!
	exec 3>"$tmp/fifo"
	secret=
	for ((i = 0; i < 100; i++)); do
		secret=$(grep -o 'secret=[A-Z2-7]*' "$tmp/enroll.out" 2>/dev/null | cut -d= -f2)
		[[ -n $secret ]] && break
		kill -0 "$enroll_pid" 2>/dev/null || break
		sleep 0.05
	done
	if [[ -n $secret ]]; then
		secrets+=("$secret")
		# The device's parameters, from the URI.
		alg=$(grep -o 'algorithm=SHA[0-9]*' "$tmp/enroll.out" | cut -d= -f2)
		digits=$(grep -o 'digits=[0-9]*' "$tmp/enroll.out" | cut -d= -f2)
		oath=(oathtool --totp="${alg,,}" --digits="$digits" -b)
		if [[ $mode == good ]]; then
			"${oath[@]}" "$secret" >&3
		else
			# Wrong codes of the right length: none valid from now-60s to now+60s.
			valid=" $("${oath[@]}" -w 4 -N "now - 60 seconds" "$secret" | tr '\n' ' ')"
			i=0
			for d in 0 1 2 3 4 5 6; do
				code=$(printf "%0${digits}d" 0 | tr 0 "$d")
				[[ $valid == *" $code "* ]] && continue
				echo "$code" >&3
				i=$((i + 1))
				[[ $i -eq 3 ]] && break
			done
		fi
	fi
	exec 3>&-
	wait "$enroll_pid" && rc=0 || rc=$?
	enroll_pid=
	cat "$tmp/err" >>"$tmp/err.all"
}

enroll_with carol good
[[ $rc -eq 0 ]] && ok || bad "enroll good code: exit $rc ($(cat "$tmp/err"))"
[[ -n $secret ]] && ok || bad "enroll: no secret= in the URI on stdout"
# The default issuer names the host, so that several bastions' devices differ.
host=$(hostname -s)
if grep -qE "^otpauth://totp/pam_sts%40$host:carol\\?secret=[A-Z2-7]+&issuer=pam_sts%40$host&algorithm=SHA1&digits=6&period=30\$" \
	"$tmp/enroll.out"; then ok; else bad "enroll: otpauth URI malformed: $(grep otpauth "$tmp/enroll.out")"; fi
if grep -q '█' "$tmp/enroll.out"; then ok; else bad "enroll: no QR code block on stdout"; fi
err_has "enroll prompt" "Enter a code from the device to activate: "
expect "status carol" 0 status carol
[[ $out == "carol active SHA1 6 30 failures=0 locked_until=-" ]] && ok || bad "status carol: '$out'"
[[ $(field carol secret) == "$secret" ]] && ok || bad "enroll: stored secret is not the URI's"
# The confirmation code's step is the replay floor.
now_step=$(($(date +%s) / 30))
ls=$(state_field carol last_step)
((ls >= now_step - 2 && ls <= now_step + 1)) && ok || bad "enroll: last_step $ls, now $now_step"

enroll_with dave bad --algorithm SHA256 --digits 8
[[ $rc -eq 1 ]] && ok || bad "enroll 3 wrong codes: exit $rc ($(cat "$tmp/err"))"
[[ $(grep -c 'wrong code' "$tmp/err") -eq 3 ]] && ok || bad "enroll: not 3 tries: $(cat "$tmp/err")"
[[ ! -e $store/dave && ! -e $store/dave.state && ! -e $store/dave.pending ]] && ok ||
	bad "enroll 3 wrong codes left a record"
grep -q 'algorithm=SHA256&digits=8' "$tmp/enroll.out" && ok || bad "enroll: URI lacks SHA256/8"
expect "status after failed enroll" 1 status dave

printf '' >"$tmp/empty"
stdin_file="$tmp/empty"
expect "enroll with no code (EOF)" 1 enroll erin
stdin_file=/dev/null
[[ ! -e $store/erin && ! -e $store/erin.pending ]] && ok || bad "enroll at EOF left a record"

old=$(field carol secret)
expect "enroll over active" 1 enroll carol
err_has "enroll over active" "already has an active device"
[[ $(field carol secret) == "$old" ]] && ok || bad "refused enroll changed the record"
# enroll --force interrupted: the working device stays until the new one is
# confirmed. At the end of input (no code):
stdin_file="$tmp/empty"
expect "enroll --force, no code" 1 enroll carol --force
stdin_file=/dev/null
[[ $(field carol secret) == "$old" && $(field carol active) == yes && ! -e $store/carol.pending ]] &&
	ok || bad "enroll --force at EOF: the old device was not kept"
# ...and by SIGINT (Ctrl-C) while waiting for the code:
rm -f "$tmp/fifo"
mkfifo "$tmp/fifo"
# (A background job of a script starts with SIGINT ignored: env restores it.)
env --default-signal=INT "$S" mfa --config "$conf" enroll carol --force <"$tmp/fifo" \
	>"$tmp/enroll.out" 2>"$tmp/err" &
enroll_pid=$!
exec 3>"$tmp/fifo"
for ((i = 0; i < 100; i++)); do
	grep -q 'secret=' "$tmp/enroll.out" 2>/dev/null && break
	sleep 0.05
done
kill -INT "$enroll_pid"
wait "$enroll_pid" && rc=0 || rc=$?
enroll_pid=
[[ $rc -eq 130 ]] && ok || bad "enroll --force: not ended by SIGINT (exit $rc)"
exec 3>&-
secrets+=("$(grep -o 'secret=[A-Z2-7]*' "$tmp/enroll.out" | cut -d= -f2)")
[[ $(field carol secret) == "$old" && $(field carol active) == yes ]] && ok ||
	bad "enroll --force interrupted: the old device was not kept"
expect "status after interrupted enroll" 0 status carol
[[ $out == "carol active SHA1 6 30 failures=0 locked_until=-" ]] && ok || bad "after SIGINT: '$out'"
# Completed, it replaces the device.
enroll_with carol good --force
[[ $rc -eq 0 ]] && ok || bad "enroll --force: exit $rc ($(cat "$tmp/err"))"
[[ $(field carol secret) == "$secret" && $secret != "$old" ]] && ok || bad "enroll --force: secret not replaced"
[[ $(field carol active) == yes && ! -e $store/carol.pending ]] && ok || bad "enroll --force: not active"

# --issuer and --label name the device in the authenticator app.
enroll_with henry good --issuer "Example Corp" --label "henry@bastion-2"
[[ $rc -eq 0 ]] && ok || bad "enroll --issuer: exit $rc ($(cat "$tmp/err"))"
grep -qE '^otpauth://totp/Example%20Corp:henry%40bastion-2\?secret=[A-Z2-7]+&issuer=Example%20Corp&' \
	"$tmp/enroll.out" && ok || bad "enroll --issuer/--label: $(grep otpauth "$tmp/enroll.out")"
expect "enroll --issuer with ':'" 2 enroll ivan --issuer "a:b"
err_has "enroll --issuer with ':'" "--issuer must be"
expect "enroll --label empty" 2 enroll ivan --label ""
expect "import --issuer" 2 import ivan "$SEC_A" --issuer X
[[ ! -e $store/ivan ]] && ok || bad "refused --issuer left a record"

# --- scratch codes --------------------------------------------------------
expect "scratch" 0 scratch henry
mapfile -t codes < <(grep -oE '^  [0-9]{8}$' "$tmp/out" | tr -d ' ')
[[ ${#codes[@]} -eq 5 ]] && ok || bad "scratch: not 5 codes: $out"
[[ $(stat -c '%a %U' "$store/henry.scratch") == "600 root" ]] && ok ||
	bad "scratch: record $(stat -c '%a %U' "$store/henry.scratch")"
leaked=0
for c in "${codes[@]}"; do grep -qF "$c" "$store/henry.scratch" && leaked=1; done
[[ $leaked -eq 0 && $(grep -c '^code = [0-9A-F]\{32\} [0-9A-F]\{64\}$' "$store/henry.scratch") -eq 5 ]] &&
	ok || bad "scratch: the record is not 5 salted hashes: $(cat "$store/henry.scratch")"
expect "status with scratch codes" 0 status henry
[[ $out == "henry active SHA1 6 30 failures=0 locked_until=- scratch=5" ]] && ok || bad "status scratch: '$out'"
expect "scratch --count 2" 0 scratch henry --count 2
expect "status after a new set" 0 status henry
[[ $out == *" scratch=2" ]] && ok || bad "a new set did not replace the old: '$out'"
expect "scratch --count 21" 2 scratch henry --count 21
expect "scratch without a device" 1 scratch nobody_here
[[ ! -e $store/nobody_here.scratch ]] && ok || bad "scratch without a device left a record"

# --- unlock, remove, status -----------------------------------------------
# frank's record is in the single-file format 1 of earlier releases: read as
# before, and split into the two files at its first write (here: unlock).
cat >"$store/frank" <<EOF
# pam_sts MFA device: managed by stsctl mfa, do not edit
version = 1
secret = $SEC_A
algorithm = SHA1
digits = 6
period = 30
active = yes
last_step = 0
failures = 5
failure_start = 1700000000
locked_until = 9999999999
EOF
chmod 0600 "$store/frank"
expect "status locked" 0 status frank
# While locked: the failures that led to the lockout, and when the last one was.
[[ $out == "frank active SHA1 6 30 failures=5 locked_until=2286-11-20T17:46:39Z last_failure=2023-11-14T22:13:20Z" ]] && ok ||
	bad "status locked: '$out'"
[[ ! -e $store/frank.state && $(field frank version) == 1 ]] && ok || bad "status wrote frank's format 1 record"
expect "unlock" 0 unlock frank
[[ $(field frank version) == 2 && -z $(field frank failures) ]] && ok || bad "unlock: frank not split"
expect "status unlocked" 0 status frank
[[ $out == "frank active SHA1 6 30 failures=0 locked_until=-" ]] && ok || bad "after unlock: '$out'"
[[ $(state_field frank locked_until) == 0 && $(state_field frank failure_start) == 0 ]] && ok ||
	bad "unlock left lockout fields"
expect "unlock unknown" 1 unlock nobody_here

expect "status all" 0 status
want=$'alice active SHA1 6 30 failures=0 locked_until=-
bob active SHA512 8 60 failures=0 locked_until=-
carol active SHA1 6 30 failures=0 locked_until=-
frank active SHA1 6 30 failures=0 locked_until=-
henry active SHA1 6 30 failures=0 locked_until=- scratch=2'
[[ $out == "$want" ]] && ok || bad "status all: '$out'"

expect "remove" 0 remove frank
[[ ! -e $store/frank && ! -e $store/frank.state ]] && ok || bad "remove left the record"
expect "remove again" 1 remove frank
expect "status unknown" 1 status frank
err_has "status unknown" "has no MFA device"

expect "remove henry" 0 remove henry
[[ ! -e $store/henry && ! -e $store/henry.scratch ]] && ok || bad "remove left henry's scratch codes"

# A corrupt record: status reports it (exit 2, naming the file), remove repairs.
printf 'version = 1\nsecret = @@@\n' >"$store/gina"
chmod 0600 "$store/gina"
expect "status corrupt" 2 status gina
err_has "status corrupt" "$store/gina"
expect "remove corrupt" 0 remove gina
[[ ! -e $store/gina ]] && ok || bad "remove corrupt left the record"

# A login state written in another boot: read rebuilt (a note on stderr, not
# an error), and written back for this boot by the next write.
boot=$(cat /proc/sys/kernel/random/boot_id)
sed -i 's/^boot_id = .*/boot_id = 00000000-0000-4000-8000-000000000000/' "$store/alice.state"
# Each slot (512 bytes) ends in the SHA-256 of all before its checksum line
# (the last 76 bytes).
for slot in 0 1; do
	dd if="$store/alice.state" bs=1 skip=$((slot * 512)) count=436 status=none >"$tmp/slot-$slot"
	printf 'checksum = %s\n' "$(sha256sum <"$tmp/slot-$slot" | cut -c1-64)" >>"$tmp/slot-$slot"
done
cat "$tmp/slot-0" "$tmp/slot-1" >"$store/alice.state"
expect "status after a reboot" 0 status alice
err_has "status after a reboot" "alice.state: written before this boot; login state rebuilt"
expect "unlock after a reboot" 0 unlock alice
[[ $(state_field alice boot_id) == "$boot" ]] && ok || bad "unlock: state not written for this boot"
expect "status after the write" 0 status alice
if grep -q "rebuilt" "$tmp/err"; then bad "status after the write: $(cat "$tmp/err")"; else ok; fi

# --- nothing secret on stderr or in status output -------------------------
for s in "${secrets[@]}"; do
	lower=${s,,}
	if grep -qiF -e "$s" -e "${s:0:16}" -e "$lower" "$tmp/err.all"; then
		bad "a secret appears on stderr"
	else
		ok
	fi
done
expect "status all (again)" 0 status
for s in "${secrets[@]}"; do
	if grep -qiF "${s:0:16}" "$tmp/out"; then bad "a secret appears in status"; else ok; fi
done

echo "mfa-cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
