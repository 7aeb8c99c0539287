/*
 * Inside the MFA store (lib/mfa/mfa_store.c, mfa_record.c, mfa_state.c), shared
 * with its unit tests and fuzzers only; nothing outside lib/ and tests/
 * includes this header.
 */
#ifndef STS_MFA_STORE_INTERNAL_H
#define STS_MFA_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "mfa/mfa_store.h"

/* Where the running kernel says which boot this is and when it began. */
#define STS_MFA_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define STS_MFA_STAT_PATH    "/proc/stat"

/* sts_mfa_store_open() with the two /proc files named by the caller: the
 * tests point them at files of their own to play a reboot. */
int sts_mfa_store_open_at(const char *dir, unsigned totp_window, const char *boot_id_path,
			  const char *stat_path, sts_mfa_store **out, sts_error *err);

/* ---- the device file (mfa_record.c) ---- */

/* sts_mfa_record_parse(), also telling whether the file is in format 1 (the
 * single file of earlier releases, whose login state fields are its state
 * until the first write moves them to USER.state). */
int sts_mfa_device_parse(const char *text, size_t len, const char *name, sts_mfa_record *rec,
			 bool *format1, sts_error *err);

/* Whether the device parts (secret, algorithm, digits, period, active) are equal. */
bool sts_mfa_device_equal(const sts_mfa_record *a, const sts_mfa_record *b);

/* ---- the login state file (mfa_state.c) ---- */

#define STS_MFA_BOOT_ID_LEN 36 /* 8-4-4-4-12 hex digits */
/* Every state record is exactly this long (padded), so that a record of
 * any other size is torn on its face, and a whole one fits one sector. A
 * state file of version 2 holds two of them (slots): each update overwrites
 * the older slot with one pwrite(2), so a write cut short or torn leaves the
 * newer slot whole. A file of one record is of version 1 (earlier releases). */
#define STS_MFA_STATE_SIZE  512
#define STS_MFA_STATE_SLOTS 2

typedef struct {
	unsigned version;		       /* 2, checksummed; 1 from earlier releases */
	uint64_t sequence;		       /* version 2: which of two slots is newer */
	char boot_id[STS_MFA_BOOT_ID_LEN + 1]; /* the boot it was written in */
	uint64_t device;		       /* inode of the device file it belongs to */
	unsigned window;		       /* totp_window of the writer */
	int64_t last_step;
	unsigned failures;
	int64_t failure_start;
	int64_t locked_until;
} sts_mfa_state;

/* Strict: every key exactly once, nothing else (comments and blank lines
 * aside), and in version 2 the whole fixed size ending in the checksum of
 * all before it, so that no torn record parses. Returns 0; -1 with |err| set
 * when |text| is not a state record; STS_MFA_STATE_NOMEM when memory ran out
 * (an error, not a torn file). */
#define STS_MFA_STATE_NOMEM (-2)
int sts_mfa_state_parse(const char *text, size_t len, const char *name, sts_mfa_state *st,
			sts_error *err);
/* Exactly STS_MFA_STATE_SIZE bytes of version 2 into |out| (not
 * NUL-terminated; |st|'s version is not read); -1 when a value is out of
 * range (a negative time or step) or OpenSSL fails. */
int sts_mfa_state_format(const sts_mfa_state *st, char out[STS_MFA_STATE_SIZE]);

/* The boot id (36 characters, NUL-terminated) from |path|; 0 or -1. The
 * kernel's (STS_MFA_BOOT_ID_PATH) is read once per process. */
int sts_mfa_read_boot_id(const char *path, char out[STS_MFA_BOOT_ID_LEN + 1], sts_error *err);
/* The boot time ("btime" in |path|, normally /proc/stat); 0 or -1. */
int sts_mfa_read_btime(const char *path, int64_t *btime, sts_error *err);

/* Why a state is rebuilt instead of used. */
typedef enum {
	STS_MFA_STATE_OTHER_BOOT,   /* intact, but written before this boot */
	STS_MFA_STATE_OTHER_DEVICE, /* intact, but written for another device file */
	STS_MFA_STATE_TORN,	    /* present but not a whole state record */
	STS_MFA_STATE_MISSING,	    /* absent while the device exists */
} sts_mfa_state_fault;

/*
 * Rebuilds |st| (read as far as |fault| allows) so that no code accepted
 * before |since| can be accepted again: the replay floor becomes at least
 * the step of |since| plus the window (the later of |window| and, for a
 * state from another boot, the window it was written with). An intact
 * record (another boot, another device file) keeps its failures and its
 * lockout; a torn one gets no failures and a lockout until
 * |torn_locked_until| (the caller's now plus lockout_seconds), never a clean
 * state; a missing one neither. The caller picks |since|: the boot time when
 * every lost write happened before this boot, else now.
 */
void sts_mfa_state_rebuild(sts_mfa_state *st, sts_mfa_state_fault fault, unsigned period,
			   unsigned window, int64_t since, int64_t torn_locked_until);

/* ---- what a user's side files (lib/mfa/mfa_side.c) need of a lock ---- */

/* The store directory's descriptor and path, and the locked user's name. */
int sts_mfa_lock_dirfd(const sts_mfa_lock *lock);
const char *sts_mfa_lock_dir(const sts_mfa_lock *lock);
const char *sts_mfa_lock_user_name(const sts_mfa_lock *lock);

#endif
