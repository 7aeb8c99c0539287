/*
 * sts-helper op=mfa: the auth phase's TOTP check, made here rather than in
 * pam_sts.so, as pam_unix has unix_chkpwd read the shadow file: the device
 * secrets never enter sshd's or sudo's address space, and the module loads
 * neither liboath nor any other library but libpam (each library it loads
 * is loaded again by every login; docs/login-latency.md).
 *
 * Request: user, code, config, and service, rhost and source_ip (the login that
 * GetSessionToken's grant below is for). Under the user's lock
 * (lib/mfa/mfa_store.h) the helper reads the device and the login state, refuses
 * while locked out, checks the code with liboath in constant time, refuses a
 * code at or below the replay floor, raises the floor or counts the failure
 * (locking out after max_failures within failure_interval), and writes the
 * state, all in one read-check-update, so a code is accepted at most once
 * however many logins race. A code that is not the device's may be one of
 * the user's scratch codes (lib/mfa/mfa_scratch.c): consumed under the same
 * lock; a wrong one is a failure, and none is checked while locked out.
 *
 * Answer: status=ok (result=passed, auth_time, and session_grant when it can
 * be sealed: GetSessionToken's grant for this login,
 * helper/sts-helper/sts_helper_session_grant.c) | denied (result=wrong, replay, locked
 * (+ seconds), no-device) | error (message); and note= when the login state
 * was rebuilt, lockout=SECONDS and failures=N when this attempt locked the
 * user out, floor=rebuilt when a replay was refused by a
 * rebuilt floor. The module turns these into its log lines and PAM codes.
 */
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "base/log_field.h"
#include "base/settings.h"
#include "mfa/mfa_backend.h"
#include "mfa/mfa_side.h"
#include "mfa/totp.h"
#include "proto/protocol.h"
#include "sts_helper_fail.h"
#include "sts_helper_fleet.h"
#include "sts_helper_ops.h"
#include "sts_helper_settings.h"

/* How long to wait for the user's lock: as long as the module waits for the
 * answer (helper_timeout) less a margin, so that many logins of one user at
 * once queue rather than fail; never past the exec'd helper's own 60 s. */
#define LOCK_MARGIN_MS 500u
#define LOCK_MAX_MS    50000u
#define LOCK_MIN_MS    1000u

static unsigned lock_wait_ms(const sts_settings *s)
{
	unsigned long budget = s->helper_timeout * 1000ul;

	if (budget < LOCK_MIN_MS + LOCK_MARGIN_MS)
		return LOCK_MIN_MS;
	budget -= LOCK_MARGIN_MS;
	return budget > LOCK_MAX_MS ? LOCK_MAX_MS : (unsigned)budget;
}

/* With the fleet store, each step (the connect, the read, the accept, a
 * failure's count) gets a quarter of that, so the whole login ends before the
 * module stops waiting; never under FLEET_STEP_MIN_MS. */
#define FLEET_STEPS	  4u
#define FLEET_STEP_MIN_MS 250u

static unsigned step_wait_ms(const sts_settings *s)
{
	unsigned wait = lock_wait_ms(s);

	if (s->mfa_store != STS_MFA_STORE_POSTGRESQL)
		return wait;
	wait /= FLEET_STEPS;
	return wait < FLEET_STEP_MIN_MS ? FLEET_STEP_MIN_MS : wait;
}

typedef struct {
	const sts_msg *req;
	sts_msg *resp;
	sts_settings settings;
	bool settings_loaded;
	sts_mfa_backend *store;
	sts_mfa_user *handle;
	sts_mfa_record rec;
	const char *user;
	int64_t now;
} mfa_ctx;

static int add_number(sts_msg *resp, const char *key, long long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", value);
	return sts_msg_add(resp, key, text);
}

/* status=denied with |result|. */
static int deny(mfa_ctx *m, const char *result)
{
	if (sts_msg_add(m->resp, STS_KEY_STATUS, STS_STATUS_DENIED) < 0 ||
	    sts_msg_add(m->resp, STS_KEY_RESULT, result) < 0)
		return sts_helper_fail(m->resp, STS_STATUS_ERROR, "mfa: out of memory");
	return -1;
}

/* A store error: the login is refused (the module logs the message, which
 * names no secret, as its one line). */
static int store_error(mfa_ctx *m, const sts_error *err)
{
	return sts_helper_fail(m->resp, STS_STATUS_ERROR, err->msg);
}

static int open_store(mfa_ctx *m)
{
	const char *config = sts_msg_get(m->req, STS_KEY_CONFIG);
	unsigned wait;
	sts_error err;

	if (sts_helper_settings_load(config, &m->settings, &err) < 0)
		return sts_helper_fail(m->resp, STS_STATUS_ERROR, err.msg);
	m->settings_loaded = true;
	m->user = sts_msg_get(m->req, STS_KEY_USER);
	if (!m->user || !sts_mfa_user_valid(m->user))
		return sts_helper_fail(m->resp, STS_STATUS_ERROR,
				       "mfa: user name not accepted by pam_sts");
	wait = step_wait_ms(&m->settings);
	if (sts_mfa_backend_open(&m->settings, wait, sts_helper_fleet_pool(&m->settings, wait),
				 &m->store, &err) < 0 ||
	    sts_mfa_backend_begin(m->store, m->user, &m->handle, &err) < 0)
		return store_error(m, &err);
	return 0;
}

