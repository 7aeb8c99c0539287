/*
 * The grant: how the account phase's decision reaches the session phase.
 *
 * Under OpenSSH, keyboard-interactive authentication runs pam_authenticate
 * AND pam_acct_mgmt in a child process, and the session is opened in the
 * monitor: pam_set_data from account is gone by then, but the PAM
 * environment is shipped back to the monitor. (The auth phase's result
 * reaches the account phase with pam_set_data: pam_sts/mfa_result.h; for
 * action=session with no other argument it brings the grant along, sealed by
 * sts-helper with the passed code: helper/sts-helper/sts_helper_session_grant.c.) So the account phase puts
 * PAM_STS_GRANT=<grant> into the PAM environment (never the user's: a user
 * cannot set variables of sshd's or sudo's PAM handle), where
 *     grant = "g1." base64(JSON request) "." hex(HMAC-SHA256(key, "g1." base64))
 * under a root-only key (the grant key, lib/decide/grant_key.h).
 * It binds user, PAM service, remote host (PAM_RHOST), operation, target,
 * session name, duration, session policy, source IP and MFA time, carries a
 * random nonce (so that no two grants are the same text), and expires after
 * grant_ttl seconds; sts-helper opens it once (lib/decide/grant_spent.h). sts-helper verifies it and, before minting, takes the decision it
 * stands for (kept by the resident helper: helper/sts-helper/sts_helper_memo.h) or
 * decides the same request again, so the session issues only what the
 * account phase authorised;
 * the session phase removes the variable before the user's environment is
 * built.
 */
#ifndef STS_GRANT_H
#define STS_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "decide/authorize.h"
#include "decide/grant_key.h"
#include "proto/env.h"

typedef struct {
	char *user;
	char *service;
	sts_operation op;
	char *target;		   /* role name/ARN or federated name; NULL for GetSessionToken */
	char *session_name;	   /* NULL: the default */
	unsigned long duration;	   /* 0: the operation's default */
	char *session_policy;	   /* NULL: none */
	char *session_policy_text; /* inline session policy JSON; NULL: none */
	char *source_ip;	   /* NULL: none */
	char *rhost;		   /* PAM_RHOST of the login; NULL: none */
	bool mfa_present;
	int64_t mfa_time;
	int64_t issued;
	int64_t expires;
	/* issuer = aws, GetSessionToken: the code accepted at login, for STS's
	 * TokenCode (sts-helper cannot get it otherwise: sshd runs the session
	 * phase in another process). Already spent here; NULL: none. */
	char *token_code;
} sts_grant;

/* Seals |g| into a malloc'd string, with a fresh random nonce. */
int sts_grant_seal(const unsigned char key[STS_GRANT_KEY_LEN], const sts_grant *g, char **out,
		   sts_error *err);
/* Verifies |text| for |user| and |service| at |now| and fills |out|
 * (malloc'd strings; sts_grant_free). Returns 0 or -1 with the reason. */
int sts_grant_open(const unsigned char key[STS_GRANT_KEY_LEN], const char *text, const char *user,
		   const char *service, int64_t now, sts_grant *out, sts_error *err);
/* Whether |rhost| (PAM_RHOST at the session phase; NULL or "" for none) is
 * the remote host |g| was sealed for. */
bool sts_grant_rhost_matches(const sts_grant *g, const char *rhost);
/* The request the grant stands for (pointers into |g|). */
void sts_grant_request(const sts_grant *g, sts_authz_request *req);
void sts_grant_free(sts_grant *g);

#endif
