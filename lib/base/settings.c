/* pam_sts.conf keys, their defaults and ranges. */
#include "base/settings.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/kv_reader.h"
#include "base/parse.h"

/* What the file may say: the settings, and apart from them each key of a
 * renamed pair, so that giving both names is noticed. */
typedef struct {
	sts_settings s;
	unsigned long grant_ttl;  /* 0: not in the file */
	unsigned long ticket_ttl; /* grant_ttl's deprecated name; 0: not in the file */
} settings_file;

/* The table names the settings' fields by their place in sts_settings. */
_Static_assert(offsetof(settings_file, s) == 0, "settings_file starts with the settings");

/* In the order of STS_MFA_STORE_*. */
static const char *const mfa_stores[] = { "files", "postgresql", NULL };
static const char *const issuer_names[] = { "local", "aws", NULL };
static const char *const upstream_names[] = { "imds", "file", NULL };

static const sts_config_key settings_keys[] = {
	{ "state_dir", CFG_PATH, offsetof(sts_settings, state_dir), 0, 0, NULL },
	{ "totp_window", CFG_UINT, offsetof(sts_settings, totp_window), 0, 10, NULL },
	{ "max_failures", CFG_UINT, offsetof(sts_settings, max_failures), 1, 100, NULL },
	{ "failure_interval", CFG_UINT, offsetof(sts_settings, failure_interval), 1, 86400, NULL },
	{ "lockout_seconds", CFG_UINT, offsetof(sts_settings, lockout_seconds), 1, 604800, NULL },
	{ "prompt", CFG_STRING, offsetof(sts_settings, prompt), 0, 0, NULL },
	{ "fail_delay_ms", CFG_UINT, offsetof(sts_settings, fail_delay_ms), 0, 60000, NULL },
	{ "grant_ttl", CFG_UINT, offsetof(settings_file, grant_ttl), 30, 3600, NULL },
	{ "ticket_ttl", CFG_UINT, offsetof(settings_file, ticket_ttl), 30, 3600, NULL },
	{ "account_id", CFG_STRING, offsetof(sts_settings, account_id), 0, 0, NULL },
	{ "partition", CFG_STRING, offsetof(sts_settings, partition), 0, 0, NULL },
	{ "region", CFG_STRING, offsetof(sts_settings, region), 0, 0, NULL },
	{ "policy_dir", CFG_PATH, offsetof(sts_settings, policy_dir), 0, 0, NULL },
	{ "role_dir", CFG_PATH, offsetof(sts_settings, role_dir), 0, 0, NULL },
	{ "session_policy_dir", CFG_PATH, offsetof(sts_settings, session_policy_dir), 0, 0, NULL },
	{ "issuer_key", CFG_PATH, offsetof(sts_settings, issuer_key), 0, 0, NULL },
	{ "runtime_dir", CFG_PATH, offsetof(sts_settings, runtime_dir), 0, 0, NULL },
	{ "helper", CFG_PATH, offsetof(sts_settings, helper), 0, 0, NULL },
	{ "helper_timeout", CFG_UINT, offsetof(sts_settings, helper_timeout), 1, 300, NULL },
	{ "helper_socket", CFG_PATH_OFF, offsetof(sts_settings, helper_socket), 0, 0, NULL },
	{ "refresh_stsctl", CFG_PATH_OFF, offsetof(sts_settings, refresh_stsctl), 0, 0, NULL },
	{ "max_session_lifetime", CFG_UINT, offsetof(sts_settings, max_session_lifetime), 900,
	  604800, NULL },
	{ "mfa_store", CFG_ENUM, offsetof(sts_settings, mfa_store), 0, 0, mfa_stores },
	{ "mfa_db", CFG_STRING, offsetof(sts_settings, mfa_db), 0, 0, NULL },
	{ "mfa_db_password_file", CFG_PATH, offsetof(sts_settings, mfa_db_password_file), 0, 0,
	  NULL },
	{ "mfa_fleet_key_file", CFG_PATH, offsetof(sts_settings, mfa_fleet_key_file), 0, 0, NULL },
	{ "issuer", CFG_ENUM, offsetof(sts_settings, issuer), 0, 0, issuer_names },
	{ "sts_endpoint", CFG_STRING, offsetof(sts_settings, sts_endpoint), 0, 0, NULL },
	{ "sts_ca_file", CFG_PATH, offsetof(sts_settings, sts_ca_file), 0, 0, NULL },
	{ "upstream_credentials", CFG_ENUM, offsetof(sts_settings, upstream_credentials), 0, 0,
	  upstream_names },
	{ "imds_endpoint", CFG_STRING, offsetof(sts_settings, imds_endpoint), 0, 0, NULL },
	{ "upstream_credentials_file", CFG_PATH, offsetof(sts_settings, upstream_credentials_file),
	  0, 0, NULL },
	{ "upstream_profile", CFG_STRING, offsetof(sts_settings, upstream_profile), 0, 0, NULL },
	{ "session_tags", CFG_BOOL, offsetof(sts_settings, session_tags), 0, 0, NULL },
	{ "iam_user_dir", CFG_PATH, offsetof(sts_settings, iam_user_dir), 0, 0, NULL },
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
	s->grant_ttl = 300;
	s->helper_timeout = 10;
	s->partition = strdup("aws");
	s->policy_dir = strdup("/etc/pam_sts/policies");
	s->role_dir = strdup("/etc/pam_sts/roles");
	s->session_policy_dir = strdup("/etc/pam_sts/session-policies");
	s->issuer_key = strdup("/etc/pam_sts/issuer.key");
	s->runtime_dir = strdup("/run/pam_sts");
	s->helper = strdup("/usr/libexec/pam_sts/sts-helper");
	/* Its own directory, not under runtime_dir: that one holds the users'
	 * session directories. */
	s->helper_socket = strdup(STS_DEFAULT_HELPER_SOCKET);
	s->refresh_stsctl = strdup(""); /* off: sessions get no refreshing profile */
	s->max_session_lifetime = 43200;
	s->imds_endpoint = strdup("http://169.254.169.254");
	s->upstream_profile = strdup("default");
	s->iam_user_dir = strdup("/etc/pam_sts/iam-users");
	return s->imds_endpoint && s->upstream_profile && s->iam_user_dir && s->state_dir &&
			       s->prompt && s->partition && s->policy_dir && s->role_dir &&
			       s->session_policy_dir && s->issuer_key && s->runtime_dir &&
			       s->helper && s->helper_socket && s->refresh_stsctl ?
		       0 :
		       -1;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The database keys go with mfa_store = postgresql, and it needs them: a
 * half-configured fleet store is refused, not run as the files store. The
 * connection string itself is checked by the programs that use it
 * (lib/mfa/fleet_db.h): the module never links libpq. */
static int validate_mfa_store(const char *path, const sts_settings *s, sts_error *err)
{
	if (s->mfa_store == STS_MFA_STORE_POSTGRESQL) {
		if (!s->mfa_db)
			return sts_error_set(err, "%s: mfa_store = postgresql needs mfa_db", path);
		if (!s->mfa_fleet_key_file)
			return sts_error_set(
				err, "%s: mfa_store = postgresql needs mfa_fleet_key_file", path);
		return 0;
	}
	if (s->mfa_db || s->mfa_db_password_file || s->mfa_fleet_key_file)
		return sts_error_set(err,
				     "%s: mfa_db, mfa_db_password_file and mfa_fleet_key_file "
				     "need mfa_store = postgresql",
				     path);
	return 0;
}

/* A URL's scheme and host: the whole rule (no user, query, fragment or
 * path) is lib/upstream's sts_http_url_check, run by sts-helper and stsctl
 * check; the module, which links no libcurl, refuses what is plainly wrong. */
static bool https_or_loopback(const char *url)
{
	static const char *const loopback[] = { "http://127.", "http://[::1]", NULL };

	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0';
	for (size_t i = 0; loopback[i]; i++)
		if (strncmp(url, loopback[i], strlen(loopback[i])) == 0)
			return true;
	return false;
}

/* The upstream issuer's keys (issue 18): what it needs is there. */
static int validate_upstream(const char *path, const sts_settings *s, sts_error *err)
{
	if (s->sts_endpoint && !https_or_loopback(s->sts_endpoint))
		return sts_error_set(err,
				     "%s: sts_endpoint: must be https://, or http:// to a loopback "
				     "address: \"%s\"",
				     path, s->sts_endpoint);
	if (strncmp(s->imds_endpoint, "http://", 7) != 0)
		return sts_error_set(err, "%s: imds_endpoint: must be http:// to an IP address",
				     path);
	if (s->issuer != STS_ISSUER_AWS)
		return 0;
	if (!s->region)
		return sts_error_set(err, "%s: issuer = aws needs region", path);
	if (s->upstream_credentials == STS_UPSTREAM_FILE && !s->upstream_credentials_file)
		return sts_error_set(
			err, "%s: upstream_credentials = file needs upstream_credentials_file",
			path);
	return 0;
}

/* Values the table cannot check on its own. */
static int validate(const char *path, const sts_settings *s, sts_error *err)
{
	static const char *const partitions[] = { "aws",     "aws-cn",	  "aws-us-gov",
						  "aws-iso", "aws-iso-b", NULL };
	size_t i;

	if (s->account_id && !all_digits(s->account_id, 12))
		return sts_error_set(err, "%s: account_id: must be 12 digits, got \"%s\"", path,
				     s->account_id);
	if (!sts_in_list(s->partition, partitions))
		return sts_error_set(err, "%s: partition: unknown partition \"%s\"", path,
				     s->partition);
	/* sockaddr_un's sun_path: 108 bytes with the NUL. */
	if (strlen(s->helper_socket) >= STS_SOCKET_PATH_MAX)
		return sts_error_set(err, "%s: helper_socket: longer than %d bytes", path,
				     STS_SOCKET_PATH_MAX - 1);
	if (validate_mfa_store(path, s, err) < 0 || validate_upstream(path, s, err) < 0)
		return -1;
	if (s->region) {
		for (i = 0; s->region[i]; i++)
			if (!(s->region[i] >= 'a' && s->region[i] <= 'z') &&
			    !(s->region[i] >= '0' && s->region[i] <= '9') && s->region[i] != '-')
				return sts_error_set(err, "%s: region: not a region name: \"%s\"",
						     path, s->region);
	}
	return 0;
}

void sts_settings_free(sts_settings *s)
{
	free(s->state_dir);
	free(s->prompt);
	free(s->account_id);
	free(s->partition);
	free(s->region);
	free(s->policy_dir);
	free(s->role_dir);
	free(s->session_policy_dir);
	free(s->issuer_key);
	free(s->runtime_dir);
	free(s->helper);
	free(s->helper_socket);
	free(s->refresh_stsctl);
	free(s->mfa_db);
	free(s->mfa_db_password_file);
	free(s->mfa_fleet_key_file);
	free(s->sts_endpoint);
	free(s->sts_ca_file);
	free(s->imds_endpoint);
	free(s->upstream_credentials_file);
	free(s->upstream_profile);
	free(s->iam_user_dir);
	memset(s, 0, sizeof(*s));
}

int sts_settings_load(const char *path, sts_settings *out, sts_error *err)
{
	struct stat st;

	return sts_settings_load_stat(path, out, &st, err);
}

int sts_settings_defaults(sts_settings *out, sts_error *err)
{
	if (set_defaults(out) < 0) {
		sts_settings_free(out);
		return sts_error_set(err, "out of memory");
	}
	return 0;
}

/* A renamed key's old name still works, alone: an upgrade keeps every
 * installed file valid, and a file that gives both names is ambiguous. */
static int take_renamed(const char *path, settings_file *f, sts_error *err)
{
	if (f->grant_ttl && f->ticket_ttl)
		return sts_error_set(err,
				     "%s: grant_ttl and ticket_ttl (its deprecated name) are both "
				     "set; keep grant_ttl",
				     path);
	if (f->ticket_ttl) {
		f->s.grant_ttl = f->ticket_ttl;
		f->s.deprecation = "ticket_ttl is deprecated: name it grant_ttl";
	} else if (f->grant_ttl) {
		f->s.grant_ttl = f->grant_ttl;
	}
	return 0;
}

int sts_settings_load_stat(const char *path, sts_settings *out, struct stat *st, sts_error *err)
{
	settings_file f = { 0 };
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (set_defaults(&f.s) < 0) {
		sts_settings_free(&f.s);
		return sts_error_set(err, "%s: out of memory", path);
	}
	/* STS_READ_CACHE: the resident helper reads it on every request. */
	rc = sts_read_file_stat(path, CONFIG_MAX,
				STS_READ_NOFOLLOW | STS_READ_ROOT_OR_EUID | STS_READ_NOT_WRITABLE |
					STS_READ_CACHE,
				&text, &len, st, err);
	if (rc == 0)
		rc = sts_config_parse(text, len, path, settings_keys, &f, err);
	if (rc == 0)
		rc = take_renamed(path, &f, err);
	if (rc == 0)
		rc = validate(path, &f.s, err);
	free(text);
	if (rc < 0) {
		sts_settings_free(&f.s);
		return rc;
	}
	*out = f.s;
	return 0;
}
