/*
 * A user's login state file (USER.state) in the MFA store: two checksummed
 * slots of which each attempt overwrites the older in place, without fsync;
 * a file that is missing, torn, from another device or another boot is
 * rebuilt (mfa_state.c says how). Called by mfa_store.c under the user's lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "mfa/mfa_store_internal.h"
#include "mfa/mfa_store_lock.h"

void sts_mfa_state_name(char *buf, size_t cap, const sts_mfa_lock *lock)
{
	snprintf(buf, cap, "%s.state", lock->user);
}

/* This boot's id: once per store, and from /proc once per process (mfa_state.c). */
static const char *boot_id(sts_mfa_store *store, sts_error *err)
{
	if (!store->boot_id[0] &&
	    sts_mfa_read_boot_id(store->boot_id_path, store->boot_id, err) < 0)
		return NULL;
	return store->boot_id;
}

/*
 * Opens USER.state with the checks of every store file, and one link only
 * (the store never makes a second: one is someone else's doing). Returns the
 * descriptor, STS_READ_ENOENT, or -1.
 */
static int open_state(sts_mfa_lock *lock, struct stat *st, sts_error *err)
{
	char name[FILE_MAX_LEN];
	int fd;

	sts_mfa_state_name(name, sizeof(name), lock);
	fd = openat(lock->store->dirfd, name,
		    O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return STS_READ_ENOENT;
	if (fd < 0) {
		sts_error_set(err, "MFA store %s/%s: %s", lock->store->path, name,
			      errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_uid != sts_euid() ||
	    (st->st_mode & (S_IRWXG | S_IRWXO)) || st->st_nlink != 1) {
		close(fd);
		sts_error_set(
			err,
			"MFA store %s/%s: not a regular file of uid %u without group or other "
			"access and with one link",
			lock->store->path, name, (unsigned)sts_euid());
		return -1;
	}
	return fd;
}

static void apply_state(sts_mfa_record *rec, const sts_mfa_state *st)
{
	rec->last_step = st->last_step;
	rec->failures = st->failures;
	rec->failure_start = st->failure_start;
	rec->locked_until = st->locked_until;
}

static const char *const fault_text[] = {
	[STS_MFA_STATE_OTHER_BOOT] = "written before this boot",
	[STS_MFA_STATE_OTHER_DEVICE] = "written for another device file",
	[STS_MFA_STATE_TORN] = "not a whole login state record",
	[STS_MFA_STATE_MISSING] = "missing",
};

/*
 * Replaces USER.state by a new file whose two slots hold |text| (synced when
 * |durable|): written whole to USER.state.tmp.PID, then renamed over it, and
 * kept open for the next write. A write that stops short (a full disk, a
 * file size limit) is an error and leaves the old file.
 */
static int replace_state(sts_mfa_lock *lock, const char *text, uint64_t sequence, bool durable,
			 sts_error *err)
{
	char tmp[FILE_MAX_LEN], name[FILE_MAX_LEN];
	int dirfd = lock->store->dirfd;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.state.tmp.%ld", lock->user, (long)getpid());
	sts_mfa_state_name(name, sizeof(name), lock);
	fd = sts_mfa_store_temp(lock, tmp, err);
	if (fd < 0)
		return -1;
	errno = 0;
	for (unsigned i = 0; i < STS_MFA_STATE_SLOTS && rc == 0; i++)
		if (sts_write_all(fd, text, STS_MFA_STATE_SIZE) < 0)
			rc = -1;
	if (rc < 0 || (durable && fsync(fd) < 0) || renameat(dirfd, tmp, dirfd, name) < 0) {
		rc = sts_error_set(err, "MFA store %s/%s: cannot write: %s", lock->store->path,
				   name, errno ? strerror(errno) : "short write");
		unlinkat(dirfd, tmp, 0);
		close(fd);
		return rc;
	}
	if (lock->state_fd >= 0)
		close(lock->state_fd);
	lock->state_fd = fd;
	lock->slotted = true;
	lock->slot = 0;
	lock->sequence = sequence;
	return 0;
}

/* Overwrites the older slot of the file the last read found with |text|:
 * one pwrite(2), the login path. Cut short, the newer slot stays whole. */
static int write_slot(sts_mfa_lock *lock, const char *text, uint64_t sequence, sts_error *err)
{
	unsigned older = (lock->slot + 1) % STS_MFA_STATE_SLOTS;
	ssize_t n =
		pwrite(lock->state_fd, text, STS_MFA_STATE_SIZE, (off_t)older * STS_MFA_STATE_SIZE);

	if (n != STS_MFA_STATE_SIZE)
		return sts_error_set(err, "MFA store %s/%s.state: cannot write: %s",
				     lock->store->path, lock->user,
				     n < 0 ? strerror(errno) : "short write");
	lock->slot = older;
	lock->sequence = sequence;
	return 0;
}

/* Writes the login state of |rec| for the device file with inode |ino|: over
 * the older slot after a read that found a whole one, else (or when
 * |durable|, synced) as a new file. */
int sts_mfa_state_save(sts_mfa_lock *lock, const sts_mfa_record *rec, uint64_t ino, bool durable,
		       sts_error *err)
{
	char text[STS_MFA_STATE_SIZE];
	sts_mfa_state st = {
		.sequence = lock->sequence + 1,
		.device = ino,
		.window = lock->store->window,
		.last_step = rec->last_step,
		.failures = rec->failures,
		.failure_start = rec->failure_start,
		.locked_until = rec->locked_until,
	};
	const char *boot = boot_id(lock->store, err);
	int rc;

	if (!boot)
		return -1;
	memcpy(st.boot_id, boot, sizeof(st.boot_id));
	if (sts_mfa_state_format(&st, text) < 0)
		return sts_error_set(err, "MFA store %s/%s.state: a value is out of range",
				     lock->store->path, lock->user);
	if (!durable && lock->slotted && lock->state_fd >= 0)
		rc = write_slot(lock, text, st.sequence, err);
	else
		rc = replace_state(lock, text, st.sequence, durable, err);
	explicit_bzero(text, sizeof(text));
	return rc;
}

/*
 * A state not to be trusted as it is: rebuilt (see sts_mfa_state_rebuild)
 * from |since|: the boot time when every write it may have lost happened
 * before this boot (written in an earlier boot, or torn and last modified
 * before it), else now (a file torn or removed in this boot may have lost a
 * write of a moment ago). |torn| is the torn file's fstat, else NULL.
 *
 * A torn state is rebuilt as a lockout from now, and that record is written
 * at once: the lockout starts at the first read that found the file torn,
 * and only that read reports it.
 */
static int rebuild(sts_mfa_lock *lock, sts_mfa_record *rec, sts_mfa_state *st,
		   sts_mfa_state_fault fault, const struct stat *torn, sts_error *err)
{
	sts_mfa_store *store = lock->store;
	int64_t now = (int64_t)time(NULL), since = now, btime;

	if (fault == STS_MFA_STATE_OTHER_BOOT || torn) {
		if (sts_mfa_read_btime(store->stat_path, &btime, err) < 0)
			return -1;
		if (!torn || (int64_t)torn->st_mtime < btime)
			since = btime;
	}
	sts_mfa_state_rebuild(st, fault, rec->period, store->window, since,
			      now + (int64_t)store->lockout_seconds);
	apply_state(rec, st);
	if (fault == STS_MFA_STATE_TORN &&
	    sts_mfa_state_save(lock, rec, lock->device_ino, false, err) < 0)
		return -1;
	snprintf(lock->note, sizeof(lock->note),
		 "MFA store %.400s/%s.state: %s; login state rebuilt: %s, codes up to time step "
		 "%lld refused",
		 store->path, lock->user, fault_text[fault],
		 fault == STS_MFA_STATE_TORN	? "locked out as after too many failures" :
		 fault == STS_MFA_STATE_MISSING ? "failures reset, no lockout" :
						  "failures and lockout kept",
		 (long long)st->last_step);
	return 0;
}

/*
 * The newest whole record of the state file read into |buf| (|got| bytes):
 * the slot of version 2 with the higher sequence (remembered for the next
 * write), or a file of one record of version 1. 0; -1 when there is none (a
 * torn file); STS_MFA_STATE_NOMEM.
 */
static int newest_record(sts_mfa_lock *lock, const char *buf, ssize_t got, const char *label,
			 sts_mfa_state *st, sts_error *err)
{
	sts_mfa_state slot;
	int found = -1, rc;

	if (got == STS_MFA_STATE_SIZE) {
		rc = sts_mfa_state_parse(buf, STS_MFA_STATE_SIZE, label, st, err);
		if (rc == 0 && st->version != 1)
			rc = sts_error_set(err, "%s: one slot of two", label);
		return rc;
	}
	if (got != STS_MFA_STATE_SLOTS * STS_MFA_STATE_SIZE)
		return sts_error_set(err, "%s: %zd bytes, not a whole login state file", label,
				     got);
	for (unsigned i = 0; i < STS_MFA_STATE_SLOTS; i++) {
		rc = sts_mfa_state_parse(buf + (size_t)i * STS_MFA_STATE_SIZE, STS_MFA_STATE_SIZE,
					 label, &slot, err);
		if (rc == STS_MFA_STATE_NOMEM)
			return rc;
		if (rc == 0 && slot.version != 1 && (found < 0 || slot.sequence > st->sequence)) {
			*st = slot;
			found = (int)i;
		}
	}
	if (found < 0)
		return sts_error_set(err, "%s: no whole slot", label);
	lock->slotted = true;
	lock->slot = (unsigned)found;
	lock->sequence = st->sequence;
	return 0;
}

/* The login state of the device just read into |rec|: 0, or -1 (refused file, I/O). */
int sts_mfa_state_load(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err)
{
	char buf[STS_MFA_STATE_SLOTS * STS_MFA_STATE_SIZE + 1], label[640];
	sts_mfa_state st;
	struct stat sb;
	const char *boot;
	ssize_t got;
	int rc, fd = open_state(lock, &sb, err);

	memset(&st, 0, sizeof(st));
	if (fd == STS_READ_ENOENT)
		/* Format 1 keeps its own state fields until the first write. */
		return lock->format1 ? 0 :
				       rebuild(lock, rec, &st, STS_MFA_STATE_MISSING, NULL, err);
	if (fd < 0)
		return -1;
	got = pread(fd, buf, sizeof(buf), 0);
	if (got < 0) {
		sts_error_set(err, "MFA store %s/%s.state: read failed: %s", lock->store->path,
			      lock->user, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(label, sizeof(label), "MFA store %s/%s.state", lock->store->path, lock->user);
	rc = newest_record(lock, buf, got, label, &st, err);
	/* Kept for the write that follows, which overwrites the other slot. */
	if (lock->slotted)
		lock->state_fd = fd;
	else
		close(fd);
	if (rc == STS_MFA_STATE_NOMEM)
		return -1;
	if (rc < 0)
		return rebuild(lock, rec, &st, STS_MFA_STATE_TORN, &sb, err);
	if (st.device != lock->device_ino)
		return rebuild(lock, rec, &st, STS_MFA_STATE_OTHER_DEVICE, NULL, err);
	if (!(boot = boot_id(lock->store, err)))
		return -1;
	if (strcmp(st.boot_id, boot) != 0)
		return rebuild(lock, rec, &st, STS_MFA_STATE_OTHER_BOOT, NULL, err);
	apply_state(rec, &st);
	return 0;
}
