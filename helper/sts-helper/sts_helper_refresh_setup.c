/*
 * op=open's part of refresh (sts_helper_refresh.h): root's record and the
 * session's AWS config, added to the session directory just created.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/fileio.h"
#include "base/session_files.h"
#include "decide/grant_key.h"
#include "sts_helper_refresh.h"

int64_t sts_refresh_until(const sts_settings *s, const sts_grant *g, const char *profile)
{
	if (!s->refresh_stsctl[0] || !g->mfa_present || g->mfa_time <= 0 ||
	    (profile && strcmp(profile, STS_REFRESH_PROFILE) == 0))
		return 0;
	return g->mfa_time + (int64_t)s->max_session_lifetime;
}

/* The credential_process line is split by the SDKs as a shell would split
 * it: a path is refused unless it needs no quoting. */
static bool plain_path(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	for (; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/._-+", *p)))
			return false;
	return true;
}

/* "SERVICE\nGRANT\n": the grant re-sealed to expire at |until|. */
static char *record_text(const sts_settings *s, const sts_grant *g, int64_t until, size_t *len,
			 sts_error *err)
{
	unsigned char key[STS_GRANT_KEY_LEN];
	sts_grant capped = *g;
	char *sealed = NULL, *text = NULL;
	int n = -1;

	capped.expires = until;
	if (sts_grant_key_load(s->state_dir, false, key, err) < 0)
		return NULL;
	if (sts_grant_seal(key, &capped, &sealed, err) == 0)
		n = asprintf(&text, "%s\n%s\n", g->service, sealed);
	OPENSSL_cleanse(key, sizeof(key));
	free(sealed);
	if (n < 0) {
		sts_error_set(err, "refresh: out of memory");
		return NULL;
	}
	*len = (size_t)n;
	return text;
}

static char *config_text(const sts_settings *s, const char *config, const char *session,
			 size_t *len)
{
	char *text = NULL;
	int n = asprintf(
		&text,
		"# pam_sts: this session's AWS config (man pam_sts.conf, refresh_stsctl)\n"
		"[profile %s]\ncredential_process = %s credential-process --session %s%s%s\n"
		"%s%s%s",
		STS_REFRESH_PROFILE, s->refresh_stsctl, session, config ? " --config " : "",
		config ? config : "", s->region ? "region = " : "", s->region ? s->region : "",
		s->region ? "\n" : "");

	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return text;
}

static int add_files(const sts_settings *s, int dfd, const char *config, const char *session,
		     const sts_grant *g, int64_t until, sts_error *err)
{
	size_t record_len = 0, config_len = 0;
	char *record = record_text(s, g, until, &record_len, err);
	char *aws_config = record ? config_text(s, config, session, &config_len) : NULL;
	int rc = -1;

	if (record && !aws_config)
		sts_error_set(err, "refresh: out of memory");
	else if (record &&
		 (sts_session_file_add(dfd, STS_REFRESH_FILE, record, record_len, 0600) < 0 ||
		  sts_session_file_add(dfd, STS_AWS_CONFIG_FILE, aws_config, config_len, 0644) < 0))
		sts_error_set(err, "refresh: cannot write the session's files");
	else if (record)
		rc = 0;
	if (record)
		sts_free_secret(record, record_len);
	free(aws_config);
	return rc;
}

int sts_refresh_setup(const sts_settings *s, const char *config, const char *user,
		      const char *session, const sts_grant *g, int64_t until, char *config_path,
		      size_t cap, sts_error *err)
{
	int dfd, rc;

	if (!plain_path(s->refresh_stsctl) || (config && !plain_path(config)))
		return sts_error_set(err,
				     "refresh: refresh_stsctl and the configuration's path must "
				     "be absolute and need no quoting");
	dfd = sts_session_dir_open(s->runtime_dir, user, session, err);
	if (dfd == STS_SESSION_GONE)
		return sts_error_set(err, "refresh: the session directory is gone");
	if (dfd < 0)
		return -1;
	rc = add_files(s, dfd, config, session, g, until, err);
	close(dfd);
	if (rc == 0)
		snprintf(config_path, cap, "%s/%s/%s", s->runtime_dir, session,
			 STS_AWS_CONFIG_FILE);
	return rc;
}
