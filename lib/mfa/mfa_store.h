/*
 * The MFA store: a root-only directory with two files per user.
 *
 *   USER        the TOTP device (secret, algorithm, digits, period, active),
 *               written only when it changes (enroll, import, activation),
 *               durably: temp file, fsync, rename, fsync of the directory.
 *   USER.state  the login state (replay floor, failures, lockout): two
 *               fixed-size checksummed slots, and each attempt overwrites
 *               the older one in place with one pwrite(2), WITHOUT fsync: a
 *               login costs one write, not a sync of the disk, and a write
 *               cut short or torn leaves the newer slot whole (a slot
 *               whose checksum fails is never read as a record). A whole
 *               new file is renamed over it only when the last read found
 *               no whole slot, or with a new device (then synced)
 *               (mfa_store_state.c).
 *
 * Replay safety after a power loss comes from the boot, not the disk: the
 * state records the boot id and the device file it belongs to, and a state
 * written in another boot, for another device file, torn, or missing is
 * rebuilt with a replay floor past every code that could have been accepted
 * before the crash (mfa_state.c), so the code on screen may be refused once
 * after an unclean reboot. No rebuild lowers the failure count or lifts a
 * lockout: a torn state is rebuilt as a lockout of lockout_seconds. A single
 * file of the earlier format (device and state together) is read as before
 * and split at its first write.
 *
 * Every read-check-update runs under an exclusive flock(2) on USER.lock,
 * held on an open descriptor, so a code is accepted at most once however many
 * logins race, and a crashed process never leaves a stale lock (the kernel
 * drops it with the process). Files are opened relative to the directory
 * descriptor without following links, and owner and mode are checked on the
 * open descriptor.
 */
#ifndef STS_MFA_STORE_H
#define STS_MFA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "mfa/totp.h"
#include "proto/mfa_names.h"

#define STS_MFA_SECRET_MAX 64

typedef struct {
	unsigned char secret[STS_MFA_SECRET_MAX];
	size_t secret_len;
	sts_totp_alg algorithm;
	unsigned digits;
	unsigned period;
	bool active; /* false until enrollment is confirmed with a code */
	/* The login state (USER.state): */
	int64_t last_step;     /* last accepted time step; codes at or below are replays */
	unsigned failures;     /* failed attempts in the current window */
	int64_t failure_start; /* when the current failure window began */
	int64_t locked_until;  /* no attempt is checked before this time */
} sts_mfa_record;

typedef struct sts_mfa_store sts_mfa_store;
typedef struct sts_mfa_lock sts_mfa_lock;

/* Opens the store directory: a directory (not a link) owned by the
 * effective user (root in production) with no group/other access.
 * |totp_window| is the window logins accept codes in (pam_sts.conf's
 * totp_window): a rebuilt state refuses codes that far past the crash. */
int sts_mfa_store_open(const char *dir, unsigned totp_window, sts_mfa_store **out, sts_error *err);
/* How long a torn login state locks its user out (pam_sts.conf's
 * lockout_seconds; 900 until set). */
void sts_mfa_store_set_lockout(sts_mfa_store *store, unsigned lockout_seconds);
void sts_mfa_store_close(sts_mfa_store *store);

/* Takes the user's lock, waiting at most |timeout_ms|. */
int sts_mfa_lock_user(sts_mfa_store *store, const char *user, unsigned timeout_ms,
		      sts_mfa_lock **out, sts_error *err);
/* Releases the lock (and wipes the store's own copy of the device; the
 * caller's records are the caller's to wipe). */
void sts_mfa_unlock(sts_mfa_lock *lock);

enum {
	STS_MFA_FOUND = 0,
	STS_MFA_NO_DEVICE = 1
};
/* Reads the device and its login state under the lock: STS_MFA_FOUND,
 * STS_MFA_NO_DEVICE, or -1 (corrupt device file, wrong owner or mode, a
 * link, I/O) with |err| set. A login state that cannot be trusted as it is
 * (see above) is rebuilt, not an error: sts_mfa_state_note() says so. */
int sts_mfa_read(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err);
/* NULL, or why the last sts_mfa_read() on |lock| rebuilt the login state
 * (worth a log line; the login proceeds). Valid until the next call on |lock|. */
const char *sts_mfa_state_note(const sts_mfa_lock *lock);
/* Writes the login state (over the older of its two slots, or as a new file
 * when the last read found no whole slot; no fsync: the login path) and,
 * only when the device differs from what the last read on |lock| found (or
 * nothing was read), the device file and the state durably. -1 when any
 * write failed or stopped short: the record on disk is then the one before
 * the call, and the caller must fail the attempt. */
int sts_mfa_write(sts_mfa_lock *lock, const sts_mfa_record *rec, sts_error *err);
/* Removes the device and its login state. */
int sts_mfa_remove(sts_mfa_lock *lock, sts_error *err);

/* The device file's text form and its parser (exposed for the fuzzer): the
 * parser reads both formats, the formatter writes the device only. */
char *sts_mfa_record_format(const sts_mfa_record *rec);
int sts_mfa_record_parse(const char *text, size_t len, const char *name, sts_mfa_record *rec,
			 sts_error *err);

void sts_mfa_record_wipe(sts_mfa_record *rec);

#endif
