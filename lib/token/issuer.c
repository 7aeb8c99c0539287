/*
 * Issuance behind one interface (issuer.h). Today the only issuer is the
 * local one: it seals tokens with the key ring named by issuer_key. An
 * upstream issuer (AWS STS over SigV4) would be another sts_issuer_ops.
 */
#include "token/issuer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

struct sts_issuer {
	const sts_issuer_ops *ops;
	void *impl;
};

static int local_issue(void *impl, const sts_token_claims *claims, const sts_issue_request *req,
		       sts_credentials *out, sts_issue_receipt *receipt, sts_error *err)
{
	(void)req;
	(void)receipt;
	return sts_token_mint(impl, claims, out, err);
}

static void local_free(void *impl)
{
	sts_keyring_free(impl);
}

static const sts_issuer_ops local_ops = {
	.name = "local",
	.issue = local_issue,
	.free = local_free,
};

int sts_issuer_new(const sts_issuer_ops *ops, void *impl, sts_issuer **out, sts_error *err)
{
	sts_issuer *issuer;

	*out = NULL;
	if (!ops || !ops->issue || !ops->free || !ops->name)
		return sts_error_set(err, "issuer: incomplete implementation");
	issuer = calloc(1, sizeof(*issuer));
	if (!issuer)
		return sts_error_set(err, "issuer: out of memory");
	issuer->ops = ops;
	issuer->impl = impl;
	*out = issuer;
	return 0;
}

int sts_issuer_open(const sts_settings *settings, sts_issuer **out, sts_error *err)
{
	sts_keyring *ring = NULL;

	*out = NULL;
	if (!settings)
		return sts_error_set(err, "issuer: no settings");
	if (settings->issuer != STS_ISSUER_LOCAL)
		return sts_error_set(err, "issuer: issuer = aws is not the local issuer");
	if (sts_keyring_load(settings->issuer_key, &ring, err) < 0)
		return -1;
	if (sts_issuer_new(&local_ops, ring, out, err) < 0) {
		sts_keyring_free(ring);
		return -1;
	}
	return 0;
}

int sts_issuer_issue_for(sts_issuer *issuer, const sts_token_claims *claims,
			 const sts_issue_request *req, sts_credentials *out,
			 sts_issue_receipt *receipt, sts_error *err)
{
	sts_issue_receipt ignored;

	if (!receipt)
		receipt = &ignored;
	memset(receipt, 0, sizeof(*receipt));
	if (!issuer)
		return sts_error_set(err, "issuer: none open");
	return issuer->ops->issue(issuer->impl, claims, req, out, receipt, err);
}

int sts_issuer_issue(sts_issuer *issuer, const sts_token_claims *claims, sts_credentials *out,
		     sts_error *err)
{
	return sts_issuer_issue_for(issuer, claims, NULL, out, NULL, err);
}

const char *sts_issuer_name(const sts_issuer *issuer)
{
	return issuer ? issuer->ops->name : "none";
}

void sts_issuer_free(sts_issuer *issuer)
{
	if (!issuer)
		return;
	issuer->ops->free(issuer->impl);
	free(issuer);
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	if (!copy)
		*failed = true;
	return copy;
}

static int copy_docs(const sts_scope_doc *from, size_t n, sts_scope_doc **to, size_t *nto)
{
	*to = NULL;
	*nto = 0;
	if (n == 0)
		return 0;
	if (!from || !(*to = calloc(n, sizeof(**to))))
		return -1;
	for (; *nto < n; (*nto)++) {
		sts_scope_doc *d = &(*to)[*nto];
		if (!from[*nto].name || !from[*nto].text || !(d->name = strdup(from[*nto].name)) ||
		    !(d->text = strdup(from[*nto].text))) {
			(*nto)++; /* frees the half-copied one too */
			return -1;
		}
	}
	return 0;
}

int sts_claims_from_decision(const sts_authz_result *res, const sts_caller *caller,
			     sts_operation op, sts_token_claims *claims, sts_error *err)
{
	bool failed = false;

	memset(claims, 0, sizeof(*claims));
	if (!res || !caller || res->decision != STS_ALLOWED)
		return sts_error_set(err, "claims: the request was not allowed");
	if (!res->principal_arn || !caller->user)
		return sts_error_set(err, "claims: no principal or no user");
	if (res->duration < STS_DURATION_MIN || res->duration > STS_SESSION_DURATION_MAX ||
	    caller->now < 0 || caller->now > INT64_MAX - (int64_t)res->duration)
		return sts_error_set(err, "claims: duration %lu s outside STS's limits",
				     res->duration);
	claims->operation = dup_or_null(sts_operation_name(op), &failed);
	claims->principal_arn = dup_or_null(res->principal_arn, &failed);
	claims->source_identity = dup_or_null(caller->user, &failed);
	claims->source_ip = dup_or_null(caller->source_ip, &failed);
	claims->mfa_present = caller->mfa_present;
	claims->mfa_time = caller->mfa_present ? caller->mfa_time : 0;
	claims->issued = caller->now;
	claims->expires = caller->now + (int64_t)res->duration;
	claims->no_permissions = res->no_permissions;
	if (op == STS_OP_SESSION) {
		/* The principal is the user: aws:userid as the decision had it. */
		char uid[32];
		snprintf(uid, sizeof(uid), "%lu", (unsigned long)caller->uid);
		claims->userid = dup_or_null(uid, &failed);
	}
	if (failed ||
	    copy_docs(res->identity, res->n_identity, &claims->identity, &claims->n_identity) < 0 ||
	    copy_docs(res->session, res->n_session, &claims->session, &claims->n_session) < 0) {
		sts_token_claims_free(claims);
		return sts_error_set(err, "claims: cannot copy the scope (out of memory?)");
	}
	/* What the token would refuse is refused now, with the reason. */
	if (sts_token_claims_check(claims, err) < 0) {
		sts_token_claims_free(claims);
		return -1;
	}
	return 0;
}
