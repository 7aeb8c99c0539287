/*
 * pam_sm_acct_mgmt: has sts-helper decide the STS operation the module
 * arguments name (GetSessionToken, AssumeRole, GetFederationToken) against
 * the IAM policies attached to the user and the user's groups, with the MFA
 * result of the auth phase (pam_sts/mfa_result.h) in the request context.
 *
 * The decision runs in the helper (helper/sts_helper_decide.c), not here:
 * the policies, OpenSSL and the grant key stay out of the application's
 * address space, and an application that loads pam_sts.so does not pay for
 * loading libcrypto. An allowed decision comes back as a sealed grant
 * (lib/grant.h), handed to the session phase in the PAM environment; the
 * session issues that and nothing else.
 */
#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <json-c/json.h>
#include <security/pam_ext.h>

#include "grant.h"
#include "helper_client.h"
#include "mfa_result.h"
#include "request.h"
#include "settings.h"

typedef struct {
	pam_handle_t *pamh;
	const sts_args *args;
	sts_settings settings;
	bool settings_loaded;
	sts_login login;
	int64_t mfa_time;
	sts_authz_request req;
	char *target, *session_name, *chosen_role, *policy_text;
} account_ctx;

/* The MFA result of this transaction's auth phase: without it, no
 * credentials. */
