/*
 * The MFA store as the stsctl mfa subcommands use it: opened from
 * pam_sts.conf (the files store or the fleet database: lib/mfa/mfa_backend.h),
 * every record read and written through the user's handle (the files store's
 * lock), every error printed to stderr as "stsctl mfa: ...".
 */
#ifndef STSCTL_MFA_STORE_H
#define STSCTL_MFA_STORE_H

#include <stdbool.h>

#include "base/settings.h"
#include "mfa/fleet_admin.h"
#include "mfa/mfa_backend.h"
#include "mfa/mfa_store.h"

/* How long a subcommand waits for a user's store lock, or for each step
 * with the database. */
#define STSCTL_MFA_LOCK_MS 5000

typedef struct {
	sts_settings settings;
	sts_mfa_backend *backend;
	sts_mfa_store *store; /* the files store; NULL with the fleet database */
	char store_dir[4096];
} stsctl_mfa_ctx;

/* Reads |config| and opens the MFA store it names; prints the error and
 * returns -1 on failure. stsctl_mfa_close() either way. */
int stsctl_mfa_open(stsctl_mfa_ctx *ctx, const char *config);
void stsctl_mfa_close(stsctl_mfa_ctx *ctx);
/* Whether the store is the fleet database. */
bool stsctl_mfa_fleet(const stsctl_mfa_ctx *ctx);

/* The user names with a device file in the files store |dir|, sorted,
 * malloc'd (sts_fleet_names_free). 0, or -1 printed (what was listed before
 * the error is still given). */
int stsctl_mfa_list_dir(const char *dir, char ***names, size_t *count);

/* Takes the user's handle (the store lock, or a connection); prints the
 * error and returns -1 on failure. */
int stsctl_mfa_lock(stsctl_mfa_ctx *ctx, const char *user, sts_mfa_user **handle);
/* Gives the handle back (NULL: nothing). */
void stsctl_mfa_unlock(sts_mfa_user *handle);

/* Reads the record: STS_MFA_FOUND, STS_MFA_NO_DEVICE, or -1 (the error
 * printed to stderr). */
int stsctl_mfa_read(sts_mfa_user *handle, sts_mfa_record *rec);

/* Writes the record; prints the error and returns -1 on failure. */
int stsctl_mfa_write(sts_mfa_user *handle, const sts_mfa_record *rec);

#endif
