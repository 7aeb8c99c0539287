#!/usr/bin/env bash
# The stsctl simulate / validate contract of issue 2, exactly: first stdout
# line, exit status (0 allowed, 1 denied, 2 invalid input), messages on
# stderr naming the file and the JSON path, and the --context forms.
set -u
BUILD=${BUILD:-build}
S="$BUILD/stsctl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# expect NAME WANT_FIRST_LINE WANT_STATUS -- ARGS...
expect() {
	local name=$1 want=$2 status=$3
	shift 4
	local out rc
	out=$("$S" "$@" 2>"$tmp/err") && rc=0 || rc=$?
	if [[ $rc -ne $status ]]; then
		bad "$name: exit $rc, wanted $status (stderr: $(head -c 300 "$tmp/err"))"
	elif [[ -n $want && "$(head -n 1 <<<"$out")" != "$want" ]]; then
		bad "$name: first line '$(head -n 1 <<<"$out")', wanted '$want'"
	else
		ok
	fi
}
# stderr_has NAME TEXT: the last command's stderr contains TEXT
stderr_has() {
	if grep -qF -- "$2" "$tmp/err"; then ok; else bad "$1: stderr lacks '$2': $(cat "$tmp/err")"; fi
}

V='"Version":"2012-10-17"'
cat >"$tmp/assume.json" <<JSON
{$V,"Statement":[{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123123123123:role/UpdateAPP"}]}
JSON
cat >"$tmp/federate.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":["arn:aws:sts::123456789012:federated-user/Manager*"]}]}
JSON
cat >"$tmp/deny-nomfa.json" <<JSON
{$V,"Statement":[{"Sid":"NoMfa","Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}
JSON
cat >"$tmp/user-home.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/\${aws:username}/*"}]}
JSON
cat >"$tmp/tags.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]},"Null":{"aws:TagKeys":"false"}}}]}
JSON
cat >"$tmp/single.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"x:k":"a"}}}]}
JSON
cat >"$tmp/s3get.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}
JSON
cat >"$tmp/ec2.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}
JSON
cat >"$tmp/all.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}
JSON
cat >"$tmp/v2008.json" <<'JSON'
{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}
JSON
cat >"$tmp/principal.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}
JSON
cat >"$tmp/baddate.json" <<JSON
{$V,"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"tomorrow"}}}]}
JSON
printf '{"Version":"2012-10-17",\n"Statement": [}' >"$tmp/notjson.json"

role=arn:aws:iam::123123123123:role/UpdateAPP
expect seed-assume allowed 0 -- simulate --policy "$tmp/assume.json" --action sts:AssumeRole --resource $role
expect seed-assume-other implicitDeny 1 -- simulate --policy "$tmp/assume.json" --action sts:AssumeRole --resource arn:aws:iam::123123123123:role/Other
expect seed-manager-bob allowed 0 -- simulate --policy "$tmp/federate.json" --action sts:GetFederationToken --resource arn:aws:sts::123456789012:federated-user/Manager-Bob
expect seed-bob implicitDeny 1 -- simulate --policy "$tmp/federate.json" --action sts:GetFederationToken --resource arn:aws:sts::123456789012:federated-user/Bob
out=$("$S" simulate --policy "$tmp/assume.json" --action sts:AssumeRole --resource $role)
[[ $(sed -n 2p <<<"$out") == *"assume.json Sid Assume (Allow)"* ]] && ok || bad "second line names the deciding statement: $out"
expect explicit-deny explicitDeny 1 -- simulate --policy "$tmp/assume.json" --policy "$tmp/deny-nomfa.json" --action sts:AssumeRole --resource $role --context aws:MultiFactorAuthPresent=false
expect mfa-absent-ifexists explicitDeny 1 -- simulate --policy "$tmp/assume.json" --policy "$tmp/deny-nomfa.json" --action sts:AssumeRole --resource $role
expect mfa-present allowed 0 -- simulate --policy "$tmp/assume.json" --policy "$tmp/deny-nomfa.json" --action sts:AssumeRole --resource $role --context aws:MultiFactorAuthPresent=true
expect no-policies implicitDeny 1 -- simulate --action s3:GetObject --resource arn:aws:s3:::b/k
# principal-derived keys, and --context winning over them
expect principal-username allowed 0 -- simulate --policy "$tmp/user-home.json" --principal arn:aws:iam::123456789012:user/alice --action s3:GetObject --resource arn:aws:s3:::home/alice/f
expect context-wins implicitDeny 1 -- simulate --policy "$tmp/user-home.json" --principal arn:aws:iam::123456789012:user/alice --context aws:username=bob --action s3:GetObject --resource arn:aws:s3:::home/alice/f
expect no-principal-no-var implicitDeny 1 -- simulate --policy "$tmp/user-home.json" --action s3:GetObject --resource arn:aws:s3:::home/alice/f
expect resource-star-literal implicitDeny 1 -- simulate --policy "$tmp/user-home.json" --context aws:username=alice --action s3:GetObject --resource 'arn:aws:s3:::home/*'
# --context forms: repeated key = multi-valued; KEY[]=V forces multi; bare KEY[] = present and empty
expect multi-repeated allowed 0 -- simulate --policy "$tmp/tags.json" --action s3:GetObject --resource '*' --context aws:TagKeys=a --context aws:TagKeys=b
expect multi-bracket allowed 0 -- simulate --policy "$tmp/tags.json" --action s3:GetObject --resource '*' --context 'aws:TagKeys[]=a'
expect multi-outside-set implicitDeny 1 -- simulate --policy "$tmp/tags.json" --action s3:GetObject --resource '*' --context 'aws:TagKeys[]=a' --context 'aws:TagKeys[]=c'
expect multi-empty-present allowed 0 -- simulate --policy "$tmp/tags.json" --action s3:GetObject --resource '*' --context 'aws:TagKeys[]'
expect multi-absent-null implicitDeny 1 -- simulate --policy "$tmp/tags.json" --action s3:GetObject --resource '*'
expect single-op-multi-key implicitDeny 1 -- simulate --policy "$tmp/single.json" --action s3:GetObject --resource '*' --context 'x:k[]=a'
expect single-op-single-key allowed 0 -- simulate --policy "$tmp/single.json" --action s3:GetObject --resource '*' --context 'x:k=a'
# session policies: several files act as one; identity ∩ session; boundary
expect session-union allowed 0 -- simulate --policy "$tmp/all.json" --session-policy "$tmp/s3get.json" --session-policy "$tmp/ec2.json" --action ec2:RunInstances --resource '*'
expect session-limits implicitDeny 1 -- simulate --policy "$tmp/all.json" --session-policy "$tmp/s3get.json" --action s3:PutObject --resource '*'
expect session-adds-nothing implicitDeny 1 -- simulate --policy "$tmp/s3get.json" --session-policy "$tmp/all.json" --action s3:PutObject --resource '*'
expect boundary-limits implicitDeny 1 -- simulate --policy "$tmp/all.json" --boundary "$tmp/s3get.json" --action s3:PutObject --resource '*'
expect boundary-allows allowed 0 -- simulate --policy "$tmp/all.json" --boundary "$tmp/s3get.json" --action s3:GetObject --resource '*'
# Version 2008: variables are literal text; validate refuses it, simulate evaluates it
expect v2008-literal allowed 0 -- simulate --policy "$tmp/v2008.json" --action s3:GetObject --resource 'arn:aws:s3:::home/${aws:username}/f' --context aws:username=alice
expect v2008-no-subst implicitDeny 1 -- simulate --policy "$tmp/v2008.json" --action s3:GetObject --resource arn:aws:s3:::home/alice/f --context aws:username=alice
expect validate-v2008 "" 2 -- validate "$tmp/v2008.json"
stderr_has validate-v2008-msg "v2008.json: Version:"
# invalid input: exit 2, message naming the file and place
expect validate-ok "" 0 -- validate "$tmp/assume.json" "$tmp/federate.json"
expect validate-one-bad "" 2 -- validate "$tmp/assume.json" "$tmp/baddate.json"
stderr_has validate-path "baddate.json: Statement[1].Condition.DateGreaterThan.aws:CurrentTime: not a date"
expect simulate-bad-policy "" 2 -- simulate --policy "$tmp/baddate.json" --action s3:GetObject --resource '*'
stderr_has simulate-bad-policy-path "Statement[1].Condition.DateGreaterThan"
expect principal-in-identity "" 2 -- simulate --policy "$tmp/principal.json" --action s3:GetObject --resource '*'
stderr_has principal-in-identity-path "principal.json: Statement[0].Principal"
expect principal-in-session "" 2 -- simulate --policy "$tmp/all.json" --session-policy "$tmp/principal.json" --action s3:GetObject --resource '*'
# a key twice in one object: IAM refuses it; json-c alone would keep the last Effect
printf '{%s,"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Effect":"Deny"}]}\n' "$V" >"$tmp/twice.json"
expect validate-repeated-key "" 2 -- validate "$tmp/twice.json"
stderr_has validate-repeated-key-path "twice.json: line 1, column 103: Statement[0].Effect: the key appears twice"
# a message quoting the document keeps terminal escapes out of the terminal
printf '{%s,"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","X\\u001b[2J":1}]}\n' "$V" >"$tmp/escape.json"
expect validate-escaped-key "" 2 -- validate "$tmp/escape.json"
stderr_has validate-escaped-key-msg 'Statement[0].X\x1b[2J'
if grep -q $'\e' "$tmp/err"; then bad "validate wrote ESC to the terminal: $(cat -v "$tmp/err")"; else ok; fi
expect not-json "" 2 -- validate "$tmp/notjson.json"
stderr_has not-json-line "notjson.json: line 2"
expect missing-file "" 2 -- simulate --policy "$tmp/nope.json" --action s3:GetObject --resource '*'
stderr_has missing-file-name "nope.json"
expect two-boundaries "" 2 -- simulate --policy "$tmp/all.json" --boundary "$tmp/all.json" --boundary "$tmp/all.json" --action s3:GetObject --resource '*'
expect missing-action "" 2 -- simulate --policy "$tmp/all.json" --resource '*'
expect missing-resource "" 2 -- simulate --policy "$tmp/all.json" --action s3:GetObject
expect bad-context "" 2 -- simulate --policy "$tmp/all.json" --action s3:GetObject --resource '*' --context novalue
expect unknown-option "" 2 -- simulate --policy "$tmp/all.json" --action s3:GetObject --resource '*' --debug
expect unknown-command "" 2 -- frobnicate
expect validate-nothing "" 2 -- validate
# What the AWS CLI prints, as an administrator mirrors an account: a role
# (get-role), inline policies (get-role-policy, get-group-policy) and a
# managed policy version (get-policy-version); unknown shapes are refused.
cat >"$tmp/managed.json" <<JSON
{"PolicyVersion": {"Document": {$V,"Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]},
 "VersionId": "v2", "IsDefaultVersion": true, "CreateDate": "2024-01-15T09:30:00+00:00"}}
JSON
cat >"$tmp/group-inline.json" <<JSON
{"GroupName": "deployers", "PolicyName": "assume", "PolicyDocument": $(cat "$tmp/assume.json")}
JSON
expect validate-role "conf/sandbox/roles/UpdateAPP.json: valid role UpdateAPP (MaxSessionDuration 7200)" 0 -- validate conf/sandbox/roles/UpdateAPP.json
expect validate-cli-shapes "" 0 -- validate conf/sandbox/roles/UpdateAPP.d/update-app.json "$tmp/managed.json" "$tmp/group-inline.json"
sed 's/"RoleLastUsed"/"Colour": "red", "RoleLastUsed"/' conf/sandbox/roles/UpdateAPP.json >"$tmp/colour-role.json"
expect validate-role-unknown "" 2 -- validate "$tmp/colour-role.json"
stderr_has validate-role-unknown-place "colour-role.json: Role.Colour: unknown field"
sed 's/"IsDefaultVersion": true/"IsDefaultVersion": false/' "$tmp/managed.json" >"$tmp/old-version.json"
expect validate-old-version "" 2 -- validate "$tmp/old-version.json"
stderr_has validate-old-version-place "old-version.json: PolicyVersion.IsDefaultVersion: must be true"
# One version string: the package's (debian/changelog, without the Debian revision).
version=$(sed -n '1s/^[^ ]* (\(.*\)-[^-]*).*/\1/p' "$(dirname "$0")/../../debian/changelog")
expect version "stsctl (pam_sts) $version" 0 -- --version
[[ -n $version ]] && ok || bad "version: none in debian/changelog"

# stsctl credential-process: the session's credentials file as credential_process
# JSON with the expiry, which botocore reads only this way (from the credentials
# file alone it gets no expiry). Debian's botocore: python3-botocore, or the copy
# inside awscli; always /usr/bin/python3 (not a pyenv python).
cat >"$tmp/cred" <<EOF
[default]
aws_access_key_id = ASIATESTTESTTESTTEST
aws_secret_access_key = abcdefghijabcdefghijabcdefghijabcdefghij
aws_session_token = c2VjcmV0dG9rZW4.abc-_def
x_security_token_expires = 2099-01-02T03:04:05Z
EOF
expect credential-process '{"Version": 1, "AccessKeyId": "ASIATESTTESTTESTTEST", "SecretAccessKey": "abcdefghijabcdefghijabcdefghijabcdefghij", "SessionToken": "c2VjcmV0dG9rZW4.abc-_def", "Expiration": "2099-01-02T03:04:05Z"}' 0 -- credential-process --credentials-file "$tmp/cred"
expect credential-process-no-profile "" 2 -- credential-process --credentials-file "$tmp/cred" --profile other
sed '/x_security_token_expires/d' "$tmp/cred" >"$tmp/cred-noexp"
expect credential-process-no-expiry "" 2 -- credential-process --credentials-file "$tmp/cred-noexp"
stderr_has credential-process-no-expiry "no x_security_token_expires in [default]"
if grep -q abcdefghij "$tmp/err"; then bad "credential-process: a secret on stderr"; else ok; fi
printf '[profile pam_sts]\ncredential_process = %s credential-process --profile default\n' \
	"$(cd "$(dirname "$S")" && pwd)/$(basename "$S")" >"$tmp/config"
cat >"$tmp/boto.py" <<'EOF'
try:
    import botocore.session as bs
except ImportError:
    import awscli.botocore.session as bs
c = bs.Session().get_credentials()
print(c.method, getattr(c, "_expiry_time", None))
EOF
skipped=
if /usr/bin/python3 -c 'import botocore' 2>/dev/null || /usr/bin/python3 -c 'import awscli.botocore' 2>/dev/null; then
	boto() { env -u AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE="$tmp/cred" AWS_CONFIG_FILE="$tmp/config" "$@" /usr/bin/python3 "$tmp/boto.py" 2>&1; }
	# The file delivery alone: keys without an expiry.
	out=$(boto)
	[[ $out == "shared-credentials-file None" ]] && ok || bad "botocore, file delivery: '$out'"
	out=$(boto AWS_PROFILE=pam_sts)
	[[ $out == "custom-process 2099-01-02 03:04:05+00:00" ]] && ok || bad "botocore, credential-process: '$out'"
else
	echo "cli: botocore not installed for /usr/bin/python3 (python3-botocore or awscli)"
	skipped=2
fi
echo "cli: $pass passed, $fail failed${skipped:+, $skipped skipped}"
[[ $fail -eq 0 ]]
