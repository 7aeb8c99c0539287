/*
 * pam_sm_open_session / pam_sm_close_session.
 *
 * Open hands the account phase's grant to sts-helper, which issues the
 * decision it stands for, mints, and writes the session's credentials file; the module then
 * sets the session environment. The grant is removed from the PAM
 * environment first, whatever happens, so it never reaches the user's.
 * Opening twice in one PAM handle (sshd may) keeps the first session.
 * Close removes exactly this session's directory.
 */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <pwd.h>

#include <security/pam_ext.h>
#include <security/pam_modutil.h>

#include "base/log_field.h"
#include "base/session_dir.h"
#include "base/settings.h"
#include "proto/calls.h"
#include "proto/env.h"
#include "proto/protocol.h"
#include "audit.h"
#include "request.h"
#include "settings_data.h"

#define DATA_SESSION "pam_sts_session"

/* The session this handle opened: its name and its owner as sts-helper
 * answered, so that close needs no user lookup (the first NSS lookup in a
 * process is a cost every login would pay: docs/login-latency.md). */
typedef struct {
	uid_t uid;
	char name[STS_SESSION_NAME_MAX];
} opened_session;

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* The handle's settings (pam_sts/settings_data.h): not to be freed. */
static int load_settings(pam_handle_t *pamh, const sts_args *args, const sts_settings **s)
{
	sts_error err;

	if (sts_phase_settings(pamh, args, s, &err) < 0) {
		sts_pam_log(pamh, LOG_ERR, "%s", err.msg);
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

static int put(pam_handle_t *pamh, const char *name, const char *value)
{
	char *env = NULL;
	int rc;

	if (asprintf(&env, "%s=%s", name, value ? value : "") < 0)
		return PAM_BUF_ERR;
	rc = pam_putenv(pamh, env);
	memset(env, 0, strlen(env));
	free(env);
	return rc;
}

/* Takes the grant (and an application's request) out of the PAM environment. */
static char *take_grant(pam_handle_t *pamh)
{
	const char *grant = pam_getenv(pamh, STS_GRANT_ENV);
	char *copy = grant ? strdup(grant) : NULL;

	if (pam_getenv(pamh, STS_GRANT_ENV))
		pam_putenv(pamh, STS_GRANT_ENV);
	if (pam_getenv(pamh, STS_REQUEST_ENV))
		pam_putenv(pamh, STS_REQUEST_ENV);
	return copy;
}

/* The session environment the SDKs and the AWS CLI read. A stale
 * AWS_SECURITY_TOKEN would win over the new credentials in botocore, and PAM
 * cannot remove a variable the client sent, so it is set empty (ignored). */
static int set_environment(pam_handle_t *pamh, const sts_args *args, const sts_msg *resp)
{
	const char *region = sts_msg_get(resp, STS_KEY_REGION);
	const char *config_file = sts_msg_get(resp, STS_KEY_CONFIG_FILE);
	int rc = put(pamh, "AWS_SHARED_CREDENTIALS_FILE",
		     sts_msg_get(resp, STS_KEY_CREDENTIALS_FILE));

	if (rc == PAM_SUCCESS)
		rc = put(pamh, "AWS_CREDENTIAL_EXPIRATION", sts_msg_get(resp, STS_KEY_EXPIRATION));
	if (rc == PAM_SUCCESS)
		rc = put(pamh, "AWS_SECURITY_TOKEN", "");
	if (rc == PAM_SUCCESS && args->profile)
		rc = put(pamh, "AWS_PROFILE", args->profile);
	/* Refresh (docs/refresh.md): the session's own AWS config, whose
	 * profile asks stsctl credential-process; keys in the environment
	 * would win over it, so not with env. */
	if (rc == PAM_SUCCESS && config_file && !args->env) {
		rc = put(pamh, "AWS_CONFIG_FILE", config_file);
		if (rc == PAM_SUCCESS)
			rc = put(pamh, "AWS_PROFILE", STS_REFRESH_PROFILE_NAME);
	}
	if (rc == PAM_SUCCESS && region)
		rc = put(pamh, "AWS_REGION", region);
	if (rc == PAM_SUCCESS && region)
		rc = put(pamh, "AWS_DEFAULT_REGION", region);
	if (rc == PAM_SUCCESS && args->env) {
		rc = put(pamh, "AWS_ACCESS_KEY_ID", sts_msg_get(resp, STS_KEY_ACCESS_KEY_ID));
		if (rc == PAM_SUCCESS)
			rc = put(pamh, "AWS_SECRET_ACCESS_KEY",
				 sts_msg_get(resp, STS_KEY_SECRET_ACCESS_KEY));
		if (rc == PAM_SUCCESS)
			rc = put(pamh, "AWS_SESSION_TOKEN",
				 sts_msg_get(resp, STS_KEY_SESSION_TOKEN));
	}
	return rc;
}

/* A field of the helper's answer; NULL when absent or empty. */
static const char *answer(const sts_msg *resp, const char *key)
{
	const char *v = sts_msg_get(resp, key);

	return v && *v ? v : NULL;
}

/* The audit line of an issuance: who, from where, what, why, which key. */
static void log_issuance(pam_handle_t *pamh, const char *user, const sts_msg *resp)
{
	const void *service = NULL, *rhost = NULL;
	sts_log_line line;

	pam_get_item(pamh, PAM_SERVICE, &service);
	pam_get_item(pamh, PAM_RHOST, &rhost);
	sts_log_line_start(&line, "issued:");
	sts_log_kv(&line, "user", user);
	sts_log_kv(&line, "rhost", rhost);
	sts_log_kv(&line, "service", service);
	sts_log_kv(&line, "operation", answer(resp, STS_KEY_OPERATION));
	sts_log_kv(&line, "target", answer(resp, STS_KEY_TARGET));
	sts_log_kv(&line, "principal", answer(resp, STS_KEY_PRINCIPAL));
	sts_log_kv(&line, "decision", "allowed");
	sts_log_kv(&line, "by", answer(resp, STS_KEY_DECIDED_BY));
	sts_log_kv(&line, "access_key_id", answer(resp, STS_KEY_ACCESS_KEY_ID));
	sts_log_kv(&line, "expires", answer(resp, STS_KEY_EXPIRATION));
	sts_log_kv(&line, "session", answer(resp, STS_KEY_SESSION));
	sts_pam_log(pamh, LOG_INFO, "%s", line.text);
}

/* Removes the session directory |session| (gone already counts as removed). */
static bool session_removed(pam_handle_t *pamh, const sts_settings *settings, const char *user,
			    const char *session)
{
	struct passwd *pw = pam_modutil_getpwnam(pamh, user);

	return pw &&
	       sts_session_remove(settings->runtime_dir, user, pw->pw_uid, session, NULL) >= 0;
}

/* The helper issued, but the session could not be set up (memory ran out):
 * nothing of it may stay, neither the directory nor the variables. */
static void undo_issue(pam_handle_t *pamh, const sts_settings *settings, const char *user,
		       const char *session)
{
	static const char *const names[] = { "AWS_SHARED_CREDENTIALS_FILE",
					     "AWS_CREDENTIAL_EXPIRATION",
					     "AWS_SECURITY_TOKEN",
					     "AWS_PROFILE",
					     "AWS_REGION",
					     "AWS_DEFAULT_REGION",
					     "AWS_ACCESS_KEY_ID",
					     "AWS_SECRET_ACCESS_KEY",
					     "AWS_SESSION_TOKEN",
					     "AWS_CONFIG_FILE",
					     NULL };
	bool removed = session_removed(pamh, settings, user, session);

	for (size_t i = 0; names[i]; i++)
		if (pam_getenv(pamh, names[i]))
			pam_putenv(pamh, names[i]);
	pam_set_data(pamh, DATA_SESSION, NULL, NULL);
	sts_pam_log(pamh, LOG_ERR, "user %s: out of memory setting up session %s; %s", user,
		    session, removed ? "its files were removed" : "its files could not be removed");
}

/* After a failed exchange: the helper may have created the session (it
 * crashed, hung or answered garbage after writing, or the answer could not be
 * read), so the name chosen before the call is removed. Returns the text the
 * caller's one log line ends with. */
static const char *discard_session(pam_handle_t *pamh, const sts_settings *settings,
				   const char *user, const char *session)
{
	return session_removed(pamh, settings, user, session) ?
		       "" :
		       "; its session directory could not be removed";
}

/* The session owner's uid from the helper's answer. */
static int owner_of(const sts_msg *resp, uid_t *uid)
{
	const char *text = sts_msg_get(resp, STS_KEY_UID);
	char *end = NULL;
	unsigned long v;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v >= (unsigned long)(uid_t)-1)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

/* Why the session has no credentials, in one line for the user: the
 * category only (the system log has the details, which may name files and
 * policies). */
static void tell_user(pam_handle_t *pamh, int flags, const char *why)
{
	if (!(flags & PAM_SILENT))
		pam_error(pamh, "pam_sts: no AWS credentials for this session: %s.", why);
}

/* Has sts-helper issue |grant| into the session directory |name|; a PAM
 * code, logged (and |*why| set) when it did not answer. */
static int request_open(pam_handle_t *pamh, const sts_args *args, const sts_settings *settings,
			const char *user, const char *grant, const char *name, sts_msg *resp,
			const char **why)
{
	/* This process stays until it closes the session: while it lives the
	 * session is not reaped (lib/base/session_reap.h). */
	const sts_call_open_args open = { .grant = grant,
					  .profile = args->profile,
					  .secrets = args->env != NULL,
					  .session = name,
					  .pid = (long)getpid() };
	sts_call_login login = { .config = args->config, .user = user };
	const void *service = NULL, *rhost = NULL;
	sts_error err;
	int rc;

	pam_get_item(pamh, PAM_SERVICE, &service);
	pam_get_item(pamh, PAM_RHOST, &rhost);
	login.service = service;
	login.rhost = rhost;
	rc = sts_call_open(settings, &login, &open, resp, &err);
	if (rc == STS_CALL_NOMEM) {
		sts_pam_log(pamh, LOG_ERR, "user %s: out of memory before running the helper",
			    user);
		return PAM_SESSION_ERR;
	}
	if (rc < 0) {
		*why = "the credentials helper did not answer";
		sts_pam_log(pamh, LOG_ERR, "user %s: %s%s", user, err.msg,
			    discard_session(pamh, settings, user, name));
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

static int issue(pam_handle_t *pamh, const sts_args *args, const sts_settings *settings,
		 const char *user, const char *grant, const char **why)
{
	sts_answer_status status;
	sts_msg resp;
	const char *session;
	char name[STS_SESSION_NAME_MAX];
	opened_session *saved;
	uid_t owner = 0;
	int rc;

	if (sts_session_name_new(user, name) < 0) {
		sts_pam_log(pamh, LOG_ERR, "user %s: cannot name a session", user);
		return PAM_SESSION_ERR;
	}
	if (sts_login_items_check(pamh) != PAM_SUCCESS)
		return PAM_SESSION_ERR;
	rc = request_open(pamh, args, settings, user, grant, name, &resp, why);
	if (rc != PAM_SUCCESS)
		return rc;
	status = sts_answer_status_of(&resp);
	session = sts_msg_get(&resp, STS_KEY_SESSION);
	if (status != STS_ANSWER_OK || !session || strcmp(session, name) != 0 ||
	    !sts_msg_get(&resp, STS_KEY_CREDENTIALS_FILE) ||
	    !sts_msg_get(&resp, STS_KEY_EXPIRATION) || owner_of(&resp, &owner) < 0) {
		const char *message = sts_msg_get(&resp, STS_KEY_MESSAGE);

		*why = status == STS_ANSWER_DENIED ?
			       "the login's grant was refused or the policy no longer allows it" :
			       "the credentials helper failed";
		sts_pam_log(pamh, LOG_ERR, "user %s: no credentials issued: %s%s", user,
			    message ? message : "the helper's answer is incomplete",
			    discard_session(pamh, settings, user, name));
		sts_msg_free(&resp);
		return PAM_SESSION_ERR;
	}
	saved = calloc(1, sizeof(*saved));
	if (saved) {
		saved->uid = owner;
		snprintf(saved->name, sizeof(saved->name), "%s", session);
	}
	rc = saved ? pam_set_data(pamh, DATA_SESSION, saved, free_data) : PAM_BUF_ERR;
	if (rc != PAM_SUCCESS)
		free(saved);
	if (rc == PAM_SUCCESS)
		rc = set_environment(pamh, args, &resp);
	if (rc == PAM_SUCCESS)
		log_issuance(pamh, user, &resp);
	else
		undo_issue(pamh, settings, user, session);
	sts_msg_free(&resp);
	return rc == PAM_SUCCESS ? PAM_SUCCESS : PAM_SESSION_ERR;
}

int sts_open_session(pam_handle_t *pamh, int flags, const sts_args *args)
{
	const void *existing = NULL;
	const char *user = NULL;
	const sts_settings *settings;
	char *grant = take_grant(pamh);
	const char *why = "an internal error";
	int rc;

	if (pam_get_data(pamh, DATA_SESSION, &existing) == PAM_SUCCESS && existing) {
		free(grant);
		return PAM_SUCCESS; /* opened already in this handle */
	}
	rc = pam_get_user(pamh, &user, NULL);
	if (rc != PAM_SUCCESS || !user) {
		free(grant);
		return PAM_SESSION_ERR;
	}
	if (!grant) {
		sts_pam_log(pamh, LOG_ERR,
			    "user %s: no grant from the account phase (is pam_sts in the account "
			    "stack, and did it allow?)",
			    user);
		tell_user(pamh, flags, "the account phase did not allow this login");
		return PAM_SESSION_ERR;
	}
	rc = load_settings(pamh, args, &settings);
	if (rc != PAM_SUCCESS)
		why = "the pam_sts configuration cannot be read";
	if (rc == PAM_SUCCESS)
		rc = issue(pamh, args, settings, user, grant, &why);
	if (rc != PAM_SUCCESS)
		tell_user(pamh, flags, why);
	free(grant);
	return rc;
}

/* The session to close: from this handle (with its owner), or (another
 * process of the same application) from the credentials path the open phase
 * put into the PAM environment, whose owner is then looked up. Returns
 * whether there is one. */
static bool session_to_close(pam_handle_t *pamh, const sts_settings *settings, opened_session *out,
			     bool *owner_known)
{
	const void *data = NULL;
	const char *path = pam_getenv(pamh, "AWS_SHARED_CREDENTIALS_FILE");
	size_t dlen = strlen(settings->runtime_dir), nlen;
	const char *name, *slash;

	memset(out, 0, sizeof(*out));
	*owner_known = false;
	if (pam_get_data(pamh, DATA_SESSION, &data) == PAM_SUCCESS && data) {
		*out = *(const opened_session *)data;
		*owner_known = true;
		return true;
	}
	if (!path || strncmp(path, settings->runtime_dir, dlen) != 0 || path[dlen] != '/')
		return false;
	name = path + dlen + 1;
	slash = strchr(name, '/');
	nlen = slash ? (size_t)(slash - name) : 0;
	if (!slash || strcmp(slash + 1, STS_CREDENTIALS_FILE) != 0 || nlen >= sizeof(out->name))
		return false;
	memcpy(out->name, name, nlen);
	out->name[nlen] = '\0';
	return true;
}

/* Removal needs no key, so the module does it itself (root, like the
 * application calling it), relative to descriptors (lib/base/session_dir.h). */
static int remove_session(pam_handle_t *pamh, const sts_settings *settings, const char *user,
			  opened_session *session, bool owner_known)
{
	struct passwd *pw = owner_known ? NULL : pam_modutil_getpwnam(pamh, user);
	sts_error err;
	int rc;

	if (!owner_known && !pw) {
		sts_pam_log(pamh, LOG_ERR, "user %s: no such user; session %s left", user,
			    session->name);
		return PAM_SESSION_ERR;
	}
	if (pw)
		session->uid = pw->pw_uid;
	rc = sts_session_remove(settings->runtime_dir, user, session->uid, session->name, &err);
	if (rc < 0) {
		sts_pam_log(pamh, LOG_ERR, "user %s: closing session %s: %s", user, session->name,
			    err.msg);
		return PAM_SESSION_ERR;
	}
	sts_pam_log(pamh, LOG_INFO, "user %s: session %s closed%s", user, session->name,
		    rc == 1 ? " (already gone)" : "");
	return PAM_SUCCESS;
}

int sts_close_session(pam_handle_t *pamh, int flags, const sts_args *args)
{
	const char *user = NULL;
	const sts_settings *settings;
	opened_session session;
	bool owner_known;
	int rc;

	(void)flags;
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user)
		return PAM_SESSION_ERR;
	rc = load_settings(pamh, args, &settings);
	if (rc != PAM_SUCCESS)
		return rc;
	if (session_to_close(pamh, settings, &session, &owner_known)) {
		rc = remove_session(pamh, settings, user, &session, owner_known);
		if (rc == PAM_SUCCESS)
			pam_set_data(pamh, DATA_SESSION, NULL, NULL);
	}
	return rc;
}