static int read_mfa_result(account_ctx *a)
{
	const void *data = NULL;
	const sts_mfa_result *r;
	int64_t now = (int64_t)time(NULL);

	if (pam_get_data(a->pamh, STS_MFA_DATA, &data) != PAM_SUCCESS || !data) {
		pam_syslog(a->pamh, LOG_NOTICE,
			   "user %s: no MFA from the auth phase of this login (is pam_sts in the "
			   "auth stack of service %s?)",
			   a->login.user, a->login.service);
		return PAM_PERM_DENIED;
	}
	r = data;
	if (strcmp(r->user, a->login.user) != 0) {
		pam_syslog(a->pamh, LOG_NOTICE, "user %s: the MFA of this login was %s's",
			   a->login.user, r->user);
		return PAM_PERM_DENIED;
	}
	if (r->auth_time > now || now - r->auth_time >= (int64_t)a->settings.ticket_ttl) {
		pam_syslog(a->pamh, LOG_NOTICE, "user %s: the MFA of this login is too old",
			   a->login.user);
		return PAM_PERM_DENIED;
	}
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
	int rc = sts_helper_call(&a->settings, req, resp, &err);

	sts_msg_free(req);
	if (rc < 0) {
		pam_syslog(a->pamh, LOG_ERR, "user %s: %s: %s", a->login.user, what, err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	return PAM_SUCCESS;
}

/* The helper's status=error: its message, in the module's one line. */
static int helper_error(account_ctx *a, const char *what, const sts_msg *resp)
{
	const char *why = sts_msg_get(resp, "message");

	pam_syslog(a->pamh, LOG_ERR, "user %s: %s: %s", a->login.user, what,
		   why ? why : "the helper's answer is incomplete");
	return PAM_AUTHINFO_UNAVAIL;
}

/* The helper's list of assumable roles (a JSON array of strings). */
static int role_names(account_ctx *a, json_object **list)
{
	sts_msg req, resp;
	const char *text;
	int rc;

	*list = NULL;
	if (login_request(a, "roles", &req) < 0) {
		sts_msg_free(&req);
		pam_syslog(a->pamh, LOG_ERR, "user %s: out of memory", a->login.user);
		return PAM_BUF_ERR;
	}
	rc = ask_helper(a, "listing roles", &req, &resp);
	if (rc != PAM_SUCCESS)
		return rc;
	text = sts_msg_get(&resp, "roles");
	if (strcmp(sts_msg_get(&resp, "status"), "ok") == 0 && text)
		*list = json_tokener_parse(text); /* the caller puts it */
	if (!*list || !json_object_is_type(*list, json_type_array))
		rc = helper_error(a, "listing roles", &resp);
	sts_msg_free(&resp);
	return rc;
}

/* role=prompt: the roles this user may assume, and the user's choice. */
static int choose_role(account_ctx *a)
{
	json_object *roles = NULL;
	char *answer = NULL, list[4096];
	size_t used = 0, n;
	int rc = role_names(a, &roles);

	if (rc != PAM_SUCCESS)
		goto out;
	rc = PAM_PERM_DENIED;
	n = json_object_array_length(roles);
	if (n == 0) {
		pam_syslog(a->pamh, LOG_NOTICE, "user %s may assume no role", a->login.user);
		goto out;
	}
	list[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(
			list + used, sizeof(list) - used, "  %zu) %s\n", i + 1,
			json_object_get_string(json_object_array_get_idx(roles, i)));
	if (pam_prompt(a->pamh, PAM_PROMPT_ECHO_ON, &answer,
		       "Roles you may assume:\n%sRole: ", list) != PAM_SUCCESS ||
	    !answer) {
		rc = PAM_CONV_ERR;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(roles, i));
		char num[24];

		snprintf(num, sizeof(num), "%zu", i + 1);
		if (name && (strcmp(answer, num) == 0 || strcmp(answer, name) == 0)) {
			free(a->chosen_role);
			a->chosen_role = strdup(name);
			rc = a->chosen_role ? PAM_SUCCESS : PAM_BUF_ERR;
		}
	}
	if (rc == PAM_PERM_DENIED)
		pam_syslog(a->pamh, LOG_NOTICE, "user %s chose no role on offer", a->login.user);
out:
	free(answer);
	json_object_put(roles);
	return rc;
}

static const char *operation_word(sts_operation op)
{
	return op == STS_OP_ASSUME_ROLE ? "assume-role" :
	       op == STS_OP_FEDERATE	? "federate" :
					  "session";
}

static void log_decision(account_ctx *a, const sts_msg *resp)
{
	const char *decision = sts_msg_get(resp, "decision");
	const char *by = sts_msg_get(resp, "decided_by");
	bool allowed = strcmp(sts_msg_get(resp, "status"), "ok") == 0;

	pam_syslog(a->pamh, allowed ? LOG_INFO : LOG_NOTICE,
		   "decision: user=%s rhost=%s service=%s operation=%s target=%s decision=%s "
		   "by=\"%s\"",
		   a->login.user, a->login.rhost ? a->login.rhost : "-", a->login.service,
		   sts_operation_name(a->req.op), a->req.target ? a->req.target : "-",
		   decision ? decision : "-", by ? by : "-");
}

/* The grant into the PAM environment, for the session phase. One line either
 * way: the decision, or why an allowed one went nowhere. */
static int hand_on_grant(account_ctx *a, const sts_msg *resp)
{
	const char *grant = sts_msg_get(resp, "grant");
	char *env = NULL;
	int rc = PAM_BUF_ERR;

	if (!grant || !sts_msg_get(resp, "decision"))
		return helper_error(a, sts_operation_name(a->req.op), resp);
	if (asprintf(&env, "%s=%s", STS_GRANT_ENV, grant) >= 0) {
		rc = pam_putenv(a->pamh, env);
		explicit_bzero(env, strlen(env));
		free(env);
	}
	if (rc == PAM_SUCCESS)
		log_decision(a, resp);
	else
		pam_syslog(a->pamh, LOG_ERR,
			   "user %s: %s allowed, but the grant could not be "
			   "handed on: %s",
			   a->login.user, sts_operation_name(a->req.op), pam_strerror(a->pamh, rc));
	return rc;
}

static int decide(account_ctx *a)
{
	const char *what = sts_operation_name(a->req.op), *status;
	char duration[32];
	sts_msg req, resp;
	int rc;

	snprintf(duration, sizeof(duration), "%lu", a->req.duration);
	if (login_request(a, "decide", &req) < 0 ||
	    sts_msg_add(&req, "operation", operation_word(a->req.op)) < 0 ||
	    sts_msg_add(&req, "target", a->req.target) < 0 ||
	    sts_msg_add(&req, "session_name", a->req.session_name) < 0 ||
	    sts_msg_add(&req, "duration", a->req.duration ? duration : NULL) < 0 ||
	    sts_msg_add(&req, "session_policy", a->req.session_policy) < 0 ||
	    sts_msg_add(&req, "session_policy_text", a->req.session_policy_text) < 0) {
		sts_msg_free(&req);
		pam_syslog(a->pamh, LOG_ERR, "user %s: out of memory", a->login.user);
		return PAM_BUF_ERR;
	}
	rc = ask_helper(a, what, &req, &resp);
	if (rc != PAM_SUCCESS)
		return rc;
	status = sts_msg_get(&resp, "status");
	if (strcmp(status, "ok") == 0) {
		rc = hand_on_grant(a, &resp);
	} else if (strcmp(status, "denied") == 0 && sts_msg_get(&resp, "decision")) {
		log_decision(a, &resp);
		rc = PAM_PERM_DENIED;
	} else {
		rc = helper_error(a, what, &resp);
	}
	sts_msg_free(&resp);
	return rc;
}

static int prepare(account_ctx *a)
{
	sts_error err;
	int rc;

	if (sts_settings_load(a->args->config, &a->settings, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	a->settings_loaded = true;
	rc = sts_login_get(a->pamh, &a->login);
	if (rc != PAM_SUCCESS)
		return rc;
	if (strcmp(a->args->action, "requested") == 0)
		rc = sts_request_from_app(a->pamh, &a->req, &a->target, &a->policy_text);
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
		pam_syslog(pamh, LOG_ERR, "out of memory");
		return PAM_BUF_ERR;
	}
	a->pamh = pamh;
	a->args = args;
	rc = prepare(a);
	if (rc == PAM_SUCCESS)
		rc = decide(a);
	free(a->target);
	free(a->session_name);
	free(a->chosen_role);
	free(a->policy_text);
	sts_login_free(&a->login);
	if (a->settings_loaded)
		sts_settings_free(&a->settings);
	explicit_bzero(a, sizeof(*a));
	free(a);
	return rc;
}
