/*
 * The text form of an MFA record: the same strict "key = value" format as
 * pam_sts.conf (one parser for both), so every buffer that held the secret
 * is ours to wipe.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>

#include "config.h"
#include "fileio.h"
#include "mfa_store.h"

#define RECORD_VERSION 1

typedef struct {
	unsigned long version;
	char *secret; /* base32 */
	int algorithm;
	unsigned long digits, period;
	bool active;
	unsigned long last_step, failures, failure_start, locked_until;
} record_text;

static const char *const algorithms[] = { "SHA1", "SHA256", "SHA512", NULL };

static const sts_config_key record_keys[] = {
	{ "version", CFG_UINT, offsetof(record_text, version), 1, 1, NULL },
	{ "secret", CFG_STRING, offsetof(record_text, secret), 0, 0, NULL },
	{ "algorithm", CFG_ENUM, offsetof(record_text, algorithm), 0, 0, algorithms },
	{ "digits", CFG_UINT, offsetof(record_text, digits), 6, 8, NULL },
	{ "period", CFG_UINT, offsetof(record_text, period), 1, 3600, NULL },
	{ "active", CFG_BOOL, offsetof(record_text, active), 0, 0, NULL },
	{ "last_step", CFG_UINT, offsetof(record_text, last_step), 0, (unsigned long)INT64_MAX,
	  NULL },
	{ "failures", CFG_UINT, offsetof(record_text, failures), 0, 1000000, NULL },
	{ "failure_start", CFG_UINT, offsetof(record_text, failure_start), 0,
	  (unsigned long)INT64_MAX, NULL },
	{ "locked_until", CFG_UINT, offsetof(record_text, locked_until), 0,
	  (unsigned long)INT64_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

void sts_mfa_record_wipe(sts_mfa_record *rec)
{
	explicit_bzero(rec, sizeof(*rec));
}

static void free_text(record_text *t)
{
	if (t->secret)
		sts_free_secret_str(t->secret);
	t->secret = NULL;
}

int sts_mfa_record_parse(const char *text, size_t len, const char *name, sts_mfa_record *rec,
			 sts_error *err)
{
	record_text t;
	char *raw = NULL;
	size_t rawlen = 0;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	memset(rec, 0, sizeof(*rec));
	if (sts_config_parse(text, len, name, record_keys, &t, err) < 0)
		goto out;
	if (t.version != RECORD_VERSION || !t.secret || t.digits == 0 || t.period == 0) {
		sts_error_set(err,
			      "%s: incomplete record (version, secret, digits and period are "
			      "required)",
			      name);
		goto out;
	}
	if (oath_init() != OATH_OK ||
	    oath_base32_decode(t.secret, strlen(t.secret), &raw, &rawlen) != OATH_OK ||
	    rawlen == 0 || rawlen > STS_MFA_SECRET_MAX) {
		sts_error_set(err, "%s: secret is not base32 of 1..%d bytes", name,
			      STS_MFA_SECRET_MAX);
		goto out;
	}
	memcpy(rec->secret, raw, rawlen);
	rec->secret_len = rawlen;
	rec->algorithm = (sts_totp_alg)t.algorithm;
	rec->digits = (unsigned)t.digits;
	rec->period = (unsigned)t.period;
	rec->active = t.active;
	rec->last_step = (int64_t)t.last_step;
	rec->failures = (unsigned)t.failures;
	rec->failure_start = (int64_t)t.failure_start;
	rec->locked_until = (int64_t)t.locked_until;
	rc = 0;
out:
	if (raw) {
		explicit_bzero(raw, rawlen);
		free(raw);
	}
	free_text(&t);
	if (rc < 0)
		sts_mfa_record_wipe(rec);
	return rc;
}

char *sts_mfa_record_format(const sts_mfa_record *rec)
{
	char *b32 = NULL, *out = NULL;
	size_t b32len = 0, cap;

	if (oath_init() != OATH_OK || oath_base32_encode((const char *)rec->secret, rec->secret_len,
							 &b32, &b32len) != OATH_OK)
		return NULL;
	cap = b32len + 512;
	out = malloc(cap);
	if (out) {
		snprintf(out, cap,
			 "# pam_sts MFA device: managed by stsctl mfa, do not edit\n"
			 "version = %d\nsecret = %s\nalgorithm = %s\ndigits = %u\nperiod = %u\n"
			 "active = %s\nlast_step = %lld\nfailures = %u\nfailure_start = %lld\n"
			 "locked_until = %lld\n",
			 RECORD_VERSION, b32, sts_totp_alg_name(rec->algorithm), rec->digits,
			 rec->period, rec->active ? "yes" : "no", (long long)rec->last_step,
			 rec->failures, (long long)rec->failure_start,
			 (long long)rec->locked_until);
	}
	explicit_bzero(b32, b32len);
	free(b32);
	return out;
}
