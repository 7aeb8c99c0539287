/*
 * sts-helper op=open: verify the grant, take the decision it stands for
 * (kept in memory by the broker since op=decide, or decided again
 * from the files: sts_helper_memo.h), mint, write the session's credentials
 * file, log the audit record, answer.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/crypto.h>

#include "base/fileio.h"
#include "base/log_field.h"
#include "base/session_dir.h"
#include "base/settings.h"
#include "decide/authorize.h"
#include "decide/grant.h"
#include "decide/grant_spent.h"
#include "decide/identity.h"
#include "token/issuer.h"
#include "token/token.h"
#include "upstream/issuer_aws.h"
#include "proto/protocol.h"
#include "sts_helper_fail.h"
#include "sts_helper_ops.h"
#include "sts_helper_reap.h"
#include "sts_helper_memo.h"
#include "sts_helper_refresh.h"
#include "sts_helper_settings.h"

typedef struct {
	const sts_msg *req;
	sts_msg *resp;
	sts_settings settings;
	bool settings_loaded;
	const char *user;
	const char *profile;
	struct passwd pw;
	char pwbuf[4096];
	sts_grant grant;
	sts_authz_result decision;
	sts_credentials creds;
	sts_issue_receipt receipt; /* who STS says they are (issuer = aws) */
	char session[STS_SESSION_NAME_MAX];
	int64_t refresh_until; /* 0: no refresh (sts_helper_refresh.h) */
	char aws_config[4096]; /* the session's AWS config, with refresh */
	char message[1024];
} open_ctx;

static int fail(open_ctx *o, const char *status)
{
	return sts_helper_fail(o->resp, status, o->message);
}

static int load_settings(open_ctx *o)
{
	const char *config = sts_msg_get(o->req, STS_KEY_CONFIG);
	sts_error err;

	if (sts_helper_settings_load(config, &o->settings, &err) < 0) {
		snprintf(o->message, sizeof(o->message), "%s", err.msg);
		return fail(o, STS_STATUS_ERROR);
	}
	o->settings_loaded = true;
	return 0;
}

static int take_user(open_ctx *o)
{
	o->user = sts_msg_get(o->req, STS_KEY_USER);
	if (!o->user) {
		snprintf(o->message, sizeof(o->message), "open: no user");
		return fail(o, STS_STATUS_ERROR);
	}
	return 0;
}

static int lookup_user(open_ctx *o)
{
	if (sts_user_lookup(o->user, &o->pw, o->pwbuf, sizeof(o->pwbuf)) < 0) {
		snprintf(o->message, sizeof(o->message), "open: unknown user \"%s\"", o->user);
		return fail(o, STS_STATUS_ERROR);
	}
	return 0;
}

/* The module names the session (lib/base/session_dir.h), so that it can clean up
 * after an exchange that fails half-way. */
static int take_session_name(open_ctx *o)
{
	const char *name = sts_msg_get(o->req, STS_KEY_SESSION);

	if (!name || !sts_session_name_valid(o->user, name)) {
		snprintf(o->message, sizeof(o->message),
			 "open: user %s: bad or missing session name", o->user);
		return fail(o, STS_STATUS_ERROR);
	}
	snprintf(o->session, sizeof(o->session), "%s", name);
	return 0;
}

static int open_grant(open_ctx *o, int64_t now)
{
	unsigned char key[STS_GRANT_KEY_LEN];
	const char *service = sts_msg_get(o->req, STS_KEY_SERVICE);
	const char *text = sts_msg_get(o->req, STS_KEY_GRANT);
	sts_error err;
	int rc;

	if (!service || !text) {
		snprintf(o->message, sizeof(o->message),
			 "open: user %s: no grant from the account phase", o->user);
		return fail(o, STS_STATUS_DENIED);
	}
	if (sts_grant_key_load(o->settings.state_dir, false, key, &err) < 0) {
		snprintf(o->message, sizeof(o->message), "%s", err.msg);
		return fail(o, STS_STATUS_ERROR);
	}
	rc = sts_grant_open(key, text, o->user, service, now, &o->grant, &err);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc < 0) {
		snprintf(o->message, sizeof(o->message), "open: user %s: %s", o->user, err.msg);
		return fail(o, STS_STATUS_DENIED);
	}
	return 0;
}

