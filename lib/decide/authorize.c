/*
 * The STS decision (authorize.h): GetSessionToken, AssumeRole and
 * GetFederationToken for a Linux user, with STS's limits, the deciding
 * statements and the scope the credentials will hold. Every error path
 * leaves the result denied and returns -1.
 */
#include "decide/authorize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide/authorize_internal.h"
#include "decide/identity.h"
#include "decide/sts_limits.h"

#define ARN_CAP 2304 /* RoleArn is at most 2048 characters */

/* What every operation needs: the caller's ARN and identity policies. */
typedef struct {
	const sts_settings *s;
	const sts_caller *caller;
	char user_arn[ARN_CAP];
	sts_doc_bundle user;
} authz_state;

static int state_open(authz_state *st, const sts_settings *s, const sts_caller *caller,
		      sts_error *err)
{
	memset(st, 0, sizeof(*st));
	st->s = s;
	st->caller = caller;
	if (!s || !caller || !caller->user)
		return sts_error_set(err, "authorize: no settings or no caller");
	if (!s->account_id)
		return sts_error_set(err, "account_id is not set in the configuration file "
					  "(pam_sts.conf): ARNs cannot be built");
	if (!s->partition)
		return sts_error_set(err, "partition is not set in the configuration file");
	if (!sts_valid_iam_name(caller->user))
		return sts_error_set(err,
				     "user name \"%.64s\" is not a valid IAM user name "
				     "([A-Za-z0-9_+=,.@-], 1..64 characters)",
				     caller->user);
	sts_fmt(st->user_arn, sizeof(st->user_arn), "arn:%s:iam::%s:user/%s", s->partition,
		s->account_id, caller->user);
	return sts_identity_load_user(s, caller->user, caller->gid, &st->user, err);
}

static void state_close(authz_state *st)
{
	sts_doc_bundle_free(&st->user);
}

static int set_string(char **dst, const char *src, sts_error *err)
{
	if (!(*dst = strdup(src)))
		return sts_error_set(err, "authorize: out of memory");
	return 0;
}

/* Moves the documents of |b| into the result's scope. */
static int take_docs(sts_doc_bundle *b, sts_scope_doc **out, size_t *n, sts_error *err)
{
	*out = NULL;
	*n = 0;
	if (b->n == 0)
		return 0;
	if (!(*out = calloc(b->n, sizeof(**out))))
		return sts_error_set(err, "authorize: out of memory");
	for (size_t i = 0; i < b->n; i++) {
		(*out)[i].name = b->docs[i].scope;
		(*out)[i].text = b->docs[i].text;
		b->docs[i].scope = b->docs[i].text = NULL;
	}
	*n = b->n;
	return 0;
}

/* The session policy of |req| (AssumeRole, GetFederationToken), if any. */
static int load_session_policy(const authz_state *st, const sts_authz_request *req,
			       sts_doc_bundle *b, bool *present, sts_error *err)
{
	sts_error inner;
	int rc;

	memset(b, 0, sizeof(*b));
	*present = false;
	if (req->session_policy && req->session_policy_text)
		return sts_error_set(err,
				     "a named and an inline session policy exclude each other");
	if (req->session_policy_text) {
		if (sts_identity_inline_session_policy(req->session_policy_text, b, &inner) < 0)
			return sts_error_set(err, "%s", inner.msg);
		*present = true;
		return 0;
	}
	if (!req->session_policy)
		return 0;
	rc = sts_identity_load_session_policy(st->s, req->session_policy, b, &inner);
	if (rc == STS_IDENTITY_ENOENT)
		return sts_error_set(err, "no such session policy \"%s\" (%s)", req->session_policy,
				     inner.msg);
	if (rc < 0)
		return sts_error_set(err, "%s", inner.msg);
	*present = true;
	return 0;
}

/* Evaluates the caller's identity policies on |action| x |resource|. */
static sts_decision identity_verdict(const authz_state *st, const sts_policy_set *identity,
				     const char *action, const char *resource,
				     const sts_context *ctx, char *why, size_t cap)
{
	sts_policy_inputs in = { .identity = identity };
	sts_request rq = { .principal = st->user_arn,
			   .action = action,
			   .resource = resource,
			   .context = ctx };
	sts_verdict v;
	char deny[400];
	sts_decision d = sts_evaluate(&in, &rq, &v);

	sts_fmt(deny, sizeof(deny), "no identity policy of user %s allows %s on %s",
		st->caller->user, action, resource);
	sts_authz_describe(&v, "identity", deny, why, cap);
	return d;
}

/* ---- GetSessionToken ---------------------------------------------------- */

