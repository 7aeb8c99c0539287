/*
 * stsctl fleet [--config FILE] key create|rotate|reseal: the fleet key ring
 * (stsctl_fleet_key.c).
 *
 * stsctl fleet [--config FILE] init: creates or migrates the fleet database's
 * schema (lib/mfa/fleet_schema.h) that pam_sts.conf's mfa_db names, and
 * prints the version it is at. Run once per fleet (again after an upgrade
 * that raises the version); two hosts running it at once do not both
 * migrate. Exit status: 0 done, 2 usage, configuration or database error.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/settings.h"
#include "mfa/fleet_db.h"
#include "mfa/fleet_schema.h"
#include "stsctl.h"
#include "stsctl_fleet.h"

/* Each step's budget: the connect, and the migration's transaction. */
#define FLEET_INIT_MS 30000u

static void usage(FILE *out)
{
	fputs("usage: stsctl fleet [--config FILE] init\n"
	      "       stsctl fleet [--config FILE] key create|rotate|reseal\n",
	      out);
}

static int init_schema(const sts_settings *s)
{
	sts_fleet_db_config cfg = { s->mfa_db, s->mfa_db_password_file, FLEET_INIT_MS };
	sts_error err;
	PGconn *conn = NULL;
	int version = 0, rc = -1;

	if (sts_fleet_conninfo_check(s->mfa_db, &err) == 0 &&
	    (conn = sts_fleet_db_connect(&cfg, &err)) &&
	    sts_fleet_schema_init(conn, FLEET_INIT_MS, &err) == 0 &&
	    sts_fleet_schema_version(conn, FLEET_INIT_MS, &version, &err) == 0)
		rc = 0;
	if (conn)
		PQfinish(conn);
	if (rc < 0) {
		fprintf(stderr, "stsctl fleet: %s\n", err.msg);
		return STSCTL_USAGE;
	}
	printf("fleet: schema at version %d\n", version);
	return STSCTL_OK;
}

int stsctl_fleet(int argc, char **argv)
{
	const char *config = STS_DEFAULT_CONFIG;
	sts_settings s;
	sts_error err;
	int i = 1, status;
	bool key;

	if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
		config = argv[i + 1];
		i += 2;
	}
	key = i + 2 == argc && strcmp(argv[i], "key") == 0;

	if (!key && (i + 1 != argc || strcmp(argv[i], "init") != 0)) {
		usage(stderr);
		return STSCTL_USAGE;
	}
	if (geteuid() != 0) {
		fputs("stsctl fleet: must be run as root (the password file is root-only)\n",
		      stderr);
		return STSCTL_USAGE;
	}
	if (sts_settings_load(config, &s, &err) < 0) {
		fprintf(stderr, "stsctl fleet: %s\n", err.msg);
		return STSCTL_USAGE;
	}
	if (s.mfa_store != STS_MFA_STORE_POSTGRESQL) {
		fprintf(stderr, "stsctl fleet: %s: mfa_store is not postgresql\n", config);
		status = STSCTL_USAGE;
	} else {
		status = key ? stsctl_fleet_key(&s, argv[i + 1]) : init_schema(&s);
	}
	sts_settings_free(&s);
	return status;
}
