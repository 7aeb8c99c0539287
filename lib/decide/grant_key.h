/*
 * The grant key, which seals the grant (lib/decide/grant.h): 32 random bytes
 * in <state_dir>/mfa-ticket.key, root only, created once on first use. The
 * file keeps that name so that every installed host keeps its key (and the
 * grants it sealed) across an upgrade.
 *
 * How the MFA result travels: the auth phase keeps it with pam_set_data
 * (pam_sts/mfa_result.h). OpenSSH runs keyboard-interactive authentication
 * and the account phase together in one child process, so the account phase
 * finds it there; the session, opened in another process, gets the account
 * phase's decision (with the MFA time) as the HMAC-sealed grant in the PAM
 * environment. No cryptography runs in the auth phase.
 */
#ifndef STS_GRANT_KEY_H
#define STS_GRANT_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define STS_GRANT_KEY_LEN 32

/* Loads the key, creating it (O_EXCL, 0600) when |create| and it is absent. */
int sts_grant_key_load(const char *state_dir, bool create, unsigned char key[STS_GRANT_KEY_LEN],
		       sts_error *err);

#endif
