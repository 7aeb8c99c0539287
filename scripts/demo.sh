#!/usr/bin/env bash
# make demo: what pam_sts can show today. The policy engine decides the two
# seed operations (AssumeRole on role/UpdateAPP, GetFederationToken on
# federated-user/Manager*) for a user in the deployers and managers groups,
# with and without MFA. The full MFA -> policy -> credentials login in a
# sandbox arrives with the MFA and issuance issues.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
S="$BUILD/stsctl"
ex=conf/examples
run() {
	local title=$1
	shift
	printf '\n$ stsctl simulate %s\n' "$*"
	"$S" simulate "$@" && rc=0 || rc=$?
	printf '  (%s; exit %s)\n' "$title" "$rc"
}
echo "== pam_sts demo: the policy engine on the seed policies =="
echo "user alice: groups deployers + managers; require-mfa applies to everyone"
pol=(--policy $ex/group-deployers.json --policy $ex/group-managers.json --policy $ex/require-mfa.json)
me=(--principal arn:aws:iam::123123123123:user/alice)
run "seed: deployers may assume UpdateAPP" "${pol[@]}" "${me[@]}" --action sts:AssumeRole \
	--resource arn:aws:iam::123123123123:role/UpdateAPP --context aws:MultiFactorAuthPresent=true
run "another role is not granted" "${pol[@]}" "${me[@]}" --action sts:AssumeRole \
	--resource arn:aws:iam::123123123123:role/Admin --context aws:MultiFactorAuthPresent=true
run "seed: federated-user/Manager-Bob matches Manager*" "${pol[@]}" "${me[@]}" \
	--action sts:GetFederationToken --resource arn:aws:sts::123456789012:federated-user/Manager-Bob \
	--context aws:MultiFactorAuthPresent=true
run "seed: federated-user/Bob does not" "${pol[@]}" "${me[@]}" --action sts:GetFederationToken \
	--resource arn:aws:sts::123456789012:federated-user/Bob --context aws:MultiFactorAuthPresent=true
run "explicit deny without MFA" "${pol[@]}" "${me[@]}" --action sts:AssumeRole \
	--resource arn:aws:iam::123123123123:role/UpdateAPP --context aws:MultiFactorAuthPresent=false
printf '\n$ stsctl validate %s\n' "$ex/group-deployers.json"
"$S" validate $ex/group-deployers.json
echo
echo "demo: policy decisions shown above. The MFA login and credential issuance are not built yet."
