#!/usr/bin/env bash
# stsctl init / verify / authorize end to end: key ring creation and
# rotation, verification from the environment and from shared credentials
# files (profiles), expiry, tampering, rotation, policy decisions from the
# scope sealed in the token, --context, exit statuses, and no secret on
# stdout or stderr. Credentials with chosen times come from the test-only
# minter `$BUILD/tests/test_token mint` (never from shipped code).
# Runs as root or not (then with a ring owned by the invoking user).
# `[[ cond ]] && ok || bad ...` is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
S="$BUILD/stsctl"
MINT="$BUILD/tests/test_token"
pass=0 fail=0

for bin in "$S" "$MINT"; do
	if [[ ! -x $bin ]]; then
		echo "token-cli: $bin not built (make tests)"
		echo "token-cli: 0 passed, 1 failed"
		exit 1
	fi
done

# The privilege checks run stsctl as nobody: stage everything outside the clone.
. tests/lib/public-tmp.sh
tmp=$(public_tmpdir token-cli) || {
	echo "token-cli: no directory every user can traverse (TMPDIR, /tmp, /var/tmp)"
	echo "token-cli: 0 passed, 1 failed"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
chmod 0700 "$tmp"
conf="$tmp/pam_sts.conf"
ring="$tmp/issuer.key"
printf 'issuer_key = %s\naccount_id = 123456789012\n' "$ring" >"$conf"
chmod 0600 "$conf"
# Nothing from the environment of the caller.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export AWS_SHARED_CREDENTIALS_FILE="$tmp/none"
export HOME="$tmp"

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# run ARGS...: stsctl ARGS; sets $rc, $out; stderr in $tmp/err (and $tmp/err.all).
run() {
	"$S" "$@" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	out=$(cat "$tmp/out")
	cat "$tmp/err" "$tmp/out" >>"$tmp/all"
}
# expect NAME STATUS ARGS...
expect() {
	local name=$1 want=$2
	shift 2
	run "$@"
	[[ $rc -eq $want ]] && ok || bad "$name: exit $rc, wanted $want ($(head -c 300 "$tmp/err"))"
}
first_is() { [[ $(head -n 1 "$tmp/out") == "$2" ]] && ok || bad "$1: first line '$(head -n 1 "$tmp/out")', wanted '$2'"; }
out_has() { grep -qF -- "$2" "$tmp/out" && ok || bad "$1: stdout lacks '$2': $out"; }
err_has() { grep -qF -- "$2" "$tmp/err" && ok || bad "$1: stderr lacks '$2': $(cat "$tmp/err")"; }
# mint FILE PROFILE ARGS...: a credentials file from the test-only minter.
mint() {
	local file=$1 profile=$2
	shift 2
	if ! "$MINT" mint --ring "$ring" --out "$file" --profile "$profile" "$@" 2>"$tmp/mint.err"; then
		bad "mint $file: $(cat "$tmp/mint.err")"
		return 1
	fi
}
field() { sed -n "s/^$2 = //p" "$1"; }
# with_env FILE PROFILE CMD...: runs CMD with the AWS_* variables of FILE [PROFILE].
with_env() {
	local file=$1
	shift 2
	AWS_ACCESS_KEY_ID=$(field "$file" aws_access_key_id) \
		AWS_SECRET_ACCESS_KEY=$(field "$file" aws_secret_access_key) \
		AWS_SESSION_TOKEN=$(field "$file" aws_session_token) "$@"
}

# --- init -------------------------------------------------------------------------
expect "init creates" 0 init --config "$conf"
out_has "init creates" "created $ring: current key "
[[ $(stat -c %a "$ring") == 600 ]] && ok || bad "init: ring mode $(stat -c %a "$ring")"
id1=$(sed -n 's/.*current key \([0-9a-f]\{8\}\) .*/\1/p' "$tmp/out")
[[ -n $id1 ]] && ok || bad "init: no key id in '$out'"
sum=$(sha256sum "$ring")
expect "init again" 0 init --config "$conf"
out_has "init again" "exists $ring: current key $id1 (1 key)"
[[ $(sha256sum "$ring") == "$sum" ]] && ok || bad "init again changed the ring"
expect "--keep without --rotate" 2 init --config "$conf" --keep 3
expect "--keep 1" 2 init --config "$conf" --rotate --keep 1
expect "--keep x" 2 init --config "$conf" --rotate --keep x
expect "init stray argument" 2 init --config "$conf" extra
expect "init bad config" 2 init --config "$tmp/missing.conf"
printf 'issuer_key = %s/none.key\n' "$tmp" >"$tmp/none.conf"
chmod 0600 "$tmp/none.conf"
expect "rotate without a ring" 1 init --config "$tmp/none.conf" --rotate
err_has "rotate without a ring" "stsctl init creates it"
printf 'issuer_key = %s/junk.key\n' "$tmp" >"$tmp/junk.conf"
chmod 0600 "$tmp/junk.conf"
printf 'not a ring\n' >"$tmp/junk.key"
chmod 0600 "$tmp/junk.key"
expect "init over an unusable ring" 1 init --config "$tmp/junk.conf"
err_has "init over an unusable ring" "not a usable key ring"
[[ $(cat "$tmp/junk.key") == "not a ring" ]] && ok || bad "init overwrote an unusable ring"

# --- credentials ------------------------------------------------------------------
V='"Version":"2012-10-17"'
cat >"$tmp/s3.json" <<JSON
{$V,"Statement":[{"Sid":"ReadApp","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::app/*"},
{"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::app/secret/*"},
{"Sid":"Prefix","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::app","Condition":{"StringEquals":{"s3:prefix":"home/"}}},
{"Sid":"Tags","Effect":"Allow","Action":"s3:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]},"Null":{"aws:TagKeys":"false"}}},
{"Sid":"Source","Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"alice"}}},
{"Sid":"NeedMfa","Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}},
{"Sid":"Iam","Effect":"Allow","Action":"iam:GetUser","Resource":"*"},
{"Sid":"Net","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}},
{"Sid":"Uid","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:userid":"1000"}}}]}
JSON
cat >"$tmp/get.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:ListBucket","s3:TagResource","ec2:Describe*","iam:GetUser","kms:Decrypt"],"Resource":"*"}]}
JSON
cat >"$tmp/home.json" <<JSON
{$V,"Statement":[{"Sid":"Home","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/\${aws:username}/*"}]}
JSON

