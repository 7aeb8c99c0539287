/* The session phase: issuance through sts-helper, delivery, removal. */
#ifndef PAM_STS_SESSION_H
#define PAM_STS_SESSION_H

#include <security/pam_modules.h>

#include "args.h"

int sts_open_session(pam_handle_t *pamh, int flags, const sts_args *args);
int sts_close_session(pam_handle_t *pamh, int flags, const sts_args *args);

#endif