/* A grant opens one session, from the remote host it was sealed for
 * (lib/decide/grant.h, lib/decide/grant_spent.h): a grant taken from the environment of
 * one login cannot open a second session, from this host or another. */
static int single_use(open_ctx *o, int64_t now)
{
	const char *rhost = sts_msg_get(o->req, STS_KEY_RHOST);
	sts_error err;
	int rc;

	if (!sts_grant_rhost_matches(&o->grant, rhost)) {
		snprintf(o->message, sizeof(o->message),
			 "open: user %s: grant refused: sealed for another remote host", o->user);
		return fail(o, STS_STATUS_DENIED);
	}
	rc = sts_grant_spend(o->settings.state_dir, sts_msg_get(o->req, STS_KEY_GRANT),
			     o->grant.expires, now, &err);
	if (rc == 1)
		snprintf(o->message, sizeof(o->message),
			 "open: user %s: grant refused: it opened a session before", o->user);
	else if (rc < 0)
		snprintf(o->message, sizeof(o->message), "open: user %s: %s", o->user, err.msg);
	return rc == 0 ? 0 : fail(o, rc == 1 ? STS_STATUS_DENIED : STS_STATUS_ERROR);
}

static void fill_caller(const open_ctx *o, int64_t now, sts_caller *caller)
{
	memset(caller, 0, sizeof(*caller));
	caller->user = o->user;
	caller->uid = o->pw.pw_uid;
	caller->gid = o->pw.pw_gid;
	caller->source_ip = o->grant.source_ip;
	caller->mfa_present = o->grant.mfa_present;
	caller->mfa_time = o->grant.mfa_time;
	caller->now = now;
}

/* The grant's request, decided again with the files as they are now. */
static int decide_again(open_ctx *o, const sts_caller *caller)
{
	sts_authz_request req;
	sts_error err;

	sts_grant_request(&o->grant, &req);
	if (sts_authorize(&o->settings, caller, &req, &o->decision, &err) < 0) {
		snprintf(o->message, sizeof(o->message), "open: user %s: %s", o->user, err.msg);
		return fail(o, STS_STATUS_ERROR);
	}
	if (o->decision.decision != STS_ALLOWED) {
		snprintf(o->message, sizeof(o->message),
			 "open: user %s: %s %s is no longer allowed: %s", o->user,
			 sts_operation_name(o->grant.op), o->grant.target ? o->grant.target : "",
			 o->decision.reason);
		return fail(o, STS_STATUS_DENIED);
	}
	return 0;
}

static int open_issuer(const sts_settings *s, sts_issuer **issuer, sts_error *err)
{
	if (s->issuer == STS_ISSUER_AWS)
		return sts_issuer_aws_open(s, issuer, err);
	return sts_issuer_open(s, issuer, err);
}

/* Only after the decision allowed: a request denied here never reaches an
 * upstream issuer. */
static int mint(open_ctx *o, const sts_caller *caller)
{
	sts_token_claims claims;
	sts_issuer *issuer = NULL;
	const char *rhost = sts_msg_get(o->req, STS_KEY_RHOST);
	sts_issue_request req = {
		.role_arn = o->decision.role_arn,
		.session_name = o->decision.session_name,
		.federated_name = o->grant.op == STS_OP_FEDERATE ? o->decision.subject : NULL,
		.user = o->user,
		.rhost = rhost && *rhost ? rhost : NULL,
		.token_code = o->grant.token_code,
	};
	sts_error err;
	int rc = -1;

	memset(&claims, 0, sizeof(claims));
	if (sts_claims_from_decision(&o->decision, caller, o->grant.op, &claims, &err) < 0 ||
	    open_issuer(&o->settings, &issuer, &err) < 0 ||
	    sts_issuer_issue_for(issuer, &claims, &req, &o->creds, &o->receipt, &err) < 0)
		snprintf(o->message, sizeof(o->message), "open: user %s: %s", o->user, err.msg);
	else
		rc = 0;
	sts_issuer_free(issuer);
	sts_token_claims_free(&claims);
	return rc < 0 ? fail(o, STS_STATUS_ERROR) : 0;
}

