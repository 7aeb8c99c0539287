/*
 * The base identity's keys from an AWS shared-credentials file (an IAM
 * user's long-term keys, for hosts without an instance profile and for
 * GetFederationToken and GetSessionToken, which role credentials cannot
 * call). The file holds long-term secrets: root-owned, no permission for
 * group or others, opened without following a link, checked on the
 * descriptor.
 */
#ifndef STS_UPSTREAM_BASE_CREDS_FILE_H
#define STS_UPSTREAM_BASE_CREDS_FILE_H

#include <stddef.h>

#include "base/error.h"
#include "upstream/base_creds.h"

#define STS_BASE_CREDS_FILE_MAX (64u * 1024u)

/*
 * The keys of section [|profile|] (NULL or "": "default") of the text:
 * aws_access_key_id and aws_secret_access_key, and aws_session_token when
 * present. Returns 0 with |out| filled (sts_base_creds_clear), or -1 with
 * |err| naming |label|, the profile and what is wrong (no such section, a
 * key missing or malformed); never a value.
 */
int sts_base_creds_parse(const char *text, size_t len, const char *label, const char *profile,
			 sts_base_creds *out, sts_error *err);

/* The same from the file at |path|, after the checks above. */
int sts_base_creds_from_file(const char *path, const char *profile, sts_base_creds *out,
			     sts_error *err);

#endif
