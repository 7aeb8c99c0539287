/*
 * The record of opened grants (lib/decide/grant_spent.c): a grant is recorded once;
 * of many opens racing exactly one wins; expired buckets are removed, live
 * ones kept; a record it cannot trust (a link, a directory open to others)
 * refuses instead of recording.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decide/grant_spent.h"
#include "testutil.h"

#define RACERS 16
#define NOW    1900000000

static char state[64], grants[80];

static int make_dir(void **st)
{
	(void)st;
	if (tu_mkdtemp(state, sizeof(state)) < 0)
		return -1;
	snprintf(grants, sizeof(grants), "%s/%s", state, STS_GRANT_SPENT_DIR);
	return 0;
}

static int remove_dir(void **st)
{
	(void)st;
	return tu_rmtree(state);
}

static int spend(const char *grant, int64_t expires, int64_t now)
{
	sts_error err;

	return sts_grant_spend(state, grant, expires, now, &err);
}

static int buckets(void)
{
	DIR *d = opendir(grants);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_once(void **st)
{
	(void)st;
	assert_int_equal(spend("g1.a.x", NOW + 300, NOW), 0);
	assert_int_equal(spend("g1.a.x", NOW + 300, NOW + 1), 1);
	assert_int_equal(spend("g1.a.x", NOW + 300, NOW + 299), 1);
	assert_int_equal(spend("g1.b.x", NOW + 300, NOW), 0);
	assert_int_equal(spend(NULL, NOW + 300, NOW), -1);
}

static void test_race(void **st)
{
	pid_t pids[RACERS];
	int wins = 0, seen = 0;

	(void)st;
	for (int i = 0; i < RACERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(spend("g1.raced.x", NOW + 300, NOW) + 10);
	}
	for (int i = 0; i < RACERS; i++) {
		int status = 0;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		wins += WEXITSTATUS(status) == 10;
		seen += WEXITSTATUS(status) == 11;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(seen, RACERS - 1);
}

static void test_prune(void **st)
{
	char cmd[200];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", grants);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(spend("g1.old.x", NOW + 10, NOW), 0);
	assert_int_equal(spend("g1.new.x", NOW + 600, NOW), 0);
	assert_int_equal(buckets(), 2);
	/* A login at NOW+700: the old grant's minute is over, the new one's
	 * too; only this login's bucket is left. */
	assert_int_equal(spend("g1.later.x", NOW + 1000, NOW + 700), 0);
	assert_int_equal(buckets(), 1);
	/* One still valid is kept (and still refused). */
	assert_int_equal(spend("g1.later.x", NOW + 1000, NOW + 900), 1);
}

static void test_refuses_untrusted(void **st)
{
	char cmd[600];

	(void)st;
	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s' && mkdir '%s.elsewhere' && ln -s '%s.elsewhere' '%s'", grants, state,
		 state, grants);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(spend("g1.link.x", NOW + 300, NOW), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.elsewhere' && mkdir -m 0777 '%s'", grants,
		 state, grants);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(chmod(grants, 0777), 0);
	assert_int_equal(spend("g1.open.x", NOW + 300, NOW), -1);
	assert_int_equal(chmod(grants, 0700), 0);
	assert_int_equal(spend("g1.open.x", NOW + 300, NOW), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_refuses_untrusted),
	};

	umask(077);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
