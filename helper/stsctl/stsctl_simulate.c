/*
 * stsctl simulate: evaluates one request against identity, session and
 * boundary policies. First stdout line: allowed | explicitDeny | implicitDeny
 * (the EvalDecision words of `aws iam simulate-custom-policy`), then the
 * deciding statement. Exit 0 allowed, 1 denied, 2 invalid input.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fileio.h"
#include "policy/policy.h"
#include "stsctl.h"
#include "stsctl_error.h"
#include "stsctl_request.h"

#define POLICY_FILE_MAX (1u << 20)

typedef struct {
	stsctl_request req;
	sts_policy_set *identity, *session, *boundary;
	const char *principal;
	size_t nboundary;
} simulate_args;

/* Reads and compiles one policy file (the error printed). */
static int load_policy(const char *path, sts_doc_kind kind, sts_policy **out)
{
	sts_error err;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (sts_read_file(path, POLICY_FILE_MAX, 0, &text, &len, &err) < 0) {
		stsctl_print_error(&err);
		return -1;
	}
	rc = sts_policy_parse(text, len, path, kind, out, &err);
	free(text);
	if (rc < 0)
		stsctl_print_error(&err);
	return rc;
}

static int add_policy(sts_policy_set **set, const char *path, sts_doc_kind kind)
{
	sts_policy *policy = NULL;

	if (!*set && !(*set = sts_policy_set_new()))
		return -1;
	if (load_policy(path, kind, &policy) < 0)
		return -1;
	if (sts_policy_set_add(*set, policy) < 0) {
		sts_policy_free(policy);
		return -1;
	}
	return 0;
}

enum {
	OPT_POLICY = 256,
	OPT_SESSION,
	OPT_BOUNDARY,
	OPT_PRINCIPAL
};

static const struct option options[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "session-policy", required_argument, NULL, OPT_SESSION },
	{ "boundary", required_argument, NULL, OPT_BOUNDARY },
	{ "principal", required_argument, NULL, OPT_PRINCIPAL },
	STSCTL_REQUEST_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static int take_option(void *args, int opt, const char *arg)
{
	simulate_args *a = args;

	switch (opt) {
	case OPT_POLICY:
		return add_policy(&a->identity, arg, STS_DOC_INLINE);
	case OPT_SESSION:
		return add_policy(&a->session, arg, STS_DOC_SESSION);
	case OPT_BOUNDARY:
		if (a->nboundary++ > 0) {
			fputs("stsctl: at most one --boundary\n", stderr);
			return -1;
		}
		return add_policy(&a->boundary, arg, STS_DOC_INLINE);
	case OPT_PRINCIPAL:
		a->principal = arg;
		return 0;
	default:
		return -1;
	}
}

static int parse_args(simulate_args *a, int argc, char **argv)
{
	if (stsctl_request_parse(&a->req, argc, argv, options, take_option, a) < 0)
		return -1;
	if (!a->identity && !(a->identity = sts_policy_set_new()))
		return -1;
	/* Keys given with --context win over the derived ones. */
	if (a->principal && sts_context_add_principal_keys(a->req.context, a->principal) < 0)
		return -1;
	if (sts_context_add_time_keys(a->req.context, (int64_t)time(NULL)) < 0)
		return -1;
	if (sts_policy_set_finish(a->identity) < 0 ||
	    (a->session && sts_policy_set_finish(a->session) < 0) ||
	    (a->boundary && sts_policy_set_finish(a->boundary) < 0)) {
		fputs("stsctl: out of memory\n", stderr);
		return -1;
	}
	return 0;
}

int stsctl_simulate(int argc, char **argv)
{
	simulate_args a;
	sts_policy_inputs in;
	sts_request req;
	sts_verdict verdict;
	char why[512];
	int status = STSCTL_USAGE;

	memset(&a, 0, sizeof(a));
	a.req.cmd = "simulate";
	a.req.context = sts_context_new();
	if (!a.req.context || parse_args(&a, argc, argv) < 0)
		goto out;
	in = (sts_policy_inputs){ .identity = a.identity,
				  .session = a.session,
				  .boundary = a.boundary };
	req = (sts_request){ .principal = a.principal,
			     .action = a.req.action,
			     .resource = a.req.resource,
			     .context = a.req.context };
	sts_evaluate(&in, &req, &verdict);
	sts_verdict_describe(&verdict, why, sizeof(why));
	printf("%s\n%s\n", sts_decision_word(verdict.decision), why);
	status = verdict.decision == STS_ALLOWED ? STSCTL_OK : STSCTL_DENIED;
out:
	sts_policy_set_free(a.identity);
	sts_policy_set_free(a.session);
	sts_policy_set_free(a.boundary);
	sts_context_free(a.req.context);
	return status;
}
