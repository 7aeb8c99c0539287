/*
 * The MFA store's directory, per-user locks, and a user's two files: the
 * device (USER), rewritten only when the device changes, durably; and the
 * login state (USER.state), two checksummed slots of which each attempt
 * overwrites the older in place, without fsync (mfa_state.c says how it is
 * rebuilt after a crash).
 */
#include "mfa_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "mfa_store_internal.h"

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

int sts_mfa_store_open_at(const char *dir, unsigned totp_window, const char *boot_id_path,
			  const char *stat_path, sts_mfa_store **out, sts_error *err)
{
	struct stat st;
	sts_mfa_store *store;
	int fd;

	*out = NULL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sts_error_set(err, "MFA store %s: cannot open: %s", dir, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != sts_euid() || (st.st_mode & (S_IRWXG | S_IRWXO))) {
		close(fd);
		return sts_error_set(
			err, "MFA store %s: must be a directory owned by uid %u with mode 0700",
			dir, (unsigned)sts_euid());
	}
	store = calloc(1, sizeof(*store));
	if (!store) {
		close(fd);
		return sts_error_set(err, "MFA store %s: out of memory", dir);
	}
	store->dirfd = fd;
	if (!(store->path = strdup(dir)) || !(store->boot_id_path = strdup(boot_id_path)) ||
	    !(store->stat_path = strdup(stat_path))) {
		sts_mfa_store_close(store);
		return sts_error_set(err, "MFA store %s: out of memory", dir);
	}
	store->window = totp_window;
	store->lockout_seconds = DEFAULT_LOCKOUT_SECONDS;
	*out = store;
	return 0;
}

void sts_mfa_store_set_lockout(sts_mfa_store *store, unsigned lockout_seconds)
{
	store->lockout_seconds = lockout_seconds;
}

int sts_mfa_store_open(const char *dir, unsigned totp_window, sts_mfa_store **out, sts_error *err)
{
	return sts_mfa_store_open_at(dir, totp_window, STS_MFA_BOOT_ID_PATH, STS_MFA_STAT_PATH, out,
				     err);
}

void sts_mfa_store_close(sts_mfa_store *store)
{
	if (!store)
		return;
	close(store->dirfd);
	free(store->path);
	free(store->boot_id_path);
	free(store->stat_path);
	free(store);
}

/* This boot's id: once per store, and from /proc once per process (mfa_state.c). */
static const char *boot_id(sts_mfa_store *store, sts_error *err)
{
	if (!store->boot_id[0] &&
	    sts_mfa_read_boot_id(store->boot_id_path, store->boot_id, err) < 0)
		return NULL;
	return store->boot_id;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Opens (creating) USER.lock and checks it like any store file. */
static int open_lock_file(sts_mfa_store *store, const char *user, sts_error *err)
{
	char name[NAME_MAX_LEN + 8];
	struct stat st;
	int fd;

	snprintf(name, sizeof(name), "%s.lock", user);
	fd = openat(store->dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return sts_error_set(err, "MFA store %s/%s: cannot open: %s", store->path, name,
				     strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != sts_euid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO))) {
		close(fd);
		return sts_error_set(err, "MFA store %s/%s: wrong type, owner or mode", store->path,
				     name);
	}
	return fd;
}

int sts_mfa_lock_user(sts_mfa_store *store, const char *user, unsigned timeout_ms,
		      sts_mfa_lock **out, sts_error *err)
{
	sts_mfa_lock *lock;
	unsigned waited = 0, step = 1;
	int fd;

	*out = NULL;
	if (!sts_mfa_user_valid(user))
		return sts_error_set(err, "MFA store: user name not usable as a file name");
	fd = open_lock_file(store, user, err);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || waited >= timeout_ms) {
			close(fd);
			return sts_error_set(err, "MFA store %s: lock for %s not obtained in %u ms",
					     store->path, user, timeout_ms);
		}
		sleep_ms(step);
		waited += step;
		step = step < 16 ? step * 2 : 16;
	}
	lock = calloc(1, sizeof(*lock));
	if (!lock) {
		close(fd);
		return sts_error_set(err, "MFA store: out of memory");
	}
	lock->store = store;
	lock->fd = fd;
	lock->state_fd = -1;
	snprintf(lock->user, sizeof(lock->user), "%s", user);
	*out = lock;
	return 0;
}

/* Drops what the last read found. */
static void forget(sts_mfa_lock *lock)
{
	if (lock->state_fd >= 0)
		close(lock->state_fd);
	lock->state_fd = -1;
	lock->slotted = false;
	lock->slot = 0;
	lock->sequence = 0;
	lock->have_device = false;
	lock->format1 = false;
	lock->device_ino = 0;
	lock->note[0] = '\0';
	sts_mfa_record_wipe(&lock->device);
}

void sts_mfa_unlock(sts_mfa_lock *lock)
{
	if (!lock)
		return;
	forget(lock);
	close(lock->fd); /* closing the descriptor releases the flock */
	free(lock);
}

const char *sts_mfa_state_note(const sts_mfa_lock *lock)
{
	return lock->note[0] ? lock->note : NULL;
}

static void state_name(char *buf, size_t cap, const sts_mfa_lock *lock)
{
	snprintf(buf, cap, "%s.state", lock->user);
}

