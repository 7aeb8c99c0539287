/*
 * sts-helper op=decide and op=roles: the account phase's decision, made here
 * rather than in pam_sts.so so that the module never loads OpenSSL, the
 * policies or the grant key into sshd's or sudo's address space (as
 * unix_chkpwd keeps the shadow file out of the screensaver).
 *
 * decide: the module sends what it knows of the login (user, service, rhost,
 * source_ip, the auth phase's MFA time) and the request its arguments name
 * (operation, target, session_name, duration, session_policy), or, for
 * action=requested, the application's request as the application wrote it
 * (app_request, JSON read here by sts_helper_request.c: the module links no
 * JSON parser) with the administrator's session_policy. The helper decides
 * it against the policies and, when allowed, seals the grant the session
 * phase will hand back (lib/decide/grant.h). Answer: status=ok (allowed, with
 * grant), denied, or error; decision, decided_by, operation, target (what
 * was decided: the module's log line names them), message, and
 * malformed=app_request when the application's request broke a rule.
 * roles: the roles the user may assume (role=prompt), as names separated by
 * single spaces (no role name holds one).
 *
 * The MFA time is taken on the caller's word: only a caller with the
 * helper's own privileges (root) can ask (see dispatch() in sts_helper.c).
 * A denial is the module's to log (its decision line); faults are logged
 * here too, as every helper fault is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "base/settings.h"
#include "decide/authorize.h"
#include "decide/grant.h"
#include "decide/identity.h"
#include "sts_helper.h"
#include "sts_helper_memo.h"
#include "sts_helper_request.h"

typedef struct {
	const sts_msg *req;
	sts_msg *resp;
	sts_settings settings;
	bool settings_loaded;
	struct passwd pw;
	char pwbuf[4096];
	sts_caller caller;
	sts_authz_request authz;
	sts_authz_result decision;
	char *app_target, *app_policy_text; /* what authz points to for app_request */
	char message[1024];
} decide_ctx;

static int fail(decide_ctx *d)
{
	return sts_helper_fail(d->resp, "error", d->message);
}

/* Settings, the user (uid, primary group) and the caller's context. */
static int load_caller(decide_ctx *d, const char *opname)
{
	const char *config = sts_msg_get(d->req, "config");
	const char *user = sts_msg_get(d->req, "user");
	const char *ip = sts_msg_get(d->req, "source_ip");
	const char *mfa = sts_msg_get(d->req, "mfa_time");
	unsigned char addr[16];
	sts_error err;
	char *end = NULL;

	if (sts_settings_load(config ? config : STS_DEFAULT_CONFIG, &d->settings, &err) < 0) {
		snprintf(d->message, sizeof(d->message), "%s", err.msg);
		return fail(d);
	}
	d->settings_loaded = true;
	if (!user || sts_user_lookup(user, &d->pw, d->pwbuf, sizeof(d->pwbuf)) < 0) {
		snprintf(d->message, sizeof(d->message), "%s: unknown user \"%s\"", opname,
			 user ? user : "");
		return fail(d);
	}
	if (ip && inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1) {
		snprintf(d->message, sizeof(d->message), "%s: user %s: bad source_ip", opname,
			 user);
		return fail(d);
	}
	d->caller.user = user;
	d->caller.uid = d->pw.pw_uid;
	d->caller.gid = d->pw.pw_gid;
	d->caller.source_ip = ip;
	d->caller.now = (int64_t)time(NULL);
	if (mfa) {
		errno = 0;
		d->caller.mfa_time = strtoll(mfa, &end, 10);
		if (errno || end == mfa || *end || d->caller.mfa_time <= 0) {
			snprintf(d->message, sizeof(d->message), "%s: user %s: bad mfa_time",
				 opname, user);
			return fail(d);
		}
		d->caller.mfa_present = true;
	}
	return 0;
}

/* action=requested: the application's JSON, and the administrator's session
 * policy, which applies to it too. The module sends nothing else with it: a
 * request named twice would leave it unclear which one was decided. */
