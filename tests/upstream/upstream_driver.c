/*
 * The test driver of tests/upstream/run-upstream.sh: one lib/upstream call
 * against the STS + IMDSv2 stand-in, its outcome printed as key=value lines
 * (never a secret: only the lengths of the secret and the token).
 *
 *   upstream_driver sts OP ENDPOINT REGION TIMEOUT_MS ATTEMPTS [Name=Value...]
 *       OP: assume-role, federate, session; the base credentials from
 *       STS_BASE_AKID, STS_BASE_SECRET and STS_BASE_TOKEN (may be unset), or
 *       from the shared-credentials file STS_BASE_FILE, profile STS_BASE_PROFILE
 *   upstream_driver imds ENDPOINT TIMEOUT_MS SHIFT...
 *       one IMDS fetch per SHIFT, with the clock moved SHIFT seconds ahead
 *   upstream_driver imds-sts IMDS STS REGION TIMEOUT_MS OP [Name=Value...]
 *       the instance profile's credentials, then one STS call with them
 *
 * Exit: 0 credentials, 2 STS refused, 3 timed out, 1 any other error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "upstream/base_creds_file.h"
#include "upstream/http.h"
#include "upstream/imds.h"
#include "upstream/sts_call.h"

#define MAX_PARAMS 16

static int report_error(int rc, const sts_error *err)
{
	if (rc == STS_HTTP_TIMEOUT) {
		printf("result=timeout\nerror=%s\n", err->msg);
		return 3;
	}
	printf("result=error\nerror=%s\n", err->msg);
	return 1;
}

static char *dup_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strdup(v) : NULL;
}

static int base_from_env(sts_base_creds *base, sts_error *err)
{
	const char *file = getenv("STS_BASE_FILE");

	if (file && *file)
		return sts_base_creds_from_file(file, getenv("STS_BASE_PROFILE"), base, err);
	base->access_key_id = dup_env("STS_BASE_AKID");
	base->secret_access_key = dup_env("STS_BASE_SECRET");
	base->session_token = dup_env("STS_BASE_TOKEN");
	return 0;
}

/* "Name=Value" arguments into |params|; -1 when one has no "=". */
static int parse_params(int argc, char **argv, sts_call_param *params, size_t *n)
{
	*n = 0;
	for (int i = 0; i < argc && *n < MAX_PARAMS; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			return -1;
		*eq = '\0';
		params[*n].name = argv[i];
		params[*n].value = eq + 1;
		(*n)++;
	}
	return 0;
}

static int call_sts(const char *word, const char *endpoint, const char *region, long timeout_ms,
		    unsigned attempts, const sts_base_creds *base, int argc, char **argv)
{
	sts_call_options o = { .endpoint = endpoint,
			       .region = region,
			       .ca_file = getenv("STS_CA_FILE"),
			       .connect_timeout_ms = timeout_ms,
			       .timeout_ms = timeout_ms,
			       .max_attempts = attempts,
			       .backoff_ms = 50 };
	sts_call_param params[MAX_PARAMS];
	sts_upstream_creds creds;
	sts_upstream_fault fault;
	sts_operation op;
	sts_error err;
	size_t n;
	int rc;

	sts_error_clear(&err);
	if (sts_operation_from_word(word, &op) < 0 || parse_params(argc, argv, params, &n) < 0) {
		fprintf(stderr, "upstream_driver: bad operation or parameter\n");
		return 1;
	}
	rc = sts_call(&o, base, op, params, n, &creds, &fault, &err);
	if (rc == STS_CALL_FAULT) {
		printf("result=fault\ncode=%s\nmessage=%s\nrequest_id=%s\nerror=%s\n", fault.code,
		       fault.message, fault.request_id ? fault.request_id : "-", err.msg);
		sts_upstream_fault_clear(&fault);
		return 2;
	}
	if (rc != 0)
		return report_error(rc, &err);
	printf("result=ok\naccess_key_id=%s\nsecret_len=%zu\ntoken_len=%zu\nexpiration=%lld\n"
	       "principal_arn=%s\nprincipal_id=%s\nsource_identity=%s\nrequest_id=%s\n",
	       creds.access_key_id, strlen(creds.secret_access_key), strlen(creds.session_token),
	       (long long)creds.expiration, creds.principal_arn ? creds.principal_arn : "-",
	       creds.principal_id ? creds.principal_id : "-",
	       creds.source_identity ? creds.source_identity : "-", creds.request_id);
	sts_upstream_creds_clear(&creds);
	return 0;
}

static int cmd_sts(int argc, char **argv)
{
	sts_base_creds base = { 0 };
	sts_error err;
	int rc;

	if (argc < 5)
		return 1;
	sts_error_clear(&err);
	if (base_from_env(&base, &err) < 0)
		return report_error(-1, &err);
	rc = call_sts(argv[0], argv[1], argv[2], atol(argv[3]), (unsigned)atoi(argv[4]), &base,
		      argc - 5, argv + 5);
	sts_base_creds_clear(&base);
	return rc;
}

static int cmd_imds(int argc, char **argv)
{
	sts_error err;
	sts_imds *m;
	int rc = 0;

	if (argc < 3)
		return 1;
	sts_error_clear(&err);
	if (!(m = sts_imds_new(argv[0], atol(argv[1]), atol(argv[1]), &err)))
		return report_error(-1, &err);
	for (int i = 2; i < argc && rc == 0; i++) {
		sts_base_creds base;
		int r = sts_imds_credentials(m, (int64_t)time(NULL) + atol(argv[i]), &base, &err);
		if (r != 0) {
			rc = report_error(r, &err);
			break;
		}
		printf("result=ok\naccess_key_id=%s\ntoken_len=%zu\nexpires_in_h=%lld\n",
		       base.access_key_id, strlen(base.session_token),
		       (long long)((base.expiration - time(NULL) + 1800) / 3600));
		sts_base_creds_clear(&base);
	}
	sts_imds_free(m);
	return rc;
}

static int cmd_imds_sts(int argc, char **argv)
{
	sts_base_creds base;
	sts_error err;
	sts_imds *m;
	int rc;

	if (argc < 5)
		return 1;
	sts_error_clear(&err);
	if (!(m = sts_imds_new(argv[0], atol(argv[3]), atol(argv[3]), &err)))
		return report_error(-1, &err);
	rc = sts_imds_credentials(m, (int64_t)time(NULL), &base, &err);
	sts_imds_free(m);
	if (rc != 0)
		return report_error(rc, &err);
	rc = call_sts(argv[4], argv[1], argv[2], atol(argv[3]), 1, &base, argc - 5, argv + 5);
	sts_base_creds_clear(&base);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "sts") == 0)
		return cmd_sts(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "imds") == 0)
		return cmd_imds(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "imds-sts") == 0)
		return cmd_imds_sts(argc - 2, argv + 2);
	fprintf(stderr, "usage: upstream_driver {sts|imds|imds-sts} ... (see the source)\n");
	return 1;
}
