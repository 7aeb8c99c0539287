/*
 * The STS decision: may this Linux user (an IAM user whose Linux groups are
 * its IAM groups) get credentials by GetSessionToken, AssumeRole or
 * GetFederationToken, for how long, and with which scope?
 *
 * Inputs come from disk (lib/decide/identity.h: policies attached to the user and
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

#include "base/error.h"
#include "base/settings.h"
#include "decide/sts_limits.h"
#include "policy/policy.h"
#include "policy/scope_doc.h"
#include "proto/operation.h"

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

#endif
