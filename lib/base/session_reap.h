/*
 * Sessions whose owner is gone, removed (lib/base/session_dir.h).
 *
 * Each session directory holds root's record of who opened it, the file
 * "owner" (0600, root's, never seen by the user): the pid of the process that
 * called pam_open_session (sshd's per-connection monitor, sts-assume, su...;
 * it stays until it closes the session), that process's start time (field 22
 * of /proc/PID/stat, in clock ticks since boot: a pid reused by another
 * process has another), and when the session's credentials expire.
 *
 * A session's owner is gone when its record says so, and only then:
 *   - its credentials have expired (now >= expires), or
 *   - the process is gone: /proc/PID does not exist, or it is another
 *     process (its start time differs from the recorded one).
 * A directory without a readable record of root's (one being created this
 * moment, or from an older version) is left alone, and so is any process
 * /proc cannot tell about (not mounted, or hidden): no sign of life is not
 * taken as a death. The record names a pid of the helper's pid namespace
 * (the module's process and sts-helper, exec'd or resident, share one).
 *
 * Reaping lists runtime_dir without following links, considers only names
 * that are session names (USER.HEX), and removes through
 * sts_session_remove(): relative to descriptors, never following a link,
 * never outside runtime_dir.
 */
#ifndef STS_SESSION_REAP_H
#define STS_SESSION_REAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

#define STS_SESSION_OWNER_FILE "owner"

typedef struct {
	pid_t pid;	 /* the process that opened the session; 0: unknown */
	int64_t expires; /* when its credentials expire */
} sts_session_owner;

/* Writes the record into the session directory |dfd| (new, root's).
 * Returns 0 or -1 (errno set). */
int sts_session_owner_write(int dfd, const sts_session_owner *owner);

/* Whether the session directory |dfd| (root's) has its record of root's
 * and its owner is alive at |now|: the record is not expired, names a pid,
 * and that process is there with the recorded start time. Anything /proc
 * cannot tell is false (op=refresh serves only sessions known to be open). */
bool sts_session_owner_live(int dfd, int64_t now);

/* Whether the owner recorded in the session directory |dfd| is |pid| or
 * one of its ancestors (parents from /proc, up to init): a process started
 * inside the session. A process reparented away (daemonized) is not. */
bool sts_session_owner_ancestor_of(int dfd, pid_t pid);

/* Removes the sessions of |user| (NULL: of every user) under |runtime_dir|
 * whose owner is gone at |now|. Returns how many were removed, or -1 with
 * |err| set when runtime_dir cannot be trusted or listed (a missing one has
 * nothing to reap: 0). */
int sts_session_reap(const char *runtime_dir, const char *user, int64_t now, sts_error *err);

#endif
