/*
 * pam_sm_acct_mgmt: has sts-helper decide the STS operation the module
 * arguments name (GetSessionToken, AssumeRole, GetFederationToken) against
 * the IAM policies attached to the user and the user's groups, with the MFA
 * result of the auth phase (pam_sts/mfa_result.h) in the request context.
 *
 * The decision runs in the helper (helper/sts-helper/sts_helper_decide.c), not here:
 * the policies, OpenSSL and the grant key stay out of the application's
 * address space, and an application that loads pam_sts.so does not pay for
 * loading libcrypto. An allowed decision comes back as a sealed grant
 * (lib/decide/grant.h), handed to the session phase in the PAM environment; the
 * session issues that and nothing else. GetSessionToken needs no
 * permission: for action=session with no other argument the grant came
 * with the auth phase's result (helper/sts-helper/sts_helper_session_grant.c) and is
 * handed on without asking the helper again.
 *
 * Nor does the module read JSON (every library it links costs each login
 * its load time): with action=requested the application's PAM_STS_REQUEST
 * goes to the helper unread, as app_request=, and the decision line names
 * the operation and target the helper read from it; role=prompt's list comes
 * back as role names separated by spaces, which no IAM role name holds.
 */
#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "base/log_field.h"
#include "base/settings.h"
#include "proto/client.h"
#include "proto/env.h"
#include "audit.h"
#include "mfa_result.h"
#include "request.h"
#include "settings_data.h"

typedef struct {
	pam_handle_t *pamh;
	const sts_args *args;
	const sts_settings *settings; /* the handle's (pam_sts/settings_data.h) */
	sts_login login;
	const sts_mfa_result *mfa; /* the auth phase's (module data) */
	int64_t mfa_time;
	sts_authz_request req;
	char *target, *session_name, *chosen_role;
	char *app_request; /* action=requested: PAM_STS_REQUEST's text, for the helper */
} account_ctx;

/* The MFA result of this transaction's auth phase: without it, no
 * credentials. */
static int read_mfa_result(account_ctx *a)
{
	const void *data = NULL;
	const sts_mfa_result *r;
	int64_t now = (int64_t)time(NULL);

	if (pam_get_data(a->pamh, STS_MFA_DATA, &data) != PAM_SUCCESS || !data) {
		sts_pam_log(a->pamh, LOG_NOTICE,
			    "user %s: no MFA from the auth phase of this login (is pam_sts in the "
			    "auth stack of service %s?)",
			    a->login.user, a->login.service);
		return PAM_PERM_DENIED;
	}
	r = data;
	if (strcmp(r->user, a->login.user) != 0) {
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s: the MFA of this login was %s's",
			    a->login.user, r->user);
		return PAM_PERM_DENIED;
	}
	if (r->auth_time > now || now - r->auth_time >= (int64_t)a->settings->grant_ttl) {
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s: the MFA of this login is too old",
			    a->login.user);
		return PAM_PERM_DENIED;
	}
	a->mfa = r;
	a->mfa_time = r->auth_time;
	return PAM_SUCCESS;
}

/* The login's part of a request to the helper: who, from where, with MFA when. */
static int login_request(const account_ctx *a, const char *op, sts_msg *msg)
{
	char mfa[32];

	snprintf(mfa, sizeof(mfa), "%lld", (long long)a->mfa_time);
	memset(msg, 0, sizeof(*msg));
	if (sts_msg_add(msg, "version", STS_PROTO_VERSION) < 0 || sts_msg_add(msg, "op", op) ||
	    sts_msg_add(msg, "config", a->args->config) ||
	    sts_msg_add(msg, "user", a->login.user) ||
	    sts_msg_add(msg, "service", a->login.service) ||
	    sts_msg_add(msg, "rhost", a->login.rhost) ||
	    sts_msg_add(msg, "source_ip", a->login.source_ip) || sts_msg_add(msg, "mfa_time", mfa))
		return -1;
	return 0;
}

/* One exchange with the helper; PAM_SUCCESS when it answered at all (the
 * answer's status says what), else logged with what failed. */
