/*
 * The base identity's credentials: what sts-helper signs its STS calls
 * with (an instance profile's through IMDSv2, or an IAM user's keys from a
 * root-only shared-credentials file).
 */
#ifndef STS_UPSTREAM_BASE_CREDS_H
#define STS_UPSTREAM_BASE_CREDS_H

#include <stdint.h>

/* Strings are malloc'd; sts_base_creds_clear wipes and frees them. */
typedef struct {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL for an IAM user's long-term keys */
	int64_t expiration;  /* seconds since the epoch; 0: does not expire */
} sts_base_creds;

void sts_base_creds_clear(sts_base_creds *c);

/* Wipes (OPENSSL_cleanse) and frees a NUL-terminated secret; NULL is allowed. */
void sts_upstream_free_secret(char *s);

/* A value that goes into a signed header or the signing key: printable
 * ASCII without blanks, 1 to |max| bytes. */
int sts_base_creds_value_ok(const char *s, unsigned long max);

#endif
