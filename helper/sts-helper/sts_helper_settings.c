/* pam_sts.conf as every operation of sts-helper loads it (see the header). */
#include "sts_helper_settings.h"

#include <stdatomic.h>
#include <syslog.h>

#include "base/log_field.h"

static void log_deprecation(const char *path, const char *what)
{
	static atomic_flag logged = ATOMIC_FLAG_INIT;
	char field[STS_LOG_FIELD_MAX];

	if (!atomic_flag_test_and_set(&logged))
		syslog(LOG_WARNING, "configuration %s: %s",
		       sts_log_text(field, sizeof(field), path), what);
}

int sts_helper_settings_load(const char *config, sts_settings *out, sts_error *err)
{
	const char *path = config ? config : STS_DEFAULT_CONFIG;

	if (sts_settings_load(path, out, err) < 0)
		return -1;
	if (out->deprecation)
		log_deprecation(path, out->deprecation);
	return 0;
}
