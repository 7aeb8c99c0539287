/*
 * The upstream issuer (issuer = aws): behind lib/token/issuer.h's
 * interface, real credentials from AWS STS for a request the local decision
 * allowed: AssumeRole, GetFederationToken or GetSessionToken, signed with
 * the base identity's credentials (IMDSv2 or a root-only file) or, for
 * GetSessionToken, with the user's own IAM keys (iam_user_dir/USER).
 */
#ifndef STS_UPSTREAM_ISSUER_AWS_H
#define STS_UPSTREAM_ISSUER_AWS_H

#include <stddef.h>

#include "base/error.h"
#include "base/settings.h"
#include "token/issuer.h"

/* AssumeRole's DurationSeconds when the base identity is itself a role. */
#define STS_ROLE_CHAINING_MAX 3600

/*
 * An issuer for |settings| (issuer = aws): the endpoint checked with
 * lib/upstream's rule. NULL in *out and -1 with |err| when the settings
 * cannot work.
 */
int sts_issuer_aws_open(const sts_settings *settings, sts_issuer **out, sts_error *err);

/*
 * SourceIdentity (and RoleSessionName) for a Linux user: the name itself
 * when it is 2 to 64 of [A-Za-z0-9_+,.@-] (no "="), else "=" and the
 * name's bytes in lower-case hex. No mapped name equals another user's
 * name, mapped or not, because only mapped names hold "=". Returns 0, or
 * -1 when the name is empty or longer than 31 bytes and needs the mapping.
 */
int sts_upstream_identity_name(const char *user, char *out, size_t outlen);

/* The endpoint issuer = aws calls: sts_endpoint, or STS's regional one. */
int sts_issuer_aws_endpoint(const sts_settings *settings, char *out, size_t outlen, sts_error *err);

#endif
