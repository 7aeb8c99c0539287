/*
 * Typed values of condition operators. The same parsers read policy values
 * (where a failure is a validation error) and request values (where a
 * failure makes the condition not match, as in AWS).
 */
#ifndef STS_VALUES_H
#define STS_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	int64_t sec;
	int32_t nsec;
} sts_time;

typedef struct {
	int family; /* 4 or 6 */
	unsigned char addr[16];
	int prefix; /* bits */
} sts_cidr;

/* Integer or decimal, optional sign: "10", "-3.5", "10.0". */
bool sts_parse_number(const char *s, double *out);
/* W3C ISO 8601 profiles (YYYY, YYYY-MM, YYYY-MM-DD, with Thh:mm[:ss[.f]]
 * and Z or +hh:mm) or epoch seconds (integer or decimal). */
bool sts_parse_date(const char *s, sts_time *out);
/* IAM's looser write-time check of a Date value (see date_legacy.c). */
bool sts_date_accepted_by_iam(const char *value);
int sts_time_cmp(const sts_time *a, const sts_time *b);
/* "true"/"false" in any case. */
bool sts_parse_bool(const char *s, bool *out);
/* Address or CIDR; a bare address is /32 or /128. With |allow_prefix|
 * false only a bare address is accepted (a request value). */
bool sts_parse_cidr(const char *s, bool allow_prefix, sts_cidr *out);
bool sts_cidr_contains(const sts_cidr *net, const sts_cidr *addr);
/* Base64 to bytes (OpenSSL EVP); *out is malloc'd. */
bool sts_parse_base64(const char *s, unsigned char **out, size_t *outlen);

#endif
