# Sourced by tests/ssh/run-ssh.sh (its users, codes, sshd and checks): the stacks of
# docs/bastion.md, taken from the guide itself, pass through the real sshd. Each tested
# block follows a line `<!-- tested: tests/ssh/doc-stacks.sh ... -->`: the sshd_config
# excerpt (put first in sshd's configuration, where the first value of a keyword wins),
# Debian 12's /etc/pam.d/sshd with pam_sts (run as it is, with Debian's common-* files of
# this machine; only `pam_sts.so` is replaced by the build's module, which is not
# installed, and the module reads /etc/pam_sts/pam_sts.conf, which is the test's while it
# runs), and the AssumeRole and GetFederationToken account lines, each put in place of
# that file's pam_sts account line. A key+TOTP login must succeed through each.
# shellcheck shell=bash disable=SC2154,SC2015

guide=$ROOT/docs/bastion.md
# doc_block TEXT N: the Nth fenced block after a `<!-- tested: ... -->` line holding TEXT
doc_block() {
	awk -v text="$1" -v want="$2" '
		/^<!-- tested: / && index($0, text) { armed = 1; next }
		armed == 1 && /^```/ { n++; armed = 2; next }
		armed == 2 && /^```/ { armed = 0; next }
		armed == 2 && n == want { print }
		armed == 1 { armed = 0 }' "$guide"
}
doc_sshd_config=$(doc_block "as sshd's configuration" 1)
doc_pam=$(doc_block "runs this file through sshd as it is" 1)
doc_role=$(doc_block "in place of the account line above" 1)
doc_federate=$(doc_block "in place of the account line above" 2)
[[ $doc_sshd_config == *"AuthenticationMethods publickey,keyboard-interactive:pam"* ]] && ok ||
	bad "docs/bastion.md: no tested sshd_config block with AuthenticationMethods: '$doc_sshd_config'"
[[ $doc_pam == *"@include common-account"* && $(grep -c 'pam_sts\.so' <<<"$doc_pam") -eq 3 ]] && ok ||
	bad "docs/bastion.md: no tested /etc/pam.d/sshd with three pam_sts lines: '$doc_pam'"
[[ $doc_role == "account "*"action=assume-role role=UpdateAPP"* ]] && ok ||
	bad "docs/bastion.md: no tested AssumeRole line: '$doc_role'"
[[ $doc_federate == "account "*"action=federate name=Manager-%u"* ]] && ok ||
	bad "docs/bastion.md: no tested GetFederationToken line: '$doc_federate'"

# doc_service NAME [ACCOUNT-LINE]: /etc/pam.d/NAME from the guide's stack
doc_service() {
	local stack=$doc_pam line
	if [[ -n ${2:-} ]]; then
		stack=$(while IFS= read -r line; do
			if [[ $line =~ ^account[[:space:]].*pam_sts\.so ]]; then echo "$2"; else echo "$line"; fi
		done <<<"$doc_pam")
	fi
	pam_files+=("/etc/pam.d/$1")
	sed -E "s#(^|[[:space:]])pam_sts\.so([[:space:]]|\$)#\1$mod\2#" <<<"$stack" >"/etc/pam.d/$1"
}
svc_doc=sshd-stsg$rnd svc_doc_role=sshd-stsa$rnd svc_doc_fed=sshd-stsf$rnd
doc_service "$svc_doc"
doc_service "$svc_doc_role" "$doc_role"
doc_service "$svc_doc_fed" "$doc_federate"
{
	grep -v '^#' <<<"$doc_sshd_config"
	cat "$tmp/sshd_config"
} >"$tmp/sshd_config_doc"

# doc_login NAME SERVICE USER PRINCIPAL OPERATION DURATION DECISION-TEXT
doc_login() {
	local name=$1 svc=$2 u=$3
	if ! start_sshd "$svc" "$tmp/sshd_config_doc"; then
		bad "$name: sshd did not start"
		return
	fi
	next_code "$u"
	login_cmd "$name" "$u" "$port" "$code" \
		"sh $check >\$HOME/doc.out 2>&1; while [ ! -e $tmp/$name.go ]; do sleep 0.1; done" &
	local pid=$! o
	bg_pids+=("$pid")
	for _ in $(seq 600); do
		grep -q '^CHECK=done' "$tmp/home/$u/doc.out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	o=$(cat "$tmp/home/$u/doc.out" 2>/dev/null)
	rm -f "$tmp/home/$u/doc.out"
	if [[ $(val CHECK "$o") == "done" ]]; then
		check_session "$name" "$u" "$o"
		verify_creds "$name" "$(val CREDFILE "$o")" "$4" "$5" "$u" "$(val FILE_AKID "$o")" \
			"$(val EXPIRATION "$o")" "$6"
		log_has "$name: the decision" "decision: user=$u rhost=127.0.0.1 service=$svc $7"
	else
		bad "$name: key+TOTP login through the guide's stack failed: $(tr -d '\r' <"$tmp/$name.out" 2>/dev/null | tail -n 5)" \
			"$(tail -n 5 "$tmp/$svc.log")"
	fi
	touch "$tmp/$name.go"
	wait "$pid"
	wait_sessions "$name: logout removes the session directory" "$u" 0
}
doc_login doc-stack "$svc_doc" "$ub" "arn:aws:iam::123456789012:user/$ub" GetSessionToken 43200 \
	"operation=GetSessionToken target=- decision=allowed"
doc_login doc-stack-role "$svc_doc_role" "$ua" "$role_arn/$ua" AssumeRole 7200 \
	"operation=AssumeRole target=UpdateAPP decision=allowed"
doc_login doc-stack-federate "$svc_doc_fed" "$ub" \
	"arn:aws:sts::123456789012:federated-user/Manager-$ub" GetFederationToken 43200 \
	"operation=GetFederationToken target=Manager-$ub decision=allowed"
