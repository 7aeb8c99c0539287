/*
 * Roles on disk, in the shape `aws iam get-role` prints, and their
 * permission policies in any shape of lib/decide/identity_shapes.c (see identity.h
 * for the layout and the rules).
 */
#include "decide/identity.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/parse.h"
#include "decide/identity_internal.h"
#include "decide/sts_limits.h"
#include "policy/policy_text.h"

#define ROLE_PATH_MAX 512

static const char *const role_fields[] = {
	"Path",
	"RoleName",
	"RoleId",
	"Arn",
	"CreateDate",
	"Description",
	"Tags",
	"RoleLastUsed",
	"MaxSessionDuration",
	"AssumeRolePolicyDocument",
	NULL,
};

bool sts_valid_role_name(const char *name)
{
	return sts_valid_iam_name(name) && name[0] != '.';
}

/* Checks the fields of |obj| against |known|; |where| names file and place. */
static int known_fields(json_object *obj, const char *where, const char *prefix,
			const char *const *known, sts_error *err)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (strcmp(key, "PermissionsBoundary") == 0 && known == role_fields)
			return sts_error_set(
				err,
				"%s: %sPermissionsBoundary: permissions boundaries are "
				"not supported (the boundary document is not in the "
				"get-role output); remove it",
				where, prefix);
		if (!sts_in_list(key, known))
			return sts_error_set(err, "%s: %s%.128s: unknown field", where, prefix,
					     key);
	}
	return 0;
}

/* Compiles a document field as |scope|: the canonical text is parsed. */
static int compile_field(json_object *v, const char *where, const char *scope, sts_doc_kind kind,
			 sts_policy **out, sts_error *err)
{
	json_object *doc = NULL;
	const char *text;
	int rc;

	if (sts_document_field(v, where, &doc, err) < 0)
		return -1;
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		rc = sts_error_set(err, "%s: out of memory", where);
	else
		rc = sts_parse_named(text, strlen(text), scope, where, kind, out, err);
	json_object_put(doc);
	return rc;
}

