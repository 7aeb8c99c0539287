/*
 * stsctl init [--config FILE] [--rotate [--keep N]]: sets up the issuer key
 * ring named by issuer_key in pam_sts.conf (root only).
 *
 * Without --rotate it creates the ring with one fresh key, and leaves an
 * existing valid ring alone (exit 0, so the package's postinst can run it
 * on every upgrade); an existing ring that cannot be used is refused.
 * --rotate adds a fresh current key and keeps the newest N (default 3, at
 * least 2): tokens sealed with the kept keys still verify.
 *
 * Exit status: 0 done, 1 refused (an unusable ring exists; --rotate with
 * no ring), 2 usage, configuration or write error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/parse.h"
#include "base/settings.h"
#include "token/keyring.h"
#include "stsctl.h"

#define DEFAULT_KEEP 3u
#define MAX_KEEP     64ul

enum {
	OPT_CONFIG = 256,
	OPT_ROTATE,
	OPT_KEEP
};

static const struct option options[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "rotate", no_argument, NULL, OPT_ROTATE },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ NULL, 0, NULL, 0 },
};

typedef struct {
	const char *config;
	bool rotate;
	unsigned long keep; /* 0: not given */
} init_args;

static void usage(FILE *out)
{
	fputs("usage: stsctl init [--config FILE] [--rotate [--keep N]]\n", out);
}

static int parse_args(init_args *a, int argc, char **argv)
{
	int opt;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == OPT_CONFIG) {
			a->config = optarg;
		} else if (opt == OPT_ROTATE) {
			a->rotate = true;
		} else if (opt == OPT_KEEP) {
			if (sts_parse_uint(optarg, 2, MAX_KEEP, &a->keep) < 0) {
				fprintf(stderr, "stsctl init: --keep must be 2..%lu\n", MAX_KEEP);
				return -1;
			}
		} else {
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "stsctl init: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (a->keep && !a->rotate) {
		fputs("stsctl init: --keep goes with --rotate\n", stderr);
		return -1;
	}
	return 0;
}

/*
 * Root only; a configuration owned by the effective user (which
 * sts_settings_load accepts for unprivileged test runs) names a ring that
 * user may manage.
 */
static int allowed(const char *config)
{
	struct stat st;

	if (geteuid() == 0)
		return 0;
	if (stat(config, &st) == 0 && st.st_uid == geteuid())
		return 0;
	fputs("stsctl init: must be run as root (the issuer key ring is root-only)\n", stderr);
	return -1;
}

/* Loads the ring to report on it: 0, or -1 with |err| set. */
static int report(const char *word, const char *path, sts_error *err)
{
	sts_keyring *ring = NULL;
	size_t n;

	if (sts_keyring_load(path, &ring, err) < 0)
		return -1;
	n = sts_keyring_size(ring);
	printf("%s %s: current key %s (%zu key%s)\n", word, path, sts_keyring_current_id(ring), n,
	       n == 1 ? "" : "s");
	sts_keyring_free(ring);
	return 0;
}

static int create(const char *path)
{
	sts_error err;
	int rc = sts_keyring_create(path, &err);

	if (rc == STS_KEYRING_EXISTS) {
		/* Kept as it is: a second init must not lock out issued tokens. */
		if (report("exists", path, &err) < 0) {
			fprintf(stderr, "stsctl init: %s exists but is not a usable key ring: %s\n",
				path, err.msg);
			return STSCTL_DENIED;
		}
		return STSCTL_OK;
	}
	if (rc < 0 || report("created", path, &err) < 0) {
		fprintf(stderr, "stsctl init: %s\n", err.msg);
		return STSCTL_USAGE;
	}
	return STSCTL_OK;
}

static int rotate(const char *path, unsigned keep)
{
	sts_error err;
	int rc = sts_keyring_rotate(path, keep, &err);

	if (rc == STS_KEYRING_MISSING) {
		fprintf(stderr, "stsctl init: %s\n", err.msg);
		return STSCTL_DENIED;
	}
	if (rc < 0 || report("rotated", path, &err) < 0) {
		fprintf(stderr, "stsctl init: %s\n", err.msg);
		return STSCTL_USAGE;
	}
	return STSCTL_OK;
}

int stsctl_init(int argc, char **argv)
{
	init_args a = { STS_DEFAULT_CONFIG, false, 0 };
	sts_settings settings;
	sts_error err;
	int status;

	if (parse_args(&a, argc, argv) < 0)
		return STSCTL_USAGE;
	if (allowed(a.config) < 0)
		return STSCTL_USAGE;
	if (sts_settings_load(a.config, &settings, &err) < 0) {
		fprintf(stderr, "stsctl init: %s\n", err.msg);
		return STSCTL_USAGE;
	}
	/* The ring is created 0600 whatever the umask; the temporary file too. */
	umask(077);
	if (a.rotate)
		status = rotate(settings.issuer_key, (unsigned)(a.keep ? a.keep : DEFAULT_KEEP));
	else
		status = create(settings.issuer_key);
	sts_settings_free(&settings);
	fflush(stdout);
	return status;
}
