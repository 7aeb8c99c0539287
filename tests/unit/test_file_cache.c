/*
 * The resident helper's read cache (lib/base/file_cache.h) through the reads that
 * use it: a hit; each change that must send the reader back to the file
 * (rewrite, chmod, chown, a file renamed over it, a link put in its place,
 * which is refused); the rule that a file changed less than recent_s seconds
 * before it was read is not kept; the bounds; and the three loaders that use
 * it (pam_sts.conf, the issuer key ring, the grant key).
 *
 * Most tests run with recent_s = 0 and, before changing a file in place, wait
 * until the clock that stamps ctime has moved past the file's ctime
 * (past_ctime), so that the change shows in the stat: the 2 s rule is what
 * covers changes within one tick, and test_recent_ctime tests it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file_cache.h"
#include "base/fileio.h"
#include "base/settings.h"
#include "decide/grant_key.h"
#include "token/keyring.h"
#include "testutil.h"

#define FLAGS (STS_READ_NOFOLLOW | STS_READ_ROOT_OR_EUID | STS_READ_PRIVATE | STS_READ_CACHE)
#define MAX   4096

static char dir[64];
static char path[128];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pam_sts-fcache-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/file", dir);
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	sts_file_cache_disable();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test: an empty cache with recent_s = 0, and no file at |path|. */
static int fresh_cache(void **state)
{
	(void)state;
	unlink(path);
	sts_file_cache_enable(0);
	return 0;
}

static void write_len(const char *p, const char *data, size_t len, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void write_file(const char *p, const char *text, mode_t mode)
{
	write_len(p, text, strlen(text), mode);
}

/* A new file with |text| renamed over |p|. */
static void rename_over(const char *p, const char *text)
{
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.new", p);
	write_file(tmp, text, 0600);
	assert_int_equal(rename(tmp, p), 0);
}

/* Waits until the clock that stamps ctime is past |p|'s ctime (plus |extra|
 * seconds): a change made after this shows in the stat. */
static void past_ctime_by(const char *p, time_t extra)
{
	struct timespec now;
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	st.st_ctim.tv_sec += extra;
	do {
		usleep(1000);
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
	} while (now.tv_sec < st.st_ctim.tv_sec ||
		 (now.tv_sec == st.st_ctim.tv_sec && now.tv_nsec <= st.st_ctim.tv_nsec));
}

static void past_ctime(const char *p)
{
	past_ctime_by(p, 0);
}

static sts_file_cache_stats stats(void)
{
	sts_file_cache_stats s;

	sts_file_cache_get_stats(&s);
	return s;
}

/* Reads |p| with FLAGS and |max|: 0 with the text |want|, or -1 with the
 * message in |msg|. */
static int read_as(const char *p, size_t max, const char *want, char *msg, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	sts_error err;
	int rc = sts_read_file(p, max, FLAGS, &text, &len, &err);

	if (rc == 0) {
		assert_non_null(want);
		assert_int_equal(len, strlen(want));
		assert_string_equal(text, want);
		free(text);
	} else if (msg) {
		snprintf(msg, cap, "%s", err.msg);
	}
	return rc;
}

/* A refused read gives the message a read with the cache off gives. */
static void assert_refused_as_uncached(const char *p, size_t max, const char *why)
{
	char got[sizeof(((sts_error *)0)->msg)], want[sizeof(got)];

	assert_int_equal(read_as(p, max, NULL, got, sizeof(got)), -1);
	sts_file_cache_disable();
	assert_int_equal(read_as(p, max, NULL, want, sizeof(want)), -1);
	sts_file_cache_enable(0);
	assert_string_equal(got, want);
	assert_non_null(strstr(got, why));
}

static void test_hit(void **state)
{
	(void)state;
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().stores, 1);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 2);
	assert_int_equal(stats().misses, 1);
}

static void test_disabled(void **state)
{
	(void)state;
	sts_file_cache_disable();
	assert_false(sts_file_cache_enabled());
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().hits + stats().misses + stats().stores, 0);
}