static int read_app_request(decide_ctx *d, const char *text)
{
	static const char *const module_only[] = { "operation",		  "target",
						   "session_name",	  "duration",
						   "session_policy_text", NULL };
	char why[256];
	int rc;

	for (size_t i = 0; module_only[i]; i++) {
		if (sts_msg_get(d->req, module_only[i])) {
			snprintf(d->message, sizeof(d->message),
				 "decide: user %s: app_request comes with %s", d->caller.user,
				 module_only[i]);
			return fail(d);
		}
	}
	rc = sts_app_request_parse(text, &d->authz, &d->app_target, &d->app_policy_text, why,
				   sizeof(why));
	if (rc == STS_APP_NOMEM) {
		snprintf(d->message, sizeof(d->message), "decide: out of memory");
		return fail(d);
	}
	if (rc < 0) {
		snprintf(d->message, sizeof(d->message),
			 "decide: user %s: the application's request is malformed: %s",
			 d->caller.user, why);
		/* Tells the module this is the application's fault, not a helper fault. */
		if (sts_msg_add(d->resp, "malformed", "app_request") < 0)
			snprintf(d->message, sizeof(d->message), "decide: out of memory");
		return fail(d);
	}
	d->authz.session_policy = sts_msg_get(d->req, "session_policy");
	return 0;
}

/* The request as the module sent it; its limits are sts_authorize's to check. */
static int read_request(decide_ctx *d)
{
	const char *app = sts_msg_get(d->req, "app_request");

	memset(&d->authz, 0, sizeof(d->authz));
	if (app)
		return read_app_request(d, app);
	if (sts_operation_from_word(sts_msg_get(d->req, "operation"), &d->authz.op) < 0) {
		snprintf(d->message, sizeof(d->message),
			 "decide: user %s: bad or missing operation", d->caller.user);
		return fail(d);
	}
	if (sts_parse_duration(sts_msg_get(d->req, "duration"), &d->authz.duration) < 0) {
		snprintf(d->message, sizeof(d->message), "decide: user %s: bad duration",
			 d->caller.user);
		return fail(d);
	}
	d->authz.target = sts_msg_get(d->req, "target");
	d->authz.session_name = sts_msg_get(d->req, "session_name");
	d->authz.session_policy = sts_msg_get(d->req, "session_policy");
	d->authz.session_policy_text = sts_msg_get(d->req, "session_policy_text");
	return 0;
}

static bool copy(char **out, const char *in)
{
	*out = in ? strdup(in) : NULL;
	return !in || *out;
}

/* The grant the session phase will hand back (its strings are copies). */
static int fill_grant(const decide_ctx *d, sts_grant *g)
{
	memset(g, 0, sizeof(*g));
	g->op = d->authz.op;
	g->duration = d->authz.duration;
	g->mfa_present = d->caller.mfa_present;
	g->mfa_time = d->caller.mfa_time;
	g->issued = d->caller.now;
	g->expires = d->caller.now + (int64_t)d->settings.grant_ttl;
	if (!copy(&g->user, d->caller.user) || !copy(&g->service, sts_msg_get(d->req, "service")) ||
	    !copy(&g->target, d->authz.target) || !copy(&g->session_name, d->authz.session_name) ||
	    !copy(&g->session_policy, d->authz.session_policy) ||
	    !copy(&g->session_policy_text, d->authz.session_policy_text) ||
	    !copy(&g->source_ip, d->caller.source_ip) ||
	    !copy(&g->rhost, sts_msg_get(d->req, "rhost")))
		return -1;
	return 0;
}

/* The grant the session phase will hand back: |*g|, sealed into |*text|
 * (malloc'd). |*g| is the caller's to free, also on failure. */
static int seal_grant(decide_ctx *d, sts_grant *g, char **text)
{
	unsigned char key[STS_GRANT_KEY_LEN];
	sts_error err;
	int rc;

	if (!sts_msg_get(d->req, "service")) {
		snprintf(d->message, sizeof(d->message), "decide: user %s: no service",
			 d->caller.user);
		return fail(d);
	}
	if (fill_grant(d, g) < 0) {
		snprintf(d->message, sizeof(d->message), "decide: out of memory");
		return fail(d);
	}
	rc = sts_grant_key_load(d->settings.state_dir, true, key, &err);
	if (rc == 0)
		rc = sts_grant_seal(key, g, text, &err);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc < 0) {
		snprintf(d->message, sizeof(d->message), "%s", err.msg);
		return fail(d);
	}
	return 0;
}

