/*
 * Per-session directories under the runtime directory (/run/pam_sts, on
 * tmpfs): runtime_dir/USER.HEX, root's, group the user's primary group,
 * mode 0710, holding the shared credentials file (0600, the user's) and
 * root's record of the session's owner (lib/base/session_reap.h). The user reads
 * the credentials by their path and can create nothing in the directory.
 * Each login gets its own unique name, so concurrent sessions of one user
 * never share or clobber files.
 *
 * Root never writes through a path the user controls: the directory is
 * root's, the files are created in it with O_EXCL|O_NOFOLLOW relative to
 * the directory's descriptor, and only then is the credentials file handed
 * to the user (fchown on the descriptor). Removal opens the directory from
 * the root-owned runtime directory without following a link, checks its
 * owner on the descriptor, and removes its contents with unlinkat/openat
 * relative to descriptors, never following a link. A directory owned by the
 * user is removed too: an upgraded host may still hold such directories,
 * made before session directories were root's.
 */
#ifndef STS_SESSION_DIR_H
#define STS_SESSION_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/session_reap.h"

#define STS_SESSION_NAME_MAX 300
#define STS_CREDENTIALS_FILE "credentials"
#define STS_SESSION_DIR_MODE 0710

/* A new session name "USER.HEX" for |user|: 32 hex digits of pid, time in
 * nanoseconds and a per-process sequence. Unique, not secret: the runtime
 * directory is listable and only root creates in it, so a random name would
 * buy nothing. The module names the session before sts-helper creates it,
 * so that it can remove whatever the helper left when the exchange fails
 * half-way (the helper crashed, or the answer could not be read). Returns 0
 * or -1. */
int sts_session_name_new(const char *user, char name[STS_SESSION_NAME_MAX]);

/* Creates the session directory |name| (sts_session_name_valid for |user|;
 * anything already there is an error), with |owner|'s record and the
 * credentials file holding |content|. The modes are exactly 0710 and 0600
 * under any umask within 077 (sts-helper's). */
int sts_session_create(const char *runtime_dir, const char *user, uid_t uid, gid_t gid,
		       const sts_session_owner *owner, const char *content, size_t len,
		       const char *name, sts_error *err);

/* Removes runtime_dir/|name| (which must be |user|'s and owned by |uid|).
 * A directory that is already gone is not an error (returns 1). */
int sts_session_remove(const char *runtime_dir, const char *user, uid_t uid, const char *name,
		       sts_error *err);

/* "USER.<32 lowercase hex>" for this user. */
bool sts_session_name_valid(const char *user, const char *name);

#endif
