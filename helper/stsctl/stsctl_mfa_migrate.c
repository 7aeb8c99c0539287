/*
 * stsctl mfa migrate [--force]: moves this host's files store (state_dir/mfa)
 * into the fleet database (mfa_store = postgresql), each secret sealed under
 * the fleet key as it is written. The login state comes along: the replay
 * floor, so no code accepted here becomes acceptable again, and the failures
 * and lockout. A user already in the database is left alone unless --force
 * (it may have been migrated from another host, with a later floor). Pending
 * enrollments and scratch codes stay behind (the files store's alone). The
 * files store is read, never changed: remove it once every host has moved.
 */
#include <stdio.h>
#include <string.h>

#include "mfa/mfa_backend.h"
#include "stsctl.h"
#include "stsctl_mfa.h"

/* The files store below the same state_dir: the settings as they are, read as
 * mfa_store = files (their strings are borrowed, not freed here). */
static int open_files(const stsctl_mfa_ctx *ctx, sts_mfa_backend **files)
{
	sts_settings s = ctx->settings;
	sts_error err;

	s.mfa_store = STS_MFA_STORE_FILES;
	if (sts_mfa_backend_open(&s, STSCTL_MFA_LOCK_MS, NULL, files, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Reads |user| from the files store: STS_MFA_FOUND (an active device),
 * STS_MFA_NO_DEVICE (none, or not active), or -1. */
static int read_files(sts_mfa_backend *files, const char *user, sts_mfa_record *rec)
{
	sts_mfa_user *handle = NULL;
	sts_error err;
	int rc;

	if (sts_mfa_backend_begin(files, user, &handle, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return -1;
	}
	rc = stsctl_mfa_read(handle, rec);
	sts_mfa_backend_end(handle);
	if (rc == STS_MFA_FOUND && !rec->active)
		rc = STS_MFA_NO_DEVICE;
	return rc;
}

/* Writes |rec| for |user| into the database: 1 written, 0 left (already
 * there, no --force), -1. */
static int write_fleet(stsctl_mfa_ctx *ctx, const char *user, const sts_mfa_record *rec, bool force)
{
	sts_mfa_record there;
	sts_mfa_user *handle = NULL;
	int rc;

	memset(&there, 0, sizeof(there));
	if (stsctl_mfa_lock(ctx, user, &handle) < 0)
		return -1;
	rc = stsctl_mfa_read(handle, &there);
	sts_mfa_record_wipe(&there);
	if (rc == STS_MFA_FOUND && !force)
		rc = 0;
	else if (rc == STS_MFA_FOUND || rc == STS_MFA_NO_DEVICE)
		rc = stsctl_mfa_write(handle, rec) < 0 ? -1 : 1;
	stsctl_mfa_unlock(handle);
	return rc;
}

static int migrate_one(stsctl_mfa_ctx *ctx, sts_mfa_backend *files, const char *user, bool force)
{
	sts_mfa_record rec;
	int rc;

	memset(&rec, 0, sizeof(rec));
	rc = read_files(files, user, &rec);
	if (rc == STS_MFA_FOUND)
		rc = write_fleet(ctx, user, &rec, force);
	else if (rc == STS_MFA_NO_DEVICE)
		rc = 2;
	sts_mfa_record_wipe(&rec);
	if (rc == 1)
		printf("%s: migrated\n", user);
	else if (rc == 0)
		printf("%s: already in the database, left (--force replaces it)\n", user);
	else if (rc == 2)
		printf("%s: no active device, not migrated\n", user);
	return rc;
}

int stsctl_mfa_migrate(stsctl_mfa_ctx *ctx, int argc, char **argv)
{
	bool force = argc == 1 && strcmp(argv[0], "--force") == 0;
	sts_mfa_backend *files = NULL;
	char **names = NULL;
	size_t n = 0, moved = 0, failed = 0;
	int listed;

	if (argc > 1 || (argc == 1 && !force)) {
		fputs("usage: stsctl mfa [--config FILE] migrate [--force]\n", stderr);
		return STSCTL_USAGE;
	}
	if (!stsctl_mfa_fleet(ctx)) {
		fputs("stsctl mfa: migrate needs mfa_store = postgresql (the database to move "
		      "into)\n",
		      stderr);
		return STSCTL_USAGE;
	}
	if (open_files(ctx, &files) < 0)
		return STSCTL_USAGE;
	listed = stsctl_mfa_list_dir(ctx->store_dir, &names, &n);
	for (size_t i = 0; i < n; i++) {
		int rc = migrate_one(ctx, files, names[i], force);
		moved += rc == 1;
		failed += rc < 0;
	}
	sts_fleet_names_free(names, n);
	sts_mfa_backend_close(files);
	printf("migrated %zu of %zu, %zu failed\n", moved, n, failed);
	return listed < 0 || failed ? STSCTL_USAGE : STSCTL_OK;
}
