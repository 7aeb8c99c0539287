/*
 * pam_sm_acct_mgmt: decides the STS operation the module arguments name
 * (GetSessionToken, AssumeRole, GetFederationToken) against the IAM
 * policies attached to the user and the user's groups, with the MFA result
 * of the auth phase (the ticket, lib/mfa_ticket.h) in the request context.
 * An allowed decision is handed to the session phase as a grant
 * (lib/grant.h); the session issues that and nothing else.
 */
#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/crypto.h>
#include <security/pam_ext.h>

#include "grant.h"
#include "mfa_result.h"
#include "mfa_ticket.h"
#include "request.h"
#include "settings.h"

typedef struct {
	pam_handle_t *pamh;
	const sts_args *args;
	sts_settings settings;
	bool settings_loaded;
	sts_login login;
	unsigned char key[STS_TICKET_KEY_LEN];
	sts_caller caller;
	sts_authz_request req;
	char *target, *session_name, *chosen_role, *session_policy, *policy_text;
	sts_authz_result decision;
} account_ctx;

/* The MFA result of this transaction's auth phase: without it, no
 * credentials. The grant key is loaded (created on first use) here too. */
static int read_mfa_result(account_ctx *a)
{
	const void *data = NULL;
	const sts_mfa_result *r;
	sts_error err;

	if (sts_ticket_key_load(a->settings.state_dir, true, a->key, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
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
	if (r->auth_time > a->caller.now ||
	    a->caller.now - r->auth_time >= (int64_t)a->settings.ticket_ttl) {
		pam_syslog(a->pamh, LOG_NOTICE, "user %s: the MFA of this login is too old",
			   a->login.user);
		return PAM_PERM_DENIED;
	}
	a->caller.mfa_present = true;
	a->caller.mfa_time = r->auth_time;
	return PAM_SUCCESS;
}

/* role=prompt: the roles this user may assume, and the user's choice. */
static int choose_role(account_ctx *a)
{
	char **names = NULL, *answer = NULL, list[4096];
	size_t used = 0;
	sts_error err;
	int n = sts_assumable_roles(&a->settings, &a->caller, &names, &err), rc = PAM_PERM_DENIED;

	if (n < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (n == 0) {
		pam_syslog(a->pamh, LOG_NOTICE, "user %s may assume no role", a->login.user);
		goto out;
	}
	list[0] = '\0';
	for (int i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "  %d) %s\n", i + 1,
					 names[i]);
	if (pam_prompt(a->pamh, PAM_PROMPT_ECHO_ON, &answer,
		       "Roles you may assume:\n%sRole: ", list) != PAM_SUCCESS ||
	    !answer) {
		rc = PAM_CONV_ERR;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		char num[16];

		snprintf(num, sizeof(num), "%d", i + 1);
		if (strcmp(answer, num) == 0 || strcmp(answer, names[i]) == 0) {
			a->chosen_role = strdup(names[i]);
			rc = a->chosen_role ? PAM_SUCCESS : PAM_BUF_ERR;
		}
	}
	if (rc == PAM_PERM_DENIED)
		pam_syslog(a->pamh, LOG_NOTICE, "user %s chose no role on offer", a->login.user);
out:
	free(answer);
	sts_free_names(names, (size_t)n > 0 ? (size_t)n : 0);
	return rc;
}

static void log_decision(account_ctx *a)
{
	bool allowed = a->decision.decision == STS_ALLOWED;

	pam_syslog(a->pamh, allowed ? LOG_INFO : LOG_NOTICE,
		   "decision: user=%s rhost=%s service=%s operation=%s target=%s decision=%s "
		   "by=\"%s\"",
		   a->login.user, a->login.rhost ? a->login.rhost : "-", a->login.service,
		   sts_operation_name(a->req.op), a->req.target ? a->req.target : "-",
		   sts_decision_word(a->decision.decision), a->decision.reason);
}

static int decide(account_ctx *a)
{
	sts_error err;

	if (sts_authorize(&a->settings, &a->caller, &a->req, &a->decision, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "user %s: %s: %s", a->login.user,
			   sts_operation_name(a->req.op), err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (a->decision.decision == STS_ALLOWED)
		return PAM_SUCCESS; /* logged once the grant is handed on */
	log_decision(a);
	return PAM_PERM_DENIED;
}

static int hand_on_grant(account_ctx *a)
{
	sts_grant g = {
		.user = a->login.user,
		.service = a->login.service,
		.op = a->req.op,
		.target = a->chosen_role ? a->chosen_role : a->target,
		.session_name = a->session_name,
		.duration = a->req.duration,
		.session_policy = a->session_policy,
		.session_policy_text = a->policy_text,
		.source_ip = a->login.source_ip,
		.mfa_present = a->caller.mfa_present,
		.mfa_time = a->caller.mfa_time,
		.issued = a->caller.now,
		.expires = a->caller.now + (int64_t)a->settings.ticket_ttl,
	};
	char *text = NULL, *env = NULL;
	sts_error err;
	int rc = PAM_BUF_ERR;

	/* One line either way: the decision, or why an allowed one went nowhere. */
	if (sts_grant_seal(a->key, &g, &text, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "user %s: %s allowed, but %s", a->login.user,
			   sts_operation_name(a->req.op), err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (asprintf(&env, "%s=%s", STS_GRANT_ENV, text) >= 0) {
		rc = pam_putenv(a->pamh, env);
		free(env);
	}
	free(text);
	if (rc == PAM_SUCCESS)
		log_decision(a);
	else
		pam_syslog(a->pamh, LOG_ERR,
			   "user %s: %s allowed, but the grant could not be "
			   "handed on: %s",
			   a->login.user, sts_operation_name(a->req.op), pam_strerror(a->pamh, rc));
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
	a->caller.user = a->login.user;
	a->caller.uid = a->login.uid;
	a->caller.gid = a->login.gid;
	a->caller.source_ip = a->login.source_ip;
	a->caller.now = (int64_t)time(NULL);
	if (strcmp(a->args->action, "requested") == 0)
		rc = sts_request_from_app(a->pamh, &a->req, &a->target, &a->policy_text);
	else
		rc = sts_request_from_args(a->pamh, a->args, a->login.user, &a->req, &a->target,
					   &a->session_name);
	if (rc == PAM_SUCCESS && a->args->session_policy &&
	    !(a->session_policy = strdup(a->args->session_policy)))
		rc = PAM_BUF_ERR;
	if (rc == PAM_SUCCESS)
		rc = read_mfa_result(a);
	if (rc == PAM_SUCCESS && a->req.op == STS_OP_ASSUME_ROLE &&
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
	if (rc == PAM_SUCCESS)
		rc = hand_on_grant(a);
	sts_authz_result_free(&a->decision);
	free(a->target);
	free(a->session_name);
	free(a->chosen_role);
	free(a->session_policy);
	free(a->policy_text);
	sts_login_free(&a->login);
	if (a->settings_loaded)
		sts_settings_free(&a->settings);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
	return rc;
}
