/*
 * stsctl validate FILE...: each file in a shape an administrator mirrors
 * from an account with the AWS CLI, checked by the rules the loaders apply:
 * a bare identity policy (IAM's CreatePolicy rules), a managed policy
 * version (`aws iam get-policy-version`), an inline policy (`aws iam
 * get-role-policy`, `get-group-policy`, `get-user-policy`) or a role (`aws
 * iam get-role`: its fields and its trust policy; the account is not known
 * here, so the Arn is checked for its shape only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/fileio.h"
#include "decide/identity_internal.h"
#include "policy/policy.h"
#include "policy/policy_text.h"
#include "stsctl.h"
#include "stsctl_error.h"

static int validate_role(json_object *root, const char *path, sts_error *err)
{
	sts_settings out_of_context;
	sts_role role;

	memset(&out_of_context, 0, sizeof(out_of_context));
	memset(&role, 0, sizeof(role));
	if (sts_role_parse(root, path, &out_of_context, NULL, &role, err) < 0) {
		sts_role_free(&role);
		return -1;
	}
	printf("%s: valid role %s (MaxSessionDuration %lu)\n", path, role.name, role.max_session);
	sts_role_free(&role);
	return 0;
}

static int validate_policy(json_object *root, const char *text, size_t len, const char *path,
			   sts_error *err)
{
	static const sts_policy_shapes any = { NULL, NULL, STS_DOC_IDENTITY, true };
	char where[STS_IDENTITY_PATH_MAX + 64];
	json_object *doc = NULL;
	sts_policy *policy = NULL;
	sts_doc_kind kind;
	int rc;

	if (sts_policy_shape_unwrap(root, path, &any, &doc, &kind, where, sizeof(where), err) < 0)
		return -1;
	if (doc) {
		const char *canon = json_object_to_json_string_ext(
			doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		rc = canon ? sts_parse_named(canon, strlen(canon), where, where, kind, &policy,
					     err) :
			     sts_error_set(err, "%s: out of memory", path);
		json_object_put(doc);
	} else {
		rc = sts_policy_parse(text, len, path, kind, &policy, err);
	}
	if (rc < 0)
		return -1;
	printf("%s: valid (%zu statements)\n", path, sts_policy_statement_count(policy));
	sts_policy_free(policy);
	return 0;
}

static int validate_file(const char *path)
{
	json_object *root = NULL;
	char *text = NULL;
	size_t len = 0;
	sts_error err;
	int rc = sts_read_file(path, STS_IDENTITY_FILE_MAX, 0, &text, &len, &err);

	if (rc == 0)
		rc = sts_policy_json_parse(text, len, path, &root, &err);
	if (rc == 0)
		rc = json_object_is_type(root, json_type_object) &&
				     json_object_object_get_ex(root, "Role", NULL) ?
			     validate_role(root, path, &err) :
			     validate_policy(root, text, len, path, &err);
	if (rc < 0)
		stsctl_print_error(&err);
	json_object_put(root);
	free(text);
	return rc;
}

int stsctl_validate(int argc, char **argv)
{
	int status = STSCTL_OK;

	if (argc < 2) {
		fputs("usage: stsctl validate FILE...\n", stderr);
		return STSCTL_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		if (validate_file(argv[i]) < 0)
			status = STSCTL_USAGE;
	}
	return status;
}
