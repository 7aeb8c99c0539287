/* Reaping the sessions whose owner is gone, logged (sts_helper_reap.c). */
#ifndef STS_HELPER_REAP_H
#define STS_HELPER_REAP_H

#include "base/settings.h"

/* Removes the sessions of |user| (NULL: every user's) whose owner is gone
 * (lib/base/session_reap.h), with a log line when it removed any or could not
 * look: at a login (op=open) and when the broker starts. */
void sts_helper_reap(const sts_settings *settings, const char *user);

#endif
