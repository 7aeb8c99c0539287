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

#include "policy/policy.h"
#include "stsctl.h"

typedef struct {
	sts_policy_set *identity, *session, *boundary;
	sts_context *context;
	const char *action, *resource, *principal;
	size_t nboundary;
} simulate_args;

/* KEY=VALUE (single-valued, repeated = multi-valued), KEY[]=VALUE, bare KEY[]. */
static int add_context(sts_context *ctx, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
	char key[512];
	bool multi = klen >= 2 && arg[klen - 2] == '[' && arg[klen - 1] == ']';

	if (multi)
		klen -= 2;
	if (klen == 0 || klen >= sizeof(key) || (!eq && !multi)) {
		fprintf(stderr,
			"stsctl: --context \"%s\": expected KEY=VALUE, KEY[]=VALUE or KEY[]\n",
			arg);
		return -1;
	}
	memcpy(key, arg, klen);
	key[klen] = '\0';
	if (multi ? sts_context_add_multi(ctx, key, eq ? eq + 1 : NULL) < 0 :
		    sts_context_add(ctx, key, eq + 1) < 0) {
		fputs("stsctl: out of memory\n", stderr);
		return -1;
	}
	return 0;
}

static int add_policy(sts_policy_set **set, const char *path, sts_doc_kind kind)
{
	sts_policy *policy = NULL;

	if (!*set && !(*set = sts_policy_set_new()))
		return -1;
	if (stsctl_load_policy(path, (int)kind, &policy) < 0)
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
	OPT_ACTION,
	OPT_RESOURCE,
	OPT_PRINCIPAL,
	OPT_CONTEXT
};

static const struct option options[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "session-policy", required_argument, NULL, OPT_SESSION },
	{ "boundary", required_argument, NULL, OPT_BOUNDARY },
	{ "action", required_argument, NULL, OPT_ACTION },
	{ "resource", required_argument, NULL, OPT_RESOURCE },
	{ "principal", required_argument, NULL, OPT_PRINCIPAL },
	{ "context", required_argument, NULL, OPT_CONTEXT },
	{ NULL, 0, NULL, 0 },
};

static int take_option(simulate_args *a, int opt, const char *arg)
{
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
	case OPT_ACTION:
		a->action = arg;
		return 0;
	case OPT_RESOURCE:
		a->resource = arg;
		return 0;
	case OPT_PRINCIPAL:
		a->principal = arg;
		return 0;
	case OPT_CONTEXT:
		return add_context(a->context, arg);
	default:
		return -1;
	}
}

static int parse_args(simulate_args *a, int argc, char **argv)
{
	int opt;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == '?' || take_option(a, opt, optarg) < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "stsctl: simulate: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!a->action || !a->resource) {
		fputs("stsctl: simulate needs --action and --resource\n", stderr);
		return -1;
	}
	if (!a->identity && !(a->identity = sts_policy_set_new()))
		return -1;
	/* Keys given with --context win over the derived ones. */
	if (a->principal && sts_context_add_principal_keys(a->context, a->principal) < 0)
		return -1;
	if (sts_context_add_time_keys(a->context, (int64_t)time(NULL)) < 0)
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
	a.context = sts_context_new();
	if (!a.context || parse_args(&a, argc, argv) < 0)
		goto out;
	in = (sts_policy_inputs){ .identity = a.identity,
				  .session = a.session,
				  .boundary = a.boundary };
	req = (sts_request){ .principal = a.principal,
			     .action = a.action,
			     .resource = a.resource,
			     .context = a.context };
	sts_evaluate(&in, &req, &verdict);
	sts_verdict_describe(&verdict, why, sizeof(why));
	printf("%s\n%s\n", sts_decision_word(verdict.decision), why);
	status = verdict.decision == STS_ALLOWED ? STSCTL_OK : STSCTL_DENIED;
out:
	sts_policy_set_free(a.identity);
	sts_policy_set_free(a.session);
	sts_policy_set_free(a.boundary);
	sts_context_free(a.context);
	return status;
}
