/*
 * pam_sts.conf as one PAM transaction keeps it between its phases (the
 * module stores it with pam_set_data, pam_sts/settings_data.c): each phase
 * would otherwise open, check, read and parse the file again
 * (docs/login-latency.md counts the system calls this saves a login).
 *
 * A later phase reuses what was read only when
 *   - it names the same file and passes the same module arguments;
 *   - one fstatat(2) of the path, not following a link, finds the file as
 *     fstat(2) found the descriptor it was read from: the same device,
 *     inode, size, modification and change times, type and mode, owner and
 *     group (a link, a replaced file, a chmod, a chown or any write changes
 *     one of them: at least the change time);
 *   - the owner is still root or the effective user (sts_settings_load()'s
 *     rule, which depends on who is asking);
 *   - the file's change time was at least |min_age| seconds before it was
 *     read: the kernel stamps file times from a coarse clock, so a file
 *     changed again within the same tick could keep every field above. A
 *     file that old when read cannot change unseen afterwards: any change
 *     gets a later change time.
 * Anything else reads the file again with every check of
 * sts_settings_load(), which fails closed.
 */
#ifndef STS_SETTINGS_CACHE_H
#define STS_SETTINGS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/settings.h"

/* The module's |min_age|; tests pass 0. */
#define STS_SETTINGS_MIN_AGE 2

typedef struct {
	char *key;	/* the path, then each module argument, each with its NUL */
	size_t key_len; /* bytes of |key|, NULs included */
	struct stat st; /* fstat(2) of the descriptor the file was read from */
	bool reusable;	/* its change time was |min_age| seconds before the read */
	sts_settings settings;
} sts_settings_cache;

/* Reads |path| with sts_settings_load() for the arguments |argv|. Returns a
 * malloc'd entry, or NULL with |err| set. */
sts_settings_cache *sts_settings_cache_load(const char *path, int argc, const char *const *argv,
					    long min_age, sts_error *err);

/* Whether |c| may stand for |path| read with |argv| now (see above). Makes
 * at most one system call (fstatat), none when the answer is no anyway. */
bool sts_settings_cache_valid(const sts_settings_cache *c, const char *path, int argc,
			      const char *const *argv);

void sts_settings_cache_free(sts_settings_cache *c);

/* Whether two stats describe the same unchanged file (the fields above). */
bool sts_settings_same_file(const struct stat *a, const struct stat *b);

/* A hash of |path| and |argv| (FNV-1a), for naming the entry. */
uint64_t sts_settings_cache_hash(const char *path, int argc, const char *const *argv);

#endif
