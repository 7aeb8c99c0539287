/* The auth phase: TOTP against the MFA store. */
#ifndef PAM_STS_AUTH_H
#define PAM_STS_AUTH_H

#include <security/pam_modules.h>

#include "args.h"

int sts_authenticate(pam_handle_t *pamh, int flags, const sts_args *args);

#endif
