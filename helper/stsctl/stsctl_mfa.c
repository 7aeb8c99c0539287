/*
 * stsctl mfa: manage the TOTP devices in the MFA store (root only).
 *
 *   stsctl mfa [--config FILE] enroll USER [--digits N] [--period S] [--algorithm A] [--force]
 *                                          [--issuer NAME] [--label NAME]
 *   stsctl mfa [--config FILE] import USER BASE32|- [--digits N] [--period S] [--algorithm A]
 *                                                  [--force]
 *   stsctl mfa [--config FILE] status [USER]
 *   stsctl mfa [--config FILE] unlock USER
 *   stsctl mfa [--config FILE] remove USER
 *   stsctl mfa [--config FILE] scratch USER [--count N]
 *   stsctl mfa [--config FILE] migrate [--force]   (files store -> database)
 *
 * Exit status: 0 done, 1 refused (no device, an active device without
 * --force, a wrong confirmation code), 2 usage, configuration or store error.
 * Every store access runs under the user's store lock. No secret is ever
 * written to stderr; enroll prints the otpauth URI and its QR code to stdout
 * only.
 *
 * import is in stsctl_mfa_import.c (with how to migrate from pam_oath),
 * enroll in stsctl_mfa_enroll.c, scratch in stsctl_mfa_scratch.c; the store
 * as they all use it in stsctl_mfa_store.c.
 */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/parse.h"
#include "base/settings.h"
#include "mfa/fleet_admin.h"
#include "mfa/mfa_side.h"
#include "mfa/mfa_store.h"
#include "stsctl.h"
#include "stsctl_mfa.h"

static void usage(FILE *out)
{
	fputs("usage: stsctl mfa [--config FILE] enroll USER [--digits N] [--period S]\n"
	      "                       [--algorithm SHA1|SHA256|SHA512] [--force]\n"
	      "                       [--issuer NAME] [--label NAME]\n"
	      "       stsctl mfa [--config FILE] import USER BASE32|- [--digits N] [--period S]\n"
	      "                       [--algorithm SHA1|SHA256|SHA512] [--force]\n"
	      "       stsctl mfa [--config FILE] status [USER]\n"
	      "       stsctl mfa [--config FILE] unlock USER\n"
	      "       stsctl mfa [--config FILE] remove USER\n"
	      "       stsctl mfa [--config FILE] scratch USER [--count N]\n"
	      "       stsctl mfa [--config FILE] migrate [--force]\n",
	      out);
}

/* Takes "--name VALUE" or "--name=VALUE" at argv[*i]; NULL when absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *matched)
{
	size_t n = strlen(name);

	*matched = false;
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=') {
		*matched = true;
		return argv[*i] + n + 1;
	}
	if (argv[*i][n] != '\0')
		return NULL;
	*matched = true;
	if (*i + 1 >= argc) {
		fprintf(stderr, "stsctl mfa: %s needs a value\n", name);
		return NULL;
	}
	return argv[++*i];
}

/* An otpauth issuer or label: 1..64 bytes, no control character, and no ':'
 * (it separates the two in the URI's label). */
static bool uri_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == ':')
			return false;
	}
	return true;
}

/* --issuer and --label: 1 taken (0 when |argv[*i]| is neither), -1 refused. */
static int uri_option(int argc, char **argv, int *i, stsctl_mfa_opts *opts)
{
	static const char *const names[] = { "--issuer", "--label" };

	for (int k = 0; k < 2; k++) {
		bool m;
		const char *v = option_value(argc, argv, i, names[k], &m);
		if (!m)
			continue;
		if (!v || !uri_name_valid(v)) {
			fprintf(stderr,
				"stsctl mfa: %s must be 1 to 64 bytes without ':' or control "
				"characters\n",
				names[k]);
			return -1;
		}
		*(k == 0 ? &opts->issuer : &opts->label) = v;
		return 1;
	}
	return 0;
}

/*
 * Splits the subcommand's arguments into positionals and options. Device
 * options are accepted only when |opts| is given. Returns 0 or -1 (printed).
 */
