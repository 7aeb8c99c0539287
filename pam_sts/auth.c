/*
 * pam_sm_authenticate: the GetSessionToken SerialNumber/TokenCode check.
 *
 * The module prompts; sts-helper checks (op=mfa, helper/sts-helper/sts_helper_mfa.c),
 * as pam_unix has unix_chkpwd check passwords: the device secrets stay out
 * of the application's address space, and the module loads no library but
 * libpam. Under the user's lock the helper checks the code, refuses replays
 * (a code at or below the last accepted time step), counts failures and
 * locks out, in one read-check-update, so that a code is accepted at most
 * once however many logins race. The lock is never held while the user
 * types. Before prompting the module only looks whether the user has a
 * device file at all (nullok); a lockout is reported after the prompt.
 */
#include "auth.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "base/settings.h"
#include "proto/calls.h"
#include "proto/mfa_names.h"
#include "proto/protocol.h"
#include "audit.h"
#include "mfa_result.h"
#include "request.h"
#include "settings_data.h"

#define FAIL_DELAY_US 2000000

typedef struct {
	pam_handle_t *pamh;
	const sts_args *args;
	const sts_settings *settings; /* the handle's (pam_sts/settings_data.h) */
	const char *user;
	sts_login login;     /* service and source IP, for GetSessionToken's grant */
	char *session_grant; /* the helper's, from the answer to a passed code */
	bool silent;	     /* PAM_SILENT: no messages to the user */
} auth_ctx;

/* Tells the user why a code was not even checked (or why the next ones will
 * not be): without it a locked-out user keeps typing valid codes. */
static void tell_locked(auth_ctx *a, const char *more, long long seconds)
{
	if (!a->silent)
		pam_error(a->pamh, "Too many failed codes: MFA is locked for %lld %sseconds.",
			  seconds, more);
}

static int no_device(auth_ctx *a)
{
	if (a->args->nullok) {
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s has no MFA device (nullok)", a->user);
		return PAM_IGNORE;
	}
	sts_pam_log(a->pamh, LOG_NOTICE, "user %s has no active MFA device", a->user);
	return PAM_USER_UNKNOWN;
}

/* Before prompting: does the user have a device at all? Only the files
 * store can be looked at from here; with the fleet store the module, which
 * never talks to the database, prompts and sts-helper answers no-device. */
