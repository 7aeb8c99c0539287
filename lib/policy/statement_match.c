/* Does one statement apply to a request: action, resource, principal, conditions. */
#include <ctype.h>
#include <string.h>

#include "policy/policy_internal.h"
#include "policy/wildcard.h"

bool sts_prepare_request(const sts_request *req, char *action_buf, size_t cap, sts_prepared *pr)
{
	size_t n = 0;

	memset(pr, 0, sizeof(*pr));
	pr->req = req;
	for (; req->action && req->action[n] && n + 1 < cap; n++)
		action_buf[n] = (char)tolower((unsigned char)req->action[n]);
	action_buf[n] = '\0';
	pr->action = action_buf;
	pr->action_len = n;
	pr->resource = req->resource ? req->resource : "";
	pr->resource_len = strlen(pr->resource);
	pr->resource_is_arn = sts_arn_split(pr->resource, pr->resource_len, pr->arn.f, pr->arn.l);
	return !(req->action && req->action[n]);
}

bool sts_action_match(const sts_action_pattern *pat, const char *action_lower, size_t len)
{
	/* Both sides are lower-cased: action names are case-insensitive. */
	if (pat->is_star)
		return true;
	if (pat->literal)
		return pat->len == len && memcmp(pat->glob, action_lower, len) == 0;
	return sts_glob_match(pat->glob, pat->len, action_lower, len);
}

static bool any_action(const sts_statement *st, const sts_prepared *pr)
{
	for (size_t i = 0; i < st->nactions; i++) {
		if (sts_action_match(&st->actions[i], pr->action, pr->action_len))
			return true;
	}
	return false;
}

static bool any_resource(const sts_statement *st, const sts_prepared *pr)
{
	for (size_t i = 0; i < st->nresources; i++) {
		if (sts_resource_match(&st->resources[i], pr))
			return true;
	}
	return false;
}

bool sts_statement_applies(const sts_statement *st, const sts_prepared *pr)
{
	if (any_action(st, pr) == st->not_action)
		return false;
	if (st->has_resource && any_resource(st, pr) == st->not_resource)
		return false;
	if (st->principal.kind != PRINCIPAL_NONE &&
	    sts_principal_match(&st->principal, pr->req->principal) == st->not_principal)
		return false;
	return sts_conditions_match(st, pr->req->context);
}
