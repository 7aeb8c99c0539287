/*
 * GetSessionToken's grant, sealed with a passed code (op=mfa).
 *
 * GetSessionToken needs no permission: an MFA'd user may always have it
 * ("No permissions are required for a user to call GetSessionToken", seed).
 * So when op=mfa accepts a code, the helper also seals the grant op=decide
 * would seal for `action=session` with no other argument: the same g1 grant
 * (lib/grant.h), bound to the user, the PAM service, the source IP the
 * module sent, the MFA time (the time the code was accepted), the default
 * duration, and expiring after ticket_ttl. The module keeps it with the MFA
 * result (module data: neither the application nor the user can set it) and
 * its account phase hands it on unchanged when its own request is exactly
 * that one for the same login, instead of asking op=decide (one round trip
 * fewer for the most common login; docs/login-latency.md). Any other request
 * still asks op=decide.
 *
 * The resident helper decides the grant right after it has answered the
 * code (sts_helper_after_answer(), called by the broker's loop once the
 * connection is closed, so the login does not wait for it) and keeps the
 * decision for op=open (helper/sts_helper_memo.h), as op=decide would have.
 * Without a kept decision (the exec'd helper, a restarted broker, a fault
 * while deciding) op=open verifies the grant and decides it as it does any
 * grant it did not see decided (the user looked up, the identity policies
 * read for the scope): a fault there fails the session phase, with one
 * line, as it would have failed op=decide. Nothing here can fail the code's check: without a
 * service, with a malformed source IP, or when the grant key cannot be read,
 * the answer simply carries no grant, and the account phase asks op=decide,
 * which reports the fault.
 */
#include "sts_helper.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "grant.h"
#include "helper_proto.h"
#include "settings.h"
#include "sts_helper_memo.h"

static bool address_ok(const char *ip)
{
	unsigned char addr[16];

	return !ip || inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1;
}

/* The grant sealed last, waiting to be decided after the answer. */
static struct {
	bool pending;
	char *sealed;
	char *config;
	sts_grant grant;
} job;

static void job_clear(void)
{
	if (job.sealed) {
		OPENSSL_cleanse(job.sealed, strlen(job.sealed));
		free(job.sealed);
	}
	free(job.config);
	sts_grant_free(&job.grant);
	memset(&job, 0, sizeof(job));
}

/* Keeps |g| (moved) and its text for sts_helper_after_answer(). */
static void job_keep(const char *config, const char *sealed, sts_grant *g)
{
	job_clear();
	job.sealed = strdup(sealed);
	job.config = strdup(config);
	if (!job.sealed || !job.config) {
		job_clear();
		return;
	}
	job.grant = *g;
	memset(g, 0, sizeof(*g));
	job.pending = true;
}

/* GetSessionToken decided for the kept grant, as op=decide does; any fault
 * leaves nothing kept, and op=open decides (and reports) itself. */
static void decide_job(void)
{
	sts_authz_request req;
	sts_authz_result decision;
	struct passwd pw, *found = NULL;
	char pwbuf[4096];
	sts_settings settings;
	sts_caller caller;
	sts_error err;

	memset(&decision, 0, sizeof(decision));
	if (sts_settings_load(job.config, &settings, &err) < 0)
		return;
	if (getpwnam_r(job.grant.user, &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found) {
		memset(&caller, 0, sizeof(caller));
		caller.user = job.grant.user;
		caller.uid = pw.pw_uid;
		caller.gid = pw.pw_gid;
		caller.source_ip = job.grant.source_ip;
		caller.mfa_present = true;
		caller.mfa_time = job.grant.mfa_time;
		caller.now = (int64_t)time(NULL);
		sts_grant_request(&job.grant, &req);
		if (sts_authorize(&settings, &caller, &req, &decision, &err) == 0 &&
		    decision.decision == STS_ALLOWED)
			sts_memo_put(job.sealed, caller.now, pw.pw_uid, pw.pw_gid, &job.grant,
				     &decision);
	}
	sts_authz_result_free(&decision);
	sts_settings_free(&settings);
	OPENSSL_cleanse(pwbuf, sizeof(pwbuf));
}

void sts_helper_after_answer(void)
{
	if (job.pending)
		decide_job();
	job_clear();
}

void sts_helper_session_grant(const sts_settings *settings, const sts_msg *req, int64_t auth_time,
			      sts_msg *resp)
{
	const char *config = sts_msg_get(req, "config") ? sts_msg_get(req, "config") :
							  STS_DEFAULT_CONFIG;
	const char *user = sts_msg_get(req, "user"), *service = sts_msg_get(req, "service");
	const char *ip = sts_msg_get(req, "source_ip");
	unsigned char key[STS_TICKET_KEY_LEN];
	char *text = NULL;
	sts_error err;
	sts_grant g;

	if (!user || !service || !address_ok(ip))
		return;
	memset(&g, 0, sizeof(g));
	g.op = STS_OP_SESSION;
	g.mfa_present = true;
	g.mfa_time = auth_time;
	g.issued = auth_time;
	g.expires = auth_time + (int64_t)settings->ticket_ttl;
	g.user = strdup(user);
	g.service = strdup(service);
	g.source_ip = ip ? strdup(ip) : NULL;
	if (g.user && g.service && (!ip || g.source_ip) &&
	    sts_ticket_key_load(settings->state_dir, true, key, &err) == 0) {
		if (sts_grant_seal(key, &g, &text, &err) == 0 &&
		    sts_msg_add(resp, "session_grant", text) == 0 && sts_memo_enabled())
			job_keep(config, text, &g);
		OPENSSL_cleanse(key, sizeof(key));
	}
	free(text);
	sts_grant_free(&g);
}
