/*
 * stsctl credential-process [--credentials-file FILE] [--profile NAME]: the
 * session's credentials (the file pam_sts wrote, read with the caller's
 * privileges, as the SDKs read it) as the JSON an SDK's credential_process
 * reads, Version 1 with Expiration. It is what lets botocore (boto3, the AWS
 * CLI) know when the credentials expire: from a shared credentials file the
 * SDKs take the keys only, and AWS_CREDENTIAL_EXPIRATION only beside keys in
 * the environment. Used from ~/.aws/config:
 *
 *   [profile pam_sts]
 *   credential_process = /usr/bin/stsctl credential-process --profile default
 *
 * with AWS_PROFILE=pam_sts (the section must not be the one holding the keys
 * in the credentials file: that one the SDKs read first, without expiry).
 * Expiration is the file's x_security_token_expires, which the helper writes
 * beside the keys. Exit status: 0, or 2 (no usable credential; the reason on
 * stderr, never a secret).
 *
 * With --session NAME [--config FILE] the credentials come from sts-helper
 * instead, issued again for the open session NAME (stsctl_refresh.c): what
 * the session's own AWS config runs when pam_sts.conf turns refresh on.
 */
#include <getopt.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/fileio.h"
#include "token/credential.h"
#include "stsctl.h"

#define EXPIRES_KEY "x_security_token_expires"
#define ISO_LEN	    20 /* 2026-11-24T12:00:00Z */

/* stdout gets the secrets: its buffer is ours, so that it can be wiped. */
static char stdout_buf[8192];

/* The default file, as the SDKs find it. */
static int default_file(char *out, size_t cap)
{
	const char *env = getenv("AWS_SHARED_CREDENTIALS_FILE");
	struct passwd *pw;

	if (env && *env)
		return snprintf(out, cap, "%s", env) < (int)cap ? 0 : -1;
	pw = getpwuid(getuid());
	if (!pw)
		return -1;
	return snprintf(out, cap, "%s/.aws/credentials", pw->pw_dir) < (int)cap ? 0 : -1;
}

/* Whether |s| is an ISO 8601 UTC time as the helper writes it. */
static bool iso_time(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	if (n != ISO_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	return true;
}

/* The value of x_security_token_expires in section [|profile|] of |text|
 * into |out|; 0, or -1 when there is none of the expected shape. */
static int find_expiry(const char *text, const char *profile, char out[ISO_LEN + 1])
{
	bool in = false;

	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n'), *eq;
		size_t len = end ? (size_t)(end - line) : strlen(line);

		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		if (len > 1 && line[0] == '[' && line[len - 1] == ']')
			in = len - 2 == strlen(profile) && strncmp(line + 1, profile, len - 2) == 0;
		else if (in && len > strlen(EXPIRES_KEY) &&
			 strncmp(line, EXPIRES_KEY, strlen(EXPIRES_KEY)) == 0 &&
			 strchr(" =", line[strlen(EXPIRES_KEY)]) && (eq = memchr(line, '=', len))) {
			const char *v = eq + 1;
			while (*v == ' ')
				v++;
			if (!iso_time(v, len - (size_t)(v - line)))
				return -1;
			memcpy(out, v, ISO_LEN);
			out[ISO_LEN] = '\0';
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -1;
}

/* The token goes into JSON unescaped: refused unless it is base64 text. */
static bool json_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("+/=-_.", *s)))
			return false;
	return true;
}

typedef struct {
	const char *file, *profile, *session, *config;
} process_args;

static int parse_args(int argc, char **argv, process_args *a)
{
	static const struct option opts[] = {
		{ "credentials-file", required_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'p' },
		{ "session", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			a->file = optarg;
		else if (c == 'p')
			a->profile = optarg;
		else if (c == 's')
			a->session = optarg;
		else if (c == 'c')
			a->config = optarg;
		else
			return -1;
	}
	/* A session's credentials come from the helper, not from a file. */
	if (a->session && (a->file || strcmp(a->profile, "default") != 0))
		return -1;
	return optind == argc && (a->session || !a->config) ? 0 : -1;
}

int stsctl_print_process_json(const char *akid, const char *secret, const char *token,
			      const char *expiry)
{
	int status;

	if (!json_safe(token) || !json_safe(akid) || !json_safe(secret) ||
	    !iso_time(expiry, strlen(expiry))) {
		fputs("stsctl: credential-process: the credential is not base64 text\n", stderr);
		return STSCTL_USAGE;
	}
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	printf("{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\", "
	       "\"SessionToken\": \"%s\", \"Expiration\": \"%s\"}\n",
	       akid, secret, token, expiry);
	status = fflush(stdout) == 0 ? STSCTL_OK : STSCTL_USAGE;
	OPENSSL_cleanse(stdout_buf, sizeof(stdout_buf));
	return status;
}

int stsctl_credential_process(int argc, char **argv)
{
	process_args a = { .profile = "default" };
	const char *file, *profile;
	char path[4096], expiry[ISO_LEN + 1], *text = NULL;
	sts_credentials creds;
	sts_error err;
	size_t len = 0;
	int status = STSCTL_USAGE;

	memset(&creds, 0, sizeof(creds));
	memset(&err, 0, sizeof(err));
	if (parse_args(argc, argv, &a) < 0 || !a.profile || !*a.profile) {
		fputs("usage: stsctl credential-process [--credentials-file FILE] [--profile NAME]\n"
		      "       stsctl credential-process --session NAME [--config FILE]\n",
		      stderr);
		return STSCTL_USAGE;
	}
	if (a.session)
		return stsctl_refresh_process(a.session, a.config);
	file = a.file;
	profile = a.profile;
	if (!file && default_file(path, sizeof(path)) < 0) {
		fputs("stsctl: credential-process: no credentials file\n", stderr);
		return STSCTL_USAGE;
	}
	if (!file)
		file = path;
	if (sts_credentials_from_file(file, profile, &creds, &err) != 0) {
		fprintf(stderr, "stsctl: credential-process: %s\n",
			err.msg[0] ? err.msg : "no pam_sts credential there");
		goto out;
	}
	if (sts_read_file(file, STS_CREDENTIALS_FILE_MAX, 0, &text, &len, &err) < 0 ||
	    find_expiry(text, profile, expiry) < 0) {
		fprintf(stderr, "stsctl: credential-process: %s: no %s in [%s]\n", file,
			EXPIRES_KEY, profile);
		goto out;
	}
	status = stsctl_print_process_json(creds.access_key_id, creds.secret_access_key,
					   creds.session_token, expiry);
out:
	if (text)
		sts_free_secret(text, len);
	sts_credentials_clear(&creds);
	return status;
}
