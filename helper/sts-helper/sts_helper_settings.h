/* pam_sts.conf as every operation of sts-helper loads it. */
#ifndef STS_HELPER_SETTINGS_H
#define STS_HELPER_SETTINGS_H

#include "base/error.h"
#include "base/settings.h"

/* sts_settings_load of |config| (NULL: STS_DEFAULT_CONFIG). A key named by
 * its deprecated name is logged once per process: the exec'd helper logs it
 * at each request, the broker once. 0, or -1 with |err| set. */
int sts_helper_settings_load(const char *config, sts_settings *out, sts_error *err);

#endif
