/*
 * IAM policy documents: JSON -> validated, compiled sts_policy. Every error
 * names the document, the JSON path and what is wrong, and the document is
 * rejected whole: a policy that AWS would refuse never half-applies.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/parse.h"
#include "policy/context.h"
#include "policy/policy_internal.h"
#include "policy/policy_text.h"

#define PATH_MAX_LEN 256

static const char *const top_fields[] = { "Version", "Id", "Statement", NULL };
static const char *const statement_fields[] = { "Sid",	     "Effect",	     "Action",
						"NotAction", "Resource",     "NotResource",
						"Principal", "NotPrincipal", "Condition",
						NULL };

static int fail(sts_parse_ctx *pc, const char *path, const char *what)
{
	return sts_error_set(pc->err, "%s: %s: %s", pc->name, path, what);
}

/* A string or an array of strings, as every list element of IAM may be. */
static int string_list(sts_parse_ctx *pc, const char *path, json_object *v, const char ***out,
		       size_t *count)
{
	size_t n = 1;

	if (json_object_is_type(v, json_type_array))
		n = json_object_array_length(v);
	else if (!json_object_is_type(v, json_type_string))
		return fail(pc, path, "must be a string or an array of strings");
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return fail(pc, path, "out of memory");
	*count = n;
	if (!json_object_is_type(v, json_type_array)) {
		(*out)[0] = json_object_get_string(v);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(v, i);
		if (!json_object_is_type(item, json_type_string)) {
			char ipath[PATH_MAX_LEN];
			sts_fmt(ipath, sizeof(ipath), "%s[%zu]", path, i);
			free(*out);
			*out = NULL;
			return fail(pc, ipath, "must be a string");
		}
		(*out)[i] = json_object_get_string(item);
	}
	return 0;
}

/* "*" or vendor:name with exactly one colon (IAM's CreatePolicy rules). */
static int check_action(sts_parse_ctx *pc, const char *path, const char *action)
{
	const char *colon = strchr(action, ':');

	if (strcmp(action, "*") == 0)
		return 0;
	if (!colon)
		return fail(pc, path,
			    "action must be prefaced by a vendor, e.g. \"sts:AssumeRole\"");
	if (strchr(colon + 1, ':'))
		return fail(pc, path, "action can contain only one colon");
	if (colon == action)
		return fail(pc, path,
			    "action must be prefaced by a vendor, e.g. \"sts:AssumeRole\"");
	for (const char *c = action; c < colon; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' && *c != '*')
			return fail(pc, path,
				    "action vendor may contain only letters, digits, '-' and '.'");
	}
	return 0;
}

