/*
 * ARN matching for the Resource element and the Arn* operators: an ARN has
 * six colon-separated fields (arn:partition:service:region:account:resource,
 * the last may hold further colons) and wildcards match within a field, so
 * "arn:aws:s3:*:111:finance/x" never reaches into another field's text.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"
#include "policy/wildcard.h"

bool sts_arn_split(const char *arn, size_t len, const char *fields[6], size_t lens[6])
{
	size_t start = 0, field = 0;

	for (size_t i = 0; i < len && field < 5; i++) {
		if (arn[i] == '\\' && i + 1 < len) {
			i++; /* an escaped byte in a pattern is never a separator */
			continue;
		}
		if (arn[i] == ':') {
			fields[field] = arn + start;
			lens[field] = i - start;
			field++;
			start = i + 1;
		}
	}
	if (field != 5)
		return false;
	fields[5] = arn + start;
	lens[5] = len - start;
	return true;
}

bool sts_arn_view_pattern(const char *glob, size_t glen, sts_arn_view *view)
{
	if (!sts_arn_split(glob, glen, view->f, view->l))
		return false;
	for (int i = 0; i < 6; i++) {
		const char *f = view->f[i];
		size_t n = view->l[i];
		view->literal[i] = !memchr(f, '*', n) && !memchr(f, '?', n) && !memchr(f, '\\', n);
	}
	return true;
}

bool sts_arn_view_match(const sts_arn_view *pattern, const sts_arn_view *arn)
{
	/* The resource part (last, longest) is compared last. */
	for (int i = 0; i < 6; i++) {
		if (pattern->literal[i]) {
			if (pattern->l[i] != arn->l[i] ||
			    memcmp(pattern->f[i], arn->f[i], arn->l[i]) != 0)
				return false;
		} else if (!sts_glob_match(pattern->f[i], pattern->l[i], arn->f[i], arn->l[i])) {
			return false;
		}
	}
	return true;
}

bool sts_arn_glob_match(const char *glob, size_t glen, const char *arn, size_t alen)
{
	sts_arn_view pv, av;

	if (!sts_arn_view_pattern(glob, glen, &pv) || !sts_arn_split(arn, alen, av.f, av.l))
		return sts_glob_match(glob, glen, arn, alen); /* not ARNs: whole text */
	return sts_arn_view_match(&pv, &av);
}

bool sts_resource_match(const sts_resource_pattern *pat, const sts_prepared *pr)
{
	sts_arn_view view;
	char buf[4096];
	long glen;

	if (pat->is_star)
		return true;
	if (!pat->text.has_vars) {
		if (pat->is_arn && pr->resource_is_arn)
			return sts_arn_view_match(&pat->view, &pr->arn);
		return sts_glob_match(pat->text.glob, pat->glen, pr->resource, pr->resource_len);
	}
	glen = sts_template_render(&pat->text, RENDER_GLOB, pr->req->context, buf, sizeof(buf));
	if (glen < 0)
		return false; /* unresolved variable: the entry matches nothing */
	if (pr->resource_is_arn && sts_arn_view_pattern(buf, (size_t)glen, &view))
		return sts_arn_view_match(&view, &pr->arn);
	return sts_glob_match(buf, (size_t)glen, pr->resource, pr->resource_len);
}

static const char *const partitions[] = { "aws",       "aws-cn",    "aws-us-gov",
					  "aws-iso",   "aws-iso-b", "aws-iso-e",
					  "aws-iso-f", "aws-eusc",  NULL };

static bool has_wildcard(const char *s, size_t len)
{
	return memchr(s, '*', len) || memchr(s, '?', len);
}

static bool known_partition(const char *p, size_t len)
{
	if (has_wildcard(p, len))
		return true; /* a pattern such as "aws*" names partitions */
	for (size_t i = 0; partitions[i]; i++) {
		if (strlen(partitions[i]) == len && memcmp(partitions[i], p, len) == 0)
			return true;
	}
	return false;
}

