/*
 * The MFA store: one file per user in a root-only directory, holding the
 * TOTP device and its replay and lockout state. Every read-check-update runs
 * under an exclusive flock(2) on USER.lock, held on an open descriptor, so a
 * code is accepted at most once however many logins race, and a crashed
 * process never leaves a stale lock (the kernel drops it with the process).
 * Files are opened relative to the directory descriptor without following
 * links, and owner and mode are checked on the open descriptor.
 */
#ifndef STS_MFA_STORE_H
#define STS_MFA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "totp.h"

#define STS_MFA_SECRET_MAX 64

typedef struct {
	unsigned char secret[STS_MFA_SECRET_MAX];
	size_t secret_len;
	sts_totp_alg algorithm;
	unsigned digits;
	unsigned period;
	bool active;	       /* false until enrollment is confirmed with a code */
	int64_t last_step;     /* last accepted time step; codes at or below are replays */
	unsigned failures;     /* failed attempts in the current window */
	int64_t failure_start; /* when the current failure window began */
	int64_t locked_until;  /* no attempt is checked before this time */
} sts_mfa_record;

typedef struct sts_mfa_store sts_mfa_store;
typedef struct sts_mfa_lock sts_mfa_lock;

/* Opens the store directory: a directory (not a link) owned by the
 * effective user (root in production) with no group/other access. */
int sts_mfa_store_open(const char *dir, sts_mfa_store **out, sts_error *err);
void sts_mfa_store_close(sts_mfa_store *store);

/* A user name usable as a file name: [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}, not
 * ending in ".lock" nor holding ".tmp." (the store's own files). */
bool sts_mfa_user_valid(const char *user);

/* Takes the user's lock, waiting at most |timeout_ms|. */
int sts_mfa_lock_user(sts_mfa_store *store, const char *user, unsigned timeout_ms,
		      sts_mfa_lock **out, sts_error *err);
/* Releases the lock and wipes nothing: records are the caller's to wipe. */
void sts_mfa_unlock(sts_mfa_lock *lock);

enum {
	STS_MFA_FOUND = 0,
	STS_MFA_NO_DEVICE = 1
};
/* Reads the record under the lock: STS_MFA_FOUND, STS_MFA_NO_DEVICE, or -1
 * (corrupt, wrong owner or mode, a link, I/O) with |err| set. */
int sts_mfa_read(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err);
/* Replaces the record atomically (temp file, fsync, rename, fsync dir). */
int sts_mfa_write(sts_mfa_lock *lock, const sts_mfa_record *rec, sts_error *err);
int sts_mfa_remove(sts_mfa_lock *lock, sts_error *err);

/* The record's text form and its parser (exposed for the fuzzer). */
char *sts_mfa_record_format(const sts_mfa_record *rec);
int sts_mfa_record_parse(const char *text, size_t len, const char *name, sts_mfa_record *rec,
			 sts_error *err);

void sts_mfa_record_wipe(sts_mfa_record *rec);

#endif
