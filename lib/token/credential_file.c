/*
 * Presented credentials: the AWS environment variables, the AWS shared
 * credentials file (the subset of INI the SDKs and our session files
 * use), and their verification against the key ring.
 */
#include "token/credential.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/aws_ini.h"
#include "base/fileio.h"
#include "token/token_internal.h"

enum {
	K_AKID,
	K_SECRET,
	K_TOKEN,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"aws_access_key_id",
	"aws_secret_access_key",
	"aws_session_token",
};

/* The three values, as found (pointers into the caller's text or the
 * environment), with their lengths. */
typedef struct {
	const char *v[K_COUNT];
	size_t len[K_COUNT];
} found_values;

/* Copies the found values into |out|: STS_CREDENTIALS_FOREIGN when they
 * cannot be ours, -1 when one is missing. Names in |names| (for messages). */
static int fill(const found_values *f, const char *where, const char *const names[K_COUNT],
		sts_credentials *out, sts_error *err)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < K_COUNT; k++)
		if (!f->v[k] || f->len[k] == 0)
			return sts_error_set(err, "%s: %s is missing", where, names[k]);
	if (f->len[K_AKID] != STS_ACCESS_KEY_ID_LEN || f->len[K_SECRET] != STS_SECRET_KEY_LEN ||
	    f->len[K_TOKEN] > STS_TOKEN_TEXT_MAX) {
		sts_error_set(err,
			      "%s: not a pam_sts credential (access key id of %zu characters, "
			      "secret of %zu, session token of %zu)",
			      where, f->len[K_AKID], f->len[K_SECRET], f->len[K_TOKEN]);
		return STS_CREDENTIALS_FOREIGN;
	}
	memcpy(out->access_key_id, f->v[K_AKID], STS_ACCESS_KEY_ID_LEN);
	memcpy(out->secret_access_key, f->v[K_SECRET], STS_SECRET_KEY_LEN);
	out->session_token = strndup(f->v[K_TOKEN], f->len[K_TOKEN]);
	if (!out->session_token) {
		sts_credentials_clear(out);
		return sts_error_set(err, "%s: out of memory", where);
	}
	return 0;
}

int sts_credentials_from_env(sts_credentials *out, sts_error *err)
{
	static const char *const names[K_COUNT] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
						    "AWS_SESSION_TOKEN" };
	found_values f;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k < K_COUNT; k++) {
		f.v[k] = getenv(names[k]);
		f.len[k] = f.v[k] ? strlen(f.v[k]) : 0;
	}
	if (f.len[K_AKID] == 0)
		return STS_CREDENTIALS_NONE;
	return fill(&f, "environment", names, out, err);
}

int sts_credentials_parse_ini(const char *text, size_t len, const char *label, const char *profile,
			      sts_credentials *out, sts_error *err)
{
	static const char *const keys[K_COUNT + 1] = { "aws_access_key_id", "aws_secret_access_key",
						       "aws_session_token", NULL };
	found_values f;
	char where[160];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sts_aws_ini_profile(text, len, label, profile, keys, f.v, f.len, err);
	if (rc == STS_AWS_INI_NO_SECTION)
		return STS_CREDENTIALS_NONE;
	if (rc < 0)
		return -1;
	sts_fmt(where, sizeof(where), "%s [%.64s]", label,
		profile && *profile ? profile : "default");
	return fill(&f, where, key_names, out, err);
}

int sts_credentials_from_file(const char *path, const char *profile, sts_credentials *out,
			      sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sts_read_file(path, STS_CREDENTIALS_FILE_MAX, 0, &text, &len, err) < 0)
		return -1;
	rc = sts_credentials_parse_ini(text, len, path, profile, out, err);
	sts_free_secret(text, len);
	return rc;
}

int sts_credentials_verify(const char *keyring_path, const sts_credentials *creds, int64_t now,
			   sts_token_claims *claims, sts_error *err)
{
	sts_keyring *ring = NULL;
	int rc;

	memset(claims, 0, sizeof(*claims));
	if (!creds || !creds->session_token)
		return sts_error_set(err, "credential: incomplete");
	if (sts_keyring_load(keyring_path, &ring, err) < 0)
		return STS_CREDENTIALS_NO_RING;
	rc = sts_token_open(ring, creds->session_token, creds->access_key_id,
			    creds->secret_access_key, now, claims, err);
	sts_keyring_free(ring);
	return rc;
}
