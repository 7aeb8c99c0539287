#!/usr/bin/env bash
# lib/upstream against the STS + IMDSv2 stand-in (tests/standin/sts_standin.py) on a free
# 127.0.0.1 port: the three STS calls signed by libcurl and checked by the stand-in's own
# SigV4 verifier, STS's refusals (AccessDenied, ValidationError, ExpiredToken, a bad
# signature, an unknown key, a missing token, clock skew), retries (Throttling then
# success, Throttling and 5xx exhausted), a timeout, a garbled answer, the endpoint rules,
# IMDSv2 (token first, kept, fetched again near its expiry or when refused; IMDS
# unreachable; its credentials used for AssumeRole), the base keys' file checks, and no
# secret in any output. First the verifier itself against AWS's SigV4 test suite
# (../shared/sigv4-test-suite, skipped when absent). Last, STS over TLS with a throw-away
# CA as the extra CA file. Removes everything it started.
# `[[ cond ]] && ok || bad ...` is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
D="$BUILD/tests/upstream_driver"
PY=/usr/bin/python3
STANDIN=tests/standin/sts_standin.py
pass=0 fail=0 skip=0

if [[ ! -x $D ]]; then
	echo "upstream: $D not built (make tests)"
	echo "upstream: 0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pam_sts-upstream.XXXXXX") || exit 2
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
unset STS_BASE_FILE STS_BASE_PROFILE STS_BASE_TOKEN STS_CA_FILE
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# 1. The stand-in's verifier against AWS's vectors (its own pass/fail/skip counts).
vec=$("$PY" "$STANDIN" --self-test 2>&1)
vec_line=$(tail -n 1 <<<"$vec")
if [[ $vec_line =~ ^sigv4-vectors:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
	skip=$((skip + BASH_REMATCH[3]))
	grep '^FAIL' <<<"$vec" || true
else
	bad "sigv4 self-test: $(head -c 300 <<<"$vec")"
fi

# start_standin NAME ARGS...: a stand-in on a port the kernel chose, logging to
# $tmp/NAME.log; its port in $port. Fails the suite when it does not start.
start_standin() {
	local name=$1
	shift
	: >"$tmp/$name.log"
	"$PY" "$STANDIN" --port-file "$tmp/$name.port" --log "$tmp/$name.log" --lifetime 300 \
		--region eu-west-1 "$@" 2>"$tmp/$name.err" &
	pids+=($!)
	for _ in $(seq 1 100); do
		[[ -s $tmp/$name.port ]] && break
		sleep 0.05
	done
	if [[ ! -s $tmp/$name.port ]]; then
		echo "upstream: the stand-in did not start: $(head -c 300 "$tmp/$name.err")"
		echo "upstream: $pass passed, $((fail + 1)) failed, $skip skipped"
		exit 1
	fi
	port=$(cat "$tmp/$name.port")
}
start_standin standin
log="$tmp/standin.log"
E="http://127.0.0.1:$port"
R=eu-west-1
ROLE=arn:aws:iam::123456789012:role/Deploy
USER_AKID=AKIASTANDINUSER00001
USER_SECRET=standin/user/secret/0000000000000000000001
ROLE_AKID=ASIASTANDINROLE00001
ROLE_SECRET=standin/instance/role/secret/000000000001
ROLE_TOKEN=standin-instance-session-token-0001
EXPIRED_AKID=ASIASTANDINEXPIRED01
EXPIRED_SECRET=standin/expired/secret/00000000000000000001
EXPIRED_TOKEN=standin-expired-session-token-0001

# as_user / as_role / as_expired / as_keys AKID SECRET [TOKEN]: the base identity.
as_keys() {
	export STS_BASE_AKID=$1 STS_BASE_SECRET=$2
	if [[ $# -ge 3 ]]; then export STS_BASE_TOKEN=$3; else unset STS_BASE_TOKEN; fi
}
as_user() { as_keys "$USER_AKID" "$USER_SECRET"; }
# run ARGS...: the driver; $rc, $out (stdout and stderr); every output kept for the
# no-secret check; $new: the stand-in's log lines this run added.
run() {
	local before
	before=$(wc -l <"$log")
	"$D" "$@" >"$tmp/out" 2>&1 && rc=0 || rc=$?
	out=$(cat "$tmp/out")
	cat "$tmp/out" >>"$tmp/all"
	sleep 0.05
	new=$(tail -n +$((before + 1)) "$log")
}
field() { sed -n "s/^$1=//p" <<<"$out" | head -n 1; }
count() { grep -c -- "$1" <<<"$new" || true; }
fault() {
	curl -s --noproxy '*' -o /dev/null -X POST --data "$1" "$E/_standin/fault" ||
		bad "could not queue fault $1"
}
# expect_fault NAME CODE ARGS...: STS refused with CODE (exit 2).
expect_fault() {
	local name=$1 code=$2
	shift 2
	run "$@"
	[[ $rc -eq 2 && $(field code) == "$code" && $(field error) == "STS $code: "* ]] && ok ||
		bad "$name: exit $rc, wanted STS $code: $out"
}
json_has() { "$PY" -c 'import json,sys
recs=[json.loads(l) for l in sys.stdin if l.strip()]
sys.exit(0 if any(eval(sys.argv[1], {}, {"r": r}) for r in recs) else 1)' "$1" <<<"$new"; }

# 3. The three operations.
as_user
policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/a b&c=d+e"}]}'
run sts assume-role "$E" "$R" 5000 1 RoleArn=$ROLE RoleSessionName=alice SourceIdentity=alice \
	DurationSeconds=3600 "Policy=$policy"
[[ $rc -eq 0 && $(field principal_arn) == arn:aws:sts::123456789012:assumed-role/Deploy/alice &&
	$(field principal_id) == *:alice && $(field source_identity) == alice &&
	$(field access_key_id) == ASIA* && $(field secret_len) == 40 ]] && ok ||
	bad "AssumeRole: exit $rc: $out"
rid=$(field request_id)
json_has "r['action']=='AssumeRole' and r['request_id']=='$rid' and r['result']=='ok'" && ok ||
	bad "AssumeRole: the RequestId is not the stand-in's: $new"
# The form body arrived intact (every value URL-encoded) and Content-Type was signed.
printf '%s' "$policy" >"$tmp/policy"
"$PY" -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
p=r["params"]
ok=(p["Policy"]==open(sys.argv[2]).read() and p["RoleSessionName"]=="alice"
    and p["SourceIdentity"]=="alice" and p["Version"]=="2011-06-15"
    and "content-type" in r["signed_headers"] and r["path"]=="/"
    and r["content_type"]=="application/x-www-form-urlencoded; charset=utf-8")
sys.exit(0 if ok else 1)' "$log" "$tmp/policy" && ok || bad "AssumeRole: the request as sent: $new"

run sts federate "$E" "$R" 5000 1 Name=bob DurationSeconds=3600 "Policy=$policy"
[[ $rc -eq 0 && $(field principal_arn) == arn:aws:sts::123456789012:federated-user/bob &&
	$(field principal_id) == 123456789012:bob ]] && ok || bad "GetFederationToken: exit $rc: $out"

# A session policy near STS's 2048-character limit: a body of some KiB, still signed whole.
"$PY" -c 'import json
print(json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/%04d/*" % i} for i in range(20)]},
    separators=(",", ":")), end="")' >"$tmp/big-policy"
run sts federate "$E" "$R" 5000 1 Name=bob "Policy=$(cat "$tmp/big-policy")"
[[ $rc -eq 0 ]] && "$PY" -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
sys.exit(0 if r["params"]["Policy"]==open(sys.argv[2]).read() else 1)' "$log" "$tmp/big-policy" &&
	ok || bad "GetFederationToken with a $(wc -c <"$tmp/big-policy")-byte policy: exit $rc: $out"

run sts session "$E" "$R" 5000 1 DurationSeconds=3600 \
	SerialNumber=arn:aws:iam::123456789012:mfa/alice TokenCode=123456
[[ $rc -eq 0 && $(field principal_arn) == - && $(field access_key_id) == ASIA* ]] && ok ||
	bad "GetSessionToken: exit $rc: $out"
json_has "r['action']=='GetSessionToken' and r['params']['SerialNumber'].endswith(':mfa/alice')" &&
	ok || bad "GetSessionToken: SerialNumber not sent: $new"

# 4. STS's refusals.
expect_fault "AccessDenied" AccessDenied sts assume-role "$E" "$R" 5000 3 \
	RoleArn=arn:aws:iam::123456789012:role/DeniedAdmin RoleSessionName=alice
[[ $(count '"kind": "sts"') -eq 1 ]] && ok || bad "AccessDenied was retried: $new"
expect_fault "ValidationError" ValidationError sts assume-role "$E" "$R" 5000 3 \
	RoleArn=$ROLE RoleSessionName=a
as_keys "$EXPIRED_AKID" "$EXPIRED_SECRET" "$EXPIRED_TOKEN"
expect_fault "ExpiredToken" ExpiredToken sts session "$E" "$R" 5000 1
as_keys "$USER_AKID" "wrong/secret/0000000000000000000000000001"
expect_fault "bad signature" SignatureDoesNotMatch sts session "$E" "$R" 5000 1
as_keys AKIANOSUCHKEY0000001 "$USER_SECRET"
expect_fault "unknown key" InvalidClientTokenId sts session "$E" "$R" 5000 1
as_keys "$ROLE_AKID" "$ROLE_SECRET"
expect_fault "missing session token" InvalidClientTokenId sts assume-role "$E" "$R" 5000 1 \
	RoleArn=$ROLE RoleSessionName=alice
as_keys "$ROLE_AKID" "$ROLE_SECRET" "$ROLE_TOKEN"
expect_fault "role credentials for GetFederationToken" AccessDenied sts federate "$E" "$R" \
	5000 1 Name=bob
as_user
expect_fault "wrong region" SignatureDoesNotMatch sts session "$E" us-east-1 5000 1
if [[ -e $BUILD/tests/libfaketime.so ]]; then
	echo $(($(date +%s) - 600)) >"$tmp/clock"
	# ASan wants to come first; the test clock is preloaded before it.
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0" \
		LD_PRELOAD="$BUILD/tests/libfaketime.so" STS_FAKE_TIME_FILE="$tmp/clock" \
		expect_fault "clock skew" SignatureDoesNotMatch sts session "$E" "$R" 5000 1
	[[ $(field message) == "Signature expired"* ]] && ok || bad "clock skew: $out"
else
	skip=$((skip + 2))
fi

# 5. Retries: Throttling and 5xx only, bounded, within the deadline.
fault '{"mode": "throttle", "count": 2}'
run sts session "$E" "$R" 10000 3
[[ $rc -eq 0 && $(count '"result": "Throttling"') -eq 2 && $(count '"result": "ok"') -eq 1 ]] &&
	ok || bad "Throttling then success: exit $rc: $out / $new"
fault '{"mode": "throttle", "count": 2}'
expect_fault "Throttling exhausted" Throttling sts session "$E" "$R" 10000 2
[[ $(count '"kind": "sts"') -eq 2 ]] && ok || bad "Throttling: not exactly 2 attempts: $new"
fault '{"mode": "5xx", "count": 3}'
expect_fault "5xx exhausted" ServiceUnavailable sts session "$E" "$R" 10000 3
[[ $(count '"result": "ServiceUnavailable"') -eq 3 ]] && ok || bad "5xx: not 3 attempts: $new"
fault '{"mode": "slow", "count": 1, "seconds": 2}'
late=$(wc -l <"$log")
run sts session "$E" "$R" 800 3
[[ $rc -eq 3 && $(field result) == timeout ]] && ok || bad "timeout: exit $rc: $out"
# The slow answer's log line comes after the driver gave up: wait for it, so that it
# is not taken for a later check's request.
for _ in $(seq 1 50); do
	[[ $(wc -l <"$log") -gt $late ]] && break
	sleep 0.1
done
fault '{"mode": "garbled", "count": 1}'
run sts session "$E" "$R" 5000 3
[[ $rc -eq 1 && $(field error) == "STS answer: "* && $(count '"kind": "sts"') -eq 1 ]] && ok ||
	bad "garbled XML: exit $rc: $out / $new"

# 6. The endpoint rules: https, or http to loopback; no query, no path.
for e in "http://example.com" "http://169.254.169.254" "$E/?Action=x" "$E/sts" "ftp://127.0.0.1/" \
	"https://user@sts.example.com/"; do
	run sts session "$e" "$R" 2000 1
	[[ $rc -eq 1 && -z $new ]] && ok || bad "endpoint $e accepted: exit $rc: $out"
done
run sts session "$E" "eu-west-1\nx" 2000 1
[[ $rc -eq 1 ]] && ok || bad "a region with a line break accepted: $out"

# 7. IMDSv2: token first, kept, fetched again 5 minutes before its expiry (21600 s).
run imds "$E" 5000 0 0 21299 21301
[[ $rc -eq 0 && $(grep -c '^result=ok' <<<"$out") -eq 4 && $(field access_key_id) == "$ROLE_AKID" &&
	$(field expires_in_h) == 6 ]] && ok || bad "IMDS: exit $rc: $out"
[[ $(count '"method": "PUT"') -eq 2 && $(count '"ttl": "21600"') -eq 2 &&
	$(count '"token_ok": true') -eq 8 && $(count '"token_ok": false') -eq 0 ]] && ok ||
	bad "IMDS token flow (wanted 2 PUTs, 8 GETs with the token): $new"
fault '{"mode": "imds-401"}'
run imds "$E" 5000 0
[[ $rc -eq 0 && $(count '"method": "PUT"') -eq 2 && $(count '"token_ok": false') -eq 1 ]] && ok ||
	bad "IMDS refused token not fetched again: exit $rc: $out / $new"
run imds "http://127.0.0.1:1" 2000 0
[[ $rc -eq 1 && $(field error) == *"127.0.0.1:1"* ]] && ok || bad "IMDS unreachable: exit $rc: $out"
run imds "https://169.254.169.254" 2000 0
[[ $rc -eq 1 ]] && ok || bad "IMDS over https/a name accepted: $out"
run imds-sts "$E" "$E" "$R" 5000 assume-role RoleArn=$ROLE RoleSessionName=alice \
	DurationSeconds=3600
[[ $rc -eq 0 && $(field principal_arn) == */Deploy/alice ]] && ok ||
	bad "IMDS credentials then AssumeRole: exit $rc: $out"
json_has "r.get('action')=='AssumeRole' and r['base']=='role' and 'x-amz-security-token' in r['signed_headers']" &&
	ok || bad "the session token header was not sent signed: $new"
run imds-sts "$E" "$E" "$R" 5000 assume-role RoleArn=$ROLE RoleSessionName=alice \
	DurationSeconds=7200
[[ $rc -eq 2 && $(field message) == *"role chaining"* ]] && ok ||
	bad "role chaining over 1 hour: exit $rc: $out"

# 8. The base keys' file: root-owned, 0600, no link (needs root to own files as root).
if [[ $(id -u) -eq 0 ]]; then
	cf="$tmp/base-credentials"
	printf '[other]\naws_access_key_id = x\naws_secret_access_key = y\n\n[broker]\n' >"$cf"
	printf 'aws_access_key_id = %s\naws_secret_access_key = %s\n' "$USER_AKID" "$USER_SECRET" >>"$cf"
	chmod 0600 "$cf"
	unset STS_BASE_AKID STS_BASE_SECRET STS_BASE_TOKEN
	STS_BASE_FILE=$cf STS_BASE_PROFILE=broker run sts session "$E" "$R" 5000 1
	[[ $rc -eq 0 ]] && ok || bad "base keys from the file: exit $rc: $out"
	chmod 0640 "$cf"
	STS_BASE_FILE=$cf STS_BASE_PROFILE=broker run sts session "$E" "$R" 5000 1
	[[ $rc -eq 1 && $(field error) == *"group or others"* && -z $new ]] && ok ||
		bad "a group-readable key file accepted: $out"
	chmod 0600 "$cf"
	ln -s "$cf" "$tmp/link"
	STS_BASE_FILE=$tmp/link STS_BASE_PROFILE=broker run sts session "$E" "$R" 5000 1
	[[ $rc -eq 1 && -z $new ]] && ok || bad "a key file through a link accepted: $out"
	STS_BASE_FILE=$cf STS_BASE_PROFILE=nosuch run sts session "$E" "$R" 5000 1
	[[ $rc -eq 1 && $(field error) == *"no [nosuch] section"* ]] && ok || bad "missing profile: $out"
else
	skip=$((skip + 4))
fi

# 9. Over TLS with a throw-away CA given as the extra CA file; refused without it.
if command -v openssl >/dev/null; then
	(
		cd "$tmp" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-keyout ca.key -out ca.pem -subj /CN=pam_sts-test-CA &&
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 &&
			printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext &&
			openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
				-extfile srv.ext -out srv.pem
	) >"$tmp/openssl.out" 2>&1 || bad "could not make the test CA: $(tail -n 3 "$tmp/openssl.out")"
	start_standin tls --tls-cert "$tmp/srv.pem" --tls-key "$tmp/srv.key"
	log="$tmp/tls.log"
	as_user
	STS_CA_FILE="$tmp/ca.pem" run sts session "https://127.0.0.1:$port" "$R" 5000 1
	[[ $rc -eq 0 && $(count '"result": "ok"') -eq 1 ]] && ok || bad "TLS with the CA file: exit $rc: $out"
	run sts session "https://127.0.0.1:$port" "$R" 5000 3
	[[ $rc -eq 1 && $out == *certificate* && -z $new ]] && ok ||
		bad "TLS without the CA file accepted: exit $rc: $out"
	STS_CA_FILE="$tmp/absent.pem" run sts session "https://127.0.0.1:$port" "$R" 5000 1
	[[ $rc -eq 1 && -z $new ]] && ok || bad "a missing CA file accepted: exit $rc: $out"
else
	skip=$((skip + 3))
fi

# 10. No secret in any output: not the base keys', not STS's issued ones.
for s in "$USER_SECRET" "$ROLE_SECRET" "$ROLE_TOKEN" "$EXPIRED_SECRET" "$EXPIRED_TOKEN" \
	wrong/secret/0000000000000000000000000001; do
	grep -qF -- "$s" "$tmp/all" && bad "a secret was printed: ${s:0:12}..." || ok
done
grep -q 'FwoGZXIvYXdz' "$tmp/all" && bad "an issued session token was printed" || ok

echo "upstream: $pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
