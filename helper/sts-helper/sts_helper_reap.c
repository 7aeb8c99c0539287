/* Reaping the sessions whose owner is gone (lib/base/session_reap.h), logged. */
#include <syslog.h>
#include <time.h>

#include "base/session_reap.h"
#include "sts_helper_reap.h"

void sts_helper_reap(const sts_settings *settings, const char *user)
{
	sts_error err;
	int n = sts_session_reap(settings->runtime_dir, user, (int64_t)time(NULL), &err);

	if (n < 0)
		syslog(LOG_WARNING, "reap: %s", err.msg);
	else if (n > 0 && user)
		syslog(LOG_INFO, "reap: user %s: removed %d session(s) whose owner is gone", user,
		       n);
	else if (n > 0)
		syslog(LOG_INFO, "reap: removed %d session(s) whose owner is gone", n);
}