static int parse_args(int argc, char **argv, stsctl_mfa_opts *opts, char **pos, int maxpos,
		      int *npos)
{
	bool only_pos = false;

	*npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *v;
		unsigned long n;
		bool m;

		if (only_pos || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			if (*npos >= maxpos) {
				/* Not echoed for import: it may be part of a secret. */
				if (maxpos == 2)
					fputs("stsctl mfa: unexpected argument (quote a secret "
					      "that contains spaces)\n",
					      stderr);
				else
					fprintf(stderr, "stsctl mfa: unexpected argument \"%s\"\n",
						argv[i]);
				return -1;
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			only_pos = true;
			continue;
		}
		if (!opts) {
			fprintf(stderr, "stsctl mfa: unknown option \"%s\"\n", argv[i]);
			return -1;
		}
		if (strcmp(argv[i], "--force") == 0) {
			opts->force = true;
			continue;
		}
		switch (uri_option(argc, argv, &i, opts)) {
		case 1:
			continue;
		case -1:
			return -1;
		default:
			break;
		}
		v = option_value(argc, argv, &i, "--digits", &m);
		if (m) {
			if (!v || sts_parse_uint(v, 6, 8, &n) < 0) {
				fputs("stsctl mfa: --digits must be 6, 7 or 8\n", stderr);
				return -1;
			}
			opts->digits = (unsigned)n;
			continue;
		}
		v = option_value(argc, argv, &i, "--period", &m);
		if (m) {
			if (!v || sts_parse_uint(v, 1, 3600, &n) < 0) {
				fputs("stsctl mfa: --period must be 1..3600 seconds\n", stderr);
				return -1;
			}
			opts->period = (unsigned)n;
			continue;
		}
		v = option_value(argc, argv, &i, "--algorithm", &m);
		if (m) {
			int alg = v ? sts_totp_alg_parse(v) : -1;
			if (alg < 0) {
				fputs("stsctl mfa: --algorithm must be SHA1, SHA256 or SHA512\n",
				      stderr);
				return -1;
			}
			opts->algorithm = (sts_totp_alg)alg;
			continue;
		}
		fprintf(stderr, "stsctl mfa: unknown option \"%s\"\n", argv[i]);
		return -1;
	}
	return 0;
}

static int check_user(const char *user)
{
	if (!sts_mfa_user_valid(user)) {
		fputs("stsctl mfa: invalid user name (allowed: [A-Za-z0-9_][A-Za-z0-9_.-]{0,63})\n",
		      stderr);
		return -1;
	}
	if (!getpwnam(user))
		fprintf(stderr, "stsctl mfa: warning: %s is not in the user database\n", user);
	return 0;
}

static void format_time(int64_t when, char *out, size_t cap)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* While locked out, also the failures that led to it: their count and the
 * time of the last one (the helper keeps both at the lockout). */
static void print_status(const char *user, const sts_mfa_record *rec, unsigned scratch)
{
	char until[32] = "-", last[32] = "-";
	bool locked = rec->locked_until > (int64_t)time(NULL);

	if (locked) {
		format_time(rec->locked_until, until, sizeof(until));
		format_time(rec->failure_start, last, sizeof(last));
	}
	printf("%s %s %s %u %u failures=%u locked_until=%s", user,
	       rec->active ? "active" : "inactive", sts_totp_alg_name(rec->algorithm), rec->digits,
	       rec->period, rec->failures, until);
	if (locked)
		printf(" last_failure=%s", last);
	if (scratch)
		printf(" scratch=%u", scratch);
	putchar('\n');
}

