/*
 * stsctl fleet key create|rotate|reseal: the fleet key ring that seals the
 * TOTP secrets in the database (lib/mfa/fleet_seal.h, pam_sts.conf's
 * mfa_fleet_key_file).
 *
 *   create   a new ring with one key, on the first host (refused when the
 *            file exists); copy it to every bastion as a root-only secret.
 *   rotate   a new current key first, the older ones kept: what they sealed
 *            stays readable. Copy the new file to every bastion BEFORE
 *            reseal: a host without the new key cannot open what it seals.
 *   reseal   every device sealed under an older key re-sealed under the
 *            current one, each only if its row is unchanged meanwhile; then
 *            the old keys may be dropped from the file.
 *
 * The file is written to a temporary file next to it (0600, O_EXCL, not
 * following links), synced, and renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "mfa/fleet_admin.h"
#include "mfa/fleet_login.h"
#include "mfa/fleet_seal.h"
#include "stsctl.h"
#include "stsctl_fleet.h"

#define RESEAL_STEP_MS 10000u

static int install(const char *path, const char *text, bool replace)
{
	char tmp[4200];
	int fd, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (sts_write_all(fd, text, strlen(text)) == 0 && fsync(fd) == 0)
		rc = replace ? rename(tmp, path) : link(tmp, path);
	close(fd);
	unlink(tmp);
	return rc;
}

static int write_ring(const char *path, const sts_fleet_keyring *ring, bool replace)
{
	char *text = sts_fleet_keyring_format(ring);
	int rc = text ? install(path, text, replace) : -1;

	if (rc < 0)
		fprintf(stderr, "stsctl fleet: %s: cannot write the key ring: %s\n", path,
			errno == EEXIST ? "it exists already" : strerror(errno));
	sts_free_secret_str(text);
	return rc;
}

static int key_create(const char *path)
{
	sts_fleet_keyring ring;
	sts_error err;
	int status = STSCTL_USAGE;

	memset(&ring, 0, sizeof(ring));
	if (sts_fleet_keyring_rotate(&ring, &err) < 0)
		fprintf(stderr, "stsctl fleet: %s\n", err.msg);
	else if (write_ring(path, &ring, false) == 0) {
		printf("fleet key ring created: %s (key %u)\n", path, (unsigned)ring.keys[0].id);
		status = STSCTL_OK;
	}
	sts_fleet_keyring_wipe(&ring);
	return status;
}

static int key_rotate(const char *path)
{
	sts_fleet_keyring ring;
	sts_error err;
	int status = STSCTL_USAGE;

	if (sts_fleet_keyring_load(path, &ring, &err) < 0 ||
	    sts_fleet_keyring_rotate(&ring, &err) < 0)
		fprintf(stderr, "stsctl fleet: %s\n", err.msg);
	else if (write_ring(path, &ring, true) == 0) {
		printf("fleet key %u is current; copy %s to every bastion, then run stsctl "
		       "fleet key reseal\n",
		       (unsigned)ring.keys[0].id, path);
		status = STSCTL_OK;
	}
	sts_fleet_keyring_wipe(&ring);
	return status;
}

static int key_reseal(const sts_settings *s)
{
	sts_fleet_db_config cfg = { s->mfa_db, s->mfa_db_password_file, RESEAL_STEP_MS };
	sts_fleet_keyring ring;
	sts_error err;
	PGconn *conn = NULL;
	char **names = NULL;
	size_t n = 0, done = 0, failed = 0;

	memset(&ring, 0, sizeof(ring));
	if (sts_fleet_keyring_load(s->mfa_fleet_key_file, &ring, &err) < 0 ||
	    sts_fleet_conninfo_check(s->mfa_db, &err) < 0 ||
	    !(conn = sts_fleet_db_connect(&cfg, &err)) ||
	    sts_fleet_device_list(conn, RESEAL_STEP_MS, &names, &n, &err) < 0) {
		fprintf(stderr, "stsctl fleet: %s\n", err.msg);
		failed = 1;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = sts_fleet_device_reseal(conn, RESEAL_STEP_MS, &ring, names[i], &err);
		if (rc < 0)
			fprintf(stderr, "stsctl fleet: %s: %s\n", names[i], err.msg);
		done += rc == 1;
		failed += rc < 0;
	}
	if (conn)
		PQfinish(conn);
	sts_fleet_names_free(names, n);
	sts_fleet_keyring_wipe(&ring);
	printf("resealed %zu of %zu devices, %zu failed\n", done, n, failed);
	return failed ? STSCTL_USAGE : STSCTL_OK;
}

int stsctl_fleet_key(const sts_settings *s, const char *cmd)
{
	if (strcmp(cmd, "create") == 0)
		return key_create(s->mfa_fleet_key_file);
	if (strcmp(cmd, "rotate") == 0)
		return key_rotate(s->mfa_fleet_key_file);
	if (strcmp(cmd, "reseal") == 0)
		return key_reseal(s);
	fputs("usage: stsctl fleet [--config FILE] key create|rotate|reseal\n", stderr);
	return STSCTL_USAGE;
}
