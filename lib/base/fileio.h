/*
 * Reading files safely: never through a symbolic link, checks made on the
 * open descriptor (not the path), bounded size.
 */
#ifndef STS_FILEIO_H
#define STS_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

enum {
	STS_READ_NOFOLLOW = 1 << 0,	/* refuse a symbolic link as the last component */
	STS_READ_ROOT_OWNED = 1 << 1,	/* owner must be root */
	STS_READ_NOT_WRITABLE = 1 << 2, /* no group/other write permission */
	STS_READ_EUID_OWNED = 1 << 3,	/* owner must be the effective user */
	STS_READ_PRIVATE = 1 << 4,	/* no group/other permission at all */
	STS_READ_ROOT_OR_EUID = 1 << 5, /* owner root or the effective user */
	/* sts_read_file() of a file read with STS_READ_NOFOLLOW: may come
	 * from the resident helper's cache (lib/base/file_cache.h) when enabled. */
	STS_READ_CACHE = 1 << 6,
};

/* Returned by sts_read_at() when the file does not exist. */
#define STS_READ_ENOENT (-2)

/* Reads the whole regular file at |path| (at most |max| bytes) into a
 * NUL-terminated malloc'd buffer. Returns 0, or -1 with |err| set. */
int sts_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
		  sts_error *err);

/* The same relative to |dirfd|, never following a link in |name| (which
 * must be a plain file name). Returns 0, STS_READ_ENOENT, or -1. */
int sts_read_at(int dirfd, const char *name, size_t max, unsigned flags, char **out, size_t *len,
		sts_error *err);

struct stat;
/* sts_read_at(), also giving what fstat(2) said of the open descriptor (the
 * MFA store ties a user's login state to the device file's inode). */
int sts_read_at_stat(int dirfd, const char *name, size_t max, unsigned flags, char **out,
		     size_t *len, struct stat *st, sts_error *err);

/* The file cache's answer for |path| (lib/base/file_cache.h), for a caller that
 * reads it another way on a miss (relative to a directory descriptor): 1 with
 * the contents, as sts_read_file() would give them, when the file is cached,
 * unchanged, and passes the checks of |flags| and |max| again; else 0 and
 * nothing: read the file, which checks it and says why it is refused. */
int sts_read_cached(const char *path, size_t max, unsigned flags, char **out, size_t *len);

/* The effective uid the owner checks compare with: geteuid(), or the value
 * pinned by sts_euid_pin() in a program that never changes credentials. */
uid_t sts_euid(void);
void sts_euid_pin(void);

/* sts_read_file(), also giving what fstat(2) said of the open descriptor
 * (the module keeps pam_sts.conf between the phases of a login while the
 * file stays as it was; lib/base/settings_cache.h). */
int sts_read_file_stat(const char *path, size_t max, unsigned flags, char **out, size_t *len,
		       struct stat *st, sts_error *err);

/* Writes all of |buf| to |fd| (retrying short writes and EINTR); 0 or -1. */
int sts_write_all(int fd, const char *buf, size_t len);

/* Wipes and frees a buffer that held secrets. */
void sts_free_secret(char *buf, size_t len);
void sts_free_secret_str(char *s);

#endif
