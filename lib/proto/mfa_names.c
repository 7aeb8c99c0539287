/*
 * The MFA store's names, and the one look at it the PAM module makes itself:
 * whether a user has a device file at all, so that a user without one is
 * not prompted (nullok). Everything else about the store (the secret, the
 * login state, the lock) is sts-helper's (helper/sts-helper/sts_helper_mfa.c); this
 * file links nothing but libc, so pam_sts.so does not pull in liboath.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/mfa_names.h"

#define NAME_MAX_LEN 64

bool sts_mfa_user_valid(const char *user)
{
	size_t n = user ? strlen(user) : 0;

	if (n == 0 || n > NAME_MAX_LEN || user[0] == '.' || user[0] == '-')
		return false;
	/* Names that would collide with the store's own USER.lock, USER.state,
	 * USER.pending, USER.scratch and USER.tmp.PID files. */
	if ((n > 5 && strcmp(user + n - 5, ".lock") == 0) ||
	    (n > 6 && strcmp(user + n - 6, ".state") == 0) ||
	    (n > 8 && strcmp(user + n - 8, ".pending") == 0) ||
	    (n > 8 && strcmp(user + n - 8, ".scratch") == 0) || strstr(user, ".tmp."))
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

int sts_mfa_device_present(const char *dir, const char *user, sts_error *err)
{
	struct stat st;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (dirfd < 0)
		return sts_error_set(err, "MFA store %s: cannot open: %s", dir, strerror(errno));
	rc = fstatat(dirfd, user, &st, AT_SYMLINK_NOFOLLOW);
	close(dirfd);
	if (rc < 0 && errno == ENOENT)
		return 0;
	/* Anything else (a link, a bad mode, an I/O error) is the helper's to
	 * find and report: it reads the file with every check. */
	return 1;
}
