/* Internals shared by the stsctl mfa source files. */
#ifndef STSCTL_MFA_H
#define STSCTL_MFA_H

#include <stdbool.h>

#include "base/settings.h"
#include "mfa/mfa_store.h"
#include "mfa/totp.h"

/* How long a subcommand waits for a user's store lock. */
#define STSCTL_MFA_LOCK_MS 5000

typedef struct {
	sts_settings settings;
	sts_mfa_store *store;
	char store_dir[4096];
} stsctl_mfa_ctx;

/* The device options of enroll and import. */
typedef struct {
	sts_totp_alg algorithm;
	unsigned digits;
	unsigned period;
	bool force; /* replace an existing active device */
	/* enroll: the otpauth URI's issuer and label, or NULL for the defaults
	 * ("pam_sts@" and the short host name; the user name). */
	const char *issuer, *label;
} stsctl_mfa_opts;

/* Takes the user's store lock; prints the error and returns -1 on failure. */
int stsctl_mfa_lock(stsctl_mfa_ctx *ctx, const char *user, struct sts_mfa_lock **lock);

/* Reads the record under |lock|: STS_MFA_FOUND, STS_MFA_NO_DEVICE, or -1
 * (the error printed to stderr). */
int stsctl_mfa_read(struct sts_mfa_lock *lock, sts_mfa_record *rec);

/* Writes the record under |lock|; prints the error and returns -1 on failure. */
int stsctl_mfa_write(struct sts_mfa_lock *lock, const sts_mfa_record *rec);

/* stsctl mfa import (|secret_arg| is base32 or "-" for stdin; it is wiped
 * in place): returns the exit status. */
int stsctl_mfa_import(stsctl_mfa_ctx *ctx, const char *user, char *secret_arg,
		      const stsctl_mfa_opts *opts);

/* stsctl mfa scratch USER [--count N] (|argv| after "scratch"): returns the
 * exit status. */
int stsctl_mfa_scratch(stsctl_mfa_ctx *ctx, int argc, char **argv);

/* stsctl mfa enroll: returns the exit status. */
int stsctl_mfa_enroll(stsctl_mfa_ctx *ctx, const char *user, const stsctl_mfa_opts *opts);

#endif
