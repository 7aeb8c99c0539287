/*
 * stsctl verify / authorize: finding the presented credential the way the
 * AWS SDKs do, and verifying it against the issuer key ring.
 *
 * The environment and the credentials file are read with the caller's
 * privileges. The key ring is root-only: root verifies in-process; any other
 * caller hands the three values to sts-helper (installed set-uid root by the
 * package), which verifies them against the system's key ring and answers
 * with the claims only to a caller who holds the token's secret.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/settings.h"
#include "proto/calls.h"
#include "proto/protocol.h"
#include "token/credential.h"
#include "stsctl.h"
#include "stsctl_cred.h"

bool stsctl_cred_option(stsctl_cred_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case STSCTL_OPT_CONFIG:
		o->config = arg;
		return true;
	case STSCTL_OPT_CREDENTIALS_FILE:
		o->credentials_file = arg;
		return true;
	case STSCTL_OPT_PROFILE:
		o->profile = arg;
		return true;
	default:
		return false;
	}
}

/* |path| with a leading "~/" replaced by the home directory, as the SDKs do. */
static int expand_home(const char *path, char *out, size_t cap)
{
	const char *home = getenv("HOME");
	int n;

	if (strncmp(path, "~/", 2) != 0) {
		n = snprintf(out, cap, "%s", path);
	} else {
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home)
			return -1;
		n = snprintf(out, cap, "%s/%s", home, path + 2);
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Reads the credential; |where| says from where (for messages). Returns
 * STSCTL_OK, STSCTL_DENIED (not one of ours) or STSCTL_USAGE (printed). */
static int find_credential(const char *cmd, const stsctl_cred_opts *o, sts_credentials *creds,
			   char *where, size_t cap, sts_error *why)
{
	const char *file = o->credentials_file, *profile = o->profile;
	char path[4096];
	sts_error err;
	int rc = STS_CREDENTIALS_NONE;

	if (!file && !profile) {
		snprintf(where, cap, "the environment");
		rc = sts_credentials_from_env(creds, &err);
	}
	if (rc == STS_CREDENTIALS_NONE) {
		file = file ? file : getenv("AWS_SHARED_CREDENTIALS_FILE");
		file = file && *file ? file : "~/.aws/credentials";
		profile = profile ? profile : getenv("AWS_PROFILE");
		profile = profile && *profile ? profile : "default";
		if (expand_home(file, path, sizeof(path)) < 0) {
			fprintf(stderr, "stsctl %s: %s: cannot find the home directory\n", cmd,
				file);
			return STSCTL_USAGE;
		}
		snprintf(where, cap, "%s [%s]", path, profile);
		rc = sts_credentials_from_file(path, profile, creds, &err);
	}
	if (rc == STS_CREDENTIALS_FOREIGN) {
		*why = err;
		return STSCTL_DENIED;
	}
	if (rc != 0) {
		fprintf(stderr, "stsctl %s: no credential: %s\n", cmd, err.msg);
		return STSCTL_USAGE;
	}
	return STSCTL_OK;
}

/* Why the key ring could not be used, with the fix when it is privileges. */
static void ring_error(const char *cmd, const char *path, const sts_error *err)
{
	if (geteuid() != 0 && path && access(path, R_OK) < 0 && errno == EACCES)
		fprintf(stderr,
			"stsctl %s: the issuer key ring %s is readable by root only: run stsctl "
			"%s as root\n",
			cmd, path, cmd);
	else
		fprintf(stderr, "stsctl %s: %s\n", cmd, err->msg);
}

/* An unprivileged caller: sts-helper's verify operation. Returns 0 with
 * |claims|, -1 with |why| (the credential is not valid), or -2 (the helper
 * could not verify: not installed set-uid, or a fault; |err| says). */
static int verify_through_helper(const sts_settings *settings, const sts_credentials *creds,
				 sts_token_claims *claims, sts_error *why, sts_error *err)
{
	sts_msg resp;
	sts_answer_status status;
	const char *claims_json, *message;
	int rc;

	rc = sts_call_verify(settings, creds->access_key_id, creds->secret_access_key,
			     creds->session_token, &resp, err);
	if (rc == STS_CALL_NOMEM)
		sts_error_set(err, "out of memory");
	if (rc < 0)
		return -2;
	rc = -2;
	status = sts_answer_status_of(&resp);
	claims_json = sts_msg_get(&resp, STS_KEY_CLAIMS);
	message = sts_msg_get(&resp, STS_KEY_MESSAGE);
	if (status == STS_ANSWER_OK && claims_json &&
	    sts_token_claims_from_json(claims_json, strlen(claims_json), claims, err) == 0) {
		rc = 0;
	} else if (status == STS_ANSWER_DENIED) {
		sts_error_set(why, "%.600s", message ? message : "not valid");
		rc = -1;
	} else if (status != STS_ANSWER_OK) {
		sts_error_set(err, "sts-helper: %.600s", message ? message : "failed");
	}
	sts_msg_free(&resp);
	return rc;
}

/*
 * pam_sts.conf when the caller can read it. A user who cannot (mode 0600, or
 * a directory above it closed) needs nothing from it: the set-uid helper
 * reads the system's configuration itself, so the built-in defaults say
 * where the helper is, and *unread is set. Returns 0, or -1 (printed).
 */
static int load_settings(const char *cmd, const char *path, sts_settings *s, bool *unread)
{
	sts_error err;

	*unread = false;
	if (sts_settings_load(path, s, &err) == 0)
		return 0;
	if (geteuid() == 0 || access(path, R_OK) == 0 || errno != EACCES) {
		fprintf(stderr, "stsctl %s: %s\n", cmd, err.msg);
		return -1;
	}
	if (sts_settings_defaults(s, &err) < 0) {
		fprintf(stderr, "stsctl %s: %s\n", cmd, err.msg);
		return -1;
	}
	*unread = true;
	return 0;
}

/* "owner uid U, mode M" of |path|, or why it cannot be seen. */
static void describe_file(const char *path, char *out, size_t cap)
{
	struct stat st;

	if (stat(path, &st) == 0)
		snprintf(out, cap, "owner uid %u, mode %04o", (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
	else
		snprintf(out, cap, "cannot be examined: %s", strerror(errno));
}

/* Why the set-uid helper could not verify, and exactly what would let it. */
static void helper_failed(const char *cmd, const char *config, const sts_settings *s, bool unread,
			  const sts_error *helper_err)
{
	char file[128];

	fprintf(stderr, "stsctl %s: %s\n", cmd, helper_err->msg);
	if (!unread)
		return;
	describe_file(config, file, sizeof(file));
	fprintf(stderr,
		"stsctl %s: %s (%s) is not readable by uid %u, so sts-helper was looked for at "
		"its built-in path %s: install it there set-uid root (the package does), or make "
		"%s readable by users (it holds no secret: chmod 0644) if it names another "
		"helper, or run stsctl %s as root\n",
		cmd, config, file, (unsigned)getuid(), s->helper, config, cmd);
}

/* A user's credential is verified by the set-uid helper against the key
 * ring of the system's configuration only: say so when another was named. */
static void note_system_ring(const char *cmd, const char *config, const sts_settings *s,
			     bool unread)
{
	if (strcmp(config, STS_DEFAULT_CONFIG) == 0)
		return;
	fprintf(stderr,
		"stsctl %s: note: for users, sts-helper verifies against the issuer_key of %s "
		"only, not of %s: %s must exist and name the same key ring%s%s%s (or run stsctl "
		"%s as root)\n",
		cmd, STS_DEFAULT_CONFIG, config, STS_DEFAULT_CONFIG, unread ? "" : " (",
		unread ? "" : s->issuer_key, unread ? "" : ")", cmd);
}

int stsctl_cred_verify(const char *cmd, const stsctl_cred_opts *o, sts_token_claims *claims,
		       char akid[STS_ACCESS_KEY_ID_LEN + 1], sts_error *why)
{
	const char *config = o->config ? o->config : STS_DEFAULT_CONFIG;
	sts_credentials creds;
	sts_settings settings;
	sts_error err;
	char where[4200];
	bool unread;
	int status, rc;

	memset(claims, 0, sizeof(*claims));
	memset(&creds, 0, sizeof(creds));
	sts_error_clear(why);
	if (load_settings(cmd, config, &settings, &unread) < 0)
		return STSCTL_USAGE;
	status = find_credential(cmd, o, &creds, where, sizeof(where), why);
	if (status != STSCTL_OK)
		goto out;
	rc = unread ? STS_CREDENTIALS_NO_RING :
		      sts_credentials_verify(settings.issuer_key, &creds, (int64_t)time(NULL),
					     claims, &err);
	if (rc == STS_CREDENTIALS_NO_RING && geteuid() != 0) {
		sts_error helper_err;
		int hrc = verify_through_helper(&settings, &creds, claims, &err, &helper_err);

		if (hrc == -2) {
			helper_failed(cmd, config, &settings, unread, &helper_err);
			if (!unread)
				ring_error(cmd, settings.issuer_key, &err);
			note_system_ring(cmd, config, &settings, unread);
			status = STSCTL_USAGE;
			goto out;
		}
		if (hrc == -1)
			note_system_ring(cmd, config, &settings, unread);
		rc = hrc;
	}
	if (rc == STS_CREDENTIALS_NO_RING) {
		ring_error(cmd, settings.issuer_key, &err);
		status = STSCTL_USAGE;
	} else if (rc < 0) {
		sts_error_set(why, "credential from %.600s: %.150s", where, err.msg);
		status = STSCTL_DENIED;
	} else {
		memcpy(akid, creds.access_key_id, STS_ACCESS_KEY_ID_LEN + 1);
	}
out:
	sts_credentials_clear(&creds);
	sts_settings_free(&settings);
	return status;
}
