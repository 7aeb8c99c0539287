/*
 * stsctl authorize: may this credential do ACTION on RESOURCE? Verifies
 * the credential (as stsctl verify), then evaluates the request against
 * the scope sealed in its token: effective = (identity documents, OR'ed)
 * AND (session documents, OR'ed, when there are any); a GetFederationToken
 * credential without a session policy has no permissions at all.
 *
 * The request context comes from the token (principal keys, source
 * identity, MFA, source IP, issue time) and the clock; --context adds
 * request keys (KEY=VALUE, repeated = multi-valued; KEY[]=VALUE; KEY[]) but
 * cannot set or override what the token and the clock say.
 *
 * Output and exit status as stsctl simulate: first line allowed |
 * explicitDeny | implicitDeny, then the deciding statement; 0 allowed,
 * 1 denied (or the credential is not valid: nothing on stdout, the reason
 * on stderr), 2 invalid input or configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"
#include "stsctl.h"
#include "stsctl_cred.h"
#include "stsctl_request.h"

static const struct option options[] = {
	{ "config", required_argument, NULL, STSCTL_OPT_CONFIG },
	{ "credentials-file", required_argument, NULL, STSCTL_OPT_CREDENTIALS_FILE },
	{ "profile", required_argument, NULL, STSCTL_OPT_PROFILE },
	STSCTL_REQUEST_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* Keys only the token and the clock give. */
static const char *const reserved_keys[] = {
	"aws:PrincipalArn",
	"aws:PrincipalAccount",
	"aws:PrincipalType",
	"aws:username",
	"aws:userid",
	"aws:SourceIdentity",
	"aws:MultiFactorAuthPresent",
	"aws:MultiFactorAuthAge",
	"aws:SourceIp",
	"aws:TokenIssueTime",
	"aws:CurrentTime",
	"aws:EpochTime",
	NULL,
};

typedef struct {
	stsctl_request req;
	stsctl_cred_opts cred;
} authorize_args;

static void usage(FILE *out)
{
	fputs("usage: stsctl authorize --action ACTION --resource ARN [--context KEY=VALUE]...\n"
	      "                        [--config FILE] [--credentials-file FILE] [--profile NAME]\n",
	      out);
}

/* The credential options; anything else prints the usage. */
static int take_option(void *args, int opt, const char *arg)
{
	authorize_args *a = args;

	if (opt != '?' && stsctl_cred_option(&a->cred, opt, arg))
		return 0;
	usage(stderr);
	return -1;
}

/* The scope documents as one finished set (NULL and printed on error). */
static sts_policy_set *scope_set(const sts_scope_doc *docs, size_t n)
{
	sts_policy_set *set = sts_policy_set_new();
	sts_error err;

	for (size_t i = 0; set && i < n; i++) {
		sts_policy *p = NULL;
		if (sts_policy_parse(docs[i].text, strlen(docs[i].text), docs[i].name,
				     STS_DOC_INLINE, &p, &err) < 0) {
			fprintf(stderr, "stsctl authorize: scope in the token: %s\n", err.msg);
			goto fail;
		}
		if (sts_policy_set_add(set, p) < 0) {
			sts_policy_free(p);
			goto fail;
		}
	}
	if (set && sts_policy_set_finish(set) == 0)
		return set;
fail:
	sts_policy_set_free(set);
	return NULL;
}

/* The keys the token and the clock give (the caller's cannot clash: they
 * are reserved_keys, which --context refuses). */
static int token_context(sts_context *ctx, const sts_token_claims *c, int64_t now)
{
	char buf[64];
	int rc = 0;

	if (c->userid)
		rc |= sts_context_add(ctx, "aws:userid", c->userid);
	rc |= sts_context_add_principal_keys(ctx, c->principal_arn);
	rc |= sts_context_add(ctx, "aws:SourceIdentity", c->source_identity);
	if (c->mfa_present) {
		/* Absent, not "false", without MFA: as AWS does. */
		rc |= sts_context_add(ctx, "aws:MultiFactorAuthPresent", "true");
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)(now > c->mfa_time ? now - c->mfa_time : 0));
		rc |= sts_context_add(ctx, "aws:MultiFactorAuthAge", buf);
	}
	if (c->source_ip)
		rc |= sts_context_add(ctx, "aws:SourceIp", c->source_ip);
	sts_format_iso8601(c->issued, buf, sizeof(buf));
	rc |= sts_context_add(ctx, "aws:TokenIssueTime", buf);
	rc |= sts_context_add_time_keys(ctx, now);
	return rc ? -1 : 0;
}

/* Evaluates the request; prints the decision. Returns the exit status. */
static int decide(const authorize_args *a, const sts_token_claims *c)
{
	sts_policy_set *identity = NULL, *session = NULL;
	sts_verdict verdict;
	char why[512];
	int status = STSCTL_USAGE;

	if (c->no_permissions) {
		printf("%s\nno permissions: %s without a session policy\n",
		       sts_decision_word(STS_IMPLICIT_DENY), c->operation);
		return STSCTL_DENIED;
	}
	identity = scope_set(c->identity, c->n_identity);
	if (identity && (c->n_session == 0 || (session = scope_set(c->session, c->n_session)))) {
		sts_policy_inputs in = { .identity = identity, .session = session };
		sts_request req = { .principal = c->principal_arn,
				    .action = a->req.action,
				    .resource = a->req.resource,
				    .context = a->req.context };
		sts_evaluate(&in, &req, &verdict);
		sts_verdict_describe(&verdict, why, sizeof(why));
		printf("%s\n%s\n", sts_decision_word(verdict.decision), why);
		status = verdict.decision == STS_ALLOWED ? STSCTL_OK : STSCTL_DENIED;
	}
	sts_policy_set_free(identity);
	sts_policy_set_free(session);
	return status;
}

int stsctl_authorize(int argc, char **argv)
{
	authorize_args a;
	sts_token_claims claims;
	char akid[STS_ACCESS_KEY_ID_LEN + 1];
	sts_error why;
	int status = STSCTL_USAGE;

	memset(&a, 0, sizeof(a));
	memset(&claims, 0, sizeof(claims));
	a.req = (stsctl_request){ .cmd = "authorize",
				  .reserved = reserved_keys,
				  .reserved_why = "comes from the credential or the clock",
				  .context = sts_context_new() };
	if (!a.req.context ||
	    stsctl_request_parse(&a.req, argc, argv, options, take_option, &a) < 0)
		goto out;
	status = stsctl_cred_verify("authorize", &a.cred, &claims, akid, &why);
	if (status == STSCTL_DENIED)
		fprintf(stderr, "stsctl authorize: credential not valid: %s\n", why.msg);
	if (status != STSCTL_OK)
		goto out;
	if (token_context(a.req.context, &claims, (int64_t)time(NULL)) < 0) {
		fputs("stsctl authorize: out of memory\n", stderr);
		status = STSCTL_USAGE;
		goto out;
	}
	status = decide(&a, &claims);
out:
	sts_token_claims_free(&claims);
	sts_context_free(a.req.context);
	fflush(stdout);
	return status;
}
