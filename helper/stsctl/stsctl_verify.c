/*
 * stsctl verify: is this credential one of ours, authentic and not
 * expired, and what does it say? Prints what the token carries (never the
 * secret or the token): principal, source identity, operation, MFA, source
 * IP, issue and expiry times, access key id and the scope's policy names;
 * --json prints all of it, the policy documents included, as one object.
 * Exit 0 valid, 1 not valid (the reason on stderr), 2 usage or
 * configuration error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "stsctl.h"
#include "stsctl_cred.h"

enum {
	OPT_JSON = 256
};

static const struct option options[] = {
	{ "config", required_argument, NULL, STSCTL_OPT_CONFIG },
	{ "credentials-file", required_argument, NULL, STSCTL_OPT_CREDENTIALS_FILE },
	{ "profile", required_argument, NULL, STSCTL_OPT_PROFILE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fputs("usage: stsctl verify [--config FILE] [--credentials-file FILE] [--profile NAME] "
	      "[--json]\n",
	      out);
}

static void print_docs(const char *label, const sts_scope_doc *docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%-16s %s\n", label, docs[i].name);
}

static void print_text(const sts_token_claims *c, const char *akid)
{
	char issued[32], expires[32], mfa[32];

	sts_format_iso8601(c->issued, issued, sizeof(issued));
	sts_format_iso8601(c->expires, expires, sizeof(expires));
	sts_format_iso8601(c->mfa_time, mfa, sizeof(mfa));
	printf("valid\n");
	printf("%-16s %s\n", "principal:", c->principal_arn);
	printf("%-16s %s\n", "source_identity:", c->source_identity);
	printf("%-16s %s\n", "operation:", c->operation);
	if (c->mfa_present)
		printf("%-16s yes %s\n", "mfa:", mfa);
	else
		printf("%-16s no\n", "mfa:");
	printf("%-16s %s\n", "source_ip:", c->source_ip ? c->source_ip : "-");
	printf("%-16s %s\n", "issued:", issued);
	printf("%-16s %s\n", "expiration:", expires);
	printf("%-16s %s\n", "access_key_id:", akid);
	if (c->userid)
		printf("%-16s %s\n", "userid:", c->userid);
	if (c->no_permissions)
		printf("%-16s %s\n", "scope:", "no permissions (no session policy)");
	print_docs("identity_policy:", c->identity, c->n_identity);
	print_docs("session_policy:", c->session, c->n_session);
}

static json_object *iso_json(int64_t t)
{
	char buf[32];

	sts_format_iso8601(t, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* The documents as JSON values (the text is canonical JSON the issuer
 * wrote; a string if it ever is not). */
static json_object *docs_json(const sts_scope_doc *docs, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_object *doc = json_object_new_object(),
			    *body = json_tokener_parse(docs[i].text);
		if (!body)
			body = json_object_new_string(docs[i].text);
		json_object_object_add(doc, "name", json_object_new_string(docs[i].name));
		json_object_object_add(doc, "document", body);
		json_object_array_add(arr, doc);
	}
	return arr;
}

static int print_json(const sts_token_claims *c, const char *akid, const sts_error *why)
{
	json_object *o = json_object_new_object();
	const char *text;

	if (!o)
		return -1;
	json_object_object_add(o, "valid", json_object_new_boolean(why == NULL));
	if (why) {
		json_object_object_add(o, "error", json_object_new_string(why->msg));
	} else {
		json_object_object_add(o, "principal_arn",
				       json_object_new_string(c->principal_arn));
		json_object_object_add(o, "source_identity",
				       json_object_new_string(c->source_identity));
		json_object_object_add(o, "operation", json_object_new_string(c->operation));
		json_object_object_add(o, "mfa_present", json_object_new_boolean(c->mfa_present));
		json_object_object_add(o, "mfa_time",
				       c->mfa_present ? iso_json(c->mfa_time) : NULL);
		json_object_object_add(o, "source_ip",
				       c->source_ip ? json_object_new_string(c->source_ip) : NULL);
		json_object_object_add(o, "issued", iso_json(c->issued));
		json_object_object_add(o, "expiration", iso_json(c->expires));
		json_object_object_add(o, "access_key_id", json_object_new_string(akid));
		json_object_object_add(o, "userid",
				       c->userid ? json_object_new_string(c->userid) : NULL);
		json_object_object_add(o, "no_permissions",
				       json_object_new_boolean(c->no_permissions));
		json_object_object_add(o, "identity_policies",
				       docs_json(c->identity, c->n_identity));
		json_object_object_add(o, "session_policies", docs_json(c->session, c->n_session));
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		printf("%s\n", text);
	json_object_put(o);
	return text ? 0 : -1;
}

int stsctl_verify(int argc, char **argv)
{
	stsctl_cred_opts o = { 0 };
	sts_token_claims claims;
	char akid[STS_ACCESS_KEY_ID_LEN + 1];
	bool json = false;
	sts_error why;
	int opt, status;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == OPT_JSON) {
			json = true;
		} else if (opt == '?' || !stsctl_cred_option(&o, opt, optarg)) {
			usage(stderr);
			return STSCTL_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "stsctl verify: unexpected argument \"%s\"\n", argv[optind]);
		return STSCTL_USAGE;
	}
	status = stsctl_cred_verify("verify", &o, &claims, akid, &why);
	if (status == STSCTL_DENIED) {
		fprintf(stderr, "stsctl verify: not valid: %s\n", why.msg);
		if (json)
			print_json(NULL, NULL, &why);
	} else if (status == STSCTL_OK) {
		if (json ? print_json(&claims, akid, NULL) < 0 : (print_text(&claims, akid), 0)) {
			fputs("stsctl verify: out of memory\n", stderr);
			status = STSCTL_USAGE;
		}
	}
	sts_token_claims_free(&claims);
	fflush(stdout);
	return status;
}
