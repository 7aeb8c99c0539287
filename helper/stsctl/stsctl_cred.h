/* Internals shared by stsctl verify and stsctl authorize. */
#ifndef STSCTL_CRED_H
#define STSCTL_CRED_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "token/token.h"

/* Where the credential and the key ring come from. */
typedef struct {
	const char *config;	      /* pam_sts.conf (issuer_key) */
	const char *credentials_file; /* --credentials-file */
	const char *profile;	      /* --profile */
} stsctl_cred_opts;

/* The getopt_long codes of the credential options (--config,
 * --credentials-file, --profile), the same in every command's table. */
enum {
	STSCTL_OPT_CONFIG = 512,
	STSCTL_OPT_CREDENTIALS_FILE,
	STSCTL_OPT_PROFILE,
};

/* Takes a credential option; false when |opt| is not one. */
bool stsctl_cred_option(stsctl_cred_opts *o, int opt, const char *arg);

/*
 * Finds the credential (--credentials-file/--profile: that file; else the
 * AWS_* variables; else AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
 * with AWS_PROFILE or "default") and verifies it against the key ring of
 * o->config. Returns STSCTL_OK with |claims| (free with
 * sts_token_claims_free) and |akid| filled; STSCTL_DENIED when the
 * credential is not valid, with the reason in |why|; STSCTL_USAGE for
 * everything else (printed to stderr, prefixed with "stsctl CMD").
 */
int stsctl_cred_verify(const char *cmd, const stsctl_cred_opts *o, sts_token_claims *claims,
		       char akid[STS_ACCESS_KEY_ID_LEN + 1], sts_error *why);

#endif