static int authorize_session(authz_state *st, const sts_authz_request *req, sts_authz_result *out,
			     sts_error *err)
{
	if (req->session_policy || req->session_policy_text)
		return sts_error_set(err,
				     "GetSessionToken takes no session policy "
				     "(session_policy=%.140s)",
				     req->session_policy ? req->session_policy : "inline");
	if (req->target)
		return sts_error_set(err,
				     "GetSessionToken takes no role or federated name "
				     "(%.140s)",
				     req->target);
	if (req->session_name)
		return sts_error_set(err, "GetSessionToken takes no RoleSessionName");
	if (sts_duration_check(STS_OP_SESSION, req->duration, 0, &out->duration, err) < 0 ||
	    set_string(&out->principal_arn, st->user_arn, err) < 0 ||
	    take_docs(&st->user, &out->identity, &out->n_identity, err) < 0)
		return -1;
	/* "No permissions are required for a user to call GetSessionToken" (seed). */
	out->decision = STS_ALLOWED;
	sts_fmt(out->reason, sizeof(out->reason), "%s", STS_SESSION_REASON);
	return 0;
}

/* ---- GetFederationToken ------------------------------------------------- */

static int authorize_federate(authz_state *st, const sts_authz_request *req, sts_authz_result *out,
			      sts_error *err)
{
	char arn[ARN_CAP], why[400];
	sts_doc_bundle session;
	sts_context *ctx = NULL;
	bool has_session = false;
	sts_decision d;
	int rc = -1;

	if (!sts_valid_federated_name(req->target))
		return sts_error_set(err,
				     "ValidationError: federated user name \"%.64s\" is not valid "
				     "(2..32 of [A-Za-z0-9_+=,.@-])",
				     req->target ? req->target : "");
	if (req->session_name)
		return sts_error_set(err, "GetFederationToken takes no RoleSessionName");
	if (sts_duration_check(STS_OP_FEDERATE, req->duration, 0, &out->duration, err) < 0 ||
	    load_session_policy(st, req, &session, &has_session, err) < 0)
		return -1;
	sts_fmt(arn, sizeof(arn), "arn:%s:sts::%s:federated-user/%s", st->s->partition,
		st->s->account_id, req->target);
	if (sts_authz_context(st->caller, st->user_arn, NULL, &ctx, err) < 0)
		goto out;
	d = identity_verdict(st, st->user.set, "sts:GetFederationToken", arn, ctx, why,
			     sizeof(why));
	if (set_string(&out->principal_arn, arn, err) < 0 ||
	    set_string(&out->subject, req->target, err) < 0 ||
	    take_docs(&st->user, &out->identity, &out->n_identity, err) < 0 ||
	    take_docs(&session, &out->session, &out->n_session, err) < 0)
		goto out;
	/* "if you do not pass any session policies, then the resulting federated
	 * user session has no permissions" (STS API reference). */
	out->no_permissions = !has_session;
	out->decision = d;
	sts_fmt(out->reason, sizeof(out->reason), "%s", why);
	rc = 0;
out:
	sts_context_free(ctx);
	sts_doc_bundle_free(&session);
	return rc;
}

/* ---- AssumeRole --------------------------------------------------------- */

/* The five ':'-separated fields of an ARN and the rest (the resource). */
static bool arn_fields(const char *arn, const char *f[6], size_t l[6])
{
	const char *p = arn;

	for (int i = 0; i < 5; i++) {
		const char *colon = strchr(p, ':');
		if (!colon)
			return false;
		f[i] = p;
		l[i] = (size_t)(colon - p);
		p = colon + 1;
	}
	f[5] = p;
	l[5] = strlen(p);
	return true;
}

static bool field_is(const char *f, size_t l, const char *want)
{
	return l == strlen(want) && memcmp(f, want, l) == 0;
}

/* NAME, or arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME of this account. */
static int role_target(const sts_settings *s, const char *target, char *name, size_t cap,
		       sts_error *err)
{
	const char *f[6], *slash;
	size_t l[6];

	if (!target || !*target)
		return sts_error_set(err, "AssumeRole: no role given");
	if (strncmp(target, "arn:", 4) != 0) {
		if (strlen(target) >= cap)
			return sts_error_set(err, "role name \"%.64s...\" is too long", target);
		sts_fmt(name, cap, "%s", target);
		return 0;
	}
	if (strlen(target) > 2048 || !arn_fields(target, f, l) || !field_is(f[2], l[2], "iam") ||
	    l[3] != 0 || l[5] < 6 || strncmp(f[5], "role/", 5) != 0)
		return sts_error_set(err, "\"%.200s\" is not an IAM role ARN", target);
	if (!field_is(f[1], l[1], s->partition) || !field_is(f[4], l[4], s->account_id))
		return sts_error_set(err,
				     "role %.200s belongs to another account or partition (this "
				     "host is arn:%s:iam::%s): cross-account roles are not "
				     "supported",
				     target, s->partition, s->account_id);
	slash = strrchr(f[5], '/');
	if (strlen(slash + 1) >= cap)
		return sts_error_set(err, "role name in %.200s is too long", target);
	sts_fmt(name, cap, "%s", slash + 1);
	return 0;
}

