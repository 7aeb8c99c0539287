/*
 * sts-helper op=refresh (sts_helper_refresh.h): for the caller's own open
 * session, the request the session was opened with, decided again with the
 * files as they are now, and issued again.
 *
 * Who may ask is the caller's real uid, which the kernel gives (a set-uid
 * run keeps it; the broker serves root only): the session name's user
 * (lib/base/session_dir.h) must have that uid, so another user's session
 * is never even opened. The session must still be open: its directory there,
 * root's, and its owner record (lib/base/session_reap.h) naming a live
 * process. The record's grant, sealed under the root-only grant key at
 * op=open, expires at max_session_lifetime after the MFA, so the cap is
 * the grant's own expiry. A refusal logs one line (sts_helper_fail) and
 * the credentials already issued are left to expire.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/fileio.h"
#include "base/log_field.h"
#include "base/session_dir.h"
#include "base/session_files.h"
#include "base/session_reap.h"
#include "decide/authorize.h"
#include "decide/grant.h"
#include "decide/identity.h"
#include "proto/protocol.h"
#include "token/issuer.h"
#include "token/token.h"
#include "sts_helper_fail.h"
#include "sts_helper_memo.h"
#include "sts_helper_refresh.h"
#include "sts_helper_settings.h"

#define RECORD_MAX (64u * 1024u)

typedef struct {
	sts_settings settings;
	bool settings_loaded;
	struct passwd pw;
	char pwbuf[4096];
	const char *session;
	sts_grant grant;
	sts_authz_result decision;
	sts_credentials creds;
	int64_t now;
	char message[1024];
} refresh_ctx;

static int denied(refresh_ctx *r, sts_msg *resp)
{
	return sts_helper_fail(resp, STS_STATUS_DENIED, r->message);
}

/* The session's user is the one its name starts with; the caller must have
 * that user's uid (the name is checked before anything is opened). */
static int caller_and_session(refresh_ctx *r, const sts_msg *req, sts_msg *resp)
{
	const char *dot;
	char user[STS_SESSION_NAME_MAX];

	r->session = sts_msg_get(req, STS_KEY_SESSION);
	dot = r->session ? strrchr(r->session, '.') : NULL;
	if (dot && (size_t)(dot - r->session) < sizeof(user))
		snprintf(user, sizeof(user), "%.*s", (int)(dot - r->session), r->session);
	if (!dot || (size_t)(dot - r->session) >= sizeof(user) ||
	    !sts_session_name_valid(user, r->session) ||
	    sts_user_lookup(user, &r->pw, r->pwbuf, sizeof(r->pwbuf)) < 0 ||
	    r->pw.pw_uid != getuid()) {
		snprintf(r->message, sizeof(r->message),
			 "refresh refused: uid %u: not a session of this user", (unsigned)getuid());
		return denied(r, resp);
	}
	return 0;
}

/* The record of the session, when the session is still open. */
static int open_record(refresh_ctx *r, char **text, size_t *len, sts_msg *resp)
{
	sts_error err;
	int dfd = sts_session_dir_open(r->settings.runtime_dir, r->pw.pw_name, r->session, &err);
	int rc = -1;

	if (dfd == STS_SESSION_GONE || (dfd >= 0 && !sts_session_owner_live(dfd, r->now))) {
		snprintf(r->message, sizeof(r->message),
			 "refresh refused: user %.64s: session %s is closed (logged out, its "
			 "owner gone, or max_session_lifetime reached)",
			 r->pw.pw_name, r->session);
		if (dfd >= 0)
			close(dfd);
		return denied(r, resp);
	}
	if (dfd < 0)
		return sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
	/* The exec'd helper's parent is the caller (stsctl): it must run inside
	 * the session, below the process that opened it. The broker serves
	 * root's connections only, which need no such proof. */
	if (!sts_memo_enabled() && !sts_session_owner_ancestor_of(dfd, getppid())) {
		close(dfd);
		snprintf(r->message, sizeof(r->message),
			 "refresh refused: user %.64s: session %s: the caller (pid %ld) is not "
			 "a process of the session",
			 r->pw.pw_name, r->session, (long)getppid());
		return denied(r, resp);
	}
	rc = sts_read_at(dfd, STS_REFRESH_FILE, RECORD_MAX,
			 STS_READ_NOFOLLOW | STS_READ_EUID_OWNED | STS_READ_PRIVATE, text, len,
			 &err);
	close(dfd);
	if (rc == -1) /* there, but not root's private file: a fault, not a refusal */
		return sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
	if (rc != 0) {
		snprintf(r->message, sizeof(r->message),
			 "refresh refused: user %.64s: session %s was opened without refresh",
			 r->pw.pw_name, r->session);
		return denied(r, resp);
	}
	return 0;
}

/* The record's grant: its expiry is the session's cap. */
static int open_grant(refresh_ctx *r, char *text, sts_msg *resp)
{
	unsigned char key[STS_GRANT_KEY_LEN];
	char *grant = text ? strchr(text, '\n') : NULL, *end;
	sts_error err;
	int rc;

	if (!grant || !(end = strchr(grant + 1, '\n')))
		return sts_helper_fail(resp, STS_STATUS_ERROR, "refresh: malformed record");
	*grant++ = '\0';
	*end = '\0';
	if (sts_grant_key_load(r->settings.state_dir, false, key, &err) < 0)
		return sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
	rc = sts_grant_open(key, grant, r->pw.pw_name, text, r->now, &r->grant, &err);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc < 0) {
		snprintf(r->message, sizeof(r->message),
			 "refresh refused: user %.64s: session %s: max_session_lifetime reached "
			 "or record refused (%.200s)",
			 r->pw.pw_name, r->session, err.msg);
		return denied(r, resp);
	}
	return 0;
}

