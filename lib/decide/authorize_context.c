/*
 * The request context of a decision, and the words of its reason.
 *
 * Context keys, as AWS sets them for a request signed with an IAM user's
 * long-term credentials (the caller of AssumeRole / GetFederationToken /
 * GetSessionToken):
 *   aws:username, aws:PrincipalArn (arn:P:iam::ACCOUNT:user/NAME),
 *   aws:PrincipalAccount, aws:PrincipalType = "User";
 *   aws:userid = the Linux uid in decimal ("1000"): AWS's is the user's
 *     unique id ("AIDA..."), which a host does not have; the uid is as
 *     stable and as unique on the host;
 *   aws:SourceIp when the login has one (PAM_RHOST as an IP address);
 *   aws:CurrentTime, aws:EpochTime (seconds) from caller->now;
 *   aws:MultiFactorAuthPresent = "true" and aws:MultiFactorAuthAge =
 *     now - mfa_time only when MFA was used: without MFA both are absent,
 *     not "false" (so BoolIfExists / Null conditions behave as in AWS);
 *   sts:RoleSessionName for AssumeRole.
 */
#include <stdio.h>
#include <string.h>

#include "decide/authorize_internal.h"

static int add(sts_context *ctx, const char *key, const char *value, sts_error *err)
{
	if (sts_context_add(ctx, key, value) < 0)
		return sts_error_set(err, "request context: cannot add %s", key);
	return 0;
}

static int add_mfa(sts_context *ctx, const sts_caller *caller, sts_error *err)
{
	char age[32];

	if (!caller->mfa_present)
		return 0;
	if (caller->mfa_time > caller->now)
		return sts_error_set(err,
				     "MFA time %lld is after the request time %lld (clock moved "
				     "back?)",
				     (long long)caller->mfa_time, (long long)caller->now);
	sts_fmt(age, sizeof(age), "%lld", (long long)(caller->now - caller->mfa_time));
	if (add(ctx, "aws:MultiFactorAuthPresent", "true", err) < 0 ||
	    add(ctx, "aws:MultiFactorAuthAge", age, err) < 0)
		return -1;
	return 0;
}

int sts_authz_context(const sts_caller *caller, const char *user_arn, const char *session_name,
		      sts_context **out, sts_error *err)
{
	sts_context *ctx = sts_context_new();
	char uid[32];
	int rc = -1;

	*out = NULL;
	if (!ctx)
		return sts_error_set(err, "request context: out of memory");
	sts_fmt(uid, sizeof(uid), "%lu", (unsigned long)caller->uid);
	if (add(ctx, "aws:username", caller->user, err) < 0 ||
	    add(ctx, "aws:userid", uid, err) < 0 ||
	    add(ctx, "aws:PrincipalType", "User", err) < 0 ||
	    add(ctx, "aws:PrincipalArn", user_arn, err) < 0)
		goto out;
	if (sts_context_add_principal_keys(ctx, user_arn) < 0 ||
	    sts_context_add_time_keys(ctx, caller->now) < 0) {
		sts_error_set(err, "request context: cannot add the principal and time keys");
		goto out;
	}
	if (caller->source_ip && *caller->source_ip &&
	    add(ctx, "aws:SourceIp", caller->source_ip, err) < 0)
		goto out;
	if (add_mfa(ctx, caller, err) < 0)
		goto out;
	if (session_name && add(ctx, "sts:RoleSessionName", session_name, err) < 0)
		goto out;
	*out = ctx;
	ctx = NULL;
	rc = 0;
out:
	sts_context_free(ctx);
	return rc;
}

void sts_authz_describe(const sts_verdict *v, const char *what, const char *deny_why, char *buf,
			size_t cap)
{
	sts_verdict named = *v;

	if (v->decision != STS_ALLOWED && !v->policy_name) {
		sts_fmt(buf, cap, "%s", deny_why);
		return;
	}
	named.policy_type = what;
	sts_verdict_describe(&named, buf, cap);
}

sts_decision sts_authz_combine(sts_decision a, sts_decision b)
{
	if (a == STS_EXPLICIT_DENY || b == STS_EXPLICIT_DENY)
		return STS_EXPLICIT_DENY;
	if (a == STS_IMPLICIT_DENY || b == STS_IMPLICIT_DENY)
		return STS_IMPLICIT_DENY;
	return STS_ALLOWED;
}
