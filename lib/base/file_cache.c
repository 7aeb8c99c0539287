/* The resident helper's stat-validated read cache (see file_cache.h). */
#include "base/file_cache.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The broker reads three such files per configuration (pam_sts.conf, the key
 * ring, the grant key); a few configurations fit. */
#define MAX_ENTRIES   8
#define MAX_FILE_SIZE (64u * 1024u) /* pam_sts.conf's own limit; the others are smaller */
#define MAX_TOTAL     (256u * 1024u)

typedef struct {
	char *path; /* NULL: free slot */
	struct stat st;
	char *data; /* len bytes and a NUL */
	size_t len;
	unsigned long long used; /* for eviction: the least recently used goes */
} entry;

/* One lock for the whole cache: the resident helper's worker threads share
 * it, and each use is a lookup and a copy of a few KB. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	bool enabled;
	bool exit_hook;
	unsigned recent_s;
	entry e[MAX_ENTRIES];
	size_t total;
	unsigned long long clock;
	sts_file_cache_stats stats;
} cache;

/* The contents may be key material: wiped before they are freed. With
 * explicit_bzero, as lib/base/fileio.c: pam_sts.so links this file too (through
 * fileio.c, never enabling it) and must not load OpenSSL. */
static void drop(entry *e)
{
	if (!e->path)
		return;
	explicit_bzero(e->data, e->len + 1);
	free(e->data);
	free(e->path);
	cache.total -= e->len;
	memset(e, 0, sizeof(*e));
}

static void drop_all(void)
{
	for (size_t i = 0; i < MAX_ENTRIES; i++)
		drop(&cache.e[i]);
}

static void clear_all(void)
{
	drop_all();
	cache.enabled = false;
}

static void at_exit(void)
{
	pthread_mutex_lock(&cache_lock);
	clear_all();
	pthread_mutex_unlock(&cache_lock);
}

void sts_file_cache_enable(unsigned recent_s)
{
	pthread_mutex_lock(&cache_lock);
	drop_all();
	if (!cache.exit_hook)
		cache.exit_hook = atexit(at_exit) == 0;
	cache.recent_s = recent_s;
	memset(&cache.stats, 0, sizeof(cache.stats));
	cache.enabled = true;
	pthread_mutex_unlock(&cache_lock);
}

void sts_file_cache_disable(void)
{
	at_exit();
}

bool sts_file_cache_enabled(void)
{
	bool enabled;

	pthread_mutex_lock(&cache_lock);
	enabled = cache.enabled;
	pthread_mutex_unlock(&cache_lock);
	return enabled;
}

void sts_file_cache_clock(struct timespec *now)
{
	/* The file system stamps ctime from the coarse realtime clock, which
	 * never runs ahead of this one. */
	clock_gettime(CLOCK_REALTIME, now);
}

static entry *find(const char *path)
{
	for (size_t i = 0; i < MAX_ENTRIES; i++)
		if (cache.e[i].path && strcmp(cache.e[i].path, path) == 0)
			return &cache.e[i];
	return NULL;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Every field a change to the file (its bytes, its mode or owner, another
 * file renamed or linked over it) would move. */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       same_time(&a->st_mtim, &b->st_mtim) && same_time(&a->st_ctim, &b->st_ctim) &&
	       a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid;
}

static int get_locked(const char *path, struct stat *st, char **out, size_t *len)
{
	entry *e;
	struct stat now;

	if (!cache.enabled)
		return 0;
	e = find(path);
	/* AT_SYMLINK_NOFOLLOW: a link put in the file's place is a different
	 * file (and the fresh read then refuses it). */
	if (e &&
	    (fstatat(AT_FDCWD, path, &now, AT_SYMLINK_NOFOLLOW) < 0 || !same_file(&now, &e->st))) {
		drop(e);
		e = NULL;
	}
	if (e && (*out = malloc(e->len + 1)) != NULL) {
		memcpy(*out, e->data, e->len + 1);
		*len = e->len;
		*st = e->st;
		e->used = ++cache.clock;
		cache.stats.hits++;
		return 1;
	}
	cache.stats.misses++;
	return 0;
}

/* True when the file's ctime is at least recent_s seconds before |since|. */
static bool settled(const struct stat *st, const struct timespec *since)
{
	time_t limit = st->st_ctim.tv_sec + (time_t)cache.recent_s;

	return limit < since->tv_sec ||
	       (limit == since->tv_sec && st->st_ctim.tv_nsec <= since->tv_nsec);
}

/* The least recently used entry, or a free slot first when |free_first|;
 * NULL when there is neither. */
static entry *pick(bool free_first)
{
	entry *victim = NULL;

	for (size_t i = 0; i < MAX_ENTRIES; i++) {
		entry *e = &cache.e[i];

		if (!e->path && free_first)
			return e;
		if (e->path && (!victim || e->used < victim->used))
			victim = e;
	}
	return victim;
}

/* A free slot, with the least recently used entries evicted until |len|
 * (at most MAX_FILE_SIZE) more bytes fit. */
static entry *make_room(size_t len)
{
	entry *slot = pick(true);

	drop(slot);
	while (cache.total + len > MAX_TOTAL)
		drop(pick(false)); /* total > 0: some entry holds it */
	return slot;
}

int sts_file_cache_get(const char *path, struct stat *st, char **out, size_t *len)
{
	int rc;

	pthread_mutex_lock(&cache_lock);
	rc = get_locked(path, st, out, len);
	pthread_mutex_unlock(&cache_lock);
	return rc;
}

static void put_locked(const char *path, const struct stat *st, const struct timespec *since,
		       const char *data, size_t len)
{
	entry *e;

	if (!cache.enabled)
		return;
	e = find(path);
	if (e)
		drop(e);
	if (len > MAX_FILE_SIZE || !settled(st, since))
		return;
	e = make_room(len);
	e->path = strdup(path);
	e->data = malloc(len + 1);
	if (!e->path || !e->data) {
		free(e->path);
		free(e->data);
		memset(e, 0, sizeof(*e));
		return;
	}
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	e->st = *st;
	e->used = ++cache.clock;
	cache.total += len;
	cache.stats.stores++;
}

void sts_file_cache_put(const char *path, const struct stat *st, const struct timespec *since,
			const char *data, size_t len)
{
	pthread_mutex_lock(&cache_lock);
	put_locked(path, st, since, data, len);
	pthread_mutex_unlock(&cache_lock);
}

void sts_file_cache_get_stats(sts_file_cache_stats *out)
{
	pthread_mutex_lock(&cache_lock);
	*out = cache.stats;
	pthread_mutex_unlock(&cache_lock);
}
