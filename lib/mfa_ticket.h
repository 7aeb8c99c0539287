/*
 * The MFA ticket: how the auth phase's result reaches the account and
 * session phases, also under OpenSSH, which runs keyboard-interactive PAM
 * authentication in another process than the session (pam_set_data from
 * auth is gone by then, but the PAM environment survives).
 *
 * The auth phase puts PAM_STS_MFA=<ticket> into the PAM environment (not the
 * user's: a user cannot set PAM environment variables of sshd's or sudo's
 * PAM handle). The ticket is
 *     v1.<auth_time>.<expires>.<nonce>.<mac>
 * where mac = HMAC-SHA256(key, "v1|user|service|auth_time|expires|nonce")
 * and the key is 32 random bytes in <state_dir>/mfa-ticket.key (root only).
 * So a ticket cannot be forged or moved to another user or PAM service, and
 * expires in minutes; the session phase removes the variable before the
 * user's environment is built.
 */
#ifndef STS_MFA_TICKET_H
#define STS_MFA_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define STS_TICKET_KEY_LEN 32
#define STS_TICKET_MAX	   160
#define STS_TICKET_ENV	   "PAM_STS_MFA"

/* Loads the key, creating it (O_EXCL, 0600) when |create| and it is absent. */
int sts_ticket_key_load(const char *state_dir, bool create, unsigned char key[STS_TICKET_KEY_LEN],
			sts_error *err);

int sts_ticket_issue(const unsigned char key[STS_TICKET_KEY_LEN], const char *user,
		     const char *service, int64_t auth_time, unsigned ttl, char out[STS_TICKET_MAX],
		     sts_error *err);

/* 0 and *auth_time when authentic, for this user and service, not expired
 * (|now| < expires, auth_time <= now); -1 otherwise, with the reason. */
int sts_ticket_verify(const unsigned char key[STS_TICKET_KEY_LEN], const char *ticket,
		      const char *user, const char *service, int64_t now, int64_t *auth_time,
		      sts_error *err);

#endif