A="$tmp/alice"
mint "$A" default --operation AssumeRole --principal arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice \
	--user alice --ip 203.0.113.5 --mfa now-60 --issued now --expires now+3600 \
	--identity role/UpdateAPP.d/s3.json="$tmp/s3.json" --session session/readonly.json="$tmp/get.json"
secret=$(field "$A" aws_secret_access_key)
token=$(field "$A" aws_session_token)
akid=$(field "$A" aws_access_key_id)

# --- verify -----------------------------------------------------------------------
expect "verify file" 0 verify --config "$conf" --credentials-file "$A"
first_is "verify file" valid
out_has "verify principal" "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice"
out_has "verify source identity" "source_identity: alice"
out_has "verify operation" "operation:       AssumeRole"
out_has "verify source ip" "source_ip:       203.0.113.5"
out_has "verify key id" "access_key_id:   $akid"
out_has "verify identity policy" "identity_policy: role/UpdateAPP.d/s3.json"
out_has "verify session policy" "session_policy:  session/readonly.json"
grep -qE '^mfa: +yes 20[0-9-]+T[0-9:]+Z$' "$tmp/out" && ok || bad "verify mfa line: $out"
grep -qE '^expiration: +20[0-9-]+T[0-9:]+Z$' "$tmp/out" && ok || bad "verify expiration: $out"
with_env "$A" default expect "verify env" 0 verify --config "$conf"
first_is "verify env" valid
cp "$A" "$tmp/credentials-default"
AWS_SHARED_CREDENTIALS_FILE="$tmp/credentials-default" expect "verify AWS_SHARED_CREDENTIALS_FILE" 0 verify --config "$conf"
mkdir -p "$tmp/.aws"
cp "$A" "$tmp/.aws/credentials"
AWS_SHARED_CREDENTIALS_FILE='' expect "verify ~/.aws/credentials" 0 verify --config "$conf"
rm -rf "$tmp/.aws"