static int ask_helper(account_ctx *a, const char *what, sts_msg *req, sts_msg *resp)
{
	sts_error err;
	int rc = sts_helper_call(a->settings, req, resp, &err);

	sts_msg_free(req);
	if (rc < 0) {
		sts_pam_log(a->pamh, LOG_ERR, "user %s: %s: %s", a->login.user, what, err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	return PAM_SUCCESS;
}

/* The helper's status=error: its message, in the module's one line. */
static int helper_error(account_ctx *a, const char *what, const sts_msg *resp)
{
	const char *why = sts_msg_get(resp, "message");

	sts_pam_log(a->pamh, LOG_ERR, "user %s: %s: %s", a->login.user, what,
		    why ? why : "the helper's answer is incomplete");
	return PAM_AUTHINFO_UNAVAIL;
}

/* role=prompt's list: the helper's roles= split at single spaces (no role
 * name holds one). |buf| holds the names |names| points into. */
typedef struct {
	char *buf;
	char **names;
	size_t n;
} role_list;

static void role_list_free(role_list *l)
{
	free(l->buf);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

/* 0, -1 when a name is empty (a malformed answer), -2 out of memory. */
static int split_roles(const char *text, role_list *l)
{
	size_t cap = 1;
	char *p;

	memset(l, 0, sizeof(*l));
	if (!*text)
		return 0; /* no role at all */
	for (const char *c = text; *c; c++)
		cap += *c == ' ';
	l->buf = strdup(text);
	l->names = calloc(cap, sizeof(*l->names));
	if (!l->buf || !l->names)
		return -2;
	for (p = l->buf; p; l->n++) {
		char *space = strchr(p, ' ');

		if (space)
			*space = '\0';
		if (!*p)
			return -1;
		l->names[l->n] = p;
		p = space ? space + 1 : NULL;
	}
	return 0;
}

/* The helper's list of assumable roles. */
static int role_names(account_ctx *a, role_list *list)
{
	sts_msg req, resp;
	const char *text;
	int rc, split = -1;

	memset(list, 0, sizeof(*list));
	if (login_request(a, "roles", &req) < 0) {
		sts_msg_free(&req);
		sts_pam_log(a->pamh, LOG_ERR, "user %s: out of memory", a->login.user);
		return PAM_BUF_ERR;
	}
	rc = ask_helper(a, "listing roles", &req, &resp);
	if (rc != PAM_SUCCESS)
		return rc;
	text = sts_msg_get(&resp, "roles");
	if (strcmp(sts_msg_get(&resp, "status"), "ok") == 0 && text)
		split = split_roles(text, list);
	if (split == -2) {
		sts_pam_log(a->pamh, LOG_ERR, "user %s: out of memory", a->login.user);
		rc = PAM_BUF_ERR;
	} else if (split < 0) {
		rc = helper_error(a, "listing roles", &resp);
	}
	if (rc != PAM_SUCCESS)
		role_list_free(list); /* else the caller frees it */
	sts_msg_free(&resp);
	return rc;
}

/* role=prompt: the roles this user may assume, and the user's choice. */
static int choose_role(account_ctx *a)
{
	role_list roles = { 0 };
	char *answer = NULL, list[4096];
	size_t used = 0;
	int rc = role_names(a, &roles);

	if (rc != PAM_SUCCESS)
		goto out;
	rc = PAM_PERM_DENIED;
	if (roles.n == 0) {
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s may assume no role", a->login.user);
		goto out;
	}
	list[0] = '\0';
	for (size_t i = 0; i < roles.n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "  %zu) %s\n", i + 1,
					 roles.names[i]);
	if (pam_prompt(a->pamh, PAM_PROMPT_ECHO_ON, &answer,
		       "Roles you may assume:\n%sRole: ", list) != PAM_SUCCESS ||
	    !answer) {
		rc = PAM_CONV_ERR;
		goto out;
	}
	for (size_t i = 0; i < roles.n; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%zu", i + 1);
		if (strcmp(answer, num) == 0 || strcmp(answer, roles.names[i]) == 0) {
			free(a->chosen_role);
			a->chosen_role = strdup(roles.names[i]);
			rc = a->chosen_role ? PAM_SUCCESS : PAM_BUF_ERR;
		}
	}
	if (rc == PAM_PERM_DENIED)
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s chose no role on offer", a->login.user);
out:
	free(answer);
	role_list_free(&roles);
	return rc;
}

/* What the request is called in log lines. An application's request is read
 * by the helper only, so its operation is the helper's word for it. */
static const char *request_name(const account_ctx *a, const sts_msg *resp)
{
	const char *op = resp ? sts_msg_get(resp, "operation") : NULL;

	if (!a->app_request)
		return sts_operation_name(a->req.op);
	return op ? op : STS_REQUEST_ENV;
}

static void log_line(account_ctx *a, bool allowed, const char *operation, const char *target,
		     const char *decision, const char *by)
{
	sts_log_line line;

	sts_log_line_start(&line, "decision:");
	sts_log_kv(&line, "user", a->login.user);
	sts_log_kv(&line, "rhost", a->login.rhost);
	sts_log_kv(&line, "service", a->login.service);
	sts_log_kv(&line, "operation", operation);
	sts_log_kv(&line, "target", target);
	sts_log_kv(&line, "decision", decision);
	sts_log_kv(&line, "by", by);
	sts_pam_log(a->pamh, allowed ? LOG_INFO : LOG_NOTICE, "%s", line.text);
}

static void log_decision(account_ctx *a, const sts_msg *resp)
{
	log_line(a, strcmp(sts_msg_get(resp, "status"), "ok") == 0, request_name(a, resp),
		 a->app_request ? sts_msg_get(resp, "target") : a->req.target,
		 sts_msg_get(resp, "decision"), sts_msg_get(resp, "decided_by"));
}

/* An answer to log a decision from: the decision, and for an application's
 * request the operation it was (the module never read the request). */
static bool names_decision(const account_ctx *a, const sts_msg *resp)
{
	return sts_msg_get(resp, "decision") && (!a->app_request || sts_msg_get(resp, "operation"));
}

/* The grant into the PAM environment, for the session phase. One line either
 * way: the decision, or why an allowed one went nowhere. */
static int hand_on_grant(account_ctx *a, const sts_msg *resp)
{
	const char *grant = sts_msg_get(resp, "grant");
	char *env = NULL;
	int rc = PAM_BUF_ERR;

	if (!grant || !names_decision(a, resp))
		return helper_error(a, request_name(a, resp), resp);
	if (asprintf(&env, "%s=%s", STS_GRANT_ENV, grant) >= 0) {
		rc = pam_putenv(a->pamh, env);
		explicit_bzero(env, strlen(env));
		free(env);
	}
	if (rc == PAM_SUCCESS)
		log_decision(a, resp);
	else
		sts_pam_log(a->pamh, LOG_ERR,
			    "user %s: %s allowed, but the grant could not be "
			    "handed on: %s",
			    a->login.user, request_name(a, resp), pam_strerror(a->pamh, rc));
	return rc;
}

static bool same_text(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/* Whether the auth phase's GetSessionToken grant (pam_sts/mfa_result.h)
 * is this phase's decision: the request is action=session with nothing
 * else (what the helper sealed it for), for the login it was sealed for,
 * under the same configuration (the helper sealed and decided it with the
 * auth line's). */
static bool auth_grant_fits(const account_ctx *a)
{
	const sts_authz_request *r = &a->req;

	return a->mfa && a->mfa->session_grant && !a->app_request && r->op == STS_OP_SESSION &&
	       !r->target && !r->session_name && !r->duration && !r->session_policy &&
	       !r->session_policy_text && same_text(a->mfa->config, a->args->config) &&
	       same_text(a->mfa->service, a->login.service) &&
	       same_text(a->mfa->source_ip, a->login.source_ip) &&
	       same_text(a->mfa->rhost, a->login.rhost);
}

/* GetSessionToken needs no permission, so an MFA'd login is allowed it
 * without asking the helper again: the grant it sealed with the code goes
 * on to the session phase as op=decide's would. */
static int hand_on_auth_grant(account_ctx *a)
{
	char *env = NULL;
	int rc = PAM_BUF_ERR;

	if (asprintf(&env, "%s=%s", STS_GRANT_ENV, a->mfa->session_grant) >= 0) {
		rc = pam_putenv(a->pamh, env);
		explicit_bzero(env, strlen(env));
		free(env);
	}
	if (rc != PAM_SUCCESS) {
		sts_pam_log(a->pamh, LOG_ERR,
			    "user %s: GetSessionToken allowed, but the grant could not be handed "
			    "on: %s",
			    a->login.user, pam_strerror(a->pamh, rc));
		return rc;
	}
	log_line(a, true, sts_operation_name(STS_OP_SESSION), NULL, "allowed", STS_SESSION_REASON);
	return PAM_SUCCESS;
}

/* op=decide: the login, and the request (the arguments', or the application's
 * text with the administrator's session policy). */
static int decide_request(const account_ctx *a, sts_msg *req)
{
	char duration[32];

	snprintf(duration, sizeof(duration), "%lu", a->req.duration);
	if (login_request(a, "decide", req) < 0 ||
	    sts_msg_add(req, "session_policy", a->req.session_policy) < 0)
		return -1;
	if (a->app_request)
		return sts_msg_add(req, "app_request", a->app_request);
	if (sts_msg_add(req, "operation", sts_operation_word(a->req.op)) < 0 ||
	    sts_msg_add(req, "target", a->req.target) < 0 ||
	    sts_msg_add(req, "session_name", a->req.session_name) < 0 ||
	    sts_msg_add(req, "duration", a->req.duration ? duration : NULL) < 0 ||
	    sts_msg_add(req, "session_policy_text", a->req.session_policy_text) < 0)
		return -1;
	return 0;
}

/* The helper refused the application's request as malformed: the
 * application's fault, PAM_SERVICE_ERR as for a request it never sent right. */
static bool app_request_malformed(const account_ctx *a, const sts_msg *resp)
{
	const char *what = sts_msg_get(resp, "malformed");

	return a->app_request && what && strcmp(what, "app_request") == 0;
}

static int decide(account_ctx *a)
{
	const char *status;
	sts_msg req, resp;
	int rc;

	if (decide_request(a, &req) < 0) {
		sts_msg_free(&req);
		sts_pam_log(a->pamh, LOG_ERR, "user %s: out of memory", a->login.user);
		return PAM_BUF_ERR;
	}
	rc = ask_helper(a, request_name(a, NULL), &req, &resp);
	if (rc != PAM_SUCCESS)
		return rc;
	status = sts_msg_get(&resp, "status");
	if (strcmp(status, "ok") == 0) {
		rc = hand_on_grant(a, &resp);
	} else if (strcmp(status, "denied") == 0 && names_decision(a, &resp)) {
		log_decision(a, &resp);
		rc = PAM_PERM_DENIED;
	} else if (strcmp(status, "error") == 0 && app_request_malformed(a, &resp)) {
		helper_error(a, STS_REQUEST_ENV, &resp);
		rc = PAM_SERVICE_ERR;
	} else {
		rc = helper_error(a, request_name(a, &resp), &resp);
	}
	sts_msg_free(&resp);
	return rc;
}

static int prepare(account_ctx *a)
{
	sts_error err;
	int rc;

	if (sts_phase_settings(a->pamh, a->args, &a->settings, &err) < 0) {
		sts_pam_log(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = sts_login_get(a->pamh, &a->login);
	if (rc != PAM_SUCCESS)
		return rc;
	if (strcmp(a->args->action, "requested") == 0)
		rc = sts_request_from_app(a->pamh, &a->app_request);
	else
		rc = sts_request_from_args(a->pamh, a->args, a->login.user, &a->req, &a->target,
					   &a->session_name);
	/* The administrator's session policy applies to an application's request too. */
	a->req.session_policy = a->args->session_policy;
	if (rc == PAM_SUCCESS)
		rc = read_mfa_result(a);
	if (rc == PAM_SUCCESS && a->req.op == STS_OP_ASSUME_ROLE && a->req.target &&
	    strcmp(a->req.target, "prompt") == 0) {
		rc = choose_role(a);
		a->req.target = a->chosen_role;
	}
	return rc;
}

int sts_account(pam_handle_t *pamh, int flags, const sts_args *args)
{
	account_ctx *a = calloc(1, sizeof(*a));
	int rc;

	(void)flags;
	if (!a) {
		sts_pam_log(pamh, LOG_ERR, "out of memory");
		return PAM_BUF_ERR;
	}
	a->pamh = pamh;
	a->args = args;
	rc = prepare(a);
	if (rc == PAM_SUCCESS)
		rc = auth_grant_fits(a) ? hand_on_auth_grant(a) : decide(a);
	free(a->target);
	free(a->session_name);
	free(a->chosen_role);
	free(a->app_request);
	sts_login_free(&a->login);
	explicit_bzero(a, sizeof(*a));
	free(a);
	return rc;
}
