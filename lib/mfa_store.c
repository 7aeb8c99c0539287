/* The MFA store's directory, per-user locks, and atomic record updates. */
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

#define RECORD_MAX   4096
#define NAME_MAX_LEN 64

struct sts_mfa_store {
	int dirfd;
	char *path;
};

struct sts_mfa_lock {
	sts_mfa_store *store;
	int fd;
	char user[NAME_MAX_LEN + 1];
};

bool sts_mfa_user_valid(const char *user)
{
	size_t n = user ? strlen(user) : 0;

	if (n == 0 || n > NAME_MAX_LEN || user[0] == '.' || user[0] == '-')
		return false;
	/* Names that would collide with the store's own USER.lock / USER.tmp.PID files. */
	if ((n > 5 && strcmp(user + n - 5, ".lock") == 0) || strstr(user, ".tmp."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = user[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

int sts_mfa_store_open(const char *dir, sts_mfa_store **out, sts_error *err)
{
	struct stat st;
	sts_mfa_store *store;
	int fd;

	*out = NULL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sts_error_set(err, "MFA store %s: cannot open: %s", dir, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO))) {
		close(fd);
		return sts_error_set(
			err, "MFA store %s: must be a directory owned by uid %u with mode 0700",
			dir, (unsigned)geteuid());
	}
	store = calloc(1, sizeof(*store));
	if (!store || !(store->path = strdup(dir))) {
		free(store);
		close(fd);
		return sts_error_set(err, "MFA store %s: out of memory", dir);
	}
	store->dirfd = fd;
	*out = store;
	return 0;
}

void sts_mfa_store_close(sts_mfa_store *store)
{
	if (!store)
		return;
	close(store->dirfd);
	free(store->path);
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
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
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
	snprintf(lock->user, sizeof(lock->user), "%s", user);
	*out = lock;
	return 0;
}

void sts_mfa_unlock(sts_mfa_lock *lock)
{
	if (!lock)
		return;
	close(lock->fd); /* closing the descriptor releases the flock */
	free(lock);
}

int sts_mfa_read(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err)
{
	char *text = NULL, label[NAME_MAX_LEN + 128];
	size_t len = 0;
	int rc;

	rc = sts_read_at(lock->store->dirfd, lock->user, RECORD_MAX,
			 STS_READ_EUID_OWNED | STS_READ_PRIVATE, &text, &len, err);
	if (rc == STS_READ_ENOENT)
		return STS_MFA_NO_DEVICE;
	if (rc < 0) {
		char why[sizeof(err->msg)];
		snprintf(why, sizeof(why), "%s", err->msg);
		sts_error_set(err, "MFA store %s/%.500s", lock->store->path, why);
		return -1;
	}
	snprintf(label, sizeof(label), "MFA store %s/%s", lock->store->path, lock->user);
	rc = sts_mfa_record_parse(text, len, label, rec, err);
	sts_free_secret(text, len);
	return rc < 0 ? -1 : STS_MFA_FOUND;
}

int sts_mfa_write(sts_mfa_lock *lock, const sts_mfa_record *rec, sts_error *err)
{
	char tmp[NAME_MAX_LEN + 32];
	char *text = sts_mfa_record_format(rec);
	int fd, rc = -1;

	if (!text)
		return sts_error_set(err, "MFA store: cannot format the record");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", lock->user, (long)getpid());
	unlinkat(lock->store->dirfd, tmp, 0); /* a leftover of a crashed writer */
	fd = openat(lock->store->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		sts_error_set(err, "MFA store %s/%s: cannot create: %s", lock->store->path, tmp,
			      strerror(errno));
		goto out;
	}
	if (sts_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		sts_error_set(err, "MFA store %s/%s: write failed: %s", lock->store->path, tmp,
			      strerror(errno));
		close(fd);
		unlinkat(lock->store->dirfd, tmp, 0);
		goto out;
	}
	close(fd);
	/* The record is synced before the rename, so a crash leaves either the
	 * old record or the new one, never a torn one. The directory is not
	 * synced after the rename (one sync less on every login): a power loss
	 * right after a login may bring back the previous record, re-opening only
	 * codes accepted in those last seconds, which expire with the TOTP window
	 * (totp_window steps, 30-90 s by default) long before a host is back. */
	if (renameat(lock->store->dirfd, tmp, lock->store->dirfd, lock->user) < 0) {
		sts_error_set(err, "MFA store %s/%s: cannot replace: %s", lock->store->path,
			      lock->user, strerror(errno));
		unlinkat(lock->store->dirfd, tmp, 0);
		goto out;
	}
	rc = 0;
out:
	sts_free_secret_str(text);
	return rc;
}

int sts_mfa_remove(sts_mfa_lock *lock, sts_error *err)
{
	if (unlinkat(lock->store->dirfd, lock->user, 0) < 0 && errno != ENOENT)
		return sts_error_set(err, "MFA store %s/%s: cannot remove: %s", lock->store->path,
				     lock->user, strerror(errno));
	return fsync(lock->store->dirfd) < 0 ? sts_error_set(err, "MFA store: fsync failed") : 0;
}