static void test_rewrite(void **state)
{
	(void)state;
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	past_ctime(path);
	write_file(path, "omega\n", 0600); /* the same size and inode */
	assert_int_equal(read_as(path, MAX, "omega\n", NULL, 0), 0);
	past_ctime(path);
	write_file(path, "longer text\n", 0600);
	assert_int_equal(read_as(path, MAX, "longer text\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 0);
	assert_int_equal(read_as(path, MAX, "longer text\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 1);
}

static void test_chmod(void **state)
{
	(void)state;
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	/* A mode that still passes: read (and checked) again. */
	past_ctime(path);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 0);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 1);
	/* One that does not: refused as without the cache. */
	past_ctime(path);
	assert_int_equal(chmod(path, 0640), 0);
	assert_refused_as_uncached(path, MAX, "accessible by group or others");
}

static void test_chown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* chown to another user needs root */
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	past_ctime(path);
	assert_int_equal(chown(path, 0, 65534), 0); /* the group only: still accepted */
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 0);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 1);
	past_ctime(path);
	assert_int_equal(chown(path, 65534, 0), 0);
	assert_refused_as_uncached(path, MAX, "not owned by root");
}

static void test_rename_over(void **state)
{
	(void)state;
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	rename_over(path, "alpha\n"); /* the same bytes in another file */
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 0);
	rename_over(path, "omega\n");
	assert_int_equal(read_as(path, MAX, "omega\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 0);
}

static void test_symlink_swap(void **state)
{
	char target[160], link[160];

	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link, sizeof(link), "%s.link", path);
	write_file(path, "alpha\n", 0600);
	write_file(target, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(rename(link, path), 0);
	assert_refused_as_uncached(path, MAX, "is a symbolic link (refused)");
	assert_int_equal(stats().hits, 0);
	unlink(path);
	unlink(target);
}

/* A hit is checked again with the caller's flags and limit. */
static void test_checks_again(void **state)
{
	(void)state;
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_refused_as_uncached(path, 3, "larger than 3 bytes");
}

static void test_recent_ctime(void **state)
{
	(void)state;
	/* The broker's rule: a file changed just now is read every time. */
	sts_file_cache_enable(STS_FILE_CACHE_RECENT_S);
	write_file(path, "alpha\n", 0600);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(read_as(path, MAX, "alpha\n", NULL, 0), 0);
	assert_int_equal(stats().stores, 0);
	assert_int_equal(stats().hits, 0);
	/* Once it is old enough, it is kept (1 s here, to keep the test short). */
	sts_file_cache_enable(1);
	write_file(path, "omega\n", 0600);
	assert_int_equal(read_as(path, MAX, "omega\n", NULL, 0), 0);
	assert_int_equal(stats().stores, 0);
	past_ctime_by(path, 1);
	assert_int_equal(read_as(path, MAX, "omega\n", NULL, 0), 0);
	assert_int_equal(stats().stores, 1);
	assert_int_equal(read_as(path, MAX, "omega\n", NULL, 0), 0);
	assert_int_equal(stats().hits, 1);
}

/* A few entries, least recently used out first; large files not kept. */
static void test_bounds(void **state)
{
	enum {
		FILES = 12,
		BIG = 60000
	};
	char p[FILES][160], text[FILES][32];
	char *big = malloc(70001);

	(void)state;
	assert_non_null(big);
	for (int i = 0; i < FILES; i++) {
		snprintf(p[i], sizeof(p[i]), "%s/f%d", dir, i);
		snprintf(text[i], sizeof(text[i]), "file %d\n", i);
		write_file(p[i], text[i], 0600);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < FILES; i++)
			assert_int_equal(read_as(p[i], MAX, text[i], NULL, 0), 0);
	assert_int_equal(stats().hits, 0); /* 12 in a cycle through 8 entries */
	for (int i = FILES - 8; i < FILES; i++)
		assert_int_equal(read_as(p[i], MAX, text[i], NULL, 0), 0);
	assert_int_equal(stats().hits, 8);
	/* Over 64 KiB: read, not kept. */
	memset(big, 'x', 70000);
	big[70000] = '\0';
	write_file(path, big, 0600);
	sts_file_cache_enable(0);
	assert_int_equal(read_as(path, 100000, big, NULL, 0), 0);
	assert_int_equal(stats().stores, 0);
	/* 256 KiB in all: five files of 60000 bytes keep the last four. */
	big[BIG] = '\0';
	for (int i = 0; i < 5; i++)
		write_file(p[i], big, 0600);
	for (int i = 0; i < 5; i++)
		assert_int_equal(read_as(p[i], 100000, big, NULL, 0), 0);
	assert_int_equal(stats().stores, 5);
	for (int i = 1; i < 5; i++)
		assert_int_equal(read_as(p[i], 100000, big, NULL, 0), 0);
	assert_int_equal(stats().hits, 4);
	assert_int_equal(read_as(p[0], 100000, big, NULL, 0), 0);
	assert_int_equal(stats().hits, 4);
	free(big);
}

static void test_settings_cached(void **state)
{
	char conf[160];
	sts_settings s;
	sts_error err;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/pam_sts.conf", dir);
	write_file(conf, "totp_window = 2\n", 0600);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sts_settings_load(conf, &s, &err), 0);
		assert_int_equal(s.totp_window, 2);
		sts_settings_free(&s);
	}
	assert_int_equal(stats().hits, 1);
	past_ctime(conf);
	write_file(conf, "totp_window = 3\n", 0600);
	assert_int_equal(sts_settings_load(conf, &s, &err), 0);
	assert_int_equal(s.totp_window, 3);
	sts_settings_free(&s);
	past_ctime(conf);
	assert_int_equal(chmod(conf, 0620), 0);
	assert_int_equal(sts_settings_load(conf, &s, &err), -1);
	assert_non_null(strstr(err.msg, "writable by group or others"));
}

