/*
 * The text form of an MFA device file: the same strict "key = value" format
 * as pam_sts.conf (one parser for both), so every buffer that held the secret
 * is ours to wipe.
 *
 * Format 2 holds the device only; the login state is in USER.state
 * (mfa_state.c). Format 1, the single file of
 * earlier releases, also holds last_step, failures, failure_start and
 * locked_until; it is still read, and its state fields are the user's state
 * until the first write, which writes both files in the new forms.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "base/fileio.h"
#include "base/kv_reader.h"
#include "mfa/mfa_store.h"
#include "mfa/mfa_store_internal.h"

#define FORMAT_SINGLE_FILE 1
#define FORMAT_DEVICE	   2
/* Marks a state key that the file does not set (no CFG_UINT value can be it). */
#define ABSENT ULONG_MAX

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
	{ "version", CFG_UINT, offsetof(record_text, version), FORMAT_SINGLE_FILE, FORMAT_DEVICE,
	  NULL },
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

/* Format 1 may leave state keys out (they were 0); format 2 must not have them. */
static int state_keys(record_text *t, const char *name, sts_error *err)
{
	unsigned long *fields[] = { &t->last_step, &t->failures, &t->failure_start,
				    &t->locked_until };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (t->version == FORMAT_DEVICE && *fields[i] != ABSENT)
			return sts_error_set(err,
					     "%s: a format 2 device file holds no login state "
					     "(that is in the .state file)",
					     name);
		if (*fields[i] == ABSENT)
			*fields[i] = 0;
	}
	return 0;
}

int sts_mfa_device_parse(const char *text, size_t len, const char *name, sts_mfa_record *rec,
			 bool *format1, sts_error *err)
{
	record_text t;
	char *raw = NULL;
	size_t rawlen = 0;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	t.last_step = t.failures = t.failure_start = t.locked_until = ABSENT;
	memset(rec, 0, sizeof(*rec));
	*format1 = false;
	if (sts_config_parse(text, len, name, record_keys, &t, err) < 0)
		goto out;
	if (t.version == 0 || !t.secret || t.digits == 0 || t.period == 0) {
		sts_error_set(err,
			      "%s: incomplete record (version, secret, digits and period are "
			      "required)",
			      name);
		goto out;
	}
	if (state_keys(&t, name, err) < 0)
		goto out;
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
	*format1 = t.version == FORMAT_SINGLE_FILE;
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

int sts_mfa_record_parse(const char *text, size_t len, const char *name, sts_mfa_record *rec,
			 sts_error *err)
{
	bool format1;

	return sts_mfa_device_parse(text, len, name, rec, &format1, err);
}

bool sts_mfa_device_equal(const sts_mfa_record *a, const sts_mfa_record *b)
{
	/* Constant-time like every other comparison of a secret here, though
	 * both sides are root's own copies. */
	return a->secret_len == b->secret_len && a->algorithm == b->algorithm &&
	       a->digits == b->digits && a->period == b->period && a->active == b->active &&
	       CRYPTO_memcmp(a->secret, b->secret, a->secret_len) == 0;
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
			 "active = %s\n",
			 FORMAT_DEVICE, b32, sts_totp_alg_name(rec->algorithm), rec->digits,
			 rec->period, rec->active ? "yes" : "no");
	}
	explicit_bzero(b32, b32len);
	free(b32);
	return out;
}