static int precheck(auth_ctx *a)
{
	char dir[4096];
	sts_error err;
	int rc;

	if (a->settings->mfa_store != STS_MFA_STORE_FILES)
		return PAM_SUCCESS;
	snprintf(dir, sizeof(dir), "%s/mfa", a->settings->state_dir);
	rc = sts_mfa_device_present(dir, a->user, &err);
	if (rc < 0) {
		sts_pam_log(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	return rc == 0 ? no_device(a) : PAM_SUCCESS;
}

/* Why |text| cannot be a TOTP code (STS_TOTP_DIGITS_MIN to _MAX ASCII
 * digits), or NULL when it can. */
static const char *not_a_code(const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return "holds a control character";
	}
	if (n > STS_TOTP_DIGITS_MAX)
		return "is longer than any code";
	for (size_t i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return "is not digits";
	}
	return n < STS_TOTP_DIGITS_MIN ? "is shorter than any code" : NULL;
}

/* The code from PAM_AUTHTOK (use_/try_first_pass) or from the conversation.
 * try_first_pass takes the earlier module's password only when it can be a
 * code: a pam_unix password sent to the helper would count as a failure. */
static int get_code(auth_ctx *a, char **code)
{
	const void *item = NULL;
	char *answer = NULL;
	int rc;

	*code = NULL;
	if (a->args->use_first_pass || a->args->try_first_pass) {
		if (pam_get_item(a->pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item &&
		    (a->args->use_first_pass || !not_a_code(item))) {
			*code = strdup(item);
			return *code ? PAM_SUCCESS : PAM_BUF_ERR;
		}
		if (a->args->use_first_pass) {
			sts_pam_log(a->pamh, LOG_NOTICE,
				    "use_first_pass: no code from an earlier module");
			return PAM_AUTH_ERR;
		}
	}
	rc = pam_prompt(a->pamh, PAM_PROMPT_ECHO_OFF, &answer, "%s", a->settings->prompt);
	if (rc != PAM_SUCCESS || !answer) {
		free(answer);
		return rc == PAM_SUCCESS ? PAM_CONV_ERR : rc;
	}
	*code = answer;
	return PAM_SUCCESS;
}

static long long number(const sts_msg *resp, const char *key)
{
	const char *v = sts_msg_get(resp, key);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* The helper's verdict as the log lines and the PAM code of the auth phase. */
static int outcome(auth_ctx *a, const sts_msg *resp, int64_t *auth_time)
{
	const sts_answer_status status = sts_answer_status_of(resp);
	const char *result = sts_msg_get(resp, STS_KEY_RESULT);
	const char *why = sts_msg_get(resp, STS_KEY_MESSAGE);

	if (sts_msg_get(resp, STS_KEY_NOTE))
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s: %s", a->user,
			    sts_msg_get(resp, STS_KEY_NOTE));
	if (status == STS_ANSWER_OK && result && strcmp(result, STS_RESULT_PASSED) == 0 &&
	    (*auth_time = number(resp, STS_KEY_AUTH_TIME)) > 0)
		return PAM_SUCCESS;
	if (status != STS_ANSWER_DENIED || !result) {
		sts_pam_log(a->pamh, LOG_ERR, "user %s: %s", a->user,
			    why ? why : "the helper's answer is incomplete");
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (strcmp(result, STS_RESULT_NO_DEVICE) == 0)
		return no_device(a);
	if (strcmp(result, STS_RESULT_LOCKED) == 0) {
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s is locked out for %lld more seconds",
			    a->user, number(resp, STS_KEY_SECONDS));
		tell_locked(a, "more ", number(resp, STS_KEY_SECONDS));
		return PAM_MAXTRIES;
	}
	if (strcmp(result, STS_RESULT_REPLAY) == 0)
		sts_pam_log(a->pamh, LOG_NOTICE, "user %s presented %s", a->user,
			    sts_msg_get(resp, STS_KEY_FLOOR) ?
				    "a code at or below the rebuilt replay floor" :
				    "an already used code");
	if (sts_msg_get(resp, STS_KEY_LOCKOUT)) {
		sts_pam_log(a->pamh, LOG_WARNING,
			    "user %s locked out for %lld seconds after %lld failures", a->user,
			    number(resp, STS_KEY_LOCKOUT), number(resp, STS_KEY_FAILURES));
		tell_locked(a, "", number(resp, STS_KEY_LOCKOUT));
	}
	return PAM_AUTH_ERR;
}

/* Has the helper check |code|; a PAM code, logged. An answer that cannot be
 * a code never goes to the helper: an empty code goes in its place, which
 * the helper counts as a wrong one (so it still counts toward lockout). */
static int verify(auth_ctx *a, const char *code, int64_t *auth_time)
{
	const char *why_not = not_a_code(code);
	const sts_call_login login = { .config = a->args->config,
				       .user = a->user,
				       .service = a->login.service,
				       .rhost = a->login.rhost,
				       .source_ip = a->login.source_ip };
	sts_msg resp;
	sts_error err;
	int rc;

	if (why_not) {
		sts_pam_log(a->pamh, LOG_NOTICE,
			    "user %s: invalid input (counted as a wrong code): the answer %s",
			    a->user, why_not);
		code = "";
	}
	rc = sts_call_mfa(a->settings, &login, code, &resp, &err);
	if (rc == STS_CALL_NOMEM) {
		sts_pam_log(a->pamh, LOG_ERR, "user %s: out of memory", a->user);
		return PAM_BUF_ERR;
	}
	if (rc < 0) {
		sts_pam_log(a->pamh, LOG_ERR, "user %s: %s", a->user, err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = outcome(a, &resp, auth_time);
	if (rc == PAM_SUCCESS && sts_msg_get(&resp, STS_KEY_SESSION_GRANT) &&
	    !(a->session_grant = strdup(sts_msg_get(&resp, STS_KEY_SESSION_GRANT)))) {
		sts_pam_log(a->pamh, LOG_ERR, "user %s: out of memory", a->user);
		rc = PAM_BUF_ERR;
	}
	sts_msg_free(&resp);
	return rc;
}

static void result_free(sts_mfa_result *r)
{
	if (!r)
		return;
	if (r->session_grant) {
		explicit_bzero(r->session_grant, strlen(r->session_grant));
		free(r->session_grant);
	}
	free(r->config);
	free(r->service);
	free(r->source_ip);
	free(r->rhost);
	free(r);
}

static void free_result(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	result_free(data);
}

/* The MFA result for the account phase (see mfa_result.h). */
static int keep_result(auth_ctx *a, int64_t auth_time)
{
	sts_mfa_result *r = calloc(1, sizeof(*r));
	int rc;

	if (!r) {
		sts_pam_log(a->pamh, LOG_ERR, "user %s: out of memory", a->user);
		return PAM_BUF_ERR;
	}
	r->auth_time = auth_time;
	snprintf(r->user, sizeof(r->user), "%s", a->user);
	if (a->session_grant) {
		r->session_grant = a->session_grant; /* taken over */
		a->session_grant = NULL;
		r->config = strdup(a->args->config);
		r->service = strdup(a->login.service);
		r->source_ip = a->login.source_ip ? strdup(a->login.source_ip) : NULL;
		r->rhost = a->login.rhost ? strdup(a->login.rhost) : NULL;
		if (!r->config || !r->service || (a->login.source_ip && !r->source_ip) ||
		    (a->login.rhost && !r->rhost)) {
			result_free(r);
			sts_pam_log(a->pamh, LOG_ERR, "user %s: out of memory", a->user);
			return PAM_BUF_ERR;
		}
	}
	rc = pam_set_data(a->pamh, STS_MFA_DATA, r, free_result);
	if (rc != PAM_SUCCESS) {
		result_free(r);
		sts_pam_log(a->pamh, LOG_ERR, "user %s: cannot keep the MFA result", a->user);
	}
	return rc;
}

static int load(auth_ctx *a)
{
	sts_error err;
	int rc;

	if (sts_phase_settings(a->pamh, a->args, &a->settings, &err) < 0) {
		sts_pam_log(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = pam_get_user(a->pamh, &a->user, NULL);
	if (rc != PAM_SUCCESS || !a->user)
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	if (!sts_mfa_user_valid(a->user)) {
		sts_pam_log(a->pamh, LOG_NOTICE, "user name not accepted by pam_sts");
		return PAM_USER_UNKNOWN;
	}
	return sts_login_get(a->pamh, &a->login);
}

int sts_authenticate(pam_handle_t *pamh, int flags, const sts_args *args)
{
	auth_ctx a = { .pamh = pamh, .args = args, .silent = (flags & PAM_SILENT) != 0 };
	char *code = NULL;
	int64_t auth_time = 0;
	int rc;

	/* Linux-PAM keeps the largest delay any call asked for, so the default
	 * is asked for only when the configured one cannot be read. */
	rc = load(&a);
	pam_fail_delay(pamh, rc == PAM_SUCCESS ? (unsigned)a.settings->fail_delay_ms * 1000u :
						 FAIL_DELAY_US);
	if (rc == PAM_SUCCESS)
		rc = precheck(&a);
	if (rc == PAM_SUCCESS)
		rc = get_code(&a, &code);
	if (rc == PAM_SUCCESS)
		rc = verify(&a, code, &auth_time);
	if (rc == PAM_SUCCESS)
		rc = keep_result(&a, auth_time);
	if (rc == PAM_SUCCESS)
		sts_pam_log(pamh, LOG_INFO, "user %s passed MFA", a.user);
	else if (rc == PAM_AUTH_ERR)
		sts_pam_log(pamh, LOG_NOTICE, "user %s failed MFA", a.user ? a.user : "?");
	if (code) {
		explicit_bzero(code, strlen(code));
		free(code);
	}
	if (a.session_grant) {
		explicit_bzero(a.session_grant, strlen(a.session_grant));
		free(a.session_grant);
	}
	sts_login_free(&a.login);
	return rc;
}
