/*
 * pam_sts.conf: every path and limit of the system, read by the module and
 * the tools from one table. The module's config= argument and the tools'
 * --config choose another file; no environment variable can.
 */
#ifndef STS_SETTINGS_H
#define STS_SETTINGS_H

#include <stdbool.h>

#include "base/error.h"

#define STS_DEFAULT_CONFIG "/etc/pam_sts/pam_sts.conf"
/* The broker's socket, in a directory of its own (systemd's RuntimeDirectory). */
#define STS_DEFAULT_HELPER_SOCKET "/run/pam_sts-helper/helper.sock"
/* sizeof(((struct sockaddr_un *)0)->sun_path) on Linux. */
#define STS_SOCKET_PATH_MAX 108

enum {
	STS_MFA_STORE_FILES = 0,      /* state_dir/mfa on this host */
	STS_MFA_STORE_POSTGRESQL = 1, /* one database the fleet shares */
};
enum {
	STS_ISSUER_LOCAL = 0,
	STS_ISSUER_AWS = 1
};
enum {
	STS_UPSTREAM_IMDS = 0,
	STS_UPSTREAM_FILE = 1
};

typedef struct {
	char *state_dir;		/* root-only state; the MFA store is state_dir/mfa */
	unsigned long totp_window;	/* time steps accepted on each side of now */
	unsigned long max_failures;	/* failures within failure_interval that lock */
	unsigned long failure_interval; /* seconds */
	unsigned long lockout_seconds;	/* how long a lockout lasts */
	char *prompt;			/* the conversation's prompt text */
	unsigned long fail_delay_ms;	/* pam_fail_delay after a failed attempt */
	unsigned long grant_ttl;	/* seconds an MFA result and the grant live */

	/* The AWS account the host stands for: ARNs are built from these. */
	char *account_id; /* 12 digits; NULL until set (account/session need it) */
	char *partition;  /* "aws", "aws-cn", "aws-us-gov", ... */
	char *region;	  /* NULL: no region variables in the session */

	/* Identity on disk (see lib/decide/identity.h for the layout). */
	char *policy_dir;	  /* groups/GROUP/NAME.json, users/USER/NAME.json */
	char *role_dir;		  /* ROLE.json (get-role), ROLE.d/NAME.json (get-role-policy) */
	char *session_policy_dir; /* NAME.json session policies */

	/* Issuance and delivery. */
	char *issuer_key;	      /* the issuer key ring (stsctl init) */
	char *runtime_dir;	      /* per-session directories, on tmpfs */
	char *helper;		      /* sts-helper, run by the session phase */
	unsigned long helper_timeout; /* seconds before the helper is killed */
	char *helper_socket;	      /* the resident broker (sts-helper --serve); "": none */
	/* Refresh (docs/refresh.md): the stsctl a session's AWS config runs as
	 * its credential_process; "": no refresh. Refreshes stop this many
	 * seconds after the MFA. */
	char *refresh_stsctl;
	unsigned long max_session_lifetime;

	/* Where the MFA devices and login state live (lib/mfa/mfa_backend.h). */
	int mfa_store;		    /* STS_MFA_STORE_FILES or STS_MFA_STORE_POSTGRESQL */
	char *mfa_db;		    /* libpq connection string or service name */
	char *mfa_db_password_file; /* root-only; NULL: none (peer or service file) */
	char *mfa_fleet_key_file;   /* root-only fleet key ring sealing the secrets */

	/* Who issues (issuer.h): sealed locally, or real credentials from AWS STS. */
	int issuer;			 /* STS_ISSUER_LOCAL or STS_ISSUER_AWS */
	char *sts_endpoint;		 /* NULL: https://sts.REGION.amazonaws.com */
	char *sts_ca_file;		 /* trusted besides the system's CAs; NULL: none */
	int upstream_credentials;	 /* STS_UPSTREAM_IMDS or STS_UPSTREAM_FILE */
	char *imds_endpoint;		 /* IMDSv2, http:// to an IP address */
	char *upstream_credentials_file; /* the base keys (upstream_credentials = file) */
	char *upstream_profile;		 /* its section */
	bool session_tags;		 /* AssumeRole tags user, host and remote address */
	char *iam_user_dir;		 /* USER: an IAM user's keys for GetSessionToken */

	/* What the administrator should change: the file named a key by its
	 * deprecated name (ticket_ttl for grant_ttl). Static text; NULL: nothing. */
	const char *deprecation;
} sts_settings;

/* Defaults, then the file. The file must be a regular file (not a link),
 * owned by root (or by the effective user, for unprivileged test runs) and
 * not writable by group or others. A deprecated key name is accepted (and
 * |deprecation| set for the caller to log: the module with pam_syslog, the
 * helper once per process, stsctl check as a warning); the old and the new
 * name of one key together are refused. */
int sts_settings_load(const char *path, sts_settings *out, sts_error *err);
/* The same, also giving what fstat(2) said of the descriptor the file was
 * read from (lib/base/settings_cache.h compares it with the file later). */
struct stat;
int sts_settings_load_stat(const char *path, sts_settings *out, struct stat *st, sts_error *err);
void sts_settings_free(sts_settings *s);
/* The defaults alone, as if the file were empty (for a caller that cannot
 * read the file and needs no more than where sts-helper is). */
int sts_settings_defaults(sts_settings *out, sts_error *err);

#endif
