/* The module's log lines: every one goes out through sts_pam_log. */
#ifndef PAM_STS_AUDIT_H
#define PAM_STS_AUDIT_H

#include <security/pam_modules.h>

#include "base/error.h"

/* pam_syslog with the message kept on one line: the names it quotes (user,
 * role, rhost, a helper's message) may hold any byte, and each byte outside
 * 0x20..0x7e is written as \xNN (see lib/base/log_field.h). Key=value lines
 * escape their fields with sts_log_kv before they get here. */
void sts_pam_log(pam_handle_t *pamh, int priority, const char *fmt, ...) STS_PRINTF(3, 4);

#endif
