/*
 * The STS decision: may this Linux user (an IAM user whose Linux groups are
 * its IAM groups) get credentials by GetSessionToken, AssumeRole or
 * GetFederationToken, for how long, and with which scope?
 *
 * Inputs come from disk (lib/identity.h: policies attached to the user and
 * its groups, roles, session policies) and from the login (user, source IP,
 * MFA time). The answer names the deciding statement and carries the scope
 * that the issued credentials will hold, so that the session phase and the
 * token issue exactly what was decided.
 */
#ifndef STS_AUTHORIZE_H
#define STS_AUTHORIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"
#include "settings.h"

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

/* Who asks: filled by the PAM module (or a tool) from the login. */
typedef struct {
	const char *user;      /* Linux user name == IAM user name */
	uid_t uid;	       /* used for aws:userid when no user id is configured */
	gid_t gid;	       /* primary group, for getgrouplist */
	const char *source_ip; /* PAM_RHOST when it is an IP address, else NULL */
	bool mfa_present;      /* the auth phase accepted a code in this login */
	int64_t mfa_time;      /* when the code was accepted (epoch seconds) */
	int64_t now;	       /* the request time (epoch seconds) */
} sts_caller;

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

/* One policy document of the scope, as canonical JSON text. */
typedef struct {
	char *name; /* e.g. "group/deployers/ops.json", "role/UpdateAPP/s3.json" */
	char *text;
} sts_scope_doc;

typedef struct {
	sts_decision decision;	/* STS_ALLOWED or the kind of deny */
	char reason[512];	/* the deciding statement(s): "group/deployers/x.json Sid (Allow)";
				    for a denial, what denied (identity, trust, limit) */
	char *principal_arn;	/* user/NAME, assumed-role/ROLE/SESSION, federated-user/NAME */
	char *role_arn;		/* assume-role only, else NULL */
	char *subject;		/* role name or federated name, NULL for GetSessionToken */
	char *session_name;	/* assume-role only, else NULL */
	unsigned long duration; /* validated seconds */
	/* The scope: effective = (identity docs, OR'ed) AND (session docs, OR'ed). */
	sts_scope_doc *identity; /* role permission policies, or the user's policies */
	size_t n_identity;
	sts_scope_doc *session; /* the session policy's document, if any */
	size_t n_session;
	bool no_permissions; /* GetFederationToken without a session policy */
} sts_authz_result;

/*
 * Decides |req| for |caller| with the files named by |settings|.
 * Returns 0 with |out| filled (out->decision says allowed or denied, with
 * out->reason); -1 with |err| set for a fault (missing account_id, a policy
 * or role file that does not parse, a bad owner or mode, a request that is
 * malformed, e.g. a duration or name outside STS's limits: these are
 * ValidationErrors, which the module also refuses). Never allows on error.
 */
int sts_authorize(const sts_settings *settings, const sts_caller *caller,
		  const sts_authz_request *req, sts_authz_result *out, sts_error *err);
void sts_authz_result_free(sts_authz_result *res);

/*
 * The roles |caller| may assume (identity allows and trust allows), sorted by
 * name, for role=prompt. Returns the count (>= 0) and a malloc'd array of
 * malloc'd names in *names, or -1 with |err| set.
 */
int sts_assumable_roles(const sts_settings *settings, const sts_caller *caller, char ***names,
			sts_error *err);
void sts_free_names(char **names, size_t n);

/* STS's limits (exposed for tests, stsctl check and sts-assume). */
#define STS_DURATION_MIN	     900ul
#define STS_SESSION_DURATION_MAX     129600ul
#define STS_SESSION_DURATION_DEFAULT 43200ul
#define STS_ROLE_DURATION_DEFAULT    3600ul
#define STS_ROLE_MAX_SESSION_MIN     3600ul
#define STS_ROLE_MAX_SESSION_MAX     43200ul

/* RoleSessionName: 2..64 of [\w+=,.@-]; federated Name: 2..32 of the same. */
bool sts_valid_session_name(const char *name);
bool sts_valid_federated_name(const char *name);
/* A session policy or role NAME usable as a file name: [A-Za-z0-9+=,.@_-]{1,128}, no leading dot. */
bool sts_valid_object_name(const char *name);

#endif
