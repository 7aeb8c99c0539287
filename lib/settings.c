/* pam_sts.conf keys, their defaults and ranges. */
#include "settings.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fileio.h"

static const sts_config_key settings_keys[] = {
	{ "state_dir", CFG_PATH, offsetof(sts_settings, state_dir), 0, 0, NULL },
	{ "totp_window", CFG_UINT, offsetof(sts_settings, totp_window), 0, 10, NULL },
	{ "max_failures", CFG_UINT, offsetof(sts_settings, max_failures), 1, 100, NULL },
	{ "failure_interval", CFG_UINT, offsetof(sts_settings, failure_interval), 1, 86400, NULL },
	{ "lockout_seconds", CFG_UINT, offsetof(sts_settings, lockout_seconds), 1, 604800, NULL },
	{ "prompt", CFG_STRING, offsetof(sts_settings, prompt), 0, 0, NULL },
	{ "fail_delay_ms", CFG_UINT, offsetof(sts_settings, fail_delay_ms), 0, 60000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define CONFIG_MAX (64u * 1024u)

static int set_defaults(sts_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->state_dir = strdup("/var/lib/pam_sts");
	s->prompt = strdup("Verification code: ");
	s->totp_window = 1;
	s->max_failures = 5;
	s->failure_interval = 900;
	s->lockout_seconds = 900;
	s->fail_delay_ms = 2000;
	return s->state_dir && s->prompt ? 0 : -1;
}

void sts_settings_free(sts_settings *s)
{
	free(s->state_dir);
	free(s->prompt);
	memset(s, 0, sizeof(*s));
}

int sts_settings_load(const char *path, sts_settings *out, sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (set_defaults(out) < 0) {
		sts_settings_free(out);
		return sts_error_set(err, "%s: out of memory", path);
	}
	rc = sts_read_file(path, CONFIG_MAX,
			   STS_READ_NOFOLLOW | STS_READ_ROOT_OR_EUID | STS_READ_NOT_WRITABLE, &text,
			   &len, err);
	if (rc == 0)
		rc = sts_config_parse(text, len, path, settings_keys, out, err);
	free(text);
	if (rc < 0)
		sts_settings_free(out);
	return rc;
}