static bool valid_profile(const char *p)
{
	if (!*p || strlen(p) > 64)
		return false;
	for (; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("_-.+=@,", *p)))
			return false;
	return true;
}

/* The shared credentials file: the three keys the SDKs read, plus the
 * expiration under the name aws-vault uses (SDKs ignore unknown keys). */
static char *credentials_text(const open_ctx *o, size_t *len)
{
	char expiry[32], *text = NULL;
	int n;

	sts_format_iso8601(o->creds.expiration, expiry, sizeof(expiry));
	n = asprintf(&text,
		     "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		     "aws_session_token = %s\nx_security_token_expires = %s\n",
		     o->profile ? o->profile : "default", o->creds.access_key_id,
		     o->creds.secret_access_key, o->creds.session_token, expiry);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return text;
}

/* The session's owner for its record (lib/base/session_reap.h): the process the
 * module runs in, which stays until it closes the session. None (0) from a
 * caller that sends no pid: then only the credentials' expiry ends it. */
static int session_owner(open_ctx *o, sts_session_owner *owner)
{
	const char *text = sts_msg_get(o->req, STS_KEY_PID);
	char *end = NULL;
	long pid = 0;

	if (text) {
		errno = 0;
		pid = strtol(text, &end, 10);
		if (errno || *text < '1' || *text > '9' || *end || pid > INT_MAX) {
			snprintf(o->message, sizeof(o->message), "open: user %s: bad pid", o->user);
			return fail(o, STS_STATUS_ERROR);
		}
	}
	owner->pid = (pid_t)pid;
	/* A refreshed session outlives its first credentials. */
	owner->expires = o->refresh_until > o->creds.expiration ? o->refresh_until :
								  o->creds.expiration;
	return 0;
}

static int deliver(open_ctx *o)
{
	size_t len = 0;
	char *text;
	sts_session_owner owner;
	sts_error err;
	int rc;

	if (session_owner(o, &owner) < 0)
		return -1;
	/* The user's sessions whose owner is gone (killed without closing)
	 * go before this one is added. */
	sts_helper_reap(&o->settings, o->user);
	text = credentials_text(o, &len);
	if (!text) {
		snprintf(o->message, sizeof(o->message), "open: out of memory");
		return fail(o, STS_STATUS_ERROR);
	}
	rc = sts_session_create(o->settings.runtime_dir, o->user, o->pw.pw_uid, o->pw.pw_gid,
				&owner, text, len, o->session, &err);
	sts_free_secret(text, len);
	if (rc == 0 && o->refresh_until &&
	    sts_refresh_setup(&o->settings, sts_msg_get(o->req, STS_KEY_CONFIG), o->user,
			      o->session, &o->grant, o->refresh_until, o->aws_config,
			      sizeof(o->aws_config), &err) < 0) {
		sts_session_remove(o->settings.runtime_dir, o->user, o->pw.pw_uid, o->session,
				   NULL);
		rc = -1;
	}
	if (rc < 0) {
		snprintf(o->message, sizeof(o->message), "open: user %s: %s", o->user, err.msg);
		return fail(o, STS_STATUS_ERROR);
	}
	return 0;
}

static void audit(const open_ctx *o)
{
	char expiry[32];
	const char *rhost = sts_msg_get(o->req, STS_KEY_RHOST);
	sts_log_line line;

	sts_format_iso8601(o->creds.expiration, expiry, sizeof(expiry));
	sts_log_line_start(&line, "issued:");
	sts_log_kv(&line, "user", o->user);
	sts_log_kv(&line, "rhost", rhost && *rhost ? rhost : NULL);
	sts_log_kv(&line, "service", sts_msg_get(o->req, STS_KEY_SERVICE));
	sts_log_kv(&line, "operation", sts_operation_name(o->grant.op));
	sts_log_kv(&line, "target", o->decision.subject);
	sts_log_kv(&line, "principal", o->decision.principal_arn);
	sts_log_kv(&line, "decision", "allowed");
	sts_log_kv(&line, "by", o->decision.reason);
	sts_log_kv(&line, "access_key_id", o->creds.access_key_id);
	/* issuer = aws: what joins CloudTrail's record of the call. The local
	 * issuer's line stays as it was. */
	if (o->receipt.request_id[0]) {
		sts_log_kv(&line, "request_id", o->receipt.request_id);
		sts_log_kv(&line, "upstream_principal_id",
			   o->receipt.principal_id[0] ? o->receipt.principal_id : NULL);
		sts_log_kv(&line, "source_identity",
			   o->receipt.source_identity[0] ? o->receipt.source_identity : NULL);
	}
	sts_log_kv(&line, "expires", expiry);
	sts_log_kv(&line, "session", o->session);
	syslog(LOG_INFO, "%s", line.text);
}

