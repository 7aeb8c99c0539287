/*
 * The shapes the AWS CLI prints policies in, so that an account can be
 * mirrored onto disk with it (see identity.h for where each may sit):
 *
 *   a bare policy document                 {"Version", "Statement", ...}
 *   aws iam get-policy-version (managed)   {"PolicyVersion": {"Document",
 *                                           "VersionId", "IsDefaultVersion",
 *                                           "CreateDate"}}
 *   aws iam get-role-policy / get-group-policy / get-user-policy (inline)
 *                                          {"RoleName"|"GroupName"|"UserName",
 *                                           "PolicyName", "PolicyDocument"}
 *
 * The CLI prints documents as objects (it decodes the API's URL encoding);
 * the URL-encoded string is accepted too. Anything else in a wrapper is an
 * error naming the file and the field: a field we do not know may change
 * what AWS grants. Only the wrapper is read here; the document itself is
 * the policy parser's (lib/policy/policy_parse.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/parse.h"
#include "decide/identity_internal.h"
#include "decide/sts_limits.h"
#include "policy/policy_text.h"

static const char *const version_fields[] = { "Document", "VersionId", "IsDefaultVersion",
					      "CreateDate", NULL };
static const char *const owner_keys[] = { "RoleName", "GroupName", "UserName", NULL };

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The URL-encoded (%XX) form the API returns for policy documents. */
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

int sts_document_field(json_object *v, const char *where, json_object **doc, sts_error *err)
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

/* Every field of |obj| is in |known|; |prefix| names obj's place. */
static int only_fields(json_object *obj, const char *where, const char *prefix,
		       const char *const *known, sts_error *err)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!sts_in_list(key, known))
			return sts_error_set(err, "%s: %s%.128s: unknown field", where, prefix,
					     key);
	}
	return 0;
}

/* {"PolicyVersion": {...}}: the managed policy's version in effect. */
static int unwrap_version(json_object *root, const char *where, json_object **doc, char *doc_where,
			  size_t cap, sts_error *err)
{
	static const char *const top[] = { "PolicyVersion", NULL };
	json_object *pv, *v;

	if (only_fields(root, where, "", top, err) < 0)
		return -1;
	json_object_object_get_ex(root, "PolicyVersion", &pv);
	if (!json_object_is_type(pv, json_type_object))
		return sts_error_set(err, "%s: PolicyVersion: must be an object", where);
	if (only_fields(pv, where, "PolicyVersion.", version_fields, err) < 0)
		return -1;
	if (json_object_object_get_ex(pv, "VersionId", &v) &&
	    !json_object_is_type(v, json_type_string))
		return sts_error_set(err, "%s: PolicyVersion.VersionId: must be a string", where);
	if (json_object_object_get_ex(pv, "CreateDate", &v) &&
	    !json_object_is_type(v, json_type_string))
		return sts_error_set(err, "%s: PolicyVersion.CreateDate: must be a string", where);
	if (json_object_object_get_ex(pv, "IsDefaultVersion", &v) &&
	    (!json_object_is_type(v, json_type_boolean) || !json_object_get_boolean(v)))
		return sts_error_set(err,
				     "%s: PolicyVersion.IsDefaultVersion: must be true (only "
				     "the default version is in effect)",
				     where);
	if (!json_object_object_get_ex(pv, "Document", &v))
		return sts_error_set(err, "%s: PolicyVersion.Document: missing", where);
	sts_fmt(doc_where, cap, "%s: PolicyVersion.Document", where);
	return sts_document_field(v, doc_where, doc, err);
}

/* {OWNER_KEY, "PolicyName", "PolicyDocument"}: an inline policy. */
static int unwrap_inline(json_object *root, const char *where, const sts_policy_shapes *shapes,
			 json_object **doc, char *doc_where, size_t cap, sts_error *err)
{
	const char *known[] = { shapes->owner_key, "PolicyName", "PolicyDocument", NULL };
	json_object *v;

	json_object_object_foreach(root, key, val) {
		(void)val;
		if (!shapes->owner_key && sts_in_list(key, owner_keys))
			known[0] = key; /* stsctl validate: any owner */
	}
	if (!known[0])
		return sts_error_set(err, "%s: an inline policy belongs to a role, group or user",
				     where);
	if (only_fields(root, where, "", known, err) < 0)
		return -1;
	if (!json_object_object_get_ex(root, known[0], &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (shapes->owner && strcmp(json_object_get_string(v), shapes->owner) != 0))
		return sts_error_set(err, "%s: %s: must be \"%s\"", where, known[0],
				     shapes->owner ? shapes->owner : "a name");
	if (!json_object_object_get_ex(root, "PolicyName", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !sts_valid_object_name(json_object_get_string(v)))
		return sts_error_set(err, "%s: PolicyName: missing or not a policy name", where);
	if (!json_object_object_get_ex(root, "PolicyDocument", &v))
		return sts_error_set(err, "%s: PolicyDocument: missing", where);
	sts_fmt(doc_where, cap, "%s: PolicyDocument", where);
	return sts_document_field(v, doc_where, doc, err);
}

/* Any field of get-*-policy's output makes the file one: its errors then
 * name the wrapper's fields, not the policy grammar's. */
static bool inline_shaped(json_object *root)
{
	if (json_object_object_get_ex(root, "PolicyDocument", NULL) ||
	    json_object_object_get_ex(root, "PolicyName", NULL))
		return true;
	for (size_t i = 0; owner_keys[i]; i++) {
		if (json_object_object_get_ex(root, owner_keys[i], NULL))
			return true;
	}
	return false;
}

int sts_policy_shape_unwrap(json_object *root, const char *where, const sts_policy_shapes *shapes,
			    json_object **doc, sts_doc_kind *kind, char *doc_where, size_t cap,
			    sts_error *err)
{
	*doc = NULL;
	*kind = shapes->bare_kind;
	if (!json_object_is_type(root, json_type_object))
		return sts_error_set(err, "%s: must be a JSON object", where);
	if (json_object_object_get_ex(root, "PolicyVersion", NULL)) {
		if (!shapes->wrapped)
			return sts_error_set(err, "%s: must be a bare policy document", where);
		return unwrap_version(root, where, doc, doc_where, cap, err);
	}
	if (inline_shaped(root)) {
		if (!shapes->wrapped)
			return sts_error_set(err, "%s: must be a bare policy document", where);
		*kind = STS_DOC_INLINE;
		return unwrap_inline(root, where, shapes, doc, doc_where, cap, err);
	}
	return 0; /* bare: the policy parser judges every field */
}

int sts_policy_file_add(sts_doc_bundle *b, json_object *root, const char *text, size_t len,
			const char *where, const char *scope, const sts_policy_shapes *shapes,
			sts_error *err)
{
	char doc_where[STS_IDENTITY_PATH_MAX + 64];
	json_object *doc = NULL;
	sts_doc_kind kind;
	const char *canon;
	int rc;

	if (sts_policy_shape_unwrap(root, where, shapes, &doc, &kind, doc_where, sizeof(doc_where),
				    err) < 0)
		return -1;
	if (!doc)
		return sts_doc_bundle_add(b, scope, where, text, len, root, kind, err);
	canon = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = canon ? sts_doc_bundle_add(b, scope, doc_where, canon, strlen(canon), doc, kind, err) :
		     sts_error_set(err, "%s: out of memory", where);
	json_object_put(doc);
	return rc;
}
