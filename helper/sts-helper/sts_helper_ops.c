/* sts-helper op=verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/settings.h"
#include "token/keyring.h"
#include "token/token.h"
#include "sts_helper.h"

static int load(const sts_msg *req, bool honour_config, sts_settings *s, sts_msg *resp)
{
	const char *config = honour_config ? sts_msg_get(req, "config") : NULL;
	sts_error err;

	if (sts_settings_load(config ? config : STS_DEFAULT_CONFIG, s, &err) < 0)
		return sts_helper_fail(resp, "error", err.msg);
	return 0;
}

/* Verifies a credential presented by anyone: the answer reveals the claims
 * only to a caller who holds the secret key that goes with the token. */
int sts_helper_verify(const sts_msg *req, bool elevated, sts_msg *resp)
{
	const char *akid = sts_msg_get(req, "access_key_id");
	const char *secret = sts_msg_get(req, "secret_access_key");
	const char *token = sts_msg_get(req, "session_token");
	sts_token_claims claims;
	sts_keyring *ring = NULL;
	sts_settings settings;
	sts_error err;
	char *json = NULL;
	int rc = -1;

	memset(&claims, 0, sizeof(claims));
	if (!akid || !secret || !token)
		return sts_helper_fail(resp, "error", "verify: incomplete credential");
	if (load(req, !elevated, &settings, resp) < 0)
		return -1;
	if (sts_keyring_load(settings.issuer_key, &ring, &err) < 0) {
		sts_helper_fail(resp, "error", err.msg);
		goto out;
	}
	if (sts_token_open(ring, token, akid, secret, (int64_t)time(NULL), &claims, &err) < 0) {
		sts_msg_add(resp, "status", "denied");
		sts_msg_add(resp, "message", err.msg);
		goto out;
	}
	json = sts_token_claims_to_json(&claims, &err);
	if (!json) {
		sts_helper_fail(resp, "error", err.msg);
		goto out;
	}
	sts_msg_add(resp, "status", "ok");
	sts_msg_add(resp, "claims", json);
	rc = 0;
out:
	free(json);
	sts_token_claims_free(&claims);
	sts_keyring_free(ring);
	sts_settings_free(&settings);
	return rc;
}
