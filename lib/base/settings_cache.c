/* pam_sts.conf kept between the phases of one PAM transaction (see the header). */
#include "base/settings_cache.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The path, then each argument, each with its NUL: no two lists give the
 * same bytes (no argument holds a NUL). |out| NULL: only the length. */
static size_t build_key(const char *path, int argc, const char *const *argv, char *out)
{
	size_t len = strlen(path) + 1;

	if (out)
		memcpy(out, path, len);
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (out)
			memcpy(out + len, argv[i], n);
		len += n;
	}
	return len;
}

static bool key_matches(const sts_settings_cache *c, const char *path, int argc,
			const char *const *argv)
{
	size_t pos = 0;

	for (int i = -1; i < argc; i++) {
		const char *s = i < 0 ? path : argv[i];
		size_t n = strlen(s) + 1;

		if (n > c->key_len - pos || memcmp(c->key + pos, s, n) != 0)
			return false;
		pos += n;
	}
	return pos == c->key_len;
}

uint64_t sts_settings_cache_hash(const char *path, int argc, const char *const *argv)
{
	uint64_t h = 14695981039346656037ull;

	for (int i = -1; i < argc; i++) {
		const char *s = i < 0 ? path : argv[i];

		/* The NUL too, as in the key. */
		do {
			h ^= (unsigned char)*s;
			h *= 1099511628211ull;
		} while (*s++);
	}
	return h;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

bool sts_settings_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       same_time(&a->st_mtim, &b->st_mtim) && same_time(&a->st_ctim, &b->st_ctim) &&
	       a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid;
}

/* Whether |ctime| is at least |min_age| seconds before |read|. */
static bool old_enough(const struct timespec *ctime, const struct timespec *read, long min_age)
{
	time_t sec = ctime->tv_sec + (time_t)min_age;

	return sec < read->tv_sec || (sec == read->tv_sec && ctime->tv_nsec <= read->tv_nsec);
}

sts_settings_cache *sts_settings_cache_load(const char *path, int argc, const char *const *argv,
					    long min_age, sts_error *err)
{
	sts_settings_cache *c = calloc(1, sizeof(*c));
	struct timespec now = { 0, 0 };
	size_t key_len = build_key(path, argc, argv, NULL);

	if (!c || !(c->key = malloc(key_len))) {
		free(c);
		sts_error_set(err, "%s: out of memory", path);
		return NULL;
	}
	c->key_len = build_key(path, argc, argv, c->key);
	/* The moment of the read, taken before it, from the clock file times
	 * come from (CLOCK_REALTIME_COARSE; the tests' fake clock, which moves
	 * CLOCK_REALTIME, does not move it). Without it the entry is only used
	 * by this phase. */
	c->reusable = clock_gettime(CLOCK_REALTIME_COARSE, &now) == 0;
	if (sts_settings_load_stat(path, &c->settings, &c->st, err) < 0) {
		free(c->key);
		free(c);
		return NULL;
	}
	c->reusable = c->reusable && old_enough(&c->st.st_ctim, &now, min_age);
	return c;
}

bool sts_settings_cache_valid(const sts_settings_cache *c, const char *path, int argc,
			      const char *const *argv)
{
	struct stat now;

	if (!c->reusable || !key_matches(c, path, argc, argv))
		return false;
	if (fstatat(AT_FDCWD, path, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !sts_settings_same_file(&c->st, &now))
		return false;
	/* Root's, or the effective user's as it is now (a test run's file). */
	return now.st_uid == 0 || now.st_uid == geteuid();
}

void sts_settings_cache_free(sts_settings_cache *c)
{
	if (!c)
		return;
	sts_settings_free(&c->settings);
	free(c->key);
	free(c);
}
