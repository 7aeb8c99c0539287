/* Bounded, link-refusing file reads with checks on the open descriptor. */
#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file_cache.h"

/*
 * sts-helper (exec'd or resident) never changes its credentials: no seteuid()
 * or setresuid() anywhere in it, and the broker serves every request as the
 * uid it started with (helper/sts-helper/sts_helper_serve.c). Its main() pins
 * the effective uid once, so the owner checks of the files it reads need no
 * geteuid() system call each (docs/login-latency.md counts a login's system
 * calls). pam_sts.so never pins: it runs inside sshd, sudo or su, which may
 * switch effective uid between PAM calls.
 */
static struct {
	bool pinned;
	uid_t uid;
} euid;

void sts_euid_pin(void)
{
	euid.uid = geteuid();
	euid.pinned = true;
}

uid_t sts_euid(void)
{
	return euid.pinned ? euid.uid : geteuid();
}

/* The checks of |flags| and |max| on what fstat(2) said of the open file. */
static int check_stat(const struct stat *st, const char *path, size_t max, unsigned flags,
		      sts_error *err)
{
	if (!S_ISREG(st->st_mode))
		return sts_error_set(err, "%s: not a regular file", path);
	if ((flags & STS_READ_ROOT_OWNED) && st->st_uid != 0)
		return sts_error_set(err, "%s: not owned by root", path);
	if ((flags & STS_READ_EUID_OWNED) && st->st_uid != sts_euid())
		return sts_error_set(err, "%s: wrong owner (uid %u)", path, (unsigned)st->st_uid);
	if ((flags & STS_READ_ROOT_OR_EUID) && st->st_uid != 0 && st->st_uid != sts_euid())
		return sts_error_set(err, "%s: not owned by root", path);
	if ((flags & STS_READ_NOT_WRITABLE) && (st->st_mode & (S_IWGRP | S_IWOTH)))
		return sts_error_set(err, "%s: writable by group or others", path);
	if ((flags & STS_READ_PRIVATE) && (st->st_mode & (S_IRWXG | S_IRWXO)))
		return sts_error_set(err, "%s: accessible by group or others (mode %04o)", path,
				     (unsigned)(st->st_mode & 07777));
	if ((size_t)st->st_size > max)
		return sts_error_set(err, "%s: larger than %zu bytes", path, max);
	return 0;
}

static int check_descriptor(int fd, const char *path, size_t max, unsigned flags, struct stat *st,
			    sts_error *err)
{
	if (fstat(fd, st) < 0)
		return sts_error_set(err, "%s: cannot stat: %s", path, strerror(errno));
	return check_stat(st, path, max, flags, err);
}

/* Reads to the end of the file. |expect| is the size fstat(2) gave: the
 * buffer starts at that (a larger one would touch heap pages for nothing,
 * and each first touch of a page is a page fault; docs/login-latency.md says
 * what one costs a login), and a read that stops short of what was asked,
 * exactly there, has reached the end of the regular file (such a read
 * returns less only at its end), so the read that would return 0 is not made
 * (one system call fewer per file, on every login's path). A file that grew
 * since is read on; one that shrank, or one whose size fstat does not know
 * (0, as in /proc), is read until a read returns 0. */
static int read_all(int fd, const char *path, size_t max, size_t expect, char **out, size_t *len,
		    sts_error *err)
{
	size_t cap = expect == 0 ? 4096 : expect < max ? expect + 1 : max, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return sts_error_set(err, "%s: out of memory", path);
	for (;;) {
		ssize_t got;
		if (n == cap) {
			char *grown;
			if (cap >= max) {
				free(buf);
				return sts_error_set(err, "%s: larger than %zu bytes", path, max);
			}
			cap = cap * 2 > max ? max : cap * 2;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				return sts_error_set(err, "%s: out of memory", path);
			}
			buf = grown;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return sts_error_set(err, "%s: read failed: %s", path, strerror(errno));
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == expect && n < cap)
			break;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int read_open_fd(int fd, const char *path, size_t max, unsigned flags, char **out,
			size_t *len, struct stat *st, sts_error *err)
{
	int rc = check_descriptor(fd, path, max, flags, st, err);

	if (rc == 0)
		rc = read_all(fd, path, max, (size_t)st->st_size, out, len, err);
	close(fd);
	return rc;
}

int sts_read_at(int dirfd, const char *name, size_t max, unsigned flags, char **out, size_t *len,
		sts_error *err)
{
	struct stat st;

	return sts_read_at_stat(dirfd, name, max, flags, out, len, &st, err);
}

int sts_read_at_stat(int dirfd, const char *name, size_t max, unsigned flags, char **out,
		     size_t *len, struct stat *st, sts_error *err)
{
	int fd;

	*out = NULL;
	*len = 0;
	if (strchr(name, '/'))
		return sts_error_set(err, "%s: not a plain file name", name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return STS_READ_ENOENT;
		if (errno == ELOOP)
			return sts_error_set(err, "%s: is a symbolic link (refused)", name);
		return sts_error_set(err, "%s: cannot open: %s", name, strerror(errno));
	}
	return read_open_fd(fd, name, max, flags, out, len, st, err);
}

void sts_free_secret(char *buf, size_t len)
{
	if (!buf)
		return;
	explicit_bzero(buf, len);
	free(buf);
}

void sts_free_secret_str(char *s)
{
	if (s)
		sts_free_secret(s, strlen(s));
}

/* sts_read_cached(), also giving the stat the contents were read with. */
static int read_cached_stat(const char *path, size_t max, unsigned flags, char **out, size_t *len,
			    struct stat *st)
{
	sts_error ignored;

	if (sts_file_cache_get(path, st, out, len) == 0)
		return 0;
	/* The same checks as on the descriptor it was read from: they pass
	 * again unless this caller asks for more (then the fresh read says why). */
	if (check_stat(st, path, max, flags, &ignored) == 0)
		return 1;
	sts_free_secret(*out, *len);
	*out = NULL;
	*len = 0;
	return 0;
}

int sts_read_cached(const char *path, size_t max, unsigned flags, char **out, size_t *len)
{
	struct stat st;

	return read_cached_stat(path, max, flags, out, len, &st);
}

int sts_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
		  sts_error *err)
{
	struct stat st;

	return sts_read_file_stat(path, max, flags, out, len, &st, err);
}

int sts_read_file_stat(const char *path, size_t max, unsigned flags, char **out, size_t *len,
		       struct stat *st, sts_error *err)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	bool cache = (flags & STS_READ_CACHE) && sts_file_cache_enabled();
	struct timespec since = { 0, 0 };
	int fd, rc;

	*out = NULL;
	*len = 0;
	if (cache && read_cached_stat(path, max, flags, out, len, st))
		return 0;
	if (cache)
		sts_file_cache_clock(&since);
	if (flags & STS_READ_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	fd = open(path, oflags);
	if (fd < 0) {
		if (errno == ELOOP && (flags & STS_READ_NOFOLLOW))
			return sts_error_set(err, "%s: is a symbolic link (refused)", path);
		return sts_error_set(err, "%s: cannot open: %s", path, strerror(errno));
	}
	rc = read_open_fd(fd, path, max, flags, out, len, st, err);
	if (rc == 0 && cache)
		sts_file_cache_put(path, st, &since, *out, *len);
	return rc;
}

int sts_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
