/*
 * The MFA store's directory, per-user locks, and a user's device file (USER),
 * rewritten only when the device changes, durably. The login state file
 * (USER.state) is mfa_store_state.c's.
 */
#include "mfa/mfa_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "mfa/mfa_store_internal.h"
#include "mfa/mfa_store_lock.h"

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

/* Creates |name| afresh (removing a leftover of a crashed writer), and
 * checks the new file like every store file. */
int sts_mfa_store_temp(sts_mfa_lock *lock, const char *name, sts_error *err)
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
int sts_mfa_read(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err)
{
	int rc;

	forget(lock);
	memset(rec, 0, sizeof(*rec));
	rc = read_device(lock, rec, err);
	if (rc != STS_MFA_FOUND)
		return rc;
	if (sts_mfa_state_load(lock, rec, err) < 0) {
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
	fd = sts_mfa_store_temp(lock, tmp, err);
	if (fd < 0)
		goto out;
	if (sts_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0) {
		sts_error_set(err, "MFA store %s/%s: write failed: %s", lock->store->path, tmp,
			      strerror(errno));
		goto out;
	}
	if (sts_mfa_state_save(lock, rec, (uint64_t)st.st_ino, true, err) < 0)
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
		return sts_mfa_state_save(lock, rec, lock->device_ino, false, err);
	return write_device(lock, rec, err);
}

int sts_mfa_remove(sts_mfa_lock *lock, sts_error *err)
{
	char name[FILE_MAX_LEN];

	forget(lock);
	sts_mfa_state_name(name, sizeof(name), lock);
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
