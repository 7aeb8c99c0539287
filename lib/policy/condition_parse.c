/*
 * The Condition block: {Operator: {key: value | [values]}}. Operators are
 * table-driven; every policy value is parsed for its operator here, so a
 * value that cannot match (a bad date, number or CIDR) is refused at load.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy/context.h"
#include "policy/policy_internal.h"

typedef struct {
	const char *name;
	sts_op_family family;
	sts_cmp cmp;
	bool negated;
} sts_operator;

static const sts_operator operators[] = {
	{ "StringEquals", FAM_STRING, CMP_EQ, false },
	{ "StringNotEquals", FAM_STRING, CMP_EQ, true },
	{ "StringEqualsIgnoreCase", FAM_STRING, CMP_EQ_NOCASE, false },
	{ "StringNotEqualsIgnoreCase", FAM_STRING, CMP_EQ_NOCASE, true },
	{ "StringLike", FAM_STRING, CMP_LIKE, false },
	{ "StringNotLike", FAM_STRING, CMP_LIKE, true },
	{ "NumericEquals", FAM_NUMERIC, CMP_EQ, false },
	{ "NumericNotEquals", FAM_NUMERIC, CMP_EQ, true },
	{ "NumericLessThan", FAM_NUMERIC, CMP_LT, false },
	{ "NumericLessThanEquals", FAM_NUMERIC, CMP_LE, false },
	{ "NumericGreaterThan", FAM_NUMERIC, CMP_GT, false },
	{ "NumericGreaterThanEquals", FAM_NUMERIC, CMP_GE, false },
	{ "DateEquals", FAM_DATE, CMP_EQ, false },
	{ "DateNotEquals", FAM_DATE, CMP_EQ, true },
	{ "DateLessThan", FAM_DATE, CMP_LT, false },
	{ "DateLessThanEquals", FAM_DATE, CMP_LE, false },
	{ "DateGreaterThan", FAM_DATE, CMP_GT, false },
	{ "DateGreaterThanEquals", FAM_DATE, CMP_GE, false },
	{ "Bool", FAM_BOOL, CMP_EQ, false },
	{ "BinaryEquals", FAM_BINARY, CMP_EQ, false },
	{ "IpAddress", FAM_IP, CMP_EQ, false },
	{ "NotIpAddress", FAM_IP, CMP_EQ, true },
	/* ArnEquals behaves as ArnLike, ArnNotEquals as ArnNotLike (AWS docs). */
	{ "ArnEquals", FAM_ARN, CMP_LIKE, false },
	{ "ArnLike", FAM_ARN, CMP_LIKE, false },
	{ "ArnNotEquals", FAM_ARN, CMP_LIKE, true },
	{ "ArnNotLike", FAM_ARN, CMP_LIKE, true },
	{ "Null", FAM_NULL, CMP_EQ, false },
};

#define IFEXISTS "IfExists"

static int fail(sts_parse_ctx *pc, const char *path, const char *what)
{
	return sts_error_set(pc->err, "%s: %s: %s", pc->name, path, what);
}

/* [ForAnyValue:|ForAllValues:]Base[IfExists] -> the compiled operator. */
static int parse_operator(sts_parse_ctx *pc, const char *path, const char *name, sts_condition *c)
{
	size_t len, suffix = strlen(IFEXISTS);

	if (strncmp(name, "ForAnyValue:", 12) == 0) {
		c->qualifier = QUAL_ANY;
		name += 12;
	} else if (strncmp(name, "ForAllValues:", 13) == 0) {
		c->qualifier = QUAL_ALL;
		name += 13;
	}
	len = strlen(name);
	if (len > suffix && strcmp(name + len - suffix, IFEXISTS) == 0) {
		c->if_exists = true;
		len -= suffix;
	}
	for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
		const sts_operator *op = &operators[i];
		if (strlen(op->name) != len || strncmp(op->name, name, len) != 0)
			continue;
		if (op->family == FAM_NULL && c->if_exists)
			return fail(pc, path, "Null cannot be used with IfExists");
		c->family = op->family;
		c->cmp = op->cmp;
		c->negated = op->negated;
		return 0;
	}
	return fail(pc, path, "unknown condition operator");
}

/* IAM accepts any non-empty key name (even without a vendor prefix). */
static int check_key(sts_parse_ctx *pc, const char *path, const char *key)
{
	if (key[0] == '\0')
		return fail(pc, path, "condition key must not be empty");
	return 0;
}