static int bad_resource(sts_parse_ctx *pc, const char *path, const char *what, const char *text)
{
	return sts_error_set(pc->err, "%s: %s: %s: \"%.200s\"", pc->name, path, what, text);
}

static const char *const iam_resource_starts[] = { "user/",
						   "federated-user/",
						   "role/",
						   "group/",
						   "instance-profile/",
						   "mfa/",
						   "server-certificate/",
						   "policy/",
						   "sms-mfa/",
						   "saml-provider/",
						   "oidc-provider/",
						   "report/",
						   "access-report/",
						   "*",
						   NULL };

static bool starts_with_any(const char *s, size_t len, const char *const *list)
{
	for (size_t i = 0; list[i]; i++) {
		size_t n = strlen(list[i]);
		if (len >= n && memcmp(s, list[i], n) == 0)
			return true;
	}
	return false;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Service-specific rules IAM applies at CreatePolicy time. */
static int check_service_fields(sts_parse_ctx *pc, const char *path, const char *text,
				const char *f[6], const size_t l[6])
{
	bool iam = l[2] == 3 && memcmp(f[2], "iam", 3) == 0;
	bool s3 = l[2] == 2 && memcmp(f[2], "s3", 2) == 0;

	if (iam && l[3] != 0)
		return bad_resource(pc, path, "IAM resource ARNs cannot contain a region", text);
	/* S3 buckets and objects carry no region (access points do, with an account). */
	if (s3 && l[3] != 0 && l[4] == 0)
		return bad_resource(pc, path, "S3 resource ARNs cannot contain a region", text);
	if (iam && !starts_with_any(f[5], l[5], iam_resource_starts))
		return bad_resource(
			pc, path,
			"IAM resource path must be \"*\" or start with user/, role/, group/, "
			"policy/, federated-user/, mfa/, instance-profile/, ...",
			text);
	return 0;
}

/* "*" or an ARN as IAM's CreatePolicy accepts it. */
int sts_parse_resource_pattern(sts_parse_ctx *pc, const char *path, const char *text,
			       sts_resource_pattern *out)
{
	const char *f[6];
	size_t l[6], len = strlen(text), var_from = len;
	const char *partition = text + 4, *colon;

	memset(out, 0, sizeof(*out));
	if (strcmp(text, "*") == 0) {
		out->is_star = true;
		return 0;
	}
	if (len < 4 || memcmp(text, "arn:", 4) != 0)
		return bad_resource(pc, path, "resource must be \"*\" or an ARN", text);
	colon = strchr(partition, ':');
	if (!known_partition(partition, colon ? (size_t)(colon - partition) : strlen(partition)))
		return bad_resource(pc, path, "unknown ARN partition", text);
	if (!colon || colon[1] == ':' || colon[1] == '\0')
		return bad_resource(pc, path, "ARN service must be named", text);
	if (strcspn(colon + 1, ":") > strcspn(colon + 1, "*?"))
		return bad_resource(pc, path, "ARN service cannot contain wildcards", text);
	if (count_char(text, ':') < 5 && strstr(text, "::"))
		return bad_resource(pc, path,
				    "malformed ARN (arn:partition:service:region:account:resource)",
				    text);
	if (sts_arn_split(text, len, f, l)) {
		if (check_service_fields(pc, path, text, f, l) < 0)
			return -1;
		var_from = (size_t)(f[5] - text);
	}
	if (sts_template_compile_from(&out->text, text, pc->variables, var_from) < 0)
		return sts_error_set(pc->err, "%s: %s: out of memory", pc->name, path);
	if (!out->text.has_vars) {
		out->glen = strlen(out->text.glob);
		out->is_arn = sts_arn_view_pattern(out->text.glob, out->glen, &out->view);
	}
	return 0;
}

void sts_resource_pattern_free(sts_resource_pattern *r)
{
	sts_template_free(&r->text);
}
