/*
 * pam_sts.conf kept between the phases of a login (lib/base/settings_cache.c):
 * reused while the file is as it was read, read again after any change, for
 * another path or other module arguments, and when it had changed too
 * recently before it was read. The module passes a minimum age of 2 s; most
 * tests pass 0 and only wait until the coarse clock file times come from has
 * moved past the file's change time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/settings_cache.h"
#include "testutil.h"

static char dir[64], path[128], other[128];
static const char *const args[] = { "config=x", "debug" };

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, 0600), 0);
}

/* Until the clock the module compares with has passed the file's change
 * time (a few milliseconds at most). */
static void wait_past_ctime(const char *p)
{
	struct timespec now, nap = { 0, 1000000 };
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	for (;;) {
		assert_int_equal(clock_gettime(CLOCK_REALTIME_COARSE, &now), 0);
		if (now.tv_sec > st.st_ctim.tv_sec ||
		    (now.tv_sec == st.st_ctim.tv_sec && now.tv_nsec > st.st_ctim.tv_nsec))
			return;
		nanosleep(&nap, NULL);
	}
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/sts-cache-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/pam_sts.conf", dir);
	snprintf(other, sizeof(other), "%s/other.conf", dir);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A file read long enough after its last change (min_age 0), then |c|. */
static sts_settings_cache *fresh_entry(void)
{
	sts_settings_cache *c;
	sts_error err;

	unlink(path);
	write_text(path, "grant_ttl = 120\nregion = eu-west-1\n");
	wait_past_ctime(path);
	c = sts_settings_cache_load(path, 2, args, 0, &err);
	if (!c)
		fail_msg("%s", err.msg);
	assert_true(c->reusable);
	assert_true(sts_settings_cache_valid(c, path, 2, args));
	return c;
}

static void test_reused_while_unchanged(void **st)
{
	sts_settings_cache *c = fresh_entry();

	(void)st;
	assert_int_equal(c->settings.grant_ttl, 120);
	assert_string_equal(c->settings.region, "eu-west-1");
	/* Asking again changes nothing; reading the file (atime) neither. */
	assert_true(sts_settings_cache_valid(c, path, 2, args));
	sts_settings_cache_free(c);
}

/* Changed within min_age seconds before it was read: this phase only. */
static void test_recent_file_not_reused(void **st)
{
	sts_settings_cache *c;
	sts_error err;

	(void)st;
	write_text(path, "grant_ttl = 120\n");
	c = sts_settings_cache_load(path, 2, args, STS_SETTINGS_MIN_AGE, &err);
	assert_non_null(c);
	assert_int_equal(c->settings.grant_ttl, 120);
	assert_false(c->reusable);
	assert_false(sts_settings_cache_valid(c, path, 2, args));
	sts_settings_cache_free(c);
	c = sts_settings_cache_load(path, 2, args, 3600, &err);
	assert_non_null(c);
	assert_false(sts_settings_cache_valid(c, path, 2, args));
	sts_settings_cache_free(c);
}

/* Each change to the file, after it was read. */
static void rewrite_same_size(void)
{
	write_text(path, "grant_ttl = 180\nregion = eu-west-2\n");
}

static void append_line(void)
{
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs("prompt = Code: \n", f);
	fclose(f);
}

static void change_mode(void)
{
	assert_int_equal(chmod(path, 0640), 0);
}

static void set_mtime_back(void)
{
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void replace_by_copy(void)
{
	char text[256];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	write_text(other, text);
	assert_int_equal(rename(other, path), 0);
}

static void replace_by_link(void)
{
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
}

static void remove_file(void)
{
	assert_int_equal(unlink(path), 0);
}

static void test_every_change_reads_again(void **st)
{
	static void (*const changes[])(
		void) = { rewrite_same_size, append_line,     change_mode, set_mtime_back,
			  replace_by_copy,   replace_by_link, remove_file };

	(void)st;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		sts_settings_cache *c = fresh_entry();

		changes[i]();
		if (sts_settings_cache_valid(c, path, 2, args))
			fail_msg("change %zu went unseen", i);
		sts_settings_cache_free(c);
		unlink(path);
		unlink(other);
	}
}

/* As root: another owner or group. */
static void test_owner_change_reads_again(void **st)
{
	sts_settings_cache *c;

	(void)st;
	if (geteuid() != 0)
		skip();
	c = fresh_entry();
	assert_int_equal(chown(path, 0, 4242), 0);
	assert_false(sts_settings_cache_valid(c, path, 2, args));
	sts_settings_cache_free(c);
	c = fresh_entry();
	assert_int_equal(chown(path, 4242, (gid_t)-1), 0);
	assert_false(sts_settings_cache_valid(c, path, 2, args));
	sts_settings_cache_free(c);
}

/* The owner rule depends on who asks: a file of the effective user's (a test
 * run's) is not reused once the effective user is another. */
static void test_owner_checked_for_the_caller(void **st)
{
	sts_settings_cache *c;
	sts_error err;

	(void)st;
	if (geteuid() != 0)
		skip();
	write_text(path, "grant_ttl = 120\n");
	assert_int_equal(chown(path, 4242, 4242), 0);
	wait_past_ctime(path);
	assert_int_equal(seteuid(4242), 0);
	c = sts_settings_cache_load(path, 2, args, 0, &err);
	assert_true(c && sts_settings_cache_valid(c, path, 2, args));
	assert_int_equal(seteuid(0), 0);
	assert_false(sts_settings_cache_valid(c, path, 2, args));
	sts_settings_cache_free(c);
	assert_null(sts_settings_cache_load(path, 2, args, 0, &err));
	assert_non_null(strstr(err.msg, "not owned by root"));
}

static void test_other_path_or_arguments(void **st)
{
	static const char *const fewer[] = { "config=x" },
				 *const more[] = { "config=x", "debug", "nullok" },
				 *const joined[] = { "config=x debug" },
				 *const swapped[] = { "debug", "config=x" };
	sts_settings_cache *c = fresh_entry();

	(void)st;
	assert_false(sts_settings_cache_valid(c, path, 1, fewer));
	assert_false(sts_settings_cache_valid(c, path, 3, more));
	assert_false(sts_settings_cache_valid(c, path, 1, joined));
	assert_false(sts_settings_cache_valid(c, path, 2, swapped));
	assert_false(sts_settings_cache_valid(c, path, 0, NULL));
	assert_true(sts_settings_cache_valid(c, path, 2, args));
	/* The same file under another name: another path (a second name also
	 * changes the file's change time: then neither is reused). */
	assert_int_equal(symlink(path, other), 0);
	assert_false(sts_settings_cache_valid(c, other, 2, args));
	assert_true(sts_settings_cache_valid(c, path, 2, args));
	unlink(other);
	assert_int_equal(link(path, other), 0);
	assert_false(sts_settings_cache_valid(c, other, 2, args));
	assert_false(sts_settings_cache_valid(c, path, 2, args));
	assert_true(sts_settings_cache_hash(path, 2, args) ==
		    sts_settings_cache_hash(path, 2, args));
	assert_true(sts_settings_cache_hash(path, 2, args) !=
		    sts_settings_cache_hash(other, 2, args));
	assert_true(sts_settings_cache_hash(path, 2, args) !=
		    sts_settings_cache_hash(path, 1, fewer));
	sts_settings_cache_free(c);
	unlink(other);
}

static void test_same_file_compares_every_field(void **st)
{
	struct stat a, b;

	(void)st;
	assert_int_equal(stat("/", &a), 0);
	b = a;
	b.st_atim.tv_sec++; /* reading is no change */
	b.st_nlink++;
	assert_true(sts_settings_same_file(&a, &b));
#define DIFFERS(field)                                        \
	do {                                                  \
		b = a;                                        \
		b.field++;                                    \
		assert_false(sts_settings_same_file(&a, &b)); \
	} while (0)
	DIFFERS(st_dev);
	DIFFERS(st_ino);
	DIFFERS(st_size);
	DIFFERS(st_mtim.tv_sec);
	DIFFERS(st_mtim.tv_nsec);
	DIFFERS(st_ctim.tv_sec);
	DIFFERS(st_ctim.tv_nsec);
	DIFFERS(st_mode);
	DIFFERS(st_uid);
	DIFFERS(st_gid);
#undef DIFFERS
}

/* A file that cannot be used is refused on reading, as by sts_settings_load. */
static void test_refused_file_gives_nothing(void **st)
{
	sts_error err;

	(void)st;
	unlink(path);
	assert_null(sts_settings_cache_load(path, 2, args, 0, &err));
	assert_non_null(strstr(err.msg, "cannot open"));
	write_text(other, "grant_ttl = 120\n");
	assert_int_equal(symlink(other, path), 0);
	assert_null(sts_settings_cache_load(path, 2, args, 0, &err));
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(unlink(path), 0);
	write_text(path, "grant_ttl = 120\n");
	assert_int_equal(chmod(path, 0666), 0);
	assert_null(sts_settings_cache_load(path, 2, args, 0, &err));
	assert_non_null(strstr(err.msg, "writable by group or others"));
	write_text(path, "grant_ttl = 5\n");
	assert_null(sts_settings_cache_load(path, 2, args, 0, &err));
	assert_non_null(strstr(err.msg, "grant_ttl"));
	unlink(path);
	unlink(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_while_unchanged),
		cmocka_unit_test(test_recent_file_not_reused),
		cmocka_unit_test(test_every_change_reads_again),
		cmocka_unit_test(test_owner_change_reads_again),
		cmocka_unit_test(test_owner_checked_for_the_caller),
		cmocka_unit_test(test_other_path_or_arguments),
		cmocka_unit_test(test_same_file_compares_every_field),
		cmocka_unit_test(test_refused_file_gives_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