static int read_device(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err)
{
	char *text = NULL, label[NAME_MAX_LEN + 128];
	struct stat st;
	size_t len = 0;
	int rc;

	rc = sts_read_at_stat(lock->store->dirfd, lock->user, RECORD_MAX,
			      STS_READ_EUID_OWNED | STS_READ_PRIVATE, &text, &len, &st, err);
	if (rc == STS_READ_ENOENT)
		return STS_MFA_NO_DEVICE;
	if (rc < 0) {
		char why[sizeof(err->msg)];
		snprintf(why, sizeof(why), "%s", err->msg);
		return sts_error_set(err, "MFA store %s/%.500s", lock->store->path, why);
	}
	snprintf(label, sizeof(label), "MFA store %s/%s", lock->store->path, lock->user);
	rc = sts_mfa_device_parse(text, len, label, rec, &lock->format1, err);
	sts_free_secret(text, len);
	if (rc < 0)
		return -1;
	lock->device_ino = (uint64_t)st.st_ino;
	return STS_MFA_FOUND;
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

	state_name(name, sizeof(name), lock);
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

/* Creates |name| afresh (removing a leftover of a crashed writer), and
 * checks the new file like every store file. */
static int create_temp(sts_mfa_lock *lock, const char *name, sts_error *err)
{
	struct stat st;
	int fd;

	unlinkat(lock->store->dirfd, name, 0);
	fd = openat(lock->store->dirfd, name,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return sts_error_set(err, "MFA store %s/%s: cannot create: %s", lock->store->path,
				     name, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != sts_euid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) || st.st_nlink != 1) {
		close(fd);
		unlinkat(lock->store->dirfd, name, 0);
		return sts_error_set(err, "MFA store %s/%s: created with the wrong owner or mode",
				     lock->store->path, name);
	}
	return fd;
}

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
	state_name(name, sizeof(name), lock);
	fd = create_temp(lock, tmp, err);
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
static int write_state(sts_mfa_lock *lock, const sts_mfa_record *rec, uint64_t ino, bool durable,
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
	if (fault == STS_MFA_STATE_TORN && write_state(lock, rec, lock->device_ino, false, err) < 0)
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
static int read_state(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err)
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

int sts_mfa_read(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err)
{
	int rc;

	forget(lock);
	memset(rec, 0, sizeof(*rec));
	rc = read_device(lock, rec, err);
	if (rc != STS_MFA_FOUND)
		return rc;
	if (read_state(lock, rec, err) < 0) {
		forget(lock);
		sts_mfa_record_wipe(rec);
		return -1;
	}
	lock->device = *rec;
	lock->have_device = true;
	return STS_MFA_FOUND;
}

/*
 * A new or changed device: the device file is written to a temporary file
 * and synced, then the state naming that file's inode is written and
 * synced, then the device file is renamed into place and the directory
 * synced. A crash in between leaves either the old device with a state that
 * names another file (rebuilt, not trusted, by the next read) or both new.
 */
static int write_device(sts_mfa_lock *lock, const sts_mfa_record *rec, sts_error *err)
{
	char tmp[FILE_MAX_LEN];
	char *text = sts_mfa_record_format(rec);
	int dirfd = lock->store->dirfd;
	struct stat st;
	int fd = -1, rc = -1;

	if (!text)
		return sts_error_set(err, "MFA store: cannot format the record");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", lock->user, (long)getpid());
	fd = create_temp(lock, tmp, err);
	if (fd < 0)
		goto out;
	if (sts_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0) {
		sts_error_set(err, "MFA store %s/%s: write failed: %s", lock->store->path, tmp,
			      strerror(errno));
		goto out;
	}
	if (write_state(lock, rec, (uint64_t)st.st_ino, true, err) < 0)
		goto out;
	if (renameat(dirfd, tmp, dirfd, lock->user) < 0) {
		sts_error_set(err, "MFA store %s/%s: cannot replace: %s", lock->store->path,
			      lock->user, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	lock->device = *rec;
	lock->have_device = true;
	lock->format1 = false;
	lock->device_ino = (uint64_t)st.st_ino;
	if (fsync(dirfd) < 0) {
		sts_error_set(err, "MFA store %s: fsync failed: %s", lock->store->path,
			      strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlinkat(dirfd, tmp, 0);
	sts_free_secret_str(text);
	return rc;
}

int sts_mfa_write(sts_mfa_lock *lock, const sts_mfa_record *rec, sts_error *err)
{
	if (lock->have_device && !lock->format1 && sts_mfa_device_equal(&lock->device, rec))
		return write_state(lock, rec, lock->device_ino, false, err);
	return write_device(lock, rec, err);
}

int sts_mfa_remove(sts_mfa_lock *lock, sts_error *err)
{
	char name[FILE_MAX_LEN];

	forget(lock);
	state_name(name, sizeof(name), lock);
	/* The device first: a state left without a device is never read. */
	if (unlinkat(lock->store->dirfd, lock->user, 0) < 0 && errno != ENOENT)
		return sts_error_set(err, "MFA store %s/%s: cannot remove: %s", lock->store->path,
				     lock->user, strerror(errno));
	if (unlinkat(lock->store->dirfd, name, 0) < 0 && errno != ENOENT)
		return sts_error_set(err, "MFA store %s/%s: cannot remove: %s", lock->store->path,
				     name, strerror(errno));
	return fsync(lock->store->dirfd) < 0 ? sts_error_set(err, "MFA store: fsync failed") : 0;
}

int sts_mfa_lock_dirfd(const sts_mfa_lock *lock)
{
	return lock->store->dirfd;
}

const char *sts_mfa_lock_dir(const sts_mfa_lock *lock)
{
	return lock->store->path;
}

const char *sts_mfa_lock_user_name(const sts_mfa_lock *lock)
{
	return lock->user;
}
