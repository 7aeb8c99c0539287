/* Session directories: created and removed relative to descriptors only. */
#include "base/session_dir.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include "base/fileio.h"
#include "base/session_reap.h"

#define HEX_LEN	  32
#define MAX_DEPTH 16

/* Creates the runtime directory 0755: users must traverse it to reach their
 * credentials. mkdir's mode is narrowed by the umask (sts-helper's is 077),
 * so the mode is set on the new directory's descriptor; one that was there
 * already keeps the administrator's mode. */
static int create_runtime(const char *runtime_dir, sts_error *err)
{
	int fd;

	if (mkdir(runtime_dir, 0755) < 0)
		return errno == EEXIST ? -2 :
					 sts_error_set(err, "%s: cannot create: %s", runtime_dir,
						       strerror(errno));
	fd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0755) < 0) {
		sts_error_set(err, "%s: cannot set its mode: %s", runtime_dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The runtime directory: created root-owned 0755 when absent; must be owned
 * by the effective user and writable by nobody else. */
static int open_runtime(const char *runtime_dir, bool create, sts_error *err)
{
	struct stat st;
	int fd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		fd = create_runtime(runtime_dir, err);
		if (fd == -1)
			return -1;
		if (fd == -2) /* created by a concurrent login */
			fd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
		return sts_error_set(err, "%s: refused: a symbolic link or not a directory",
				     runtime_dir);
	if (fd < 0)
		return sts_error_set(err, "%s: cannot open: %s", runtime_dir, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != sts_euid() || (st.st_mode & 022)) {
		close(fd);
		return sts_error_set(
			err,
			"%s: refused: must be a directory owned by uid %u and writable "
			"by nobody else",
			runtime_dir, (unsigned)sts_euid());
	}
	return fd;
}

static bool safe_component(const char *s)
{
	return *s && *s != '.' && !strchr(s, '/') && strlen(s) < STS_SESSION_NAME_MAX - HEX_LEN - 2;
}

bool sts_session_name_valid(const char *user, const char *name)
{
	size_t ulen = strlen(user);

	if (!safe_component(user) || strncmp(name, user, ulen) != 0 || name[ulen] != '.' ||
	    strlen(name + ulen + 1) != HEX_LEN)
		return false;
	for (const char *p = name + ulen + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int sts_session_name_new(const char *user, char name[STS_SESSION_NAME_MAX])
{
	static atomic_uint sequence; /* this process's sessions, threads included */
	struct timespec now;
	int n;

	if (!safe_component(user) || clock_gettime(CLOCK_REALTIME, &now) < 0)
		return -1;
	/* pid + sequence: unique among live processes; the time: among the
	 * processes a pid has been reused for. 8 + 16 + 8 = HEX_LEN digits. */
	n = snprintf(name, STS_SESSION_NAME_MAX, "%s.%08x%016llx%08x", user,
		     (unsigned)getpid() & 0xffffffffu,
		     (unsigned long long)now.tv_sec * 1000000000ull +
			     (unsigned long long)now.tv_nsec,
		     atomic_fetch_add(&sequence, 1u));
	return n > 0 && n < STS_SESSION_NAME_MAX ? 0 : -1;
}

/*
 * Fills the new directory: root's record of the session's owner
 * (lib/base/session_reap.h), then the credentials file, created 0600 and handed
 * to the user (fchown on the descriptor). The directory itself stays root's,
 * with the user's group and mode 0710: the user reaches the file by its path
 * and can neither list nor create anything in the directory (nothing can
 * fill /run through it or make it unremovable). The file's mode is the one
 * it was created with (a create only takes bits away, and sts-helper's umask
 * 077 takes none of 0600); the directory's is set explicitly, as mkdirat
 * under that umask cannot give group bits.
 */
static int fill_dir(int dfd, uid_t uid, gid_t gid, const sts_session_owner *owner,
		    const char *content, size_t len)
{
	int fd, rc = -1;

	if (sts_session_owner_write(dfd, owner) < 0)
		return -1;
	fd = openat(dfd, STS_CREDENTIALS_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -1;
	if (sts_write_all(fd, content, len) == 0 && fchown(fd, uid, gid) == 0 &&
	    fchown(dfd, (uid_t)-1, gid) == 0 && fchmod(dfd, STS_SESSION_DIR_MODE) == 0)
		rc = 0;
	close(fd);
	return rc;
}

int sts_session_create(const char *runtime_dir, const char *user, uid_t uid, gid_t gid,
		       const sts_session_owner *owner, const char *content, size_t len,
		       const char *name, sts_error *err)
{
	int rfd, dfd = -1, rc = -1;

	if (!sts_session_name_valid(user, name))
		return sts_error_set(err, "session \"%s\" is not a session name of %s", name, user);
	rfd = open_runtime(runtime_dir, true, err);
	if (rfd < 0)
		return -1;
	/* mkdirat fails on anything already there (a planted link included):
	 * the name is new, so that is never a session of ours. */
	if (mkdirat(rfd, name, 0700) == 0)
		dfd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		sts_error_set(err, "%s/%s: cannot create the session directory: %s", runtime_dir,
			      name, strerror(errno));
		goto out;
	}
	if (fill_dir(dfd, uid, gid, owner, content, len) < 0) {
		sts_error_set(err, "%s/%s: cannot write the credentials: %s", runtime_dir, name,
			      strerror(errno));
		close(dfd);
		dfd = -1;
		sts_session_remove(runtime_dir, user, uid, name, NULL);
		goto out;
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	close(rfd);
	return rc;
}

static int empty_dir(int dfd, int depth);

/* Removes the entry |name| of the directory |dfd|: a file at once, a
 * directory (never a link to one) emptied first. "." and ".." are skipped. */
static int remove_entry(int dfd, const char *name, int depth)
{
	int sub;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT) /* ENOENT: a concurrent removal */
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	sub = depth < MAX_DEPTH ?
		      openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) :
		      -1;
	if (sub < 0 || empty_dir(sub, depth + 1) < 0 || unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return -1;
	return 0;
}

/* Empties the directory |dfd| (consumed), never following a link. The
 * entries come from getdents64(2) on the descriptor itself: fdopendir would
 * fstat it and set its flags again, three system calls on every logout. The
 * buffer is small, on the stack (MAX_DEPTH levels of it at most), and read
 * again until the directory has no entry left to give. */
static int empty_dir(int dfd, int depth)
{
	_Alignas(struct dirent64) char buf[1024];
	ssize_t got;
	int rc = 0;

	while ((got = getdents64(dfd, buf, sizeof(buf))) > 0) {
		for (ssize_t pos = 0; pos < got;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + pos);

			if (e->d_reclen == 0 || e->d_reclen > got - pos) {
				got = -1;
				break;
			}
			pos += e->d_reclen;
			if (remove_entry(dfd, e->d_name, depth) < 0)
				rc = -1;
		}
		if (got < 0)
			break;
	}
	if (got < 0)
		rc = -1;
	close(dfd);
	return rc;
}

int sts_session_remove(const char *runtime_dir, const char *user, uid_t uid, const char *name,
		       sts_error *err)
{
	struct stat st;
	int rfd, dfd, rc = -1;

	if (!sts_session_name_valid(user, name))
		return sts_error_set(err, "session \"%s\" is not a session name of %s", name, user);
	rfd = open_runtime(runtime_dir, false, err);
	if (rfd < 0)
		return -1;
	dfd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) {
		rc = 1;
		goto out;
	}
	if (dfd < 0 || fstat(dfd, &st) < 0 || (st.st_uid != uid && st.st_uid != sts_euid())) {
		sts_error_set(err, "%s/%s: refused: not a directory owned by %s", runtime_dir, name,
			      user);
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	if (empty_dir(dfd, 0) < 0 || (unlinkat(rfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)) {
		sts_error_set(err, "%s/%s: cannot remove: %s", runtime_dir, name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(rfd);
	return rc;
}
