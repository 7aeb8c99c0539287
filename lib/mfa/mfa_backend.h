/*
 * The MFA store as sts-helper's op=mfa and stsctl mfa use it, whichever store
 * pam_sts.conf's mfa_store names (issue 20):
 *
 *   files       state_dir/mfa on this host (mfa_store.h): each user's
 *               operations run under the user's flock(2), and accepting a
 *               step or counting a failure is a read-check-write under it.
 *   postgresql  one database the fleet shares (fleet_login.h): the secret
 *               sealed under the fleet key (fleet_seal.h); accepting a step
 *               is ONE conditional statement (the step above the floor and
 *               the user not locked), counting a failure another, so a code
 *               is accepted by one login fleet-wide with no lock held
 *               between statements.
 *
 * A user's operations go through a handle (sts_mfa_backend_begin): the
 * files store's lock, or a database connection. Every error is -1 with
 * |err| set, for the caller to fail closed on; an error message never holds
 * a secret. Scratch codes and pending enrollments are the files store's
 * alone (mfa_side.h).
 */
#ifndef STS_MFA_BACKEND_H
#define STS_MFA_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/settings.h"
#include "mfa/fleet_db.h"
#include "mfa/mfa_store.h"

typedef struct sts_mfa_backend sts_mfa_backend;
typedef struct sts_mfa_user sts_mfa_user;

/* What a failed attempt counts against (pam_sts.conf's keys). */
typedef struct {
	int64_t now;
	unsigned failure_interval;
	unsigned max_failures;
	unsigned lockout_seconds;
} sts_mfa_policy;

/* Opens the store |s| names. |wait_ms| bounds each step: the wait for a
 * user's lock (files), the connect and each statement (postgresql). |pool|
 * (the resident broker's, or NULL: one connection per handle) lends the
 * connections. 0, or -1 with |err| set. */
int sts_mfa_backend_open(const sts_settings *s, unsigned wait_ms, sts_fleet_pool *pool,
			 sts_mfa_backend **out, sts_error *err);
void sts_mfa_backend_close(sts_mfa_backend *b);
bool sts_mfa_backend_is_fleet(const sts_mfa_backend *b);
/* The files store under it (NULL for postgresql): scratch codes, pending
 * enrollments and listing are the files store's. */
sts_mfa_store *sts_mfa_backend_files(sts_mfa_backend *b);

/* The users with a device in the fleet database, sorted (fleet_admin.h's
 * list; the files store is listed from its directory). 0, or -1. */
int sts_mfa_backend_list(sts_mfa_backend *b, char ***names, size_t *count, sts_error *err);

/* A handle on |user|'s record: the files store's lock, or a connection. */
int sts_mfa_backend_begin(sts_mfa_backend *b, const char *user, sts_mfa_user **out, sts_error *err);
void sts_mfa_backend_end(sts_mfa_user *u);
/* The files store's lock under the handle (NULL for postgresql). */
sts_mfa_lock *sts_mfa_user_lock(sts_mfa_user *u);

/* Reads the device (its secret unsealed) and the login state:
 * STS_MFA_FOUND, STS_MFA_NO_DEVICE, or -1. */
int sts_mfa_user_read(sts_mfa_user *u, sts_mfa_record *rec, sts_error *err);
/* The files store's note on a rebuilt login state, or NULL. */
const char *sts_mfa_user_note(const sts_mfa_user *u);
/* Accepts time step |step| for the record the last read gave: 1 (this login,
 * and no other, has it; the failures and the lockout cleared), 0 refused (at
 * or below the floor, or locked out meanwhile), -1 (nothing accepted). */
int sts_mfa_user_accept(sts_mfa_user *u, sts_mfa_record *rec, int64_t step, int64_t now,
			sts_error *err);
/* Counts a failed attempt: 1 counted (|rec|'s failures and locked_until as
 * they now are), 0 not counted (locked out, no device), -1. */
int sts_mfa_user_fail(sts_mfa_user *u, sts_mfa_record *rec, const sts_mfa_policy *policy,
		      sts_error *err);
/* Writes the whole record (an import, an enrollment, a migration). 0 or -1. */
int sts_mfa_user_put(sts_mfa_user *u, const sts_mfa_record *rec, sts_error *err);
/* Clears the failures and the lockout: 1, 0 (no device), -1. */
int sts_mfa_user_unlock(sts_mfa_user *u, sts_error *err);
/* Removes the device and its login state: 1, 0 (none), -1. */
int sts_mfa_user_remove(sts_mfa_user *u, sts_error *err);

/* The failure window's rule (fleet_login.h says it in SQL): counts a failure
 * in |rec|, starting a new window when there is none, the last one ended in a
 * lockout, or it is older than the interval; at the limit the count stays,
 * locked_until = now + lockout and failure_start = now. */
void sts_mfa_count_failure(sts_mfa_record *rec, const sts_mfa_policy *policy);

#endif
