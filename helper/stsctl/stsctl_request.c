/* The request options of stsctl simulate and stsctl authorize. */
#include "stsctl_request.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool reserved(const stsctl_request *r, const char *key)
{
	for (size_t i = 0; r->reserved && r->reserved[i]; i++)
		if (strcasecmp(key, r->reserved[i]) == 0)
			return true;
	return false;
}

static int add_context(stsctl_request *r, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
	char key[512];
	bool multi = klen >= 2 && arg[klen - 2] == '[' && arg[klen - 1] == ']';

	if (multi)
		klen -= 2;
	if (klen == 0 || klen >= sizeof(key) || (!eq && !multi)) {
		fprintf(stderr,
			"stsctl %s: --context \"%s\": expected KEY=VALUE, KEY[]=VALUE or KEY[]\n",
			r->cmd, arg);
		return -1;
	}
	memcpy(key, arg, klen);
	key[klen] = '\0';
	if (reserved(r, key)) {
		fprintf(stderr, "stsctl %s: --context %s: %s, and cannot be given\n", r->cmd, key,
			r->reserved_why);
		return -1;
	}
	if (multi ? sts_context_add_multi(r->context, key, eq ? eq + 1 : NULL) < 0 :
		    sts_context_add(r->context, key, eq + 1) < 0) {
		fprintf(stderr, "stsctl %s: out of memory\n", r->cmd);
		return -1;
	}
	return 0;
}

static int take_option(stsctl_request *r, int opt, const char *value, stsctl_option_fn take,
		       void *arg)
{
	switch (opt) {
	case STSCTL_OPT_ACTION:
		r->action = value;
		return 0;
	case STSCTL_OPT_RESOURCE:
		r->resource = value;
		return 0;
	case STSCTL_OPT_CONTEXT:
		return add_context(r, value);
	default:
		return take(arg, opt, value);
	}
}

int stsctl_request_parse(stsctl_request *r, int argc, char **argv, const struct option *options,
			 stsctl_option_fn take, void *arg)
{
	int opt;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (take_option(r, opt, optarg, take, arg) < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "stsctl %s: unexpected argument \"%s\"\n", r->cmd, argv[optind]);
		return -1;
	}
	if (!r->action || !r->resource) {
		fprintf(stderr, "stsctl %s needs --action and --resource\n", r->cmd);
		return -1;
	}
	return 0;
}
