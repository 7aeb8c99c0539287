/* One exit for the module's log lines (see audit.h). */
#include "audit.h"

#include <stdarg.h>
#include <stdio.h>

#include <security/pam_ext.h>

#include "base/log_field.h"

void sts_pam_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	char message[8192], one_line[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	pam_syslog(pamh, priority, "%s", sts_log_text(one_line, sizeof(one_line), message));
}