static int string_field(json_object *role, const char *key, const char *where, bool required,
			const char **out, sts_error *err)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(role, key, &v)) {
		if (required)
			return sts_error_set(err, "%s: Role.%s: missing", where, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return sts_error_set(err, "%s: Role.%s: must be a string", where, key);
	*out = json_object_get_string(v);
	return 0;
}

static int check_types(json_object *role, const char *where, sts_error *err)
{
	static const char *const strings[] = { "RoleId", "CreateDate", "Description", NULL };
	json_object *v;
	const char *ignored;

	for (size_t i = 0; strings[i]; i++) {
		if (string_field(role, strings[i], where, false, &ignored, err) < 0)
			return -1;
	}
	if (json_object_object_get_ex(role, "Tags", &v) && !json_object_is_type(v, json_type_array))
		return sts_error_set(err, "%s: Role.Tags: must be an array", where);
	if (json_object_object_get_ex(role, "RoleLastUsed", &v) &&
	    !json_object_is_type(v, json_type_object))
		return sts_error_set(err, "%s: Role.RoleLastUsed: must be an object", where);
	return 0;
}

static bool valid_role_path(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > ROLE_PATH_MAX || p[0] != '/' || p[n - 1] != '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x21 || p[i] > 0x7e)
			return false;
	}
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* stsctl validate: a role file on its own, no account to compare with. */
static int role_out_of_context(const char *where, const char *rname, const char *path,
			       const char *arn, sts_role *out, sts_error *err)
{
	char tail[ROLE_PATH_MAX + 80];

	if (!rname || !sts_valid_role_name(rname))
		return sts_error_set(err, "%s: Role.RoleName: not a valid role name", where);
	if (!path)
		path = "/";
	if (!valid_role_path(path))
		return sts_error_set(err,
				     "%s: Role.Path: must begin and end with '/' (1..512 "
				     "printable characters)",
				     where);
	sts_fmt(tail, sizeof(tail), ":role%s%s", path, rname);
	if (arn && (strncmp(arn, "arn:", 4) != 0 || !ends_with(arn, tail)))
		return sts_error_set(err, "%s: Role.Arn: \"%.200s\" does not end in %s", where, arn,
				     tail);
	if (!(out->name = strdup(rname)) || !(out->arn = strdup(arn ? arn : "")))
		return sts_error_set(err, "%s: out of memory", where);
	return 0;
}

/* RoleName, Path, Arn: names this host's role |name| in its account. */
static int role_identity(json_object *role, const char *where, const sts_settings *s,
			 const char *name, sts_role *out, sts_error *err)
{
	const char *rname, *path, *arn;
	size_t cap;

	if (string_field(role, "RoleName", where, true, &rname, err) < 0 ||
	    string_field(role, "Path", where, false, &path, err) < 0 ||
	    string_field(role, "Arn", where, false, &arn, err) < 0)
		return -1;
	if (!s->account_id)
		return role_out_of_context(where, rname, path, arn, out, err);
	if (!rname || strcmp(rname, name) != 0)
		return sts_error_set(err,
				     "%s: Role.RoleName: \"%.64s\" does not match the file name",
				     where, rname ? rname : "");
	if (!path)
		path = "/";
	if (!valid_role_path(path))
		return sts_error_set(err,
				     "%s: Role.Path: must begin and end with '/' (1..512 "
				     "printable characters)",
				     where);
	cap = strlen(s->partition) + strlen(s->account_id) + strlen(path) + strlen(name) + 32;
	if (!(out->arn = malloc(cap)) || !(out->name = strdup(name)))
		return sts_error_set(err, "%s: out of memory", where);
	sts_fmt(out->arn, cap, "arn:%s:iam::%s:role%s%s", s->partition, s->account_id, path, name);
	if (arn && strcmp(arn, out->arn) != 0)
		return sts_error_set(err,
				     "%s: Role.Arn: \"%.200s\" is not %s (another account or "
				     "partition, or a different Path)",
				     where, arn, out->arn);
	return 0;
}

static int max_session(json_object *role, const char *where, sts_role *out, sts_error *err)
{
	json_object *v;
	int64_t n;

	out->max_session = STS_ROLE_MAX_SESSION_MIN;
	if (!json_object_object_get_ex(role, "MaxSessionDuration", &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return sts_error_set(err, "%s: Role.MaxSessionDuration: must be an integer", where);
	n = json_object_get_int64(v);
	if (n < (int64_t)STS_ROLE_MAX_SESSION_MIN || n > (int64_t)STS_ROLE_MAX_SESSION_MAX)
		return sts_error_set(err,
				     "%s: Role.MaxSessionDuration: %lld is outside 3600..43200",
				     where, (long long)n);
	out->max_session = (unsigned long)n;
	return 0;
}

int sts_role_parse(json_object *root, const char *where, const sts_settings *s, const char *name,
		   sts_role *out, sts_error *err)
{
	static const char *const top[] = { "Role", NULL };
	char field[STS_IDENTITY_PATH_MAX + 64], scope[STS_IDENTITY_PATH_MAX];
	json_object *role, *trust;
	sts_policy *policy = NULL;

	if (!json_object_is_type(root, json_type_object))
		return sts_error_set(err, "%s: must be the output of `aws iam get-role`", where);
	if (known_fields(root, where, "", top, err) < 0)
		return -1;
	if (!json_object_object_get_ex(root, "Role", &role) ||
	    !json_object_is_type(role, json_type_object))
		return sts_error_set(err, "%s: Role: missing or not an object", where);
	if (known_fields(role, where, "Role.", role_fields, err) < 0 ||
	    check_types(role, where, err) < 0 ||
	    role_identity(role, where, s, name, out, err) < 0 ||
	    max_session(role, where, out, err) < 0)
		return -1;
	if (!json_object_object_get_ex(role, "AssumeRolePolicyDocument", &trust))
		return sts_error_set(err, "%s: Role.AssumeRolePolicyDocument: missing", where);
	sts_fmt(field, sizeof(field), "%s: Role.AssumeRolePolicyDocument", where);
	sts_fmt(scope, sizeof(scope), "role/%s/trust-policy", out->name);
	if (compile_field(trust, field, scope, STS_DOC_TRUST, &policy, err) < 0)
		return -1;
	if (!(out->trust = sts_policy_set_new()) || sts_policy_set_add(out->trust, policy) < 0) {
		sts_policy_free(policy);
		return sts_error_set(err, "%s: out of memory", where);
	}
	if (sts_policy_set_finish(out->trust) < 0)
		return sts_error_set(err, "%s: out of memory", where);
	return 0;
}

/* Reads DIRFD/FILE as JSON, keeping its text in *text when |text| is not
 * NULL; returns 0, STS_IDENTITY_ENOENT or -1. */
static int read_json(int dirfd, const char *dirpath, const char *file, char *where, size_t cap,
		     json_object **root, char **text, size_t *len, sts_error *err)
{
	char *body = NULL;
	size_t n = 0;
	int rc;

	*root = NULL;
	if (sts_path_join(where, cap, dirpath, file, "", err) < 0)
		return -1;
	rc = sts_read_checked(dirfd, file, where, &body, &n, err);
	if (rc == 0)
		rc = sts_policy_json_parse(body, n, where, root, err);
	if (rc == 0 && text) {
		*text = body;
		*len = n;
		return 0;
	}
	free(body);
	return rc;
}

static int load_permissions(int rfd, const sts_settings *s, const char *name, sts_doc_bundle *b,
			    sts_error *err)
{
	char dname[STS_IDENTITY_PATH_MAX], dpath[STS_IDENTITY_PATH_MAX];
	char where[STS_IDENTITY_PATH_MAX], scope[STS_IDENTITY_PATH_MAX];
	const sts_policy_shapes shapes = { "RoleName", name, STS_DOC_IDENTITY, true };
	char **files = NULL;
	size_t n = 0;
	int fd, rc = -1;

	sts_fmt(dname, sizeof(dname), "%s.d", name);
	if (sts_path_join(dpath, sizeof(dpath), s->role_dir, dname, "", err) < 0)
		return -1;
	fd = sts_dir_openat(rfd, dname, dpath, err);
	if (fd == STS_IDENTITY_ENOENT)
		return 0; /* a role without permission policies */
	if (fd < 0)
		return -1;
	if (sts_dir_list(fd, dpath, ".json", &files, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_object *root = NULL;
		char *text = NULL;
		size_t len = 0;
		int r = read_json(fd, dpath, files[i], where, sizeof(where), &root, &text, &len,
				  err);

		sts_fmt(scope, sizeof(scope), "role/%s/%s", name, files[i]);
		if (r == 0)
			r = sts_policy_file_add(b, root, text, len, where, scope, &shapes, err);
		json_object_put(root);
		free(text);
		if (r != 0)
			goto out;
	}
	rc = 0;
out:
	sts_names_free(files, n);
	close(fd);
	return rc;
}

int sts_role_load(const sts_settings *s, const char *name, sts_role *out, sts_error *err)
{
	char file[STS_IDENTITY_PATH_MAX], where[STS_IDENTITY_PATH_MAX];
	json_object *root = NULL;
	int rfd, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!s->account_id)
		return sts_error_set(err, "account_id is not set in the configuration");
	if (!sts_valid_role_name(name))
		return sts_error_set(err,
				     "\"%.64s\" is not a valid role name ([A-Za-z0-9_+=,.@-], "
				     "1..64 characters, not beginning with '.')",
				     name ? name : "");
	rfd = sts_dir_open(s->role_dir, err);
	if (rfd < 0)
		return rfd == STS_IDENTITY_ENOENT ?
			       sts_error_set(err, "role_dir %s: does not exist", s->role_dir) :
			       -1;
	sts_fmt(file, sizeof(file), "%s.json", name);
	rc = read_json(rfd, s->role_dir, file, where, sizeof(where), &root, NULL, NULL, err);
	if (rc == 0)
		rc = sts_role_parse(root, where, s, name, out, err);
	if (rc == 0)
		rc = sts_doc_bundle_init(&out->permissions, err);
	if (rc == 0)
		rc = load_permissions(rfd, s, name, &out->permissions, err);
	if (rc == 0)
		rc = sts_doc_bundle_finish(&out->permissions, err);
	json_object_put(root);
	close(rfd);
	if (rc != 0)
		sts_role_free(out);
	return rc;
}

void sts_role_free(sts_role *role)
{
	if (!role)
		return;
	free(role->name);
	free(role->arn);
	sts_policy_set_free(role->trust);
	sts_doc_bundle_free(&role->permissions);
	memset(role, 0, sizeof(*role));
}

int sts_role_list(const sts_settings *s, char ***names, size_t *n, sts_error *err)
{
	int fd = sts_dir_open(s->role_dir, err);
	int rc = -1;

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return fd == STS_IDENTITY_ENOENT ?
			       sts_error_set(err, "role_dir %s: does not exist", s->role_dir) :
			       -1;
	if (sts_dir_list(fd, s->role_dir, ".json", names, n, err) < 0)
		goto out;
	for (size_t i = 0; i < *n; i++) {
		(*names)[i][strlen((*names)[i]) - 5] = '\0'; /* drop ".json" */
		if (!sts_valid_role_name((*names)[i])) {
			sts_error_set(err, "%s/%s.json: not a valid role name", s->role_dir,
				      (*names)[i]);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	if (rc < 0) {
		sts_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}
