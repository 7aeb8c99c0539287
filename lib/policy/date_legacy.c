/*
 * IAM's write-time acceptance of Date condition values, which is looser than
 * the W3C profile used at evaluation: it takes "01T" (year 1), a lower-case
 * 't', one-digit hours and a bare "+hh" zone. A value accepted here but not
 * by sts_parse_date() is kept in the policy and never matches, as the
 * evaluation-time parser of AWS cannot read it either.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "policy/values.h"

/* Optional sign and 1..18 digits, within [lo, hi]. */
static bool int_in(const char *s, size_t len, long long lo, long long hi)
{
	size_t i = 0;
	long long v = 0;
	bool neg = false;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == len || len - i > 18)
		return false;
	/* Every caller passes bytes it wrote; the analyzer loses track of the
	 * copy loop in sts_date_accepted_by_iam. */
	/* NOLINTBEGIN(clang-analyzer-core.uninitialized.ArraySubscript) */
	for (; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	/* NOLINTEND(clang-analyzer-core.uninitialized.ArraySubscript) */
	if (neg)
		v = -v;
	return v >= lo && v <= hi;
}

static bool date_part_ok(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	long long lo[3] = { -292275054LL, 1, 1 }, hi[3] = { 292278993LL, 12, 31 };
	int part = 0;

	if (p < end && *p == '-')
		p++; /* a negative year */
	while (part < 3) {
		const char *dash = memchr(p, '-', (size_t)(end - p));
		const char *stop = dash ? dash : end;
		const char *from = (part == 0 && p != s) ? s : p;
		if (!int_in(from, (size_t)(stop - from), lo[part], hi[part]))
			return false;
		part++;
		if (!dash)
			return true;
		p = dash + 1;
	}
	return false; /* a fourth part */
}

static bool seconds_ok(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);
	size_t whole = dot ? (size_t)(dot - s) : len;

	if (!int_in(s, whole, 0, 59))
		return false;
	return !dot || int_in(dot + 1, len - whole - 1, 0, 999999999);
}

static bool zone_ok(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t hlen = colon ? (size_t)(colon - s) : len;

	if (hlen != 2 || !int_in(s, 2, 0, 23))
		return false;
	return !colon || (len - hlen - 1 == 2 && int_in(colon + 1, 2, 0, 59));
}

static bool time_part_ok(const char *s, size_t len)
{
	const char *end = s + len, *c1, *c2, *sec, *z, *plus;

	if (len == 0)
		return true;
	c1 = memchr(s, ':', len);
	if (!int_in(s, (size_t)((c1 ? c1 : end) - s), 0, 23))
		return false;
	if (!c1)
		return true;
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (!int_in(c1 + 1, (size_t)((c2 ? c2 : end) - c1 - 1), 0, 59))
		return false;
	if (!c2)
		return true;
	sec = c2 + 1;
	z = memchr(sec, 'z', (size_t)(end - sec));
	plus = memchr(sec, '+', (size_t)(end - sec));
	if (z)
		return z + 1 == end && seconds_ok(sec, (size_t)(z - sec));
	if (plus)
		return seconds_ok(sec, (size_t)(plus - sec)) &&
		       zone_ok(plus + 1, (size_t)(end - plus - 1));
	return seconds_ok(sec, (size_t)(end - sec));
}

bool sts_date_accepted_by_iam(const char *value)
{
	size_t len = strlen(value);
	char lower[128];
	const char *t;

	if (len == 0 || len >= sizeof(lower))
		return false;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)value[i]);
	if (!strchr(lower, 't') && !strchr(lower, '-'))
		return int_in(lower, len, 0, 999999999999999999LL); /* epoch seconds */
	t = strchr(lower, 't');
	if (!t)
		return date_part_ok(lower, len);
	return date_part_ok(lower, (size_t)(t - lower)) &&
	       time_part_ok(t + 1, len - (size_t)(t - lower) - 1);
}