W="$tmp/work"
mint "$W" work --operation GetSessionToken --principal arn:aws:iam::123456789012:user/alice \
	--user alice --issued now --expires now+900 --identity users/alice/home.json="$tmp/home.json"
{
	printf '[other]\naws_access_key_id = ASIAAAAAAAAAAAAAAAAA\n\n'
	cat "$W"
} >"$tmp/multi"
expect "verify --profile" 0 verify --config "$conf" --credentials-file "$tmp/multi" --profile work
out_has "verify --profile" "mfa:             no"
out_has "verify --profile" "source_ip:       -"
AWS_PROFILE=work expect "verify AWS_PROFILE" 0 verify --config "$conf" --credentials-file "$tmp/multi"
expect "verify missing profile" 2 verify --config "$conf" --credentials-file "$tmp/multi" --profile nope
expect "verify missing file" 2 verify --config "$conf" --credentials-file "$tmp/nothing"
expect "verify no credential" 2 verify --config "$conf"
# Environment first, unless a file or profile is asked for.
with_env "$A" default env AWS_SHARED_CREDENTIALS_FILE="$tmp/multi" AWS_PROFILE=work \
	"$S" verify --config "$conf" >"$tmp/out" 2>"$tmp/err"
grep -qF "AssumeRole" "$tmp/out" && ok || bad "env wins over the file: $(cat "$tmp/out" "$tmp/err")"
with_env "$A" default expect "--profile wins over env" 0 verify --config "$conf" --credentials-file "$tmp/multi" --profile work
out_has "--profile wins over env" "GetSessionToken"

expect "verify --json" 0 verify --config "$conf" --credentials-file "$A" --json
if python3 - "$tmp/out" "$akid" <<'PY'; then ok; else bad "verify --json: $out"; fi
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] is True and d["access_key_id"] == sys.argv[2]
assert d["principal_arn"].endswith("assumed-role/UpdateAPP/alice")
assert d["source_identity"] == "alice" and d["operation"] == "AssumeRole"
assert d["mfa_present"] is True and d["mfa_time"].endswith("Z") and d["source_ip"] == "203.0.113.5"
assert d["issued"].endswith("Z") and d["expiration"].endswith("Z") and d["no_permissions"] is False
assert d["identity_policies"][0]["name"] == "role/UpdateAPP.d/s3.json"
assert d["identity_policies"][0]["document"]["Statement"][0]["Sid"] == "ReadApp"
assert d["session_policies"][0]["name"] == "session/readonly.json"
assert not any(k in d for k in ("secret_access_key", "session_token"))
PY

# Not valid: expired, altered, wrong secret, not ours.
E="$tmp/expired"
mint "$E" default --operation GetSessionToken --principal arn:aws:iam::123456789012:user/bob \
	--user bob --issued now-7200 --expires now-3600
