/* Sessions whose owner is gone (see session_reap.h). */
#include "base/session_reap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/session_dir.h"

#define RECORD_MAX	128
#define STAT_MAX	1024
#define STARTTIME_FIELD 22
#define HEX_LEN		32

enum {
	PROC_GONE = 0,
	PROC_FOUND = 1,
	PROC_UNKNOWN = -1
};

/* The start time of |pid| from /proc: PROC_FOUND with it, PROC_GONE when
 * there is no such process, PROC_UNKNOWN when /proc does not say. */
static int process_start(pid_t pid, unsigned long long *start)
{
	char path[64], buf[STAT_MAX], *p, *end = NULL;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? PROC_GONE : PROC_UNKNOWN;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return got < 0 && errno == ESRCH ? PROC_GONE : PROC_UNKNOWN;
	buf[got] = '\0';
	/* The command name (field 2) may hold spaces and ')': fields are
	 * counted from the last ')'. */
	p = strrchr(buf, ')');
	for (int field = 2; p && field < STARTTIME_FIELD; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || *p < '0' || *p > '9')
		return PROC_UNKNOWN;
	errno = 0;
	*start = strtoull(p, &end, 10);
	return errno || (*end != ' ' && *end != '\n') ? PROC_UNKNOWN : PROC_FOUND;
}

int sts_session_owner_write(int dfd, const sts_session_owner *owner)
{
	unsigned long long start = 0;
	char text[RECORD_MAX];
	int fd, n, rc = -1;

	/* Unknown (0) when /proc cannot say: the process's existence is still
	 * checked, only not its identity. */
	if (owner->pid > 0 && process_start(owner->pid, &start) != PROC_FOUND)
		start = 0;
	n = snprintf(text, sizeof(text), "pid=%ld start=%llu expires=%" PRId64 "\n",
		     (long)owner->pid, start, owner->expires);
	fd = openat(dfd, STS_SESSION_OWNER_FILE,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (n > 0 && (size_t)n < sizeof(text) && sts_write_all(fd, text, (size_t)n) == 0)
		rc = 0;
	close(fd);
	return rc;
}

typedef struct {
	long pid;
	unsigned long long start;
	int64_t expires;
} owner_record;

/* The record of the session directory |dfd|; false when there is none to
 * trust (not root's, a link, not parseable). */
static bool read_record(int dfd, owner_record *r)
{
	char *text = NULL, tail = '\0';
	size_t len = 0;
	long long expires = 0;
	bool ok;

	if (sts_read_at(dfd, STS_SESSION_OWNER_FILE, RECORD_MAX,
			STS_READ_NOFOLLOW | STS_READ_EUID_OWNED | STS_READ_PRIVATE, &text, &len,
			NULL) != 0)
		return false;
	ok = sscanf(text, "pid=%ld start=%llu expires=%lld%c", &r->pid, &r->start, &expires,
		    &tail) == 4 &&
	     tail == '\n' && r->pid >= 0 && expires > 0;
	r->expires = (int64_t)expires;
	free(text);
	return ok;
}

static bool owner_gone(int rfd, const char *name, int64_t now, bool proc_ok)
{
	int dfd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	unsigned long long start = 0;
	owner_record r;
	struct stat st;
	bool have;

	if (dfd < 0)
		return false;
	have = fstat(dfd, &st) == 0 && st.st_uid == sts_euid() && read_record(dfd, &r);
	close(dfd);
	if (!have)
		return false;
	if (now >= r.expires)
		return true;
	if (r.pid <= 0 || !proc_ok)
		return false;
	switch (process_start((pid_t)r.pid, &start)) {
	case PROC_GONE:
		return true;
	case PROC_FOUND:
		return r.start != 0 && start != r.start;
	default:
		return false;
	}
}

bool sts_session_owner_live(int dfd, int64_t now)
{
	unsigned long long start = 0;
	owner_record r;

	/* Unlike reaping, no sign of life is a death here: refresh fails closed. */
	if (!read_record(dfd, &r) || now >= r.expires || r.pid <= 0)
		return false;
	return process_start((pid_t)r.pid, &start) == PROC_FOUND &&
	       (r.start == 0 || start == r.start);
}

/* The parent of |pid| (field 4 of /proc/PID/stat); -1 when /proc does not say. */
static pid_t process_parent(pid_t pid)
{
	char path[64], buf[STAT_MAX], *p;
	ssize_t got;
	long ppid;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p, ") %*c %ld", &ppid) != 1 || ppid < 0)
		return -1;
	return (pid_t)ppid;
}

bool sts_session_owner_ancestor_of(int dfd, pid_t pid)
{
	unsigned long long start = 0;
	owner_record r;

	if (!read_record(dfd, &r) || r.pid <= 0)
		return false;
	/* Bounded: a process tree deeper than this is not a login's. */
	for (int depth = 0; pid > 1 && depth < 256; depth++, pid = process_parent(pid))
		if ((long)pid == r.pid)
			return process_start(pid, &start) == PROC_FOUND &&
			       (r.start == 0 || start == r.start);
	return false;
}

/* The user of the session name |name| into |user_out|; false for anything
 * that is not a session name (of |only|, when given). */
static bool session_user(const char *name, const char *only, char *user_out, size_t size)
{
	const char *dot = strrchr(name, '.');
	size_t ulen = dot ? (size_t)(dot - name) : 0;

	if (!dot || strlen(dot + 1) != HEX_LEN || ulen == 0 || ulen >= size)
		return false;
	memcpy(user_out, name, ulen);
	user_out[ulen] = '\0';
	if (only && strcmp(only, user_out) != 0)
		return false;
	return sts_session_name_valid(user_out, name);
}

/* runtime_dir, when it exists: root's (the effective user's), writable by
 * nobody else, as lib/base/session_dir.c requires. */
static int open_runtime(const char *runtime_dir, sts_error *err)
{
	int fd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return -2;
	if (fd < 0)
		return sts_error_set(err, "%s: cannot open: %s", runtime_dir, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != sts_euid() || (st.st_mode & 022)) {
		close(fd);
		return sts_error_set(err,
				     "%s: refused: must be owned by uid %u and writable by "
				     "nobody else",
				     runtime_dir, (unsigned)sts_euid());
	}
	return fd;
}

int sts_session_reap(const char *runtime_dir, const char *user, int64_t now, sts_error *err)
{
	char owner[STS_SESSION_NAME_MAX];
	bool proc_ok = access("/proc/self/stat", R_OK) == 0;
	int rfd = open_runtime(runtime_dir, err), listing, reaped = 0;
	struct dirent *e;
	DIR *d;

	if (rfd == -2)
		return 0;
	if (rfd < 0)
		return -1;
	listing = dup(rfd);
	d = listing >= 0 ? fdopendir(listing) : NULL;
	if (!d) {
		if (listing >= 0)
			close(listing);
		close(rfd);
		return sts_error_set(err, "%s: cannot list: %s", runtime_dir, strerror(errno));
	}
	while ((e = readdir(d)))
		if (session_user(e->d_name, user, owner, sizeof(owner)) &&
		    owner_gone(rfd, e->d_name, now, proc_ok) &&
		    sts_session_remove(runtime_dir, owner, sts_euid(), e->d_name, NULL) == 0)
			reaped++;
	closedir(d);
	close(rfd);
	return reaped;
}
