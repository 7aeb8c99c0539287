/*
 * pam_sm_authenticate: the GetSessionToken SerialNumber/TokenCode check.
 *
 * The store is read twice: once without holding the user's lock to decide
 * whether to prompt at all (no device, locked out), and again under the lock
 * after the code arrived, where the code is checked, the replay floor
 * (last accepted time step) is raised and failures are counted in one
 * read-check-update. The lock is never held while the user types.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "mfa_store.h"
#include "mfa_result.h"
#include "settings.h"

#define LOCK_TIMEOUT_MS 5000
#define FAIL_DELAY_US	2000000

typedef struct {
	pam_handle_t *pamh;
	const sts_args *args;
	sts_settings settings;
	sts_mfa_store *store;
	const char *user;
} auth_ctx;

static int open_store(auth_ctx *a)
{
	char dir[4096];
	sts_error err;

	snprintf(dir, sizeof(dir), "%s/mfa", a->settings.state_dir);
	if (sts_mfa_store_open(dir, (unsigned)a->settings.totp_window, &a->store, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	return PAM_SUCCESS;
}

/* Reads the record under the user's lock; returns a PAM code. */
static int read_record(auth_ctx *a, sts_mfa_lock **lock, sts_mfa_record *rec)
{
	sts_error err;
	int rc;

	if (sts_mfa_lock_user(a->store, a->user, LOCK_TIMEOUT_MS, lock, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = sts_mfa_read(*lock, rec, &err);
	if (rc < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (rc == STS_MFA_NO_DEVICE || !rec->active) {
		if (a->args->nullok) {
			pam_syslog(a->pamh, LOG_NOTICE, "user %s has no MFA device (nullok)",
				   a->user);
			return PAM_IGNORE;
		}
		pam_syslog(a->pamh, LOG_NOTICE, "user %s has no active MFA device", a->user);
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* Before prompting: is there a device, and is the user locked out? */
static int precheck(auth_ctx *a, int64_t now)
{
	sts_mfa_lock *lock = NULL;
	sts_mfa_record rec;
	int rc = read_record(a, &lock, &rec);

	sts_mfa_unlock(lock);
	if (rc == PAM_SUCCESS && rec.locked_until > now) {
		pam_syslog(a->pamh, LOG_NOTICE, "user %s is locked out for %lld more seconds",
			   a->user, (long long)(rec.locked_until - now));
		rc = PAM_MAXTRIES;
	}
	sts_mfa_record_wipe(&rec);
	return rc;
}

/* The code from PAM_AUTHTOK (use_/try_first_pass) or from the conversation. */
static int get_code(auth_ctx *a, char **code)
{
	const void *item = NULL;
	char *answer = NULL;
	int rc;

	*code = NULL;
	if (a->args->use_first_pass || a->args->try_first_pass) {
		if (pam_get_item(a->pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item) {
			*code = strdup(item);
			return *code ? PAM_SUCCESS : PAM_BUF_ERR;
		}
		if (a->args->use_first_pass) {
			pam_syslog(a->pamh, LOG_NOTICE,
				   "use_first_pass: no code from an earlier module");
			return PAM_AUTH_ERR;
		}
	}
	rc = pam_prompt(a->pamh, PAM_PROMPT_ECHO_OFF, &answer, "%s", a->settings.prompt);
	if (rc != PAM_SUCCESS || !answer) {
		free(answer);
		return rc == PAM_SUCCESS ? PAM_CONV_ERR : rc;
	}
	*code = answer;
	return PAM_SUCCESS;
}

static void count_failure(auth_ctx *a, sts_mfa_record *rec, int64_t now)
{
	if (rec->failures == 0 ||
	    now - rec->failure_start > (int64_t)a->settings.failure_interval) {
		rec->failures = 0;
		rec->failure_start = now;
	}
	rec->failures++;
	if (rec->failures >= a->settings.max_failures) {
		rec->locked_until = now + (int64_t)a->settings.lockout_seconds;
		rec->failures = 0;
		pam_syslog(a->pamh, LOG_WARNING,
			   "user %s locked out for %lu seconds after %lu failures", a->user,
			   a->settings.lockout_seconds, a->settings.max_failures);
	}
}

/* Under the lock: check the code, refuse replays, record the outcome. */
static int verify(auth_ctx *a, const char *code, int64_t now)
{
	sts_mfa_lock *lock = NULL;
	sts_mfa_record rec;
	sts_error err;
	int64_t step = 0;
	int rc = read_record(a, &lock, &rec), check;

	if (rc != PAM_SUCCESS)
		goto out;
	/* Logged here, where the rebuilt state is written (precheck only reads). */
	if (sts_mfa_state_note(lock))
		pam_syslog(a->pamh, LOG_NOTICE, "user %s: %s", a->user, sts_mfa_state_note(lock));
	if (rec.locked_until > now) {
		rc = PAM_MAXTRIES;
		goto out;
	}
	check = sts_totp_check(rec.secret, rec.secret_len, rec.algorithm, rec.digits, rec.period,
			       now, (unsigned)a->settings.totp_window, code, &step);
	if (check == 0 && step <= rec.last_step) {
		pam_syslog(a->pamh, LOG_NOTICE, "user %s presented %s", a->user,
			   sts_mfa_state_note(lock) ?
				   "a code at or below the rebuilt replay floor" :
				   "an already used code");
		check = 1;
	}
	if (check == 0) {
		rec.last_step = step;
		rec.failures = 0;
		rec.failure_start = 0;
		rc = PAM_SUCCESS;
	} else {
		count_failure(a, &rec, now);
		rc = PAM_AUTH_ERR;
	}
	if (sts_mfa_write(lock, &rec, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		rc = PAM_AUTHINFO_UNAVAIL;
	}
out:
	sts_mfa_unlock(lock);
	sts_mfa_record_wipe(&rec);
	return rc;
}

static void free_result(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* The MFA result for the account phase (see mfa_result.h). */
static int keep_result(auth_ctx *a, int64_t auth_time)
{
	sts_mfa_result *r = calloc(1, sizeof(*r));
	int rc;

	if (!r) {
		pam_syslog(a->pamh, LOG_ERR, "user %s: out of memory", a->user);
		return PAM_BUF_ERR;
	}
	r->auth_time = auth_time;
	snprintf(r->user, sizeof(r->user), "%s", a->user);
	rc = pam_set_data(a->pamh, STS_MFA_DATA, r, free_result);
	if (rc != PAM_SUCCESS) {
		free(r);
		pam_syslog(a->pamh, LOG_ERR, "user %s: cannot keep the MFA result", a->user);
	}
	return rc;
}

static int load(auth_ctx *a)
{
	sts_error err;
	int rc;

	if (sts_settings_load(a->args->config, &a->settings, &err) < 0) {
		pam_syslog(a->pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = pam_get_user(a->pamh, &a->user, NULL);
	if (rc != PAM_SUCCESS || !a->user)
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	if (!sts_mfa_user_valid(a->user)) {
		pam_syslog(a->pamh, LOG_NOTICE, "user name not accepted by pam_sts");
		return PAM_USER_UNKNOWN;
	}
	return open_store(a);
}

int sts_authenticate(pam_handle_t *pamh, int flags, const sts_args *args)
{
	auth_ctx a = { .pamh = pamh, .args = args };
	char *code = NULL;
	int rc;

	(void)flags;
	pam_fail_delay(pamh, FAIL_DELAY_US); /* also when the configuration cannot be read */
	rc = load(&a);
	if (rc == PAM_SUCCESS)
		pam_fail_delay(pamh, (unsigned)a.settings.fail_delay_ms * 1000u);
	if (rc == PAM_SUCCESS)
		rc = precheck(&a, (int64_t)time(NULL));
	if (rc == PAM_SUCCESS)
		rc = get_code(&a, &code);
	if (rc == PAM_SUCCESS) {
		int64_t now = (int64_t)time(NULL);

		rc = verify(&a, code, now);
		if (rc == PAM_SUCCESS)
			rc = keep_result(&a, now);
	}
	if (rc == PAM_SUCCESS)
		pam_syslog(pamh, LOG_INFO, "user %s passed MFA", a.user);
	else if (rc == PAM_AUTH_ERR)
		pam_syslog(pamh, LOG_NOTICE, "user %s failed MFA", a.user ? a.user : "?");
	if (code) {
		explicit_bzero(code, strlen(code));
		free(code);
	}
	sts_mfa_store_close(a.store);
	sts_settings_free(&a.settings);
	return rc;
}
