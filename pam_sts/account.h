/* The account phase: the STS decision. */
#ifndef PAM_STS_ACCOUNT_H
#define PAM_STS_ACCOUNT_H

#include <security/pam_modules.h>

#include "args.h"

int sts_account(pam_handle_t *pamh, int flags, const sts_args *args);

#endif
