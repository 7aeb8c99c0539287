/*
 * A user's side files in the MFA store (lib/mfa/mfa_side.h): the file
 * operations, and the pending device of an enrollment not yet confirmed.
 */
#include "mfa/mfa_side.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "mfa/mfa_store_internal.h"

#define PENDING	      "pending"
#define PENDING_MAX   4096
#define SIDE_NAME_MAX 96 /* USER (64) + ".scratch" */

static void side_name(char *buf, size_t cap, const sts_mfa_lock *lock, const char *suffix)
{
	snprintf(buf, cap, "%s.%s", sts_mfa_lock_user_name(lock), suffix);
}

int sts_mfa_side_read(sts_mfa_lock *lock, const char *suffix, size_t max, char **text, size_t *len,
		      sts_error *err)
{
	char name[SIDE_NAME_MAX];
	int rc;

	side_name(name, sizeof(name), lock, suffix);
	rc = sts_read_at(sts_mfa_lock_dirfd(lock), name, max,
			 STS_READ_NOFOLLOW | STS_READ_EUID_OWNED | STS_READ_PRIVATE, text, len,
			 err);
	if (rc == -1) {
		char why[sizeof(err->msg)];
		snprintf(why, sizeof(why), "%s", err->msg);
		return sts_error_set(err, "MFA store %s/%.500s", sts_mfa_lock_dir(lock), why);
	}
	return rc;
}

int sts_mfa_side_write(sts_mfa_lock *lock, const char *suffix, const char *text, size_t len,
		       sts_error *err)
{
	char name[SIDE_NAME_MAX], tmp[SIDE_NAME_MAX + 32];
	int dirfd = sts_mfa_lock_dirfd(lock), fd;

	side_name(name, sizeof(name), lock, suffix);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", name, (long)getpid());
	unlinkat(dirfd, tmp, 0); /* a crashed writer's leftover */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    0600);
	if (fd < 0)
		return sts_error_set(err, "MFA store %s/%s: cannot create: %s",
				     sts_mfa_lock_dir(lock), tmp, strerror(errno));
	if (sts_write_all(fd, text, len) < 0 || fsync(fd) < 0 ||
	    renameat(dirfd, tmp, dirfd, name) < 0) {
		sts_error_set(err, "MFA store %s/%s: cannot write: %s", sts_mfa_lock_dir(lock),
			      name, strerror(errno));
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (fsync(dirfd) < 0)
		return sts_error_set(err, "MFA store %s: fsync failed: %s", sts_mfa_lock_dir(lock),
				     strerror(errno));
	return 0;
}

int sts_mfa_side_remove(sts_mfa_lock *lock, const char *suffix, sts_error *err)
{
	char name[SIDE_NAME_MAX];
	int dirfd = sts_mfa_lock_dirfd(lock);

	side_name(name, sizeof(name), lock, suffix);
	if (unlinkat(dirfd, name, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		return sts_error_set(err, "MFA store %s/%s: cannot remove: %s",
				     sts_mfa_lock_dir(lock), name, strerror(errno));
	}
	if (fsync(dirfd) < 0)
		return sts_error_set(err, "MFA store %s: fsync failed: %s", sts_mfa_lock_dir(lock),
				     strerror(errno));
	return 0;
}

int sts_mfa_pending_read(sts_mfa_lock *lock, sts_mfa_record *rec, sts_error *err)
{
	char label[SIDE_NAME_MAX + 4200], *text = NULL;
	size_t len = 0;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rc = sts_mfa_side_read(lock, PENDING, PENDING_MAX, &text, &len, err);
	if (rc == STS_READ_ENOENT)
		return STS_MFA_NO_DEVICE;
	if (rc < 0)
		return -1;
	snprintf(label, sizeof(label), "MFA store %s/%s.%s", sts_mfa_lock_dir(lock),
		 sts_mfa_lock_user_name(lock), PENDING);
	rc = sts_mfa_record_parse(text, len, label, rec, err);
	sts_free_secret(text, len);
	if (rc < 0) {
		sts_mfa_record_wipe(rec);
		return -1;
	}
	return STS_MFA_FOUND;
}

int sts_mfa_pending_write(sts_mfa_lock *lock, const sts_mfa_record *rec, sts_error *err)
{
	char *text = sts_mfa_record_format(rec);
	int rc;

	if (!text)
		return sts_error_set(err, "MFA store: cannot format the pending device");
	rc = sts_mfa_side_write(lock, PENDING, text, strlen(text), err);
	sts_free_secret_str(text);
	return rc;
}

int sts_mfa_pending_remove(sts_mfa_lock *lock, sts_error *err)
{
	return sts_mfa_side_remove(lock, PENDING, err);
}