/* Prints one user's status: STSCTL_OK, STSCTL_DENIED (no device) or STSCTL_USAGE. */
static int status_one(stsctl_mfa_ctx *ctx, const char *user, bool quiet_missing)
{
	sts_mfa_record rec;
	sts_mfa_user *lock = NULL;
	sts_error err;
	unsigned scratch = 0;
	int rc;

	memset(&rec, 0, sizeof(rec));
	if (stsctl_mfa_lock(ctx, user, &lock) < 0)
		return STSCTL_USAGE;
	rc = stsctl_mfa_read(lock, &rec);
	/* Scratch codes are the files store's. */
	if (rc == STS_MFA_FOUND && sts_mfa_user_lock(lock) &&
	    sts_mfa_scratch_count(sts_mfa_user_lock(lock), &scratch, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		rc = -1;
	}
	stsctl_mfa_unlock(lock);
	if (rc == STS_MFA_FOUND)
		print_status(user, &rec, scratch);
	else if (rc == STS_MFA_NO_DEVICE && !quiet_missing)
		fprintf(stderr, "stsctl mfa: %s has no MFA device\n", user);
	sts_mfa_record_wipe(&rec);
	return rc == STS_MFA_FOUND     ? STSCTL_OK :
	       rc == STS_MFA_NO_DEVICE ? STSCTL_DENIED :
					 STSCTL_USAGE;
}

/* Every user with a device in the fleet database. */
static int status_all_fleet(stsctl_mfa_ctx *ctx)
{
	char **names = NULL;
	size_t n = 0;
	sts_error err;
	int status = STSCTL_OK;

	if (sts_mfa_backend_list(ctx->backend, &names, &n, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return STSCTL_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		if (status_one(ctx, names[i], true) == STSCTL_USAGE)
			status = STSCTL_USAGE;
	sts_fleet_names_free(names, n);
	return status;
}

static int status_all(stsctl_mfa_ctx *ctx)
{
	char **names = NULL;
	size_t n = 0;
	int status;

	if (stsctl_mfa_fleet(ctx))
		return status_all_fleet(ctx);
	status = stsctl_mfa_list_dir(ctx->store_dir, &names, &n) < 0 ? STSCTL_USAGE : STSCTL_OK;
	for (size_t i = 0; i < n; i++) {
		/* A record removed meanwhile is skipped, a broken one reported. */
		if (status_one(ctx, names[i], true) == STSCTL_USAGE)
			status = STSCTL_USAGE;
	}
	sts_fleet_names_free(names, n);
	return status;
}

/* sts_mfa_user_unlock as STS_MFA_FOUND, STS_MFA_NO_DEVICE or -1. */
static int unlock_fleet(sts_mfa_user *handle)
{
	sts_error err;
	int rc = sts_mfa_user_unlock(handle, &err);

	if (rc < 0)
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
	return rc < 0 ? -1 : rc == 1 ? STS_MFA_FOUND : STS_MFA_NO_DEVICE;
}

static int cmd_unlock(stsctl_mfa_ctx *ctx, const char *user)
{
	sts_mfa_record rec;
	sts_mfa_user *lock = NULL;
	int rc, status = STSCTL_USAGE;

	memset(&rec, 0, sizeof(rec));
	if (stsctl_mfa_lock(ctx, user, &lock) < 0)
		return STSCTL_USAGE;
	/* The fleet database clears them in one statement, whatever a login on
	 * another host writes meanwhile. */
	rc = stsctl_mfa_fleet(ctx) ? unlock_fleet(lock) : stsctl_mfa_read(lock, &rec);
	if (rc == STS_MFA_NO_DEVICE) {
		fprintf(stderr, "stsctl mfa: %s has no MFA device\n", user);
		status = STSCTL_DENIED;
	} else if (rc == STS_MFA_FOUND && stsctl_mfa_fleet(ctx)) {
		printf("%s: failures cleared, not locked\n", user);
		status = STSCTL_OK;
	} else if (rc == STS_MFA_FOUND) {
		rec.failures = 0;
		rec.failure_start = 0;
		rec.locked_until = 0;
		if (stsctl_mfa_write(lock, &rec) == 0) {
			printf("%s: failures cleared, not locked\n", user);
			status = STSCTL_OK;
		}
	}
	stsctl_mfa_unlock(lock);
	sts_mfa_record_wipe(&rec);
	return status;
}

static int cmd_remove(stsctl_mfa_ctx *ctx, const char *user)
{
	sts_mfa_record rec;
	sts_mfa_user *lock = NULL;
	sts_error err;
	int rc, status = STSCTL_USAGE;

	memset(&rec, 0, sizeof(rec));
	if (stsctl_mfa_lock(ctx, user, &lock) < 0)
		return STSCTL_USAGE;
	rc = sts_mfa_user_read(lock, &rec, &err);
	sts_mfa_record_wipe(&rec);
	if (rc == STS_MFA_NO_DEVICE) {
		fprintf(stderr, "stsctl mfa: %s has no MFA device\n", user);
		status = STSCTL_DENIED;
	} else {
		/* An unreadable record is removed too: that is how it is repaired. */
		if (rc < 0)
			fprintf(stderr, "stsctl mfa: removing an unreadable record: %s\n", err.msg);
		/* With the device go a pending one and the scratch codes. */
		if (sts_mfa_user_remove(lock, &err) < 0 ||
		    (sts_mfa_user_lock(lock) &&
		     (sts_mfa_pending_remove(sts_mfa_user_lock(lock), &err) < 0 ||
		      sts_mfa_scratch_remove(sts_mfa_user_lock(lock), &err) < 0))) {
			fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		} else {
			printf("%s: MFA device removed\n", user);
			status = STSCTL_OK;
		}
	}
	stsctl_mfa_unlock(lock);
	return status;
}

static int run(stsctl_mfa_ctx *ctx, const char *cmd, int argc, char **argv)
{
	stsctl_mfa_opts opts = { .algorithm = STS_TOTP_SHA1, .digits = 6, .period = 30 };
	bool device = strcmp(cmd, "enroll") == 0 || strcmp(cmd, "import") == 0;
	int want = strcmp(cmd, "import") == 0 ? 2 : 1;
	char *pos[2] = { NULL, NULL };
	int npos;

	if (stsctl_mfa_fleet(ctx) && (strcmp(cmd, "scratch") == 0 || strcmp(cmd, "enroll") == 0)) {
		fprintf(stderr,
			"stsctl mfa: %s is the files store's; with mfa_store = postgresql use "
			"import\n",
			cmd);
		return STSCTL_USAGE;
	}
	if (strcmp(cmd, "migrate") == 0)
		return stsctl_mfa_migrate(ctx, argc, argv);
	if (strcmp(cmd, "scratch") == 0)
		return stsctl_mfa_scratch(ctx, argc, argv);
	if (parse_args(argc, argv, device ? &opts : NULL, pos, want, &npos) < 0)
		return STSCTL_USAGE;
	if (npos < want && !(strcmp(cmd, "status") == 0 && npos == 0)) {
		usage(stderr);
		return STSCTL_USAGE;
	}
	if (pos[0] && check_user(pos[0]) < 0)
		return STSCTL_USAGE;
	if (strcmp(cmd, "import") == 0 && (opts.issuer || opts.label)) {
		fputs("stsctl mfa: --issuer and --label are enroll's (import prints no URI)\n",
		      stderr);
		return STSCTL_USAGE;
	}
	if (strcmp(cmd, "enroll") == 0)
		return stsctl_mfa_enroll(ctx, pos[0], &opts);
	if (strcmp(cmd, "import") == 0)
		return stsctl_mfa_import(ctx, pos[0], pos[1], &opts);
	if (strcmp(cmd, "status") == 0)
		return pos[0] ? status_one(ctx, pos[0], false) : status_all(ctx);
	if (strcmp(cmd, "unlock") == 0)
		return cmd_unlock(ctx, pos[0]);
	return cmd_remove(ctx, pos[0]);
}

int stsctl_mfa(int argc, char **argv)
{
	static const char *const cmds[] = { "enroll", "import",	 "status",  "unlock",
					    "remove", "scratch", "migrate", NULL };
	const char *config = STS_DEFAULT_CONFIG;
	stsctl_mfa_ctx ctx;
	int i = 1, status;

	while (i < argc) {
		bool m;
		const char *v = option_value(argc, argv, &i, "--config", &m);
		if (!m)
			break;
		if (!v)
			return STSCTL_USAGE;
		config = v;
		i++;
	}
	if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "help") == 0)) {
		usage(stdout);
		return STSCTL_OK;
	}
	if (i >= argc || !sts_in_list(argv[i], cmds)) {
		if (i < argc)
			fprintf(stderr, "stsctl mfa: unknown command \"%s\"\n", argv[i]);
		usage(stderr);
		return STSCTL_USAGE;
	}
	if (geteuid() != 0) {
		fputs("stsctl mfa: must be run as root (the MFA store is root-only)\n", stderr);
		return STSCTL_USAGE;
	}
	if (stsctl_mfa_open(&ctx, config) < 0)
		status = STSCTL_USAGE;
	else
		status = run(&ctx, argv[i], argc - i - 1, argv + i + 1);
	stsctl_mfa_close(&ctx);
	fflush(stdout);
	return status;
}
