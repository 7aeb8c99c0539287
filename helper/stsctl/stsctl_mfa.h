/* The stsctl mfa subcommands that have files of their own, and their options. */
#ifndef STSCTL_MFA_H
#define STSCTL_MFA_H

#include <stdbool.h>

#include "mfa/totp.h"
#include "stsctl_mfa_store.h"

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

/* stsctl mfa import (|secret_arg| is base32 or "-" for stdin; it is wiped
 * in place): returns the exit status. */
int stsctl_mfa_import(stsctl_mfa_ctx *ctx, const char *user, char *secret_arg,
		      const stsctl_mfa_opts *opts);

/* stsctl mfa scratch USER [--count N] (|argv| after "scratch"): returns the
 * exit status. */
int stsctl_mfa_scratch(stsctl_mfa_ctx *ctx, int argc, char **argv);

/* stsctl mfa migrate [--force] (|argv| after "migrate"): the files store
 * below state_dir into the fleet database; returns the exit status. */
int stsctl_mfa_migrate(stsctl_mfa_ctx *ctx, int argc, char **argv);

/* stsctl mfa enroll: returns the exit status. */
int stsctl_mfa_enroll(stsctl_mfa_ctx *ctx, const char *user, const stsctl_mfa_opts *opts);

#endif
