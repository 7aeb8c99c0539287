/*
 * A credential presented for verification: where it comes from (the AWS
 * environment variables or a shared credentials file, as the SDKs read
 * them) and the one step that verifies it against the issuer key ring.
 *
 * Reading the environment or the credentials file must happen with the
 * privileges of whoever presents the credential; only the verification
 * (sts_credentials_verify) needs the key ring, hence root. A privileged
 * helper receives the three values and calls sts_credentials_verify.
 */
#ifndef STS_CREDENTIAL_H
#define STS_CREDENTIAL_H

#include <stdint.h>

#include "base/error.h"
#include "token/token.h"

/* The shared credentials file is bounded (it holds a few profiles). */
#define STS_CREDENTIALS_FILE_MAX (1u << 20)

/* Returns of the functions below besides 0 and -1. */
#define STS_CREDENTIALS_NONE	1    /* no credential there: look elsewhere */
#define STS_CREDENTIALS_FOREIGN (-2) /* values of the wrong shape: not one of ours */
#define STS_CREDENTIALS_NO_RING (-3) /* sts_credentials_verify: the key ring is unusable */

/*
 * From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
 * Returns 0 with |out| filled (free with sts_credentials_clear),
 * STS_CREDENTIALS_NONE when AWS_ACCESS_KEY_ID is not set or empty,
 * STS_CREDENTIALS_FOREIGN for values that cannot be a pam_sts credential
 * (lengths), -1 when a variable is missing.
 */
int sts_credentials_from_env(sts_credentials *out, sts_error *err);

/*
 * From section [|profile|] of an AWS shared credentials file's text:
 * `[name]` headers, `key = value` lines, blank lines and lines starting
 * with '#' or ';'. Unknown keys are ignored (the file also carries e.g. an
 * expiration); a duplicated section or key, a continuation line or any
 * other line is an error naming |label| and the line. Returns 0,
 * STS_CREDENTIALS_NONE (no such section), STS_CREDENTIALS_FOREIGN or -1,
 * as sts_credentials_from_env.
 */
int sts_credentials_parse_ini(const char *text, size_t len, const char *label, const char *profile,
			      sts_credentials *out, sts_error *err);

/* The same from the file at |path| (links followed, as the SDKs do). */
int sts_credentials_from_file(const char *path, const char *profile, sts_credentials *out,
			      sts_error *err);

/*
 * Verifies |creds| against the key ring at |keyring_path| at time |now|:
 * the token is authentic, sealed for this access key id and this secret,
 * and not expired. Returns 0 with |claims| filled (free with
 * sts_token_claims_free), -1 with the reason the credential is not valid
 * (no secret in it), or STS_CREDENTIALS_NO_RING when the key ring cannot be
 * loaded (missing, unreadable by the caller, wrong owner or mode, damaged).
 */
int sts_credentials_verify(const char *keyring_path, const sts_credentials *creds, int64_t now,
			   sts_token_claims *claims, sts_error *err);

#endif
