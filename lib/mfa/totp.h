/* TOTP (RFC 6238) through liboath, compared in constant time. */
#ifndef STS_TOTP_H
#define STS_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/mfa_names.h"

typedef enum {
	STS_TOTP_SHA1 = 0,
	STS_TOTP_SHA256 = 1,
	STS_TOTP_SHA512 = 2
} sts_totp_alg;

/* "SHA1", "SHA256", "SHA512" (case-insensitive); -1 when unknown. */
int sts_totp_alg_parse(const char *name);
const char *sts_totp_alg_name(sts_totp_alg alg);

/*
 * Checks |code| against the time steps now-window .. now+window. On a match
 * stores the matched time step (unix time / period) in *step and returns 0;
 * returns 1 for a wrong code and -1 on a malformed code or liboath error.
 * The caller refuses a step at or below the last accepted one (replay).
 */
int sts_totp_check(const unsigned char *secret, size_t secret_len, sts_totp_alg alg,
		   unsigned digits, unsigned period, int64_t now, unsigned window, const char *code,
		   int64_t *step);

/* The code for |now| (tests and enrollment confirmation use it). */
int sts_totp_generate(const unsigned char *secret, size_t secret_len, sts_totp_alg alg,
		      unsigned digits, unsigned period, int64_t now, char out[9]);

#endif