expect "verify expired" 1 verify --config "$conf" --credentials-file "$E"
err_has "verify expired" "expired at"
[[ -z $out ]] && ok || bad "verify expired printed: $out"
expect "verify expired --json" 1 verify --config "$conf" --credentials-file "$E" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid"] is False and "expired" in d["error"]' "$tmp/out" && ok || bad "expired --json: $out"
i=$((${#token} / 2))
c=${token:i:1}
[[ $c == A ]] && r=B || r=A
sed "s|^aws_session_token = .*|aws_session_token = ${token:0:i}$r${token:i+1}|" "$A" >"$tmp/tampered"
expect "verify tampered" 1 verify --config "$conf" --credentials-file "$tmp/tampered"
err_has "verify tampered" "not authentic"
[[ ${secret:0:1} == A ]] && r=B || r=A
sed "s|^aws_secret_access_key = .*|aws_secret_access_key = $r${secret:1}|" "$A" >"$tmp/wrongsecret"
expect "verify wrong secret" 1 verify --config "$conf" --credentials-file "$tmp/wrongsecret"
err_has "verify wrong secret" "secret access key"
printf '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = x\n' >"$tmp/foreign"
expect "verify foreign" 1 verify --config "$conf" --credentials-file "$tmp/foreign"
expect "verify bad option" 2 verify --config "$conf" --bogus

# --- rotation ---------------------------------------------------------------------
expect "rotate" 0 init --config "$conf" --rotate --keep 2
out_has "rotate" "(2 keys)"
grep -qF "current key $id1" "$tmp/out" && bad "rotate kept the current key" || ok
expect "old credential after a rotation" 0 verify --config "$conf" --credentials-file "$A"
N="$tmp/new"
mint "$N" default --operation GetSessionToken --principal arn:aws:iam::123456789012:user/carol \
	--user carol --issued now --expires now+900
expect "new credential" 0 verify --config "$conf" --credentials-file "$N"
expect "rotate twice more" 0 init --config "$conf" --rotate --keep 2
expect "rotate twice more" 0 init --config "$conf" --rotate --keep 2
expect "rotated out" 1 verify --config "$conf" --credentials-file "$A"
err_has "rotated out" "key id $id1"
mint "$A" default --operation AssumeRole --principal arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice \
	--user alice --ip 203.0.113.5 --mfa now-60 --issued now --expires now+3600 \
	--identity role/UpdateAPP.d/s3.json="$tmp/s3.json" --session session/readonly.json="$tmp/get.json"
secret2=$(field "$A" aws_secret_access_key)

# --- authorize --------------------------------------------------------------------
az() { expect "$1" "$2" authorize --config "$conf" --credentials-file "$A" "${@:3}"; }
az "allowed" 0 --action s3:GetObject --resource arn:aws:s3:::app/x
first_is "allowed" allowed
out_has "allowed" "ReadApp"
az "explicit deny" 1 --action s3:GetObject --resource arn:aws:s3:::app/secret/k
first_is "explicit deny" explicitDeny
out_has "explicit deny" "NoSecrets"
az "implicit deny" 1 --action ec2:RunInstances --resource '*'
first_is "implicit deny" implicitDeny
az "session policy cuts" 1 --action s3:PutObject --resource arn:aws:s3:::app/x
first_is "session policy cuts" implicitDeny
az "context absent" 1 --action s3:ListBucket --resource arn:aws:s3:::app
az "context given" 0 --action s3:ListBucket --resource arn:aws:s3:::app --context s3:prefix=home/
az "multi-valued" 0 --action s3:TagResource --resource '*' --context aws:TagKeys=a --context aws:TagKeys=b
az "multi-valued other" 1 --action s3:TagResource --resource '*' --context aws:TagKeys=a --context aws:TagKeys=c
az "KEY[]=VALUE" 0 --action s3:TagResource --resource '*' --context 'aws:TagKeys[]=a'
az "source identity" 0 --action ec2:DescribeInstances --resource '*'
az "mfa present" 0 --action iam:GetUser --resource '*'
az "source ip" 0 --action kms:Decrypt --resource '*'
az "reserved key" 2 --action s3:GetObject --resource '*' --context aws:SourceIdentity=bob
err_has "reserved key" "cannot be given"
az "reserved key, other case" 2 --action s3:GetObject --resource '*' --context AWS:MULTIFACTORAUTHPRESENT=true
az "bad --context" 2 --action s3:GetObject --resource '*' --context novalue
az "no --action" 2 --resource '*'
expect "authorize expired" 1 authorize --config "$conf" --credentials-file "$E" --action s3:GetObject --resource '*'
[[ -z $out ]] && ok || bad "authorize expired printed: $out"
err_has "authorize expired" "expired"

# GetSessionToken of a user: aws:username; no MFA, so BoolIfExists denies.
mint "$W" default --operation GetSessionToken --principal arn:aws:iam::123456789012:user/alice \
	--user alice --userid 1000 --issued now --expires now+900 \
	--identity users/alice/home.json="$tmp/home.json" --identity users/alice/s3.json="$tmp/s3.json"
aw() { expect "$1" "$2" authorize --config "$conf" --credentials-file "$W" "${@:3}"; }
aw "aws:username" 0 --action s3:GetObject --resource arn:aws:s3:::home/alice/f
aw "aws:username other" 1 --action s3:GetObject --resource arn:aws:s3:::home/bob/f
aw "no mfa" 1 --action iam:GetUser --resource '*'
first_is "no mfa" explicitDeny
aw "no source ip" 1 --action kms:Decrypt --resource '*'
aw "aws:userid" 0 --action sqs:SendMessage --resource '*'
az "no aws:userid for a role" 1 --action sqs:SendMessage --resource '*'
with_env "$W" default expect "authorize env" 0 authorize --config "$conf" --action s3:GetObject --resource arn:aws:s3:::home/alice/f

# GetFederationToken without a session policy: no permissions at all.
F="$tmp/fed"
mint "$F" default --operation GetFederationToken --principal arn:aws:sts::123456789012:federated-user/Bob \
	--user alice --mfa now-10 --issued now --expires now+900 --identity users/alice/s3.json="$tmp/s3.json" \
	--no-permissions
expect "federated no permissions" 1 authorize --config "$conf" --credentials-file "$F" --action s3:GetObject --resource arn:aws:s3:::app/x
first_is "federated no permissions" implicitDeny
out_has "federated no permissions" "no permissions"
expect "verify federated" 0 verify --config "$conf" --credentials-file "$F"
out_has "verify federated" "no permissions"

# --- privileges -------------------------------------------------------------------
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	chmod 0755 "$tmp"
	chmod 0644 "$conf" "$A"
	NS=$(stage_program "$S" "$tmp")
	nobody "$NS" init --config "$conf" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	[[ $rc -eq 2 ]] && grep -qF "must be run as root" "$tmp/err" && ok || bad "init as nobody: $rc $(cat "$tmp/err")"
	nobody "$NS" verify --config "$conf" --credentials-file "$A" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	[[ $rc -eq 2 ]] && grep -qF "readable by root only" "$tmp/err" && ok || bad "verify as nobody: $rc $(cat "$tmp/err")"
	cat "$tmp/err" >>"$tmp/all"
	chmod 0700 "$tmp"
	# A user whose configuration is root's 0600 file (documented) or one named
	# by config=: never a bare "cannot open", but the file, its mode and what
	# to change. Staged where every user can reach (tests/lib/public-tmp.sh).
	utmp=$(public_tmpdir token-user)
	US=$(stage_program "$S" "$utmp")
	install -m 0600 "$conf" "$utmp/pam_sts.conf"
	install -m 0644 "$A" "$utmp/cred"
	for cmd in verify authorize; do
		extra=()
		[[ $cmd == authorize ]] && extra=(--action s3:GetObject --resource arn:aws:s3:::app/x)
		nobody "$US" $cmd --config "$utmp/pam_sts.conf" --credentials-file "$utmp/cred" "${extra[@]}" \
			>"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
		[[ $rc -eq 2 ]] && ! grep -q "pam_sts.conf: cannot open" "$tmp/err" &&
			grep -qF "$utmp/pam_sts.conf (owner uid 0, mode 0600) is not readable by uid 65534" "$tmp/err" &&
			grep -qF "built-in path /usr/libexec/pam_sts/sts-helper" "$tmp/err" &&
			grep -qF "sts-helper verifies against the issuer_key of /etc/pam_sts/pam_sts.conf only, not of $utmp/pam_sts.conf" "$tmp/err" &&
			ok || bad "$cmd as nobody, config 0600: $rc $(cat "$tmp/err")"
		cat "$tmp/err" >>"$tmp/all"
	done
	chmod 0644 "$utmp/pam_sts.conf"
	nobody "$US" verify --config "$utmp/pam_sts.conf" --credentials-file "$utmp/cred" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
	[[ $rc -eq 2 ]] && grep -qF "readable by root only" "$tmp/err" &&
		grep -qF "must exist and name the same key ring ($ring)" "$tmp/err" &&
		ok || bad "verify as nobody, config=FILE readable: $rc $(cat "$tmp/err")"
	cat "$tmp/err" >>"$tmp/all"
	rm -rf "$utmp"
else
	echo "token-cli: not root or no setpriv: privilege checks skipped"
fi

# --- every option is in stsctl(1) ---------------------------------------------------
for opt in $(grep -ohE '\{ "[a-z-]+", (required|no)_argument' helper/stsctl/stsctl_init.c \
	helper/stsctl/stsctl_verify.c helper/stsctl/stsctl_authorize.c helper/stsctl/stsctl_request.h | grep -oE '"[a-z-]+"' | tr -d '"' | sort -u); do
	grep -qF -- "$(printf -- '--%s' "$opt" | sed 's/-/\\-/g')" man/stsctl.1 && ok || bad "stsctl(1) lacks --$opt"
done

# --- no secret anywhere -----------------------------------------------------------
for s in "$secret" "$secret2" "$token" "$(field "$W" aws_secret_access_key)"; do
	grep -qF -- "$s" "$tmp/all" && bad "a secret or token was printed" || ok
done
grep -q "AAECAwQF\|$(sed -n '2s/^key [0-9a-f]* \(.\{12\}\).*/\1/p' "$ring")" "$tmp/all" && bad "key material printed" || ok

echo "token-cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
