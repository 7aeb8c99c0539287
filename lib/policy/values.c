/* Parsers for the typed condition operators: numbers, dates, IPs, bools, base64. */
#include "policy/values.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

/* [+-]? digits [. digits?] | [+-]? . digits — no exponent, hex, inf or nan. */
static bool decimal_syntax(const char *s)
{
	size_t i = 0, digits = 0;

	if (s[i] == '+' || s[i] == '-')
		i++;
	while (isdigit((unsigned char)s[i])) {
		i++;
		digits++;
	}
	if (s[i] == '.') {
		i++;
		while (isdigit((unsigned char)s[i])) {
			i++;
			digits++;
		}
	}
	return digits > 0 && s[i] == '\0';
}

bool sts_parse_number(const char *s, double *out)
{
	char *end;

	if (!decimal_syntax(s))
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && *end == '\0' && isfinite(*out);
}

static bool take_digits(const char **p, int count, int *out)
{
	int v = 0;

	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += count;
	*out = v;
	return true;
}

static bool parse_epoch(const char *s, sts_time *out)
{
	double seconds;

	if (!sts_parse_number(s, &seconds) || fabs(seconds) > 1e15)
		return false;
	out->sec = (int64_t)floor(seconds);
	out->nsec = (int32_t)((seconds - floor(seconds)) * 1e9);
	return true;
}

/* Z, +hh:mm, -hh:mm, +hhmm, or nothing (UTC). Returns offset seconds. */
static bool parse_zone(const char **p, long *offset)
{
	int hh, mm;
	int sign;

	*offset = 0;
	if (**p == '\0')
		return true;
	if (**p == 'Z') {
		(*p)++;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!take_digits(p, 2, &hh))
		return false;
	if (**p == ':')
		(*p)++;
	if (!take_digits(p, 2, &mm) || hh > 23 || mm > 59)
		return false;
	*offset = sign * (hh * 3600L + mm * 60L);
	return true;
}

static bool parse_clock(const char **p, struct tm *tm, int32_t *nsec)
{
	if (!take_digits(p, 2, &tm->tm_hour) || **p != ':')
		return false;
	(*p)++;
	if (!take_digits(p, 2, &tm->tm_min))
		return false;
	if (**p == ':') {
		(*p)++;
		if (!take_digits(p, 2, &tm->tm_sec))
			return false;
		if (**p == '.') {
			int32_t scale = 100000000;
			(*p)++;
			if (!isdigit((unsigned char)**p))
				return false;
			while (isdigit((unsigned char)**p)) {
				*nsec += (**p - '0') * scale;
				scale /= 10;
				(*p)++;
			}
		}
	}
	return tm->tm_hour <= 24 && tm->tm_min <= 59 && tm->tm_sec <= 60;
}

static bool parse_iso8601(const char *s, sts_time *out)
{
	struct tm tm;
	const char *p = s;
	int32_t nsec = 0;
	long offset = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	if (!take_digits(&p, 4, &tm.tm_year))
		return false;
	if (*p == '-') {
		p++;
		if (!take_digits(&p, 2, &tm.tm_mon) || tm.tm_mon < 1 || tm.tm_mon > 12)
			return false;
		tm.tm_mon -= 1;
		if (*p == '-') {
			p++;
			if (!take_digits(&p, 2, &tm.tm_mday) || tm.tm_mday < 1 || tm.tm_mday > 31)
				return false;
			if (*p == 'T') {
				p++;
				if (!parse_clock(&p, &tm, &nsec) || !parse_zone(&p, &offset))
					return false;
			}
		}
	}
	if (*p != '\0')
		return false;
	tm.tm_year -= 1900;
	t = timegm(&tm);
	out->sec = (int64_t)t - offset;
	out->nsec = nsec;
	return true;
}

bool sts_parse_date(const char *s, sts_time *out)
{
	size_t len = strlen(s);

	/* Four digits alone read as a year; any other number is epoch seconds. */
	if (len == 4 && decimal_syntax(s) && isdigit((unsigned char)s[0]))
		return parse_iso8601(s, out);
	if (decimal_syntax(s))
		return parse_epoch(s, out);
	return parse_iso8601(s, out);
}

int sts_time_cmp(const sts_time *a, const sts_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

bool sts_parse_bool(const char *s, bool *out)
{
	if (strcasecmp(s, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(s, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

bool sts_parse_cidr(const char *s, bool allow_prefix, sts_cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);

	if (alen == 0 || alen >= sizeof(addr) || (slash && !allow_prefix))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = 4;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = 6;
		out->prefix = 128;
	} else {
		return false;
	}
	if (slash) {
		const char *p = slash + 1;
		int bits = 0, ndigits = 0;
		while (isdigit((unsigned char)*p) && ndigits < 4) {
			bits = bits * 10 + (*p++ - '0');
			ndigits++;
		}
		if (ndigits == 0 || *p != '\0' || bits > out->prefix)
			return false;
		out->prefix = bits;
	}
	return true;
}

bool sts_cidr_contains(const sts_cidr *net, const sts_cidr *addr)
{
	int full = net->prefix / 8, rest = net->prefix % 8;

	if (net->family != addr->family)
		return false;
	if (memcmp(net->addr, addr->addr, (size_t)full) != 0)
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xFF << (8 - rest));
		if ((net->addr[full] & mask) != (addr->addr[full] & mask))
			return false;
	}
	return true;
}

bool sts_parse_base64(const char *s, unsigned char **out, size_t *outlen)
{
	size_t len = strlen(s), pad = 0;
	unsigned char *buf;
	int n;

	if (len == 0 || len % 4 != 0 || len > (1u << 20))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(isalnum((unsigned char)c) || c == '+' || c == '/' || c == '='))
			return false;
	}
	if (s[len - 1] == '=')
		pad++;
	if (s[len - 2] == '=')
		pad++;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return false;
	n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(buf);
		return false;
	}
	*out = buf;
	*outlen = (size_t)n - pad;
	return true;
}
