/*
 * Roles on disk, in the shapes `aws iam get-role` and `aws iam
 * get-role-policy` print (see identity.h for the layout and the rules).
 */
#include "identity.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "identity_internal.h"
#include "policy_text.h"
#include "sts_limits.h"

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
static const char *const role_policy_fields[] = { "RoleName", "PolicyName", "PolicyDocument",
						  NULL };

static bool in_list(const char *key, const char *const *list)
{
	for (size_t i = 0; list[i]; i++) {
		if (strcmp(key, list[i]) == 0)
			return true;
	}
	return false;
}

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
		if (!in_list(key, known))
			return sts_error_set(err, "%s: %s%.128s: unknown field", where, prefix,
					     key);
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The URL-encoded (%XX) form some tools print for policy documents. */
static char *url_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0 ||
		    (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		out[o++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* A policy document field: an object, or its URL-encoded JSON text. */
static int document_field(json_object *v, const char *where, json_object **doc, sts_error *err)
{
	char *text;
	size_t len = 0;
	int rc;

	*doc = NULL;
	if (json_object_is_type(v, json_type_object)) {
		*doc = json_object_get(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return sts_error_set(err,
				     "%s: must be a policy document (an object or its "
				     "URL-encoded JSON text)",
				     where);
	if (!(text = url_decode(json_object_get_string(v), &len)))
		return sts_error_set(err, "%s: not valid URL-encoded text", where);
	rc = sts_policy_json_parse(text, len, where, doc, err);
	free(text);
	if (rc == 0 && !json_object_is_type(*doc, json_type_object)) {
		json_object_put(*doc);
		*doc = NULL;
		return sts_error_set(err, "%s: must be a JSON object", where);
	}
	return rc;
}

/* Compiles a document field as |scope|: the canonical text is parsed. */
static int compile_field(json_object *v, const char *where, const char *scope, sts_doc_kind kind,
			 sts_doc_bundle *bundle, sts_policy **out, sts_error *err)
{
	json_object *doc = NULL;
	const char *text;
	int rc;

	if (document_field(v, where, &doc, err) < 0)
		return -1;
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		rc = sts_error_set(err, "%s: out of memory", where);
	else if (bundle)
		rc = sts_doc_bundle_add(bundle, scope, where, text, strlen(text), doc, kind, err);
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

static int parse_role(json_object *root, const char *where, const sts_settings *s, const char *name,
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
	sts_fmt(scope, sizeof(scope), "role/%s/trust-policy", name);
	if (compile_field(trust, field, scope, STS_DOC_TRUST, NULL, &policy, err) < 0)
		return -1;
	if (!(out->trust = sts_policy_set_new()) || sts_policy_set_add(out->trust, policy) < 0) {
		sts_policy_free(policy);
		return sts_error_set(err, "%s: out of memory", where);
	}
	if (sts_policy_set_finish(out->trust) < 0)
		return sts_error_set(err, "%s: out of memory", where);
	return 0;
}

/* One ROLE.d/FILE.json: {"RoleName", "PolicyName", "PolicyDocument"}. */
static int parse_role_policy(json_object *root, const char *where, const char *role,
			     const char *file, sts_doc_bundle *b, sts_error *err)
{
	char field[STS_IDENTITY_PATH_MAX + 32], scope[STS_IDENTITY_PATH_MAX];
	json_object *v;

	if (!json_object_is_type(root, json_type_object))
		return sts_error_set(err, "%s: must be the output of `aws iam get-role-policy`",
				     where);
	if (known_fields(root, where, "", role_policy_fields, err) < 0)
		return -1;
	if (!json_object_object_get_ex(root, "RoleName", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), role) != 0)
		return sts_error_set(err, "%s: RoleName: must be \"%s\"", where, role);
	if (!json_object_object_get_ex(root, "PolicyName", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !sts_valid_object_name(json_object_get_string(v)))
		return sts_error_set(err, "%s: PolicyName: missing or not a policy name", where);
	if (!json_object_object_get_ex(root, "PolicyDocument", &v))
		return sts_error_set(err, "%s: PolicyDocument: missing", where);
	sts_fmt(field, sizeof(field), "%s: PolicyDocument", where);
	sts_fmt(scope, sizeof(scope), "role/%s/%s", role, file);
	return compile_field(v, field, scope, STS_DOC_INLINE, b, NULL, err);
}

/* Reads DIRFD/FILE as JSON; returns 0, STS_IDENTITY_ENOENT or -1. */
static int read_json(int dirfd, const char *dirpath, const char *file, char *where, size_t cap,
		     json_object **root, sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*root = NULL;
	if (sts_path_join(where, cap, dirpath, file, "", err) < 0)
		return -1;
	rc = sts_read_checked(dirfd, file, where, &text, &len, err);
	if (rc == 0)
		rc = sts_policy_json_parse(text, len, where, root, err);
	free(text);
	return rc;
}

static int load_permissions(int rfd, const sts_settings *s, const char *name, sts_doc_bundle *b,
			    sts_error *err)
{
	char dname[STS_IDENTITY_PATH_MAX], dpath[STS_IDENTITY_PATH_MAX];
	char where[STS_IDENTITY_PATH_MAX];
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
		int r = read_json(fd, dpath, files[i], where, sizeof(where), &root, err);
		if (r == 0)
			r = parse_role_policy(root, where, name, files[i], b, err);
		json_object_put(root);
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
	rc = read_json(rfd, s->role_dir, file, where, sizeof(where), &root, err);
	if (rc == 0)
		rc = parse_role(root, where, s, name, out, err);
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
