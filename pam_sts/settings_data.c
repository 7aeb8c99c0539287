/*
 * pam_sts.conf kept in the PAM handle between the phases of a login
 * (lib/base/settings_cache.h says when it may be reused). Each configuration path
 * and argument list has its own entry, named after a hash of them: a stack
 * whose auth and session lines match but whose account line differs reads
 * the file twice, not three or four times, and an entry is only ever used
 * by the arguments it was read for (the entry compares them in full, so a
 * collision of hashes only costs a read).
 *
 * sshd may authenticate in another process than the one that opens the
 * session: there the entry is simply not found, and the file is read.
 */
#include "settings_data.h"

#include <stdio.h>
#include <syslog.h>

#include "audit.h"
#include "base/log_field.h"
#include "base/settings_cache.h"

#define DATA_PREFIX "pam_sts_settings."

static void free_entry(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	sts_settings_cache_free(data);
}

int sts_phase_settings(pam_handle_t *pamh, const sts_args *args, const sts_settings **out,
		       sts_error *err)
{
	char name[sizeof(DATA_PREFIX) + 16];
	const void *data = NULL;
	sts_settings_cache *fresh;

	*out = NULL;
	snprintf(name, sizeof(name), DATA_PREFIX "%016llx",
		 (unsigned long long)sts_settings_cache_hash(args->config, args->argc, args->argv));
	if (pam_get_data(pamh, name, &data) == PAM_SUCCESS && data) {
		if (sts_settings_cache_valid(data, args->config, args->argc, args->argv)) {
			*out = &((const sts_settings_cache *)data)->settings;
			return 0;
		}
		/* Stale: gone before the file is read again, so that a read
		 * that fails leaves nothing to reuse. */
		pam_set_data(pamh, name, NULL, NULL);
	}
	fresh = sts_settings_cache_load(args->config, args->argc, args->argv, STS_SETTINGS_MIN_AGE,
					err);
	if (!fresh)
		return -1;
	if (pam_set_data(pamh, name, fresh, free_entry) != PAM_SUCCESS) {
		sts_settings_cache_free(fresh);
		return sts_error_set(err, "%s: cannot keep the configuration in the PAM handle",
				     args->config);
	}
	if (fresh->settings.deprecation) {
		char path[STS_LOG_FIELD_MAX];

		sts_pam_log(pamh, LOG_WARNING, "configuration %s: %s",
			    sts_log_text(path, sizeof(path), args->config),
			    fresh->settings.deprecation);
	}
	*out = &fresh->settings;
	return 0;
}