static void test_keyring_cached(void **state)
{
	char ring_path[160];
	sts_keyring *ring = NULL;
	sts_error err;

	(void)state;
	snprintf(ring_path, sizeof(ring_path), "%s/issuer.key", dir);
	assert_int_equal(sts_keyring_create(ring_path, &err), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sts_keyring_load(ring_path, &ring, &err), 0);
		assert_int_equal(sts_keyring_size(ring), 1);
		sts_keyring_free(ring);
	}
	assert_int_equal(stats().hits, 1);
	assert_int_equal(sts_keyring_rotate(ring_path, 2, &err), 0); /* renamed over */
	assert_int_equal(sts_keyring_load(ring_path, &ring, &err), 0);
	assert_int_equal(sts_keyring_size(ring), 2);
	sts_keyring_free(ring);
	assert_int_equal(stats().hits, 1);
}

static void test_grant_key_cached(void **state)
{
	unsigned char key[STS_GRANT_KEY_LEN], again[STS_GRANT_KEY_LEN];
	unsigned char other[STS_GRANT_KEY_LEN];
	char key_path[160], tmp[170];
	sts_error err;

	(void)state;
	snprintf(key_path, sizeof(key_path), "%s/mfa-ticket.key", dir);
	assert_int_equal(sts_grant_key_load(dir, true, key, &err), 0); /* created */
	assert_int_equal(sts_grant_key_load(dir, false, again, &err), 0);
	assert_int_equal(sts_grant_key_load(dir, false, again, &err), 0);
	assert_memory_equal(key, again, sizeof(key));
	assert_int_equal(stats().hits, 1);
	/* Another key renamed over it. */
	memset(other, 0x5a, sizeof(other));
	snprintf(tmp, sizeof(tmp), "%s.new", key_path);
	write_len(tmp, (const char *)other, sizeof(other), 0600);
	assert_int_equal(rename(tmp, key_path), 0);
	assert_int_equal(sts_grant_key_load(dir, false, again, &err), 0);
	assert_memory_equal(again, other, sizeof(other));
	/* A link in its place, to the same key. */
	assert_int_equal(rename(key_path, tmp), 0);
	assert_int_equal(symlink(tmp, key_path), 0);
	assert_int_equal(sts_grant_key_load(dir, false, again, &err), -1);
	assert_non_null(strstr(err.msg, "refused"));
	unlink(key_path);
	unlink(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hit, fresh_cache),
		cmocka_unit_test_setup(test_disabled, fresh_cache),
		cmocka_unit_test_setup(test_rewrite, fresh_cache),
		cmocka_unit_test_setup(test_chmod, fresh_cache),
		cmocka_unit_test_setup(test_chown, fresh_cache),
		cmocka_unit_test_setup(test_rename_over, fresh_cache),
		cmocka_unit_test_setup(test_symlink_swap, fresh_cache),
		cmocka_unit_test_setup(test_checks_again, fresh_cache),
		cmocka_unit_test_setup(test_recent_ctime, fresh_cache),
		cmocka_unit_test_setup(test_bounds, fresh_cache),
		cmocka_unit_test_setup(test_settings_cached, fresh_cache),
		cmocka_unit_test_setup(test_keyring_cached, fresh_cache),
		cmocka_unit_test_setup(test_grant_key_cached, fresh_cache),
	};
	umask(077);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
