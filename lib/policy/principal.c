/*
 * Principal / NotPrincipal of trust (resource) policies: parsed, and matched
 * against the caller's ARN (the keys derived from that ARN are in
 * context_keys.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/parse.h"
#include "policy/context.h"
#include "policy/policy_internal.h"

static const char *const principal_types[] = { "AWS", "Federated", "Service", "CanonicalUser",
					       NULL };

static int add_value(sts_principal_spec *p, const char *type, const char *value)
{
	size_t need = strlen(type) + strlen(value) + 2;
	char **grown = realloc(p->values, (p->nvalues + 1) * sizeof(*grown));
	char *joined;

	if (!grown)
		return -1;
	p->values = grown;
	joined = malloc(need);
	if (!joined)
		return -1;
	sts_fmt(joined, need, "%s:%s", type, value);
	p->values[p->nvalues++] = joined;
	return 0;
}

static int principal_value(sts_parse_ctx *pc, const char *path, const char *type, const char *value,
			   sts_principal_spec *out)
{
	if (strcmp(value, "*") != 0 && strpbrk(value, "*?"))
		return sts_error_set(
			pc->err,
			"%s: %s: a principal cannot contain wildcards (use a Condition on "
			"aws:PrincipalArn): \"%.200s\"",
			pc->name, path, value);
	if (strcmp(type, "AWS") == 0 && strcmp(value, "*") == 0)
		out->kind = PRINCIPAL_ANY;
	if (add_value(out, type, value) < 0)
		return sts_error_set(pc->err, "%s: %s: out of memory", pc->name, path);
	return 0;
}

int sts_parse_principal(sts_parse_ctx *pc, const char *path, json_object *v,
			sts_principal_spec *out)
{
	char tpath[256];

	memset(out, 0, sizeof(*out));
	if (json_object_is_type(v, json_type_string)) {
		if (strcmp(json_object_get_string(v), "*") != 0)
			return sts_error_set(pc->err,
					     "%s: %s: must be \"*\" or an object such as "
					     "{\"AWS\": \"arn:...\"}",
					     pc->name, path);
		out->kind = PRINCIPAL_ANY;
		return 0;
	}
	if (!json_object_is_type(v, json_type_object) || json_object_object_length(v) == 0)
		return sts_error_set(pc->err, "%s: %s: must be \"*\" or a non-empty object",
				     pc->name, path);
	out->kind = PRINCIPAL_LIST;
	json_object_object_foreach(v, type, list) {
		sts_fmt(tpath, sizeof(tpath), "%s.%s", path, type);
		if (!sts_in_list(type, principal_types))
			return sts_error_set(pc->err, "%s: %s: unknown principal type", pc->name,
					     tpath);
		if (json_object_is_type(list, json_type_string)) {
			if (principal_value(pc, tpath, type, json_object_get_string(list), out) < 0)
				return -1;
			continue;
		}
		if (!json_object_is_type(list, json_type_array) ||
		    json_object_array_length(list) == 0)
			return sts_error_set(pc->err,
					     "%s: %s: must be a string or a non-empty array",
					     pc->name, tpath);
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *item = json_object_array_get_idx(list, i);
			char ipath[300];
			sts_fmt(ipath, sizeof(ipath), "%s[%zu]", tpath, i);
			if (!json_object_is_type(item, json_type_string))
				return sts_error_set(pc->err, "%s: %s: must be a string", pc->name,
						     ipath);
			if (principal_value(pc, ipath, type, json_object_get_string(item), out) < 0)
				return -1;
		}
	}
	return 0;
}

void sts_principal_free(sts_principal_spec *p)
{
	for (size_t i = 0; i < p->nvalues; i++)
		free(p->values[i]);
	free(p->values);
	memset(p, 0, sizeof(*p));
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return len > 0;
}

/*
 * One "AWS" principal value against the caller's ARN: an account id or
 * account root ARN names every principal of the account; a role ARN also
 * names the sessions of that role; anything else must be equal.
 */
static bool aws_principal_match(const char *value, const char *principal)
{
	const char *pf[6], *vf[6];
	size_t pl[6], vl[6];
	bool parsed = sts_arn_split(principal, strlen(principal), pf, pl);

	if (strcmp(value, "*") == 0 || strcmp(value, principal) == 0)
		return true;
	if (!parsed)
		return false;
	if (all_digits(value, strlen(value)))
		return strlen(value) == pl[4] && memcmp(value, pf[4], pl[4]) == 0;
	if (!sts_arn_split(value, strlen(value), vf, vl))
		return false;
	if (vl[4] != pl[4] || memcmp(vf[4], pf[4], pl[4]) != 0)
		return false;
	if (vl[5] == 4 && memcmp(vf[5], "root", 4) == 0)
		return true;
	if (vl[5] > 5 && memcmp(vf[5], "role/", 5) == 0 && pl[5] > 13 &&
	    memcmp(pf[5], "assumed-role/", 13) == 0) {
		/* role/PATH/NAME names the sessions assumed-role/NAME/SESSION */
		const char *name = (const char *)memrchr(vf[5], '/', vl[5]) + 1;
		size_t nlen = vl[5] - (size_t)(name - vf[5]);
		return pl[5] > 13 + nlen && memcmp(pf[5] + 13, name, nlen) == 0 &&
		       pf[5][13 + nlen] == '/';
	}
	return false;
}

bool sts_principal_match(const sts_principal_spec *spec, const char *principal)
{
	if (spec->kind == PRINCIPAL_ANY)
		return true;
	if (!principal)
		return false;
	for (size_t i = 0; i < spec->nvalues; i++) {
		const char *v = spec->values[i];
		if (strncmp(v, "AWS:", 4) == 0) {
			if (aws_principal_match(v + 4, principal))
				return true;
		} else if (strcmp(strchr(v, ':') + 1, principal) == 0) {
			return true;
		}
	}
	return false;
}
