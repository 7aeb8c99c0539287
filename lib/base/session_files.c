/* Files added to a session directory (lib/base/session_files.h). */
#include "base/session_files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/session_dir.h"

int sts_session_dir_open(const char *runtime_dir, const char *user, const char *name,
			 sts_error *err)
{
	struct stat st;
	int rfd, dfd;

	if (!sts_session_name_valid(user, name))
		return sts_error_set(err, "session \"%s\" is not a session name of %s", name, user);
	rfd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return sts_error_set(err, "%s: cannot open: %s", runtime_dir, strerror(errno));
	dfd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(rfd);
	if (dfd < 0 && errno == ENOENT)
		return STS_SESSION_GONE;
	if (dfd < 0 || fstat(dfd, &st) < 0 || st.st_uid != sts_euid() || (st.st_mode & 022)) {
		if (dfd >= 0)
			close(dfd);
		return sts_error_set(err, "%s/%s: refused: not a session directory of uid %u",
				     runtime_dir, name, (unsigned)sts_euid());
	}
	return dfd;
}

int sts_session_file_add(int dfd, const char *file, const char *content, size_t len, mode_t mode)
{
	int fd = openat(dfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = -1;

	if (fd < 0)
		return -1;
	/* The mode is set on the descriptor: the umask may narrow a create's. */
	if (sts_write_all(fd, content, len) == 0 && fchmod(fd, mode) == 0)
		rc = 0;
	close(fd);
	if (rc < 0)
		unlinkat(dfd, file, 0);
	return rc;
}
