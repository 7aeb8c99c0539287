/* The base identity's keys from a root-only shared-credentials file. */
#include "upstream/base_creds_file.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/aws_ini.h"
#include "base/fileio.h"

#define KEY_MAX	  128
#define TOKEN_MAX (16u * 1024u)

enum {
	K_AKID,
	K_SECRET,
	K_TOKEN,
	K_COUNT
};

static const char *const key_names[K_COUNT + 1] = { "aws_access_key_id", "aws_secret_access_key",
						    "aws_session_token", NULL };

/* A copy of the value if it has the shape of a key (no blanks, printable). */
static char *copy_value(const char *v, size_t len, size_t max)
{
	char *s;

	if (!v || len == 0 || len > max || !(s = strndup(v, len)))
		return NULL;
	if (!sts_base_creds_value_ok(s, max)) {
		OPENSSL_cleanse(s, len);
		free(s);
		return NULL;
	}
	return s;
}

int sts_base_creds_parse(const char *text, size_t len, const char *label, const char *profile,
			 sts_base_creds *out, sts_error *err)
{
	const char *values[K_COUNT];
	size_t lens[K_COUNT];
	const char *name = profile && *profile ? profile : "default";

	memset(out, 0, sizeof(*out));
	if (sts_aws_ini_profile(text, len, label, profile, key_names, values, lens, err) != 0)
		return -1;
	for (int k = 0; k < K_TOKEN; k++)
		if (!values[k])
			return sts_error_set(err, "%s [%.64s]: %s is missing", label, name,
					     key_names[k]);
	out->access_key_id = copy_value(values[K_AKID], lens[K_AKID], KEY_MAX);
	out->secret_access_key = copy_value(values[K_SECRET], lens[K_SECRET], KEY_MAX);
	if (values[K_TOKEN])
		out->session_token = copy_value(values[K_TOKEN], lens[K_TOKEN], TOKEN_MAX);
	if (!out->access_key_id || !out->secret_access_key ||
	    (values[K_TOKEN] && !out->session_token)) {
		sts_base_creds_clear(out);
		return sts_error_set(err, "%s [%.64s]: a key is empty, too long or malformed",
				     label, name);
	}
	return 0;
}

int sts_base_creds_from_file(const char *path, const char *profile, sts_base_creds *out,
			     sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sts_read_file(path, STS_BASE_CREDS_FILE_MAX,
			  STS_READ_NOFOLLOW | STS_READ_ROOT_OWNED | STS_READ_PRIVATE, &text, &len,
			  err) < 0)
		return -1;
	rc = sts_base_creds_parse(text, len, path, profile, out, err);
	sts_free_secret(text, len);
	return rc;
}
