/* Does one statement apply to a request: action, resource, principal, conditions. */
#include <string.h>

#include "wildcard.h"
#include "policy_internal.h"

bool sts_action_match(const sts_action_pattern *pat, const char *action_lower, size_t len)
{
	/* Both sides are lower-cased: action names are case-insensitive. */
	return pat->is_star || sts_glob_match(pat->glob, strlen(pat->glob), action_lower, len);
}

static bool any_action(const sts_statement *st, const char *action_lower, size_t len)
{
	for (size_t i = 0; i < st->nactions; i++) {
		if (sts_action_match(&st->actions[i], action_lower, len))
			return true;
	}
	return false;
}

static bool any_resource(const sts_statement *st, const sts_request *req)
{
	for (size_t i = 0; i < st->nresources; i++) {
		if (sts_resource_match(&st->resources[i], req->resource, req->context))
			return true;
	}
	return false;
}

bool sts_statement_applies(const sts_statement *st, const char *action_lower, size_t action_len,
			   const sts_request *req)
{
	if (any_action(st, action_lower, action_len) == st->not_action)
		return false;
	if (st->has_resource && any_resource(st, req) == st->not_resource)
		return false;
	if (st->principal.kind != PRINCIPAL_NONE &&
	    sts_principal_match(&st->principal, req->principal) == st->not_principal)
		return false;
	return sts_conditions_match(st, req->context);
}