static int answer(decide_ctx *d)
{
	bool allowed = d->decision.decision == STS_ALLOWED;
	char *grant = NULL;
	sts_grant g;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	if (allowed && seal_grant(d, &g, &grant) < 0)
		goto out;
	if ((grant && sts_msg_add(d->resp, "grant", grant) < 0) ||
	    sts_msg_add(d->resp, "status", allowed ? "ok" : "denied") < 0 ||
	    sts_msg_add(d->resp, "decision", sts_decision_word(d->decision.decision)) < 0 ||
	    sts_msg_add(d->resp, "decided_by", d->decision.reason) < 0 ||
	    sts_msg_add(d->resp, "operation", sts_operation_name(d->authz.op)) < 0 ||
	    sts_msg_add(d->resp, "target", d->authz.target) < 0) {
		sts_helper_fail(d->resp, "error", "decide: out of memory");
		goto out;
	}
	if (grant) /* for op=open: sts_helper_memo.h */
		sts_memo_put(grant, d->caller.now, d->pw.pw_uid, d->pw.pw_gid, &g, &d->decision);
	rc = allowed ? 0 : -1;
out:
	sts_grant_free(&g);
	free(grant);
	return rc;
}

static void decide_ctx_free(decide_ctx *d)
{
	sts_authz_result_free(&d->decision);
	free(d->app_target);
	free(d->app_policy_text);
	if (d->settings_loaded)
		sts_settings_free(&d->settings);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

int sts_helper_decide(const sts_msg *req, sts_msg *resp)
{
	decide_ctx *d = calloc(1, sizeof(*d));
	sts_error err;
	int rc = -1;

	if (!d)
		return sts_helper_fail(resp, "error", "decide: out of memory");
	d->req = req;
	d->resp = resp;
	if (load_caller(d, "decide") < 0 || read_request(d) < 0)
		goto out;
	if (sts_authorize(&d->settings, &d->caller, &d->authz, &d->decision, &err) < 0) {
		snprintf(d->message, sizeof(d->message), "%s", err.msg);
		fail(d);
		goto out;
	}
	rc = answer(d);
out:
	decide_ctx_free(d);
	return rc;
}

/* roles=: the names joined by single spaces, for the module to split without
 * a JSON parser. IAM role names cannot hold a space (sts_valid_role_name:
 * [\w+=,.@-]{1,64}), and every name listed came through it; a name that would
 * still break the split (empty, or with a space) is refused, not sent. */
static int roles_text(char **names, int n, sts_msg *resp, char *message, size_t len)
{
	size_t total = 1, used = 0;
	char *text;
	int rc;

	for (int i = 0; i < n; i++) {
		if (!names[i][0] || strchr(names[i], ' ')) {
			snprintf(message, len,
				 "roles: role name \"%.64s\" is empty or holds a space", names[i]);
			return -1;
		}
		total += strlen(names[i]) + 1;
	}
	text = malloc(total);
	if (!text) {
		snprintf(message, len, "roles: out of memory");
		return -1;
	}
	text[0] = '\0';
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, total - used, "%s%s", i ? " " : "", names[i]);
	rc = sts_msg_add(resp, "roles", text);
	free(text);
	if (rc < 0)
		snprintf(message, len, "roles: out of memory");
	return rc;
}

int sts_helper_roles(const sts_msg *req, sts_msg *resp)
{
	decide_ctx *d = calloc(1, sizeof(*d));
	char **names = NULL;
	sts_error err;
	int n, rc = -1;

	if (!d)
		return sts_helper_fail(resp, "error", "roles: out of memory");
	d->req = req;
	d->resp = resp;
	if (load_caller(d, "roles") < 0)
		goto out;
	n = sts_assumable_roles(&d->settings, &d->caller, &names, &err);
	if (n < 0) {
		snprintf(d->message, sizeof(d->message), "%s", err.msg);
		fail(d);
		goto out;
	}
	if (roles_text(names, n, resp, d->message, sizeof(d->message)) < 0)
		fail(d);
	else if (sts_msg_add(resp, "status", "ok") < 0)
		sts_helper_fail(resp, "error", "roles: out of memory");
	else
		rc = 0;
	sts_free_names(names, (size_t)n);
out:
	decide_ctx_free(d);
	return rc;
}
