/*
 * What is asked of STS: the operation, its names and words, and the request
 * the module arguments (or sts-assume's options, or an application's request)
 * describe. Shared by the module, the protocol and the decision code; the
 * decision itself is decide/authorize.h's.
 */
#ifndef STS_PROTO_OPERATION_H
#define STS_PROTO_OPERATION_H

/* GetSessionToken's decision, for every MFA'd user ("No permissions are
 * required for a user to call GetSessionToken", seed). */
#define STS_SESSION_REASON "GetSessionToken needs no permission"

typedef enum {
	STS_OP_SESSION = 0, /* GetSessionToken: any MFA'd user, no policy can prevent it */
	STS_OP_ASSUME_ROLE, /* AssumeRole: identity policies AND the role's trust policy */
	STS_OP_FEDERATE,    /* GetFederationToken: identity policies on federated-user/NAME */
} sts_operation;

/* "GetSessionToken", "AssumeRole", "GetFederationToken". */
const char *sts_operation_name(sts_operation op);
/* The words the module arguments, the helper protocol and applications'
 * requests use: "session", "assume-role", "federate" (lib/operation.c). */
const char *sts_operation_word(sts_operation op);
/* 0 with *op set, or -1 for NULL or any other word. */
int sts_operation_from_word(const char *word, sts_operation *op);
/* A duration in seconds: decimal digits only (no sign, no blanks), not 0;
 * NULL gives 0 (the operation's default). 0 or -1. */
int sts_parse_duration(const char *text, unsigned long *out);

/* What is asked: from the module arguments (or sts-assume's options). */
typedef struct {
	sts_operation op;
	const char *target;	    /* role NAME or ARN (assume-role); federated NAME (federate) */
	const char *session_name;   /* RoleSessionName; NULL: the user name */
	unsigned long duration;	    /* seconds; 0: STS's default for the operation */
	const char *session_policy; /* NAME of session_policy_dir/NAME.json, or NULL */
	const char *session_policy_text; /* an inline session policy (JSON) instead,
					    e.g. from sts-assume --session-policy; or NULL */
} sts_authz_request;

#endif
