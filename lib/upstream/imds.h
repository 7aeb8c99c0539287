/*
 * The instance profile's credentials through IMDSv2: a session token
 * (PUT /latest/api/token), kept until 5 minutes before it expires, then
 * the role's name and its credentials (GET
 * /latest/meta-data/iam/security-credentials/[ROLE]).
 */
#ifndef STS_UPSTREAM_IMDS_H
#define STS_UPSTREAM_IMDS_H

#include <stdint.h>

#include "base/error.h"
#include "upstream/base_creds.h"

/* The token's lifetime asked for (IMDS's maximum, as the SDKs ask), and how
 * long before its end a new one is fetched. */
#define STS_IMDS_TOKEN_TTL	  21600
#define STS_IMDS_TOKEN_MARGIN	  300
#define STS_IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"

/* A client and its cached token; safe to share between threads. */
typedef struct sts_imds sts_imds;

/*
 * A client for |endpoint| (http:// to an IP address, path "/" at most),
 * with a connect timeout and a total timeout per sts_imds_credentials
 * call. NULL with |err| set when the endpoint or a timeout is refused.
 */
sts_imds *sts_imds_new(const char *endpoint, long connect_timeout_ms, long timeout_ms,
		       sts_error *err);
/* Wipes the cached token and frees. */
void sts_imds_free(sts_imds *m);

/*
 * The instance profile's credentials at |now| (seconds since the epoch,
 * the clock the token's expiry is kept in). Returns 0 with |out| filled
 * (sts_base_creds_clear), STS_HTTP_TIMEOUT (upstream/http.h), or -1 with
 * |err| saying which step failed (IMDS unreachable, token refused, no role,
 * malformed answer). A token IMDS refuses (401) is dropped and fetched
 * again once.
 */
int sts_imds_credentials(sts_imds *m, int64_t now, sts_base_creds *out, sts_error *err);

#endif
