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
#include <time.h>
#include <unistd.h>

#include "credential.h"
#include "helper_client.h"
#include "settings.h"
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
	sts_msg req = { 0 }, resp = { 0 };
	const char *status, *claims_json;
	int rc = -2;

	if (sts_msg_add(&req, "version", STS_PROTO_VERSION) || sts_msg_add(&req, "op", "verify") ||
	    sts_msg_add(&req, "access_key_id", creds->access_key_id) ||
	    sts_msg_add(&req, "secret_access_key", creds->secret_access_key) ||
	    sts_msg_add(&req, "session_token", creds->session_token)) {
		sts_msg_free(&req);
		sts_error_set(err, "out of memory");
		return -2;
	}
	if (sts_helper_call(settings, &req, &resp, err) < 0) {
		sts_msg_free(&req);
		return -2;
	}
	status = sts_msg_get(&resp, "status");
	claims_json = sts_msg_get(&resp, "claims");
	if (strcmp(status, "ok") == 0 && claims_json &&
	    sts_token_claims_from_json(claims_json, strlen(claims_json), claims, err) == 0) {
		rc = 0;
	} else if (strcmp(status, "denied") == 0) {
		sts_error_set(why, "%.600s",
			      sts_msg_get(&resp, "message") ? sts_msg_get(&resp, "message") :
							      "not valid");
		rc = -1;
	} else if (strcmp(status, "ok") != 0) {
		sts_error_set(err, "sts-helper: %.600s",
			      sts_msg_get(&resp, "message") ? sts_msg_get(&resp, "message") :
							      "failed");
	}
	sts_msg_free(&req);
	sts_msg_free(&resp);
	return rc;
}

int stsctl_cred_verify(const char *cmd, const stsctl_cred_opts *o, sts_token_claims *claims,
		       char akid[STS_ACCESS_KEY_ID_LEN + 1], sts_error *why)
{
	sts_credentials creds;
	sts_settings settings;
	sts_error err;
	char where[4200];
	int status, rc;

	memset(claims, 0, sizeof(*claims));
	memset(&creds, 0, sizeof(creds));
	sts_error_clear(why);
	if (sts_settings_load(o->config ? o->config : STS_DEFAULT_CONFIG, &settings, &err) < 0) {
		fprintf(stderr, "stsctl %s: %s\n", cmd, err.msg);
		return STSCTL_USAGE;
	}
	status = find_credential(cmd, o, &creds, where, sizeof(where), why);
	if (status != STSCTL_OK)
		goto out;
	rc = sts_credentials_verify(settings.issuer_key, &creds, (int64_t)time(NULL), claims, &err);
	if (rc == STS_CREDENTIALS_NO_RING && geteuid() != 0) {
		sts_error helper_err;
		int hrc = verify_through_helper(&settings, &creds, claims, &err, &helper_err);

		if (hrc == -2)
			fprintf(stderr, "stsctl %s: %s\n", cmd, helper_err.msg);
		rc = hrc == -2 ? STS_CREDENTIALS_NO_RING : hrc;
		if (hrc == -2) {
			ring_error(cmd, settings.issuer_key, &err);
			status = STSCTL_USAGE;
			goto out;
		}
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
