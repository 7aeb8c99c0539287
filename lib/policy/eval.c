/*
 * The decision, as AWS documents it for one account:
 *   1. a matching Deny in any policy (identity, resource, boundary, session)
 *      is an explicit deny;
 *   2. the identity policies (or a same-account resource policy) must Allow;
 *   3. a permissions boundary, when set, must also Allow;
 *   4. a session policy, when given, must also Allow; a federated-user
 *      session without one has no permissions (GetFederationToken: "if you
 *      do not pass any session policies, then the resulting federated user
 *      session has no permissions");
 * otherwise it is an implicit deny.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_set.h"

#define ACTION_CAP 512

const char *sts_decision_word(sts_decision decision)
{
	switch (decision) {
	case STS_ALLOWED:
		return "allowed";
	case STS_EXPLICIT_DENY:
		return "explicitDeny";
	case STS_IMPLICIT_DENY:
		break;
	}
	return "implicitDeny";
}

static sts_decision set_verdict(sts_verdict *out, sts_decision decision, const char *type,
				const sts_stmt_ref *ref)
{
	out->decision = decision;
	out->policy_type = type;
	out->policy_name = ref ? ref->policy->name : NULL;
	out->sid = ref ? ref->statement->sid : NULL;
	out->statement_index = ref ? ref->statement->index : -1;
	return decision;
}

/* arn:PARTITION:sts::ACCOUNT:federated-user/NAME */
static bool is_federated_user(const char *principal)
{
	const char *f[6];
	size_t l[6];

	if (!principal || !sts_arn_split(principal, strlen(principal), f, l))
		return false;
	return l[2] == 3 && memcmp(f[2], "sts", 3) == 0 && l[5] > 15 &&
	       memcmp(f[5], "federated-user/", 15) == 0;
}

sts_decision sts_evaluate(const sts_policy_inputs *in, const sts_request *req, sts_verdict *out)
{
	static const char *const names[] = { "identity", "resource", "boundary", "session" };
	const sts_policy_set *sets[4] = { in->identity, in->resource, in->boundary, in->session };
	sts_set_result results[4];
	char action[ACTION_CAP];
	sts_prepared pr;

	if (!sts_prepare_request(req, action, sizeof(action), &pr))
		return set_verdict(out, STS_IMPLICIT_DENY, "identity", NULL); /* absurd action */
	for (int i = 0; i < 4; i++) {
		results[i].first_allow = results[i].first_deny = NULL;
		if (sets[i])
			sts_policy_set_eval(sets[i], &pr, &results[i]);
	}
	for (int i = 0; i < 4; i++) {
		if (results[i].first_deny)
			return set_verdict(out, STS_EXPLICIT_DENY, names[i], results[i].first_deny);
	}
	if (!results[0].first_allow && !results[1].first_allow)
		return set_verdict(out, STS_IMPLICIT_DENY, "identity", NULL);
	if (in->boundary && !results[2].first_allow)
		return set_verdict(out, STS_IMPLICIT_DENY, "boundary", NULL);
	if ((in->session || is_federated_user(req->principal)) && !results[3].first_allow)
		return set_verdict(out, STS_IMPLICIT_DENY, "session", NULL);
	return set_verdict(out, STS_ALLOWED, results[0].first_allow ? "identity" : "resource",
			   results[0].first_allow ? results[0].first_allow :
						    results[1].first_allow);
}

sts_decision sts_evaluate_trust(const sts_policy_set *trust, const sts_request *req,
				sts_verdict *out)
{
	char action[ACTION_CAP];
	sts_prepared pr;
	sts_set_result r = { NULL, NULL };

	if (sts_prepare_request(req, action, sizeof(action), &pr))
		sts_policy_set_eval(trust, &pr, &r);
	if (r.first_deny)
		return set_verdict(out, STS_EXPLICIT_DENY, "resource", r.first_deny);
	if (!r.first_allow)
		return set_verdict(out, STS_IMPLICIT_DENY, "resource", NULL);
	return set_verdict(out, STS_ALLOWED, "resource", r.first_allow);
}

void sts_verdict_describe(const sts_verdict *v, char *buf, size_t len)
{
	char where[64];

	if (!v->policy_name) {
		snprintf(buf, len, "no %s policy statement allows the request",
			 v->policy_type ? v->policy_type : "identity");
		return;
	}
	if (v->sid && *v->sid)
		snprintf(where, sizeof(where), "Sid %s", v->sid);
	else
		snprintf(where, sizeof(where), "Statement[%d]", v->statement_index);
	snprintf(buf, len, "%s policy %s %s (%s)", v->policy_type, v->policy_name, where,
		 v->decision == STS_ALLOWED ? "Allow" : "Deny");
}