/* Reads the record: 0 with an active device, else answered. */
static int read_device(mfa_ctx *m)
{
	sts_error err;
	int rc = sts_mfa_user_read(m->handle, &m->rec, &err);
	const char *note = sts_mfa_user_note(m->handle);

	if (rc < 0)
		return store_error(m, &err);
	if (note && sts_msg_add(m->resp, STS_KEY_NOTE, note) < 0)
		return sts_helper_fail(m->resp, STS_STATUS_ERROR, "mfa: out of memory");
	if (rc == STS_MFA_NO_DEVICE || !m->rec.active)
		return deny(m, STS_RESULT_NO_DEVICE);
	if (m->rec.locked_until > m->now) {
		if (add_number(m->resp, STS_KEY_SECONDS, m->rec.locked_until - m->now) < 0)
			return sts_helper_fail(m->resp, STS_STATUS_ERROR, "mfa: out of memory");
		return deny(m, STS_RESULT_LOCKED);
	}
	return 0;
}

/* Counts a failed attempt (sts_mfa_count_failure's window) in the store, and
 * says so when it locked the user out. |result| when counted or not counted
 * (locked out meanwhile), NULL when answered (an error). */
static const char *count_failure(mfa_ctx *m, const char *result)
{
	sts_mfa_policy policy = { .now = m->now,
				  .failure_interval = (unsigned)m->settings.failure_interval,
				  .max_failures = (unsigned)m->settings.max_failures,
				  .lockout_seconds = (unsigned)m->settings.lockout_seconds };
	sts_error err;
	int rc = sts_mfa_user_fail(m->handle, &m->rec, &policy, &err);

	if (rc < 0) {
		store_error(m, &err);
		return NULL;
	}
	if (rc == 1 && m->rec.locked_until > m->now) {
		add_number(m->resp, STS_KEY_LOCKOUT, (long long)m->settings.lockout_seconds);
		add_number(m->resp, STS_KEY_FAILURES, (long long)m->settings.max_failures);
	}
	return result;
}

/* Whether |code| is one of the user's scratch codes (the files store's),
 * consumed and the failures cleared if so: 1, 0, or -1 (answered). */
static int use_scratch(mfa_ctx *m, const char *code)
{
	char field[STS_LOG_FIELD_MAX];
	sts_mfa_lock *lock = sts_mfa_user_lock(m->handle);
	sts_error err;
	unsigned left = 0;
	int rc;

	if (!lock)
		return 0;
	rc = sts_mfa_scratch_use(lock, code, &left, &err);
	if (rc < 0)
		return sts_helper_fail(m->resp, STS_STATUS_ERROR, err.msg);
	if (rc == 0)
		return 0;
	syslog(LOG_NOTICE, "mfa: user=%s used a scratch code; %u left",
	       sts_log_field(field, sizeof(field), m->user), left);
	/* A scratch code leaves the replay floor where it is. */
	m->rec.failures = 0;
	m->rec.failure_start = 0;
	m->rec.locked_until = 0;
	if (sts_mfa_user_put(m->handle, &m->rec, &err) < 0)
		return store_error(m, &err);
	return 1;
}

/* The code against the device (its time step accepted once), then the
 * scratch codes. Returns the result word, or NULL (answered: an error). */
static const char *check_code(mfa_ctx *m, const char *code)
{
	int64_t step = 0;
	int scratch = 0, accepted;
	sts_error err;
	int check = sts_totp_check(m->rec.secret, m->rec.secret_len, m->rec.algorithm,
				   m->rec.digits, m->rec.period, m->now,
				   (unsigned)m->settings.totp_window, code, &step);

	if (check == 0) {
		accepted = sts_mfa_user_accept(m->handle, &m->rec, step, m->now, &err);
		if (accepted < 0) {
			store_error(m, &err);
			return NULL;
		}
		if (accepted == 1)
			return STS_RESULT_PASSED;
		if (sts_mfa_user_note(m->handle))
			sts_msg_add(m->resp, STS_KEY_FLOOR, STS_FLOOR_REBUILT);
		return count_failure(m, STS_RESULT_REPLAY);
	}
	scratch = use_scratch(m, code);
	if (scratch < 0)
		return NULL;
	return scratch ? STS_RESULT_PASSED : count_failure(m, STS_RESULT_WRONG);
}

static int verify(mfa_ctx *m)
{
	const char *code = sts_msg_get(m->req, STS_KEY_CODE);
	const char *result;

	if (!code)
		return sts_helper_fail(m->resp, STS_STATUS_ERROR, "mfa: no code");
	result = check_code(m, code);
	if (!result)
		return -1;
	if (strcmp(result, STS_RESULT_PASSED) != 0)
		return deny(m, result);
	if (sts_msg_add(m->resp, STS_KEY_STATUS, STS_STATUS_OK) < 0 ||
	    sts_msg_add(m->resp, STS_KEY_RESULT, result) < 0 ||
	    add_number(m->resp, STS_KEY_AUTH_TIME, m->now) < 0)
		return sts_helper_fail(m->resp, STS_STATUS_ERROR, "mfa: out of memory");
	sts_helper_session_grant(&m->settings, m->req, m->now, m->resp);
	return 0;
}

int sts_helper_mfa(const sts_msg *req, sts_msg *resp)
{
	mfa_ctx *m = calloc(1, sizeof(*m));
	int rc = -1;

	if (!m)
		return sts_helper_fail(resp, STS_STATUS_ERROR, "mfa: out of memory");
	m->req = req;
	m->resp = resp;
	m->now = (int64_t)time(NULL);
	if (open_store(m) == 0 && read_device(m) == 0)
		rc = verify(m);
	sts_mfa_backend_end(m->handle);
	sts_mfa_backend_close(m->store);
	sts_mfa_record_wipe(&m->rec);
	if (m->settings_loaded)
		sts_settings_free(&m->settings);
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
	return rc;
}
