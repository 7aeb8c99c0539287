/* Context keys AWS derives from the caller and the clock. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy/policy_internal.h"

static int add_unless_set(sts_context *ctx, const char *key, const char *value)
{
	if (sts_context_has(ctx, key))
		return 0; /* a key given explicitly always wins */
	return sts_context_add(ctx, key, value);
}

/* The last '/'-separated part of |s| (length |len|). */
static const char *last_part(const char *s, size_t len, size_t *plen)
{
	const char *slash = memrchr(s, '/', len);
	const char *start = slash ? slash + 1 : s;

	*plen = len - (size_t)(start - s);
	return start;
}

int sts_context_add_principal_keys(sts_context *ctx, const char *arn)
{
	const char *f[6];
	size_t l[6], nlen;
	char buf[1024];
	const char *name;
	int rc = 0;

	if (!arn || !sts_arn_split(arn, strlen(arn), f, l) || l[5] >= 512)
		return 0; /* not an ARN: nothing can be derived */
	snprintf(buf, sizeof(buf), "%.*s", (int)l[4], f[4]);
	rc |= add_unless_set(ctx, "aws:PrincipalAccount", buf);
	if (l[5] > 5 && memcmp(f[5], "user/", 5) == 0) {
		name = last_part(f[5], l[5], &nlen);
		snprintf(buf, sizeof(buf), "%.*s", (int)nlen, name);
		rc |= add_unless_set(ctx, "aws:username", buf);
		rc |= add_unless_set(ctx, "aws:PrincipalArn", arn);
		rc |= add_unless_set(ctx, "aws:PrincipalType", "User");
	} else if (l[5] > 13 && memcmp(f[5], "assumed-role/", 13) == 0) {
		/* arn:P:sts::A:assumed-role/ROLE/SESSION -> arn:P:iam::A:role/ROLE */
		const char *role = f[5] + 13;
		const char *end = memchr(role, '/', l[5] - 13);
		size_t rlen = end ? (size_t)(end - role) : l[5] - 13;
		snprintf(buf, sizeof(buf), "arn:%.*s:iam::%.*s:role/%.*s", (int)l[1], f[1],
			 (int)l[4], f[4], (int)rlen, role);
		rc |= add_unless_set(ctx, "aws:PrincipalArn", buf);
		rc |= add_unless_set(ctx, "aws:PrincipalType", "AssumedRole");
	} else if (l[5] > 15 && memcmp(f[5], "federated-user/", 15) == 0) {
		snprintf(buf, sizeof(buf), "%.*s:%.*s", (int)l[4], f[4], (int)(l[5] - 15),
			 f[5] + 15);
		rc |= add_unless_set(ctx, "aws:userid", buf);
		rc |= add_unless_set(ctx, "aws:PrincipalArn", arn);
		rc |= add_unless_set(ctx, "aws:PrincipalType", "FederatedUser");
	} else if (l[5] == 4 && memcmp(f[5], "root", 4) == 0) {
		snprintf(buf, sizeof(buf), "%.*s", (int)l[4], f[4]);
		rc |= add_unless_set(ctx, "aws:userid", buf);
		rc |= add_unless_set(ctx, "aws:PrincipalArn", arn);
		rc |= add_unless_set(ctx, "aws:PrincipalType", "Account");
	} else {
		rc |= add_unless_set(ctx, "aws:PrincipalArn", arn);
	}
	return rc ? -1 : 0;
}

int sts_context_add_time_keys(sts_context *ctx, int64_t now)
{
	char iso[32], epoch[32];
	time_t t = (time_t)now;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return -1;
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(epoch, sizeof(epoch), "%lld", (long long)now);
	if (add_unless_set(ctx, "aws:CurrentTime", iso) < 0 ||
	    add_unless_set(ctx, "aws:EpochTime", epoch) < 0)
		return -1;
	return 0;
}