static void fill_caller(const refresh_ctx *r, sts_caller *caller)
{
	memset(caller, 0, sizeof(*caller));
	caller->user = r->pw.pw_name;
	caller->uid = r->pw.pw_uid;
	caller->gid = r->pw.pw_gid;
	caller->source_ip = r->grant.source_ip;
	caller->mfa_present = r->grant.mfa_present;
	caller->mfa_time = r->grant.mfa_time;
	caller->now = r->now;
}

/* Decided again: a group left or a policy changed takes effect here. */
static int decide_and_issue(refresh_ctx *r, sts_msg *resp)
{
	sts_authz_request request;
	sts_token_claims claims;
	sts_issuer *issuer = NULL;
	sts_caller caller;
	sts_error err;
	int rc = -1;

	fill_caller(r, &caller);
	sts_grant_request(&r->grant, &request);
	if (sts_authorize(&r->settings, &caller, &request, &r->decision, &err) < 0)
		return sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
	if (r->decision.decision != STS_ALLOWED) {
		snprintf(r->message, sizeof(r->message),
			 "refresh refused: user %.64s: session %s: %s %.200s is no longer "
			 "allowed: %.400s",
			 r->pw.pw_name, r->session, sts_operation_name(r->grant.op),
			 r->grant.target ? r->grant.target : "", r->decision.reason);
		return denied(r, resp);
	}
	memset(&claims, 0, sizeof(claims));
	if (sts_claims_from_decision(&r->decision, &caller, r->grant.op, &claims, &err) < 0 ||
	    sts_issuer_open(&r->settings, &issuer, &err) < 0 ||
	    sts_issuer_issue(issuer, &claims, &r->creds, &err) < 0)
		sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
	else
		rc = 0;
	sts_issuer_free(issuer);
	sts_token_claims_free(&claims);
	return rc;
}

static int audit_and_answer(const refresh_ctx *r, sts_msg *resp)
{
	char expiry[32];
	sts_log_line line;

	sts_format_iso8601(r->creds.expiration, expiry, sizeof(expiry));
	sts_log_line_start(&line, "refreshed:");
	sts_log_kv(&line, "user", r->pw.pw_name);
	sts_log_kv(&line, "operation", sts_operation_name(r->grant.op));
	sts_log_kv(&line, "target", r->decision.subject);
	sts_log_kv(&line, "principal", r->decision.principal_arn);
	sts_log_kv(&line, "by", r->decision.reason);
	sts_log_kv(&line, "access_key_id", r->creds.access_key_id);
	sts_log_kv(&line, "expires", expiry);
	sts_log_kv(&line, "session", r->session);
	/* An answer short of a field must not say ok: the caller would hand
	 * its tools a partial credential. */
	if (sts_msg_add(resp, STS_KEY_STATUS, STS_STATUS_OK) < 0 ||
	    sts_msg_add(resp, STS_KEY_ACCESS_KEY_ID, r->creds.access_key_id) < 0 ||
	    sts_msg_add(resp, STS_KEY_SECRET_ACCESS_KEY, r->creds.secret_access_key) < 0 ||
	    sts_msg_add(resp, STS_KEY_SESSION_TOKEN, r->creds.session_token) < 0 ||
	    sts_msg_add(resp, STS_KEY_EXPIRATION, expiry) < 0) {
		sts_msg_free(resp);
		return sts_helper_fail(resp, STS_STATUS_ERROR, "refresh: out of memory");
	}
	syslog(LOG_INFO, "%s", line.text);
	return 0;
}

static int run(refresh_ctx *r, const sts_msg *req, bool elevated, sts_msg *resp)
{
	const char *config = elevated ? NULL : sts_msg_get(req, STS_KEY_CONFIG);
	char *record = NULL;
	size_t record_len = 0;
	sts_error err;
	int rc;

	if (caller_and_session(r, req, resp) < 0)
		return -1;
	if (sts_helper_settings_load(config, &r->settings, &err) < 0)
		return sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
	r->settings_loaded = true;
	if (!r->settings.refresh_stsctl[0])
		return sts_helper_fail(resp, STS_STATUS_DENIED,
				       "refresh refused: refresh_stsctl is off");
	if (open_record(r, &record, &record_len, resp) < 0)
		return -1;
	rc = open_grant(r, record, resp);
	sts_free_secret(record, record_len);
	if (rc < 0 || decide_and_issue(r, resp) < 0)
		return -1;
	return audit_and_answer(r, resp);
}

int sts_helper_refresh(const sts_msg *req, bool elevated, sts_msg *resp)
{
	refresh_ctx *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return sts_helper_fail(resp, STS_STATUS_ERROR, "refresh: out of memory");
	r->now = (int64_t)time(NULL);
	rc = run(r, req, elevated, resp);
	sts_credentials_clear(&r->creds);
	sts_authz_result_free(&r->decision);
	sts_grant_free(&r->grant);
	if (r->settings_loaded)
		sts_settings_free(&r->settings);
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
	return rc;
}
