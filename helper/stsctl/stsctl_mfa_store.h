/*
 * The MFA store as the stsctl mfa subcommands use it: opened from
 * pam_sts.conf, every record read and written under the user's store lock,
 * every error printed to stderr as "stsctl mfa: ...".
 */
#ifndef STSCTL_MFA_STORE_H
#define STSCTL_MFA_STORE_H

#include "base/settings.h"
#include "mfa/mfa_store.h"

/* How long a subcommand waits for a user's store lock. */
#define STSCTL_MFA_LOCK_MS 5000

typedef struct {
	sts_settings settings;
	sts_mfa_store *store;
	char store_dir[4096];
} stsctl_mfa_ctx;

/* Reads |config| and opens the MFA store below its state_dir; prints the
 * error and returns -1 on failure. stsctl_mfa_close() either way. */
int stsctl_mfa_open(stsctl_mfa_ctx *ctx, const char *config);
void stsctl_mfa_close(stsctl_mfa_ctx *ctx);

/* Takes the user's store lock; prints the error and returns -1 on failure. */
int stsctl_mfa_lock(stsctl_mfa_ctx *ctx, const char *user, struct sts_mfa_lock **lock);

/* Reads the record under |lock|: STS_MFA_FOUND, STS_MFA_NO_DEVICE, or -1
 * (the error printed to stderr). */
int stsctl_mfa_read(struct sts_mfa_lock *lock, sts_mfa_record *rec);

/* Writes the record under |lock|; prints the error and returns -1 on failure. */
int stsctl_mfa_write(struct sts_mfa_lock *lock, const sts_mfa_record *rec);

#endif