int sts_role_load_target(const sts_settings *s, const char *target, sts_role *role, sts_error *err)
{
	sts_error inner;
	char name[128];
	int rc;

	if (role_target(s, target, name, sizeof(name), err) < 0)
		return -1;
	rc = sts_role_load(s, name, role, &inner);
	if (rc == STS_IDENTITY_ENOENT)
		return sts_error_set(err, "AssumeRole: no such role \"%.64s\" (%s)", name,
				     inner.msg);
	if (rc < 0)
		return sts_error_set(err, "%s", inner.msg);
	if (strncmp(target, "arn:", 4) == 0 && strcmp(target, role->arn) != 0) {
		sts_error_set(err, "AssumeRole: no such role %.200s (role %s is %s)", target, name,
			      role->arn);
		sts_role_free(role);
		return -1;
	}
	return 0;
}

static const char *session_name_of(const authz_state *st, const sts_authz_request *req,
				   sts_error *err)
{
	const char *name = req->session_name ? req->session_name : st->caller->user;

	if (sts_valid_session_name(name))
		return name;
	if (req->session_name)
		sts_error_set(err,
			      "ValidationError: RoleSessionName \"%.64s\" is not valid (2..64 of "
			      "[A-Za-z0-9_+=,.@-])",
			      name);
	else
		sts_error_set(err,
			      "the user name \"%.64s\" is not a valid RoleSessionName (2..64 of "
			      "[A-Za-z0-9_+=,.@-]): give a session name",
			      name);
	return NULL;
}

/*
 * Both the caller's identity policies (sts:AssumeRole on the role ARN) and
 * the role's trust policy (for the caller's ARN) must allow, with the same
 * context. AWS also lets a same-account trust policy that names the user
 * ARN directly suffice without an identity allow; pam_sts deliberately
 * requires both (stricter, fail closed). A trust policy naming the account
 * (root or the bare id) so delegates to the identity policies, as in AWS.
 */
static sts_decision role_verdict(const authz_state *st, const sts_role *role,
				 const sts_context *ctx, char *reason, size_t cap)
{
	sts_request rq = { .principal = st->user_arn,
			   .action = "sts:AssumeRole",
			   .resource = role->arn,
			   .context = ctx };
	char idwhy[400], trwhy[400], deny[300];
	sts_verdict tv;
	sts_decision id, tr;

	id = identity_verdict(st, st->user.set, "sts:AssumeRole", role->arn, ctx, idwhy,
			      sizeof(idwhy));
	tr = sts_evaluate_trust(role->trust, &rq, &tv);
	sts_fmt(deny, sizeof(deny), "the trust policy of role %s does not allow %s", role->name,
		st->user_arn);
	sts_authz_describe(&tv, "trust", deny, trwhy, sizeof(trwhy));
	if ((id == STS_ALLOWED) == (tr == STS_ALLOWED)) /* both allow, or both deny */
		sts_fmt(reason, cap, "identity: %s; trust: %s", idwhy, trwhy);
	else if (id != STS_ALLOWED)
		sts_fmt(reason, cap, "identity: %s", idwhy);
	else
		sts_fmt(reason, cap, "trust: %s", trwhy);
	return sts_authz_combine(id, tr);
}

static int fill_role_result(const authz_state *st, sts_role *role, const char *session_name,
			    sts_doc_bundle *session, sts_authz_result *out, sts_error *err)
{
	char arn[ARN_CAP];

	sts_fmt(arn, sizeof(arn), "arn:%s:sts::%s:assumed-role/%s/%s", st->s->partition,
		st->s->account_id, role->name, session_name);
	if (set_string(&out->principal_arn, arn, err) < 0 ||
	    set_string(&out->role_arn, role->arn, err) < 0 ||
	    set_string(&out->subject, role->name, err) < 0 ||
	    set_string(&out->session_name, session_name, err) < 0 ||
	    take_docs(&role->permissions, &out->identity, &out->n_identity, err) < 0 ||
	    take_docs(session, &out->session, &out->n_session, err) < 0)
		return -1;
	return 0;
}

