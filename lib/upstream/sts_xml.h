/*
 * STS's answers (the Query protocol's XML, namespace
 * https://sts.amazonaws.com/doc/2011-06-15/): the credentials of
 * AssumeRole, GetFederationToken and GetSessionToken, and ErrorResponse.
 * Parsed with libxml2 without network, DTD or entity substitution; an
 * answer that is not exactly one of these shapes is an error, never a
 * partial result.
 */
#ifndef STS_UPSTREAM_STS_XML_H
#define STS_UPSTREAM_STS_XML_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "proto/operation.h"

/* An STS answer larger than this is refused unread. A session token has no
 * documented maximum size, but real ones are a few KiB. */
#define STS_XML_MAX (256u * 1024u)

/* The credentials STS issued and who they are (for the audit line that
 * joins CloudTrail). Strings are malloc'd; sts_upstream_creds_clear wipes
 * the secrets and frees everything. */
typedef struct {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	int64_t expiration;    /* seconds since the epoch */
	char *principal_arn;   /* AssumedRoleUser/Arn or FederatedUser/Arn; NULL for
				  GetSessionToken */
	char *principal_id;    /* AssumedRoleId or FederatedUserId; NULL likewise */
	char *source_identity; /* AssumeRole's SourceIdentity; NULL when absent */
	char *request_id;      /* ResponseMetadata/RequestId */
} sts_upstream_creds;

/* STS's refusal (ErrorResponse): no secret in it. */
typedef struct {
	char *type; /* "Sender" or "Receiver"; NULL when absent */
	char *code; /* e.g. "AccessDenied", "Throttling" */
	char *message;
	char *request_id; /* NULL when absent */
} sts_upstream_fault;

void sts_upstream_creds_clear(sts_upstream_creds *c);
void sts_upstream_fault_clear(sts_upstream_fault *f);

/* sts_xml_parse's return when the answer is an ErrorResponse. */
#define STS_XML_FAULT 1

/*
 * Parses |len| bytes of |body|, the answer to |op|. Returns 0 with |creds|
 * filled, STS_XML_FAULT with |fault| filled, or -1 with |err| saying why the
 * answer is not one STS gives (too large, not XML, a DTD or entity, the
 * wrong root or namespace, a missing, repeated or malformed field). On -1
 * and STS_XML_FAULT |creds| is left empty.
 */
int sts_xml_parse(const char *body, size_t len, sts_operation op, sts_upstream_creds *creds,
		  sts_upstream_fault *fault, sts_error *err);

#endif
