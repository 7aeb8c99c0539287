/*
 * A user's side files in the MFA store, beside the device (USER) and its
 * login state (USER.state), read and written only under the user's lock
 * (sts_mfa_lock_user), each replaced whole and durably (temporary file,
 * fsync, rename, fsync of the directory), opened without following links,
 * owner and mode checked on the open descriptor:
 *
 *   USER.pending  a device being enrolled and not yet confirmed. Logins go
 *                 on using the device in USER (the helper never reads this
 *                 file) until a valid code of the pending one replaces it,
 *                 so an interrupted `stsctl mfa enroll --force` leaves the
 *                 working device as it was (lib/mfa/mfa_side.c).
 *   USER.scratch  emergency scratch codes, each a salted SHA-256 hash,
 *                 single-use (lib/mfa/mfa_scratch.c).
 */
#ifndef STS_MFA_SIDE_H
#define STS_MFA_SIDE_H

#include <stddef.h>

#include "base/error.h"
#include "mfa/mfa_store.h"

/* ---- USER.pending ---- */

/* STS_MFA_FOUND, STS_MFA_NO_DEVICE (no pending device), or -1 with |err|. */
int sts_mfa_pending_read(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err);
/* Stores |rec| (its device parts) as the pending device; 0 or -1. */
int sts_mfa_pending_write(sts_mfa_lock *lock, const sts_mfa_record *rec, sts_error *err);
/* Removes the pending device (none is not an error); 0 or -1. */
int sts_mfa_pending_remove(sts_mfa_lock *lock, sts_error *err);

/* ---- USER.scratch ---- */

#define STS_MFA_SCRATCH_DIGITS 8
#define STS_MFA_SCRATCH_MAX    20

/* Replaces the user's scratch codes by |count| (1..STS_MFA_SCRATCH_MAX) new
 * ones, returned in |codes| (to be shown once and wiped); only their hashes
 * are stored. 0 or -1. */
int sts_mfa_scratch_new(sts_mfa_lock *lock, unsigned count,
			char codes[][STS_MFA_SCRATCH_DIGITS + 1], sts_error *err);
/* Consumes |code| if it is one of the user's scratch codes: 1 (used, and
 * removed from the file before returning; |left| is how many remain), 0
 * (not one: no file, no match, not 8 digits), or -1 with |err|. */
int sts_mfa_scratch_use(sts_mfa_lock *lock, const char *code, unsigned *left, sts_error *err);
/* How many unused scratch codes the user has (0 without a file); 0 or -1. */
int sts_mfa_scratch_count(sts_mfa_lock *lock, unsigned *count, sts_error *err);
/* Removes the user's scratch codes (none is not an error); 0 or -1. */
int sts_mfa_scratch_remove(sts_mfa_lock *lock, sts_error *err);

/* ---- the file operations both use (lib/mfa/mfa_side.c) ---- */

/* Reads USER.|suffix| (at most |max| bytes): 0, STS_READ_ENOENT, or -1. */
int sts_mfa_side_read(sts_mfa_lock *lock, const char *suffix, size_t max, char **text, size_t *len,
		      sts_error *err);
/* Replaces USER.|suffix| with |text| durably; 0 or -1. */
int sts_mfa_side_write(sts_mfa_lock *lock, const char *suffix, const char *text, size_t len,
		       sts_error *err);
/* Removes USER.|suffix| (a missing file is not an error); 0 or -1. */
int sts_mfa_side_remove(sts_mfa_lock *lock, const char *suffix, sts_error *err);

#endif