static int authorize_role(authz_state *st, const sts_authz_request *req, sts_authz_result *out,
			  sts_error *err)
{
	const char *session_name = session_name_of(st, req, err);
	sts_doc_bundle session = { NULL, NULL, 0 };
	sts_context *ctx = NULL;
	sts_role role;
	bool has_session;
	int rc = -1;

	if (!session_name || sts_role_load_target(st->s, req->target, &role, err) < 0)
		return -1;
	if (sts_duration_check(STS_OP_ASSUME_ROLE, req->duration, role.max_session, &out->duration,
			       err) < 0 ||
	    load_session_policy(st, req, &session, &has_session, err) < 0 ||
	    sts_authz_context(st->caller, st->user_arn, session_name, &ctx, err) < 0)
		goto out;
	out->decision = role_verdict(st, &role, ctx, out->reason, sizeof(out->reason));
	if (fill_role_result(st, &role, session_name, &session, out, err) < 0)
		goto out;
	rc = 0;
out:
	sts_context_free(ctx);
	sts_doc_bundle_free(&session);
	sts_role_free(&role);
	return rc;
}

/* ---- entry points ------------------------------------------------------- */

static int decide(authz_state *st, const sts_authz_request *req, sts_authz_result *out,
		  sts_error *err)
{
	switch (req->op) {
	case STS_OP_SESSION:
		return authorize_session(st, req, out, err);
	case STS_OP_ASSUME_ROLE:
		return authorize_role(st, req, out, err);
	case STS_OP_FEDERATE:
		return authorize_federate(st, req, out, err);
	}
	return sts_error_set(err, "unknown STS operation %d", (int)req->op);
}

static void result_reset(sts_authz_result *res)
{
	memset(res, 0, sizeof(*res));
	res->decision = STS_IMPLICIT_DENY;
}

int sts_authorize(const sts_settings *settings, const sts_caller *caller,
		  const sts_authz_request *req, sts_authz_result *out, sts_error *err)
{
	authz_state st;
	int rc = -1;

	sts_error_clear(err);
	if (!out)
		return sts_error_set(err, "authorize: no result");
	result_reset(out);
	if (!req) {
		sts_error_set(err, "authorize: no request");
		return -1;
	}
	if (state_open(&st, settings, caller, err) == 0)
		rc = decide(&st, req, out, err);
	state_close(&st);
	if (rc < 0)
		sts_authz_result_free(out); /* fail closed: nothing half-filled survives */
	return rc;
}

void sts_authz_result_free(sts_authz_result *res)
{
	if (!res)
		return;
	free(res->principal_arn);
	free(res->role_arn);
	free(res->subject);
	free(res->session_name);
	for (size_t i = 0; i < res->n_identity; i++) {
		free(res->identity[i].name);
		free(res->identity[i].text);
	}
	free(res->identity);
	for (size_t i = 0; i < res->n_session; i++) {
		free(res->session[i].name);
		free(res->session[i].text);
	}
	free(res->session);
	result_reset(res);
}

void sts_free_names(char **names, size_t n)
{
	sts_names_free(names, n);
}

static int push(char ***names, size_t *n, const char *name, sts_error *err)
{
	char **grown = realloc(*names, (*n + 1) * sizeof(*grown));

	if (!grown)
		return sts_error_set(err, "assumable roles: out of memory");
	*names = grown;
	if (!(grown[*n] = strdup(name)))
		return sts_error_set(err, "assumable roles: out of memory");
	(*n)++;
	return 0;
}

int sts_assumable_roles(const sts_settings *settings, const sts_caller *caller, char ***names,
			sts_error *err)
{
	authz_state st;
	char **roles = NULL;
	size_t nroles = 0, n = 0;
	int rc = -1;

	sts_error_clear(err);
	if (!names)
		return sts_error_set(err, "assumable roles: no result");
	*names = NULL;
	if (state_open(&st, settings, caller, err) < 0 ||
	    sts_role_list(settings, &roles, &nroles, err) < 0)
		goto out;
	for (size_t i = 0; i < nroles; i++) {
		sts_authz_request req = { .op = STS_OP_ASSUME_ROLE, .target = roles[i] };
		sts_authz_result res;
		int r;
		result_reset(&res);
		r = authorize_role(&st, &req, &res, err);
		if (r == 0 && res.decision == STS_ALLOWED)
			r = push(names, &n, roles[i], err);
		sts_authz_result_free(&res);
		if (r < 0)
			goto out;
	}
	rc = (int)n;
out:
	state_close(&st);
	sts_names_free(roles, nroles);
	if (rc < 0) {
		sts_names_free(*names, n);
		*names = NULL;
	}
	return rc;
}
