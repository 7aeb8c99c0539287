/*
 * The resident helper's read cache (sts-helper --serve only): the
 * configuration, the issuer key ring and the grant key, kept in memory
 * between requests and validated on every use by one fstatat(2) of the same
 * path (no link followed) against the stat taken on the open descriptor when
 * the file was read: device, inode, size, mtime, ctime, mode, owner and group
 * must all be equal, or the file is read and checked again exactly as without
 * the cache (lib/base/fileio.c).
 *
 * A file whose ctime was less than |recent_s| seconds older than the moment
 * it was read is not kept: timestamps come from a coarse clock, so a file
 * changed again within the same tick (same size, same inode) would look
 * unchanged. Any change made after the read gets a later ctime than one that
 * old, so the stat comparison sees it.
 *
 * Off unless enabled (the exec'd helper, stsctl and pam_sts.so never enable
 * it, and then nothing here runs). Process-global, behind one mutex: the
 * broker's worker threads share it. Bounded (a few entries, a size
 * limit); cached contents (key material among them) are wiped when replaced,
 * evicted or cleared, and at exit.
 */
#ifndef STS_FILE_CACHE_H
#define STS_FILE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* The broker's setting: see above. */
#define STS_FILE_CACHE_RECENT_S 2

/* Turns the cache on (clearing it); |recent_s| as above (tests use 0). */
void sts_file_cache_enable(unsigned recent_s);
/* Wipes every entry and turns the cache off. */
void sts_file_cache_disable(void);
bool sts_file_cache_enabled(void);

/* The time to pass to sts_file_cache_put(): taken before the file is opened. */
void sts_file_cache_clock(struct timespec *now);

/* When |path| is cached and its fstatat() matches: 1, with a malloc'd,
 * NUL-terminated copy in |*out| (the caller frees it as a fresh read's
 * buffer) and the stat it was read with in |*st|. Otherwise 0 (an entry that
 * no longer matches is wiped): read the file. */
int sts_file_cache_get(const char *path, struct stat *st, char **out, size_t *len);

/* Keeps |len| bytes read from |path|; |st| is what fstat(2) said of the
 * descriptor they were read from, |since| the sts_file_cache_clock() taken
 * before the open. Replaces (wiping) any entry of |path|; keeps nothing when
 * disabled, too large, too recent, or out of memory. */
void sts_file_cache_put(const char *path, const struct stat *st, const struct timespec *since,
			const char *data, size_t len);

/* Counters for the tests. */
typedef struct {
	unsigned long hits;   /* answered from memory */
	unsigned long misses; /* a lookup that sent the caller to the file */
	unsigned long stores; /* entries kept */
} sts_file_cache_stats;
void sts_file_cache_get_stats(sts_file_cache_stats *out);

#endif
