/*
 * Condition evaluation, following AWS's documented rules:
 * - operators AND together, keys under one operator AND, values of one key OR;
 *   negated operators combine their values as NOR;
 * - an absent key fails a condition, except that negated operators, IfExists
 *   and ForAllValues are then true (and Null tests for absence itself);
 * - a single-valued operator never matches a multi-valued key;
 * - a request value that does not parse for its operator never satisfies it;
 * - an unresolved policy variable matches nothing (so a negated operator
 *   holding one does match).
 */
#include <stdlib.h>
#include <string.h>

#include "policy/context.h"
#include "policy/policy_internal.h"
#include "policy/wildcard.h"

#define RENDER_CAP 4096

/* A request value parsed once for the condition's operator family. */
typedef struct {
	const char *text;
	sts_arn_view arn;
	double number;
	sts_time date;
	sts_cidr cidr;
	bool flag;
	unsigned char *bytes;
	size_t nbytes;
} typed_value;

static bool parse_request_value(sts_op_family family, const char *text, typed_value *tv)
{
	tv->text = text;
	tv->bytes = NULL;
	switch (family) {
	case FAM_STRING:
		return true;
	case FAM_ARN:
		/* A value that is not an ARN never satisfies an Arn* operator,
		 * negated or not (as the IAM policy simulator behaves). */
		return strncmp(text, "arn:", 4) == 0 &&
		       sts_arn_split(text, strlen(text), tv->arn.f, tv->arn.l);
	case FAM_NUMERIC:
		return sts_parse_number(text, &tv->number);
	case FAM_DATE:
		return sts_parse_date(text, &tv->date);
	case FAM_BOOL:
		return sts_parse_bool(text, &tv->flag);
	case FAM_IP:
		return sts_parse_cidr(text, false, &tv->cidr);
	case FAM_BINARY:
		return sts_parse_base64(text, &tv->bytes, &tv->nbytes);
	case FAM_NULL:
		return true;
	}
	return false;
}

/* Simple case folding: ASCII and Latin-1 (U+00C0..U+00DE), no normalisation. */
static unsigned fold(const unsigned char *s, size_t *i)
{
	unsigned c = s[*i];

	if (c >= 'A' && c <= 'Z') {
		(*i)++;
		return c + 32;
	}
	if (c == 0xC3 && s[*i + 1] >= 0x80 && s[*i + 1] <= 0x9E && s[*i + 1] != 0x97) {
		unsigned next = s[*i + 1];
		*i += 2;
		return 0xC300 | (next + 0x20);
	}
	if (c == 0xC3 && s[*i + 1]) {
		unsigned next = s[*i + 1];
		*i += 2;
		return 0xC300 | next;
	}
	(*i)++;
	return c;
}

static bool equal_nocase(const char *a, const char *b)
{
	size_t i = 0, j = 0;
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (x[i] && y[j]) {
		if (fold(x, &i) != fold(y, &j))
			return false;
	}
	return x[i] == '\0' && y[j] == '\0';
}

static int compare_order(sts_cmp cmp, int order)
{
	switch (cmp) {
	case CMP_EQ:
	case CMP_EQ_NOCASE:
		return order == 0;
	case CMP_LT:
		return order < 0;
	case CMP_LE:
		return order <= 0;
	case CMP_GT:
		return order > 0;
	case CMP_GE:
		return order >= 0;
	case CMP_LIKE:
		break;
	}
	return 0;
}