static int parse_actions(sts_parse_ctx *pc, const char *path, json_object *v, sts_statement *st)
{
	const char **items = NULL;
	size_t n = 0;
	char ipath[PATH_MAX_LEN];

	if (string_list(pc, path, v, &items, &n) < 0)
		return -1;
	if (n == 0) {
		free(items);
		return fail(pc, path, "must name at least one action");
	}
	st->actions = calloc(n, sizeof(*st->actions));
	if (!st->actions) {
		free(items);
		return fail(pc, path, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(items[i]);
		sts_fmt(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (check_action(pc, json_object_is_type(v, json_type_array) ? ipath : path,
				 items[i]) < 0)
			goto fail;
		st->actions[i].is_star = strcmp(items[i], "*") == 0;
		st->actions[i].glob = sts_text_to_glob(items[i], len, true);
		if (!st->actions[i].glob) {
			fail(pc, path, "out of memory");
			goto fail;
		}
		st->actions[i].len = strlen(st->actions[i].glob);
		st->actions[i].literal = !strpbrk(st->actions[i].glob, "*?\\");
		st->nactions = i + 1;
	}
	free(items);
	return 0;
fail:
	free(items);
	return -1;
}

static int parse_resources(sts_parse_ctx *pc, const char *path, json_object *v, sts_statement *st)
{
	const char **items = NULL;
	size_t n = 0;
	char ipath[PATH_MAX_LEN];

	if (string_list(pc, path, v, &items, &n) < 0)
		return -1;
	if (n == 0) {
		free(items);
		return fail(pc, path, "must name at least one resource");
	}
	st->resources = calloc(n, sizeof(*st->resources));
	if (!st->resources) {
		free(items);
		return fail(pc, path, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		sts_fmt(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (sts_parse_resource_pattern(
			    pc, json_object_is_type(v, json_type_array) ? ipath : path, items[i],
			    &st->resources[i]) < 0) {
			free(items);
			return -1;
		}
		st->nresources = i + 1;
	}
	free(items);
	return 0;
}

static int parse_sid(sts_parse_ctx *pc, const char *path, json_object *v, sts_statement *st)
{
	const char *sid;

	if (!json_object_is_type(v, json_type_string))
		return fail(pc, path, "must be a string");
	sid = json_object_get_string(v);
	/* IAM: "Statement IDs (SID) must be alpha-numeric" ([0-9A-Za-z]*). */
	for (const char *c = sid; *c; c++) {
		if (!isalnum((unsigned char)*c))
			return fail(pc, path,
				    "Sid may contain only letters A-Z, a-z and digits 0-9");
	}
	st->sid = strdup(sid);
	return st->sid ? 0 : fail(pc, path, "out of memory");
}

static int parse_effect(sts_parse_ctx *pc, const char *path, json_object *v, sts_statement *st)
{
	const char *effect = json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
									"";

	/* Case-sensitive, as IAM is: "allow" is refused. */
	if (strcmp(effect, "Allow") == 0)
		st->allow = true;
	else if (strcmp(effect, "Deny") == 0)
		st->allow = false;
	else
		return fail(pc, path, "Effect must be \"Allow\" or \"Deny\"");
	return 0;
}

/* Exactly one of |a| / |b| (e.g. Action / NotAction); returns which in *is_b. */
static int pick_one(sts_parse_ctx *pc, const char *path, json_object *obj, const char *a,
		    const char *b, bool required, json_object **out, bool *is_b)
{
	json_object *va = NULL, *vb = NULL;
	char msg[128];

	json_object_object_get_ex(obj, a, &va);
	json_object_object_get_ex(obj, b, &vb);
	*out = va ? va : vb;
	*is_b = va == NULL && vb != NULL;
	if (va && vb) {
		sts_fmt(msg, sizeof(msg), "has both %s and %s", a, b);
		return fail(pc, path, msg);
	}
	if (required && !va && !vb) {
		sts_fmt(msg, sizeof(msg), "must contain %s (or %s)", a, b);
		return fail(pc, path, msg);
	}
	return 0;
}

static int parse_statement_body(sts_parse_ctx *pc, const char *path, json_object *obj,
				sts_statement *st)
{
	char fpath[PATH_MAX_LEN];
	json_object *v;
	bool flag;

	json_object_object_foreach(obj, key, val) {
		if (!sts_in_list(key, statement_fields)) {
			sts_fmt(fpath, sizeof(fpath), "%s.%s", path, key);
			return fail(pc, fpath, "unknown statement field");
		}
		(void)val;
	}
	if (json_object_object_get_ex(obj, "Sid", &v)) {
		sts_fmt(fpath, sizeof(fpath), "%s.Sid", path);
		if (parse_sid(pc, fpath, v, st) < 0)
			return -1;
	}
	if (!json_object_object_get_ex(obj, "Effect", &v))
		return fail(pc, path, "must contain Effect");
	sts_fmt(fpath, sizeof(fpath), "%s.Effect", path);
	if (parse_effect(pc, fpath, v, st) < 0)
		return -1;

	if (pick_one(pc, path, obj, "Action", "NotAction", true, &v, &st->not_action) < 0)
		return -1;
	sts_fmt(fpath, sizeof(fpath), "%s.%s", path, st->not_action ? "NotAction" : "Action");
	if (parse_actions(pc, fpath, v, st) < 0)
		return -1;

	if (pick_one(pc, path, obj, "Resource", "NotResource", pc->kind != STS_DOC_TRUST, &v,
		     &st->not_resource) < 0)
		return -1;
	if (v) {
		st->has_resource = true;
		sts_fmt(fpath, sizeof(fpath), "%s.%s", path,
			st->not_resource ? "NotResource" : "Resource");
		if (parse_resources(pc, fpath, v, st) < 0)
			return -1;
	}

	if (pick_one(pc, path, obj, "Principal", "NotPrincipal", pc->kind == STS_DOC_TRUST, &v,
		     &flag) < 0)
		return -1;
	if (v) {
		st->not_principal = flag;
		sts_fmt(fpath, sizeof(fpath), "%s.%s", path, flag ? "NotPrincipal" : "Principal");
		if (pc->kind == STS_DOC_TRUST && flag)
			return fail(pc, fpath,
				    "NotPrincipal cannot be used in a role trust policy");
		if (pc->kind != STS_DOC_TRUST)
			return fail(pc, fpath,
				    "a Principal belongs in resource and trust policies, "
				    "not in identity or session policies");
		if (sts_parse_principal(pc, fpath, v, &st->principal) < 0)
			return -1;
	}

	if (json_object_object_get_ex(obj, "Condition", &v)) {
		sts_fmt(fpath, sizeof(fpath), "%s.Condition", path);
		if (sts_parse_condition_block(pc, fpath, v, st) < 0)
			return -1;
	}
	return 0;
}

static void statement_free(sts_statement *st)
{
	free(st->sid);
	for (size_t i = 0; i < st->nactions; i++)
		free(st->actions[i].glob);
	free(st->actions);
	for (size_t i = 0; i < st->nresources; i++)
		sts_resource_pattern_free(&st->resources[i]);
	free(st->resources);
	sts_principal_free(&st->principal);
	for (size_t i = 0; i < st->nconditions; i++)
		sts_condition_free(&st->conditions[i]);
	free(st->conditions);
}

void sts_policy_free(sts_policy *policy)
{
	if (!policy)
		return;
	for (size_t i = 0; i < policy->nstatements; i++)
		statement_free(&policy->statements[i]);
	free(policy->statements);
	free(policy->name);
	free(policy);
}

static int check_unique_sids(sts_parse_ctx *pc, const sts_policy *policy, bool is_array)
{
	for (size_t i = 0; i < policy->nstatements; i++) {
		const char *sid = policy->statements[i].sid;
		if (!sid || !*sid)
			continue;
		for (size_t j = 0; j < i; j++) {
			const char *other = policy->statements[j].sid;
			if (other && strcmp(sid, other) == 0) {
				char path[PATH_MAX_LEN];
				sts_fmt(path, sizeof(path),
					is_array ? "Statement[%zu].Sid" : "Statement.Sid", i);
				return fail(pc, path,
					    "Statement IDs (Sid) in one policy must be unique");
			}
		}
	}
	return 0;
}

static int parse_statements(sts_parse_ctx *pc, json_object *stmts, sts_policy *policy)
{
	bool is_array = json_object_is_type(stmts, json_type_array);
	size_t n = is_array ? json_object_array_length(stmts) : 1;

	if (!is_array && !json_object_is_type(stmts, json_type_object))
		return fail(pc, "Statement", "must be an object or an array of objects");
	if (n == 0)
		return fail(pc, "Statement", "must contain at least one statement");
	policy->statements = calloc(n, sizeof(*policy->statements));
	if (!policy->statements)
		return fail(pc, "Statement", "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *obj = is_array ? json_object_array_get_idx(stmts, i) : stmts;
		char path[PATH_MAX_LEN];
		sts_statement *st = &policy->statements[i];

		sts_fmt(path, sizeof(path), is_array ? "Statement[%zu]" : "Statement", i);
		policy->nstatements = i + 1;
		st->index = (int)i;
		if (!json_object_is_type(obj, json_type_object))
			return fail(pc, path, "must be an object");
		if (parse_statement_body(pc, path, obj, st) < 0)
			return -1;
	}
	return check_unique_sids(pc, policy, is_array);
}

static int parse_version(sts_parse_ctx *pc, json_object *root)
{
	json_object *v;
	const char *version;

	if (!json_object_object_get_ex(root, "Version", &v)) {
		if (pc->kind == STS_DOC_IDENTITY)
			return fail(pc, "Version",
				    "missing: policy document must be version "
				    "2012-10-17 (a missing Version means 2008-10-17)");
		pc->variables = false;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(pc, "Version", "must be a string");
	version = json_object_get_string(v);
	if (strcmp(version, "2012-10-17") == 0) {
		pc->variables = true;
	} else if (strcmp(version, "2008-10-17") == 0) {
		if (pc->kind == STS_DOC_IDENTITY)
			return fail(pc, "Version",
				    "policy document must be version 2012-10-17 or greater");
		pc->variables = false;
	} else {
		return fail(pc, "Version", "unsupported Version (use \"2012-10-17\")");
	}
	return 0;
}

static int parse_root(sts_parse_ctx *pc, json_object *root, sts_policy *policy)
{
	json_object *v;

	if (!json_object_is_type(root, json_type_object))
		return fail(pc, "(document)", "must be a JSON object");
	json_object_object_foreach(root, key, val) {
		(void)val;
		if (!sts_in_list(key, top_fields))
			return fail(pc, key, "unknown top-level field");
	}
	if (parse_version(pc, root) < 0)
		return -1;
	policy->variables = pc->variables;
	if (json_object_object_get_ex(root, "Id", &v) && !json_object_is_type(v, json_type_string))
		return fail(pc, "Id", "must be a string");
	if (!json_object_object_get_ex(root, "Statement", &v))
		return fail(pc, "Statement", "missing");
	return parse_statements(pc, v, policy);
}

int sts_policy_parse(const char *text, size_t len, const char *name, sts_doc_kind kind,
		     sts_policy **out, sts_error *err)
{
	sts_parse_ctx pc = { .name = name ? name : "(policy)", .kind = kind, .err = err };
	json_object *root = NULL;
	sts_policy *policy = NULL;
	int rc = -1;

	*out = NULL;
	sts_error_clear(err);
	if (sts_policy_text_check(text, len, pc.name, kind, err) < 0)
		return -1;
	if (sts_policy_json_parse(text, len, pc.name, &root, err) < 0)
		return -1;
	policy = calloc(1, sizeof(*policy));
	if (!policy || !(policy->name = strdup(pc.name))) {
		sts_error_set(err, "%s: out of memory", pc.name);
		goto out;
	}
	if (parse_root(&pc, root, policy) < 0)
		goto out;
	*out = policy;
	policy = NULL;
	rc = 0;
out:
	sts_policy_free(policy);
	json_object_put(root);
	return rc;
}

const char *sts_policy_name(const sts_policy *policy)
{
	return policy->name;
}

size_t sts_policy_statement_count(const sts_policy *policy)
{
	return policy->nstatements;
}
