/*
 * TOTP through liboath. liboath generates the candidate codes; the comparison
 * with what the user typed is ours, in constant time (CRYPTO_memcmp), so the
 * time taken does not tell how many digits were right. Only sts-helper runs
 * it (op=mfa): pam_sts.so links neither liboath nor OpenSSL.
 */
#include "mfa/totp.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

static const char *const alg_names[] = { "SHA1", "SHA256", "SHA512" };

int sts_totp_alg_parse(const char *name)
{
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(name, alg_names[i]) == 0)
			return i;
	}
	return -1;
}

const char *sts_totp_alg_name(sts_totp_alg alg)
{
	return (unsigned)alg < 3 ? alg_names[alg] : "SHA1";
}

static int oath_flags(sts_totp_alg alg)
{
	return alg == STS_TOTP_SHA256 ? OATH_TOTP_HMAC_SHA256 :
	       alg == STS_TOTP_SHA512 ? OATH_TOTP_HMAC_SHA512 :
					0;
}

/* liboath calls this for each candidate; 0 means "equal". */
static int constant_time_compare(void *typed, const char *candidate)
{
	size_t n = strlen(candidate);

	if (strlen((const char *)typed) != n)
		return 1;
	return CRYPTO_memcmp(typed, candidate, n) != 0;
}

static int well_formed(const char *code, unsigned digits)
{
	size_t n = strlen(code);

	if (n != digits)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)code[i]))
			return 0;
	}
	return 1;
}

int sts_totp_check(const unsigned char *secret, size_t secret_len, sts_totp_alg alg,
		   unsigned digits, unsigned period, int64_t now, unsigned window, const char *code,
		   int64_t *step)
{
	char typed[16];
	uint64_t counter = 0;
	int pos = 0, rc;

	if (digits < STS_TOTP_DIGITS_MIN || digits > STS_TOTP_DIGITS_MAX || period == 0 ||
	    !well_formed(code, digits))
		return code && strlen(code) <= 16 ? 1 : -1;
	if (oath_init() != OATH_OK)
		return -1;
	memcpy(typed, code, digits + 1);
	rc = oath_totp_validate4_callback((const char *)secret, secret_len, (time_t)now, period, 0,
					  digits, window, &pos, &counter, oath_flags(alg),
					  constant_time_compare, typed);
	explicit_bzero(typed, sizeof(typed));
	if (rc == OATH_INVALID_OTP)
		return 1;
	if (rc < 0)
		return -1;
	*step = (int64_t)counter;
	return 0;
}

int sts_totp_generate(const unsigned char *secret, size_t secret_len, sts_totp_alg alg,
		      unsigned digits, unsigned period, int64_t now, char out[9])
{
	if (digits < STS_TOTP_DIGITS_MIN || digits > STS_TOTP_DIGITS_MAX || oath_init() != OATH_OK)
		return -1;
	return oath_totp_generate2((const char *)secret, secret_len, (time_t)now, period, 0, digits,
				   oath_flags(alg), out) == OATH_OK ?
		       0 :
		       -1;
}