static bool text_match(const sts_condition *c, const sts_cond_value *pv, const typed_value *tv,
		       const sts_context *ctx)
{
	char buf[RENDER_CAP];
	bool like = c->cmp == CMP_LIKE;
	const char *pattern = like ? pv->text.glob : pv->text.plain;
	long plen;

	if (pv->text.has_vars) {
		plen = sts_template_render(&pv->text, like ? RENDER_GLOB : RENDER_PLAIN, ctx, buf,
					   sizeof(buf));
		if (plen < 0)
			return false; /* unresolved variable: matches nothing */
		pattern = buf;
	} else {
		plen = (long)strlen(pattern);
	}
	if (c->family == FAM_ARN) {
		sts_arn_view view;
		if (pv->is_arn)
			return sts_arn_view_match(&pv->view, &tv->arn);
		if (!sts_arn_view_pattern(pattern, (size_t)plen, &view))
			return sts_glob_match(pattern, (size_t)plen, tv->text, strlen(tv->text));
		return sts_arn_view_match(&view, &tv->arn);
	}
	if (c->family == FAM_BOOL) {
		bool want;
		return sts_parse_bool(pattern, &want) && want == tv->flag;
	}
	if (like)
		return sts_glob_match(pattern, (size_t)plen, tv->text, strlen(tv->text));
	if (c->cmp == CMP_EQ_NOCASE)
		return equal_nocase(pattern, tv->text);
	return strcmp(pattern, tv->text) == 0;
}

static bool value_match(const sts_condition *c, const sts_cond_value *pv, const typed_value *tv,
			const sts_context *ctx)
{
	switch (c->family) {
	case FAM_STRING:
	case FAM_ARN:
	case FAM_BOOL:
		return text_match(c, pv, tv, ctx);
	case FAM_NUMERIC:
		return compare_order(c->cmp, (tv->number > pv->number) - (tv->number < pv->number));
	case FAM_DATE:
		if (pv->unreadable)
			return false;
		return compare_order(c->cmp, sts_time_cmp(&tv->date, &pv->date));
	case FAM_IP:
		return sts_cidr_contains(&pv->cidr, &tv->cidr);
	case FAM_BINARY:
		return tv->nbytes == pv->nbytes && memcmp(tv->bytes, pv->bytes, pv->nbytes) == 0;
	case FAM_NULL:
		break;
	}
	return false;
}

/* Whether one request value satisfies the operator (NOR for negated ones). */
static bool request_value_satisfies(const sts_condition *c, const char *text,
				    const sts_context *ctx)
{
	typed_value tv;
	bool any = false;

	if (!parse_request_value(c->family, text, &tv))
		return false;
	for (size_t i = 0; i < c->nvalues && !any; i++)
		any = value_match(c, &c->values[i], &tv, ctx);
	free(tv.bytes);
	return c->negated ? !any : any;
}

static bool null_condition(const sts_condition *c, const sts_context_entry *e)
{
	bool absent = e == NULL; /* KEY[] with no values is present */

	if (c->qualifier == QUAL_ALL)
		return true;
	if (c->qualifier == QUAL_ANY)
		return false;
	for (size_t i = 0; i < c->nvalues; i++) {
		if (c->values[i].flag == absent)
			return true;
	}
	return false;
}

static bool condition_holds(const sts_condition *c, const sts_context *ctx)
{
	const sts_context_entry *e = sts_context_find_n(ctx, c->key, c->key_len);

	if (c->family == FAM_NULL)
		return null_condition(c, e);
	if (!e) {
		if (c->if_exists || c->qualifier == QUAL_ALL)
			return true;
		if (c->qualifier == QUAL_ANY || c->nvalues == 0)
			return false;
		return c->negated;
	}
	if (c->nvalues == 0)
		return false;
	switch (c->qualifier) {
	case QUAL_NONE:
		if (e->multi)
			return false; /* single-valued operator on a multi-valued key */
		return request_value_satisfies(c, e->values[0], ctx);
	case QUAL_ANY:
		for (size_t i = 0; i < e->nvalues; i++) {
			if (request_value_satisfies(c, e->values[i], ctx))
				return true;
		}
		return false;
	case QUAL_ALL:
		for (size_t i = 0; i < e->nvalues; i++) {
			if (!request_value_satisfies(c, e->values[i], ctx))
				return false;
		}
		return true;
	}
	return false;
}

bool sts_conditions_match(const sts_statement *st, const sts_context *ctx)
{
	for (size_t i = 0; i < st->nconditions; i++) {
		if (!condition_holds(&st->conditions[i], ctx))
			return false;
	}
	return true;
}
