/*
 * The MFA store's insides shared by its two files: mfa_store.c (the
 * directory, the per-user lock, the device file) and mfa_store_state.c (the
 * login state file). Nothing else includes this.
 */
#ifndef STS_MFA_STORE_LOCK_H
#define STS_MFA_STORE_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa/mfa_store.h"
#include "mfa/mfa_store_internal.h"

#define RECORD_MAX   4096
#define NAME_MAX_LEN 64
#define FILE_MAX_LEN (NAME_MAX_LEN + 32) /* USER.state.tmp.PID */
/* pam_sts.conf's default lockout_seconds, for a store told no other. */
#define DEFAULT_LOCKOUT_SECONDS 900u

struct sts_mfa_store {
	int dirfd;
	char *path;
	unsigned window;	  /* totp_window: how far a lost login may have reached */
	unsigned lockout_seconds; /* how long a torn login state locks its user out */
	char *boot_id_path, *stat_path;
	char boot_id[STS_MFA_BOOT_ID_LEN + 1]; /* read on first use */
};

struct sts_mfa_lock {
	sts_mfa_store *store;
	int fd;
	char user[NAME_MAX_LEN + 1];
	/* What the last read found, so that the write after it rewrites the
	 * device file only when the device changed. */
	bool have_device;
	bool format1;	       /* the device file is in the single-file format 1 */
	sts_mfa_record device; /* as on disk (it holds the secret: wiped in forget()) */
	uint64_t device_ino;
	/* The state file as read: its newer whole slot, open read-write for
	 * the next write to overwrite the other; or not slotted (missing,
	 * torn, of version 1): the next write replaces the file. */
	int state_fd;
	bool slotted;
	unsigned slot;
	uint64_t sequence;
	char note[640];
};

/* USER.state for |lock|'s user. */
void sts_mfa_state_name(char *buf, size_t cap, const sts_mfa_lock *lock);
/* Creates |name| afresh (removing a leftover of a crashed writer), checked
 * like every store file: the descriptor, or -1. */
int sts_mfa_store_temp(sts_mfa_lock *lock, const char *name, sts_error *err);
/* Reads the login state into |rec| (rebuilding it when it must): 0 or -1. */
int sts_mfa_state_load(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err);
/* Writes |rec|'s login state for the device file |ino|: into the older
 * slot, or (|durable|, or no slotted file) as a new file: 0 or -1. */
int sts_mfa_state_save(sts_mfa_lock *lock, const sts_mfa_record *rec, uint64_t ino, bool durable,
		       sts_error *err);

#endif
