/*
 * Issuance behind one interface: the PAM code and sts-helper ask an issuer
 * for credentials and never know how they are made. The local issuer seals
 * tokens with the issuer key ring (lib/token/keyring.h); an upstream issuer (real AWS
 * STS with SigV4: AssumeRole / GetFederationToken / GetSessionToken with the
 * locally computed session policy and SourceIdentity) can be added as
 * another implementation of sts_issuer_ops without touching the callers.
 */
#ifndef STS_ISSUER_H
#define STS_ISSUER_H

#include "base/error.h"
#include "base/settings.h"
#include "decide/authorize.h"
#include "token/token.h"

typedef struct sts_issuer sts_issuer;

/* What an upstream issuer needs besides the claims: the decision's names
 * and the login's context. The local issuer reads none of it. */
typedef struct {
	const char *role_arn;	    /* assume-role: the role file's ARN */
	const char *session_name;   /* assume-role: the RoleSessionName decided */
	const char *federated_name; /* federate: the Name decided */
	const char *user;	    /* the Linux user */
	const char *rhost;	    /* the remote host, or NULL */
	const char *token_code;	    /* the code typed at login, or NULL */
} sts_issue_request;

/* Who the issuer says the credentials are, for the audit line that joins
 * CloudTrail; empty strings when it does not say (the local issuer). */
typedef struct {
	char request_id[128];
	char principal_id[256]; /* AssumedRoleId or FederatedUserId */
	char principal_arn[512];
	char source_identity[80];
} sts_issue_receipt;

typedef struct {
	const char *name; /* "local", "aws" */
	int (*issue)(void *impl, const sts_token_claims *claims, const sts_issue_request *req,
		     sts_credentials *out, sts_issue_receipt *receipt, sts_error *err);
	void (*free)(void *impl);
} sts_issuer_ops;

/* The local issuer (settings->issuer_key). issuer = aws is refused here:
 * the upstream issuer is lib/upstream/issuer_aws.h's, which sts-helper
 * opens. */
int sts_issuer_open(const sts_settings *settings, sts_issuer **out, sts_error *err);
int sts_issuer_issue(sts_issuer *issuer, const sts_token_claims *claims, sts_credentials *out,
		     sts_error *err);
/* The same with the request's context (|req| may be NULL for the local
 * issuer) and the receipt (cleared first; may be NULL). */
int sts_issuer_issue_for(sts_issuer *issuer, const sts_token_claims *claims,
			 const sts_issue_request *req, sts_credentials *out,
			 sts_issue_receipt *receipt, sts_error *err);
const char *sts_issuer_name(const sts_issuer *issuer);
void sts_issuer_free(sts_issuer *issuer);

/* Wraps an implementation (|impl| is handed to |ops| and freed by
 * ops->free in sts_issuer_free); for issuers other than the local one, and
 * for tests. */
int sts_issuer_new(const sts_issuer_ops *ops, void *impl, sts_issuer **out, sts_error *err);

/* Builds the claims for an allowed decision: copies of |res|'s principal
 * and scope, the caller's user (source identity), source IP and MFA time,
 * issued = caller->now, expires = now + res->duration. Free with
 * sts_token_claims_free. */
int sts_claims_from_decision(const sts_authz_result *res, const sts_caller *caller,
			     sts_operation op, sts_token_claims *claims, sts_error *err);

#endif
