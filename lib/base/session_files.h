/*
 * The files a session directory holds besides the credentials file and
 * the owner record (lib/base/session_dir.h), for refresh (docs/refresh.md):
 * root's record of what the session may be refreshed with (0600, never the
 * user's) and the session's AWS config file (0644, root's: the user reads
 * it, nothing in it is secret). Both are added by sts-helper after it
 * created the directory, relative to its descriptor, never following a
 * link.
 */
#ifndef STS_SESSION_FILES_H
#define STS_SESSION_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

#define STS_REFRESH_FILE    "refresh"
#define STS_AWS_CONFIG_FILE "aws-config"

/* The session directory |name| of |user| under |runtime_dir|, opened
 * without following a link and checked on the descriptor: a directory of
 * the effective user's (root's) that only its owner can write. Returns the
 * descriptor, STS_SESSION_GONE when there is no such directory, or -1 with
 * |err|. */
#define STS_SESSION_GONE (-2)
int sts_session_dir_open(const char *runtime_dir, const char *user, const char *name,
			 sts_error *err);

/* Creates |file| in the session directory |dfd|, root's, with exactly
 * |mode|, holding |content|; anything already there is an error. 0 or -1
 * (errno set). */
int sts_session_file_add(int dfd, const char *file, const char *content, size_t len, mode_t mode);

#endif
