/*
 * GetSessionToken's grant, sealed with a passed code (op=mfa).
 *
 * GetSessionToken needs no permission: an MFA'd user may always have it
 * ("No permissions are required for a user to call GetSessionToken", seed).
 * So when op=mfa accepts a code, the helper also seals the grant op=decide
 * would seal for `action=session` with no other argument: the same g1 grant
 * (lib/decide/grant.h), bound to the user, the PAM service, the remote host and
 * source IP the module sent, the MFA time (the time the code was accepted), the default
 * duration, and expiring after grant_ttl. The module keeps it with the MFA
 * result (module data: neither the application nor the user can set it) and
 * its account phase hands it on unchanged when its own request is exactly
 * that one for the same login, instead of asking op=decide (one round trip
 * fewer for the most common login; docs/login-latency.md). Any other
 * request still asks op=decide.
 *
 * op=open verifies it and decides it as it does any grant it did not see
 * decided (the user looked up, the identity policies read for the scope): a
 * fault there fails the session phase, with one line, as it would have
 * failed op=decide.
 *
 * Nothing here can fail the code's check: without a service (an older
 * module), with a malformed source IP, or when the grant key cannot be read,
 * the answer simply carries no grant, and the account phase asks op=decide,
 * which reports the fault.
 */
#include "sts_helper_ops.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/settings.h"
#include "decide/grant.h"
#include "proto/codec.h"
#include "proto/protocol.h"

static bool address_ok(const char *ip)
{
	unsigned char addr[16];

	return !ip || inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1;
}

void sts_helper_session_grant(const sts_settings *settings, const sts_msg *req, int64_t auth_time,
			      sts_msg *resp)
{
	const char *user = sts_msg_get(req, STS_KEY_USER),
		   *service = sts_msg_get(req, STS_KEY_SERVICE);
	const char *ip = sts_msg_get(req, STS_KEY_SOURCE_IP),
		   *rhost = sts_msg_get(req, STS_KEY_RHOST);
	unsigned char key[STS_GRANT_KEY_LEN];
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
	g.expires = auth_time + (int64_t)settings->grant_ttl;
	g.user = strdup(user);
	g.service = strdup(service);
	g.source_ip = ip ? strdup(ip) : NULL;
	g.rhost = rhost ? strdup(rhost) : NULL;
	/* issuer = aws: the code goes on to GetSessionToken's TokenCode. */
	if (settings->issuer == STS_ISSUER_AWS && sts_msg_get(req, STS_KEY_CODE))
		g.token_code = strdup(sts_msg_get(req, STS_KEY_CODE));
	if (g.user && g.service && (!ip || g.source_ip) && (!rhost || g.rhost) &&
	    (settings->issuer != STS_ISSUER_AWS || !sts_msg_get(req, STS_KEY_CODE) ||
	     g.token_code) &&
	    sts_grant_key_load(settings->state_dir, true, key, &err) == 0) {
		if (sts_grant_seal(key, &g, &text, &err) == 0)
			sts_msg_add(resp, STS_KEY_SESSION_GRANT,
				    text); /* nothing added when it fails */
		OPENSSL_cleanse(key, sizeof(key));
	}
	if (text)
		OPENSSL_cleanse(text, strlen(text)); /* it may hold the code */
	free(text);
	sts_grant_free(&g);
}