static int parse_value(sts_parse_ctx *pc, const char *path, const char *text, sts_condition *c,
		       sts_cond_value *v)
{
	bool flag;

	switch (c->family) {
	case FAM_STRING:
		if (sts_template_compile(&v->text, text, pc->variables) < 0)
			return fail(pc, path, "out of memory");
		return 0;
	case FAM_ARN:
		if (sts_template_compile(&v->text, text, pc->variables) < 0)
			return fail(pc, path, "out of memory");
		if (!v->text.has_vars)
			v->is_arn =
				sts_arn_view_pattern(v->text.glob, strlen(v->text.glob), &v->view);
		return 0;
	case FAM_BOOL:
		/* A variable may supply the value; otherwise it must read as a bool. */
		if (sts_template_compile(&v->text, text, pc->variables) < 0)
			return fail(pc, path, "out of memory");
		if (!v->text.has_vars && !sts_parse_bool(text, &flag))
			return fail(pc, path, "Bool value must be \"true\" or \"false\"");
		return 0;
	case FAM_NUMERIC:
		return sts_parse_number(text, &v->number) ? 0 : fail(pc, path, "not a number");
	case FAM_DATE:
		if (sts_parse_date(text, &v->date))
			return 0;
		v->unreadable = sts_date_accepted_by_iam(text);
		return v->unreadable ? 0 :
				       fail(pc, path,
					    "not a date (ISO 8601, e.g. 2026-01-31T12:00:00Z, "
					    "or epoch seconds)");
	case FAM_IP:
		return sts_parse_cidr(text, true, &v->cidr) ?
			       0 :
			       fail(pc, path, "not an IP address or CIDR block");
	case FAM_BINARY:
		return sts_parse_base64(text, &v->bytes, &v->nbytes) ? 0 :
								       fail(pc, path, "not base64");
	case FAM_NULL:
		return sts_parse_bool(text, &v->flag) ?
			       0 :
			       fail(pc, path, "Null value must be \"true\" or \"false\"");
	}
	return fail(pc, path, "unsupported operator family");
}

/* Condition values are strings, numbers or booleans (quotes are optional). */
static const char *scalar_text(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		return json_object_get_string(v);
	default:
		return NULL;
	}
}

static int parse_values(sts_parse_ctx *pc, const char *path, json_object *vals, sts_condition *c)
{
	bool is_array = json_object_is_type(vals, json_type_array);
	size_t n = is_array ? json_object_array_length(vals) : 1;

	c->values = calloc(n ? n : 1, sizeof(*c->values));
	if (!c->values)
		return fail(pc, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *item = is_array ? json_object_array_get_idx(vals, i) : vals;
		const char *text = scalar_text(item);
		char ipath[400];

		sts_fmt(ipath, sizeof(ipath), is_array ? "%s[%zu]" : "%s", path, i);
		if (!text)
			return fail(pc, ipath, "must be a string, number or boolean");
		c->nvalues = i + 1;
		if (parse_value(pc, ipath, text, c, &c->values[i]) < 0)
			return -1;
	}
	return 0;
}

static sts_condition *new_condition(sts_statement *st)
{
	sts_condition *grown = realloc(st->conditions, (st->nconditions + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	st->conditions = grown;
	memset(&grown[st->nconditions], 0, sizeof(*grown));
	return &grown[st->nconditions++];
}

static int parse_operator_block(sts_parse_ctx *pc, const char *path, const char *opname,
				json_object *keys, sts_statement *st)
{
	sts_condition proto;

	memset(&proto, 0, sizeof(proto));
	if (!json_object_is_type(keys, json_type_object))
		return fail(pc, path, "must be an object of {condition key: value(s)}");
	/* IAM accepts an empty block under any name; it has no effect. */
	if (json_object_object_length(keys) == 0)
		return 0;
	if (parse_operator(pc, path, opname, &proto) < 0)
		return -1;
	json_object_object_foreach(keys, key, vals) {
		char kpath[400];
		sts_condition *c;

		sts_fmt(kpath, sizeof(kpath), "%s.%s", path, key);
		if (check_key(pc, kpath, key) < 0)
			return -1;
		c = new_condition(st);
		if (!c)
			return fail(pc, kpath, "out of memory");
		*c = proto;
		c->key = sts_strdup_lower(key, strlen(key));
		if (!c->key)
			return fail(pc, kpath, "out of memory");
		c->key_len = strlen(c->key);
		if (parse_values(pc, kpath, vals, c) < 0)
			return -1;
	}
	return 0;
}

int sts_parse_condition_block(sts_parse_ctx *pc, const char *path, json_object *block,
			      sts_statement *st)
{
	if (!json_object_is_type(block, json_type_object))
		return fail(pc, path, "must be an object of {operator: {key: value}}");
	json_object_object_foreach(block, opname, keys) {
		char opath[300];
		sts_fmt(opath, sizeof(opath), "%s.%s", path, opname);
		if (parse_operator_block(pc, opath, opname, keys, st) < 0)
			return -1;
	}
	return 0;
}

void sts_condition_free(sts_condition *c)
{
	for (size_t i = 0; i < c->nvalues; i++) {
		sts_template_free(&c->values[i].text);
		free(c->values[i].bytes);
	}
	free(c->values);
	free(c->key);
}