static void answer(open_ctx *o)
{
	char expiry[32], path[4096], uid[24];
	const char *secrets = sts_msg_get(o->req, STS_KEY_SECRETS);

	sts_format_iso8601(o->creds.expiration, expiry, sizeof(expiry));
	snprintf(path, sizeof(path), "%s/%s/%s", o->settings.runtime_dir, o->session,
		 STS_CREDENTIALS_FILE);
	sts_msg_add(o->resp, STS_KEY_STATUS, STS_STATUS_OK);
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)o->pw.pw_uid);
	sts_msg_add(o->resp, STS_KEY_SESSION, o->session);
	sts_msg_add(o->resp, STS_KEY_UID, uid); /* the owner, for the module's close */
	sts_msg_add(o->resp, STS_KEY_CREDENTIALS_FILE, path);
	sts_msg_add(o->resp, STS_KEY_ACCESS_KEY_ID, o->creds.access_key_id);
	sts_msg_add(o->resp, STS_KEY_EXPIRATION, expiry);
	sts_msg_add(o->resp, STS_KEY_PRINCIPAL, o->decision.principal_arn);
	sts_msg_add(o->resp, STS_KEY_OPERATION, sts_operation_name(o->grant.op));
	sts_msg_add(o->resp, STS_KEY_TARGET, o->decision.subject);
	sts_msg_add(o->resp, STS_KEY_DECIDED_BY, o->decision.reason);
	sts_msg_add(o->resp, STS_KEY_REGION, o->settings.region);
	if (o->aws_config[0])
		sts_msg_add(o->resp, STS_KEY_CONFIG_FILE, o->aws_config);
	if (secrets && strcmp(secrets, STS_SECRETS_YES) == 0) {
		sts_msg_add(o->resp, STS_KEY_SECRET_ACCESS_KEY, o->creds.secret_access_key);
		sts_msg_add(o->resp, STS_KEY_SESSION_TOKEN, o->creds.session_token);
	}
}

int sts_helper_open(const sts_msg *req, sts_msg *resp)
{
	open_ctx *o = calloc(1, sizeof(*o));
	int64_t now = (int64_t)time(NULL);
	sts_caller caller;
	bool decided;
	int rc = -1;

	if (!o)
		return sts_helper_fail(resp, STS_STATUS_ERROR, "open: out of memory");
	o->req = req;
	o->resp = resp;
	o->profile = sts_msg_get(req, STS_KEY_PROFILE);
	if (o->profile && !valid_profile(o->profile)) {
		snprintf(o->message, sizeof(o->message), "open: bad profile name");
		fail(o, STS_STATUS_ERROR);
		goto out;
	}
	if (load_settings(o) < 0 || take_user(o) < 0 || take_session_name(o) < 0)
		goto out;
	decided = sts_memo_take(sts_msg_get(req, STS_KEY_GRANT), o->user,
				sts_msg_get(req, STS_KEY_SERVICE), now, &o->pw.pw_uid,
				&o->pw.pw_gid, &o->grant, &o->decision);
	if (!decided && open_grant(o, now) < 0)
		goto out;
	if (single_use(o, now) < 0 || (!decided && lookup_user(o) < 0))
		goto out;
	fill_caller(o, now, &caller);
	if (!decided && decide_again(o, &caller) < 0)
		goto out;
	o->refresh_until = sts_refresh_until(&o->settings, &o->grant, o->profile);
	if (mint(o, &caller) < 0 || deliver(o) < 0)
		goto out;
	audit(o);
	answer(o);
	rc = 0;
out:
	sts_credentials_clear(&o->creds);
	sts_authz_result_free(&o->decision);
	sts_grant_free(&o->grant);
	if (o->settings_loaded)
		sts_settings_free(&o->settings);
	OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	return rc;
}
