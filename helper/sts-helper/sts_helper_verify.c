/* sts-helper op=verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/settings.h"
#include "token/keyring.h"
#include "token/token.h"
#include "proto/protocol.h"
#include "sts_helper_fail.h"
#include "sts_helper_ops.h"
#include "sts_helper_settings.h"

static int load(const sts_msg *req, bool honour_config, sts_settings *s, sts_msg *resp)
{
	const char *config = honour_config ? sts_msg_get(req, STS_KEY_CONFIG) : NULL;
	sts_error err;

	if (sts_helper_settings_load(config, s, &err) < 0)
		return sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
	return 0;
}

/* Verifies a credential presented by anyone: the answer reveals the claims
 * only to a caller who holds the secret key that goes with the token. */
int sts_helper_verify(const sts_msg *req, bool elevated, sts_msg *resp)
{
	const char *akid = sts_msg_get(req, STS_KEY_ACCESS_KEY_ID);
	const char *secret = sts_msg_get(req, STS_KEY_SECRET_ACCESS_KEY);
	const char *token = sts_msg_get(req, STS_KEY_SESSION_TOKEN);
	sts_token_claims claims;
	sts_keyring *ring = NULL;
	sts_settings settings;
	sts_error err;
	char *json = NULL;
	int rc = -1;

	memset(&claims, 0, sizeof(claims));
	if (!akid || !secret || !token)
		return sts_helper_fail(resp, STS_STATUS_ERROR, "verify: incomplete credential");
	if (load(req, !elevated, &settings, resp) < 0)
		return -1;
	if (sts_keyring_load(settings.issuer_key, &ring, &err) < 0) {
		sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
		goto out;
	}
	if (sts_token_open(ring, token, akid, secret, (int64_t)time(NULL), &claims, &err) < 0) {
		sts_msg_add(resp, STS_KEY_STATUS, STS_STATUS_DENIED);
		sts_msg_add(resp, STS_KEY_MESSAGE, err.msg);
		goto out;
	}
	json = sts_token_claims_to_json(&claims, &err);
	if (!json) {
		sts_helper_fail(resp, STS_STATUS_ERROR, err.msg);
		goto out;
	}
	sts_msg_add(resp, STS_KEY_STATUS, STS_STATUS_OK);
	sts_msg_add(resp, STS_KEY_CLAIMS, json);
	rc = 0;
out:
	free(json);
	sts_token_claims_free(&claims);
	sts_keyring_free(ring);
	sts_settings_free(&settings);
	return rc;
}
