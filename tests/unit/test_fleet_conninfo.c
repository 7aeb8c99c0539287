/*
 * The fleet database's connection settings, without a server
 * (lib/mfa/fleet_db.h): what a connection string may hold, the bare service
 * name, errors that never quote the string, and a connect that fails closed
 * within its budget when nothing listens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mfa/fleet_db.h"
#include "testutil.h"

static void test_accepted(void **state)
{
	static const char *const good[] = {
		"bastion",
		"pam-sts.fleet_1",
		"host=/run/postgresql dbname=pam_sts user=pam_sts",
		"host=db.example.net dbname=pam_sts sslmode=verify-full sslrootcert=/etc/ca.pem",
		"postgresql://pam_sts@db.example.net/pam_sts?sslmode=verify-full",
		"service=bastion",
	};
	sts_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (sts_fleet_conninfo_check(good[i], &err) != 0)
			fail_msg("refused %s: %s", good[i], err.msg);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"host=/run/postgresql password=hunter2secret",
		"postgresql://u:hunter2secret@db/pam_sts",
		"host=db passfile=/root/.pgpass",
		"host=db connect_timeout=600",
		"host=db options='-c statement_timeout=0'",
		"host=db sslmode=maybe",
		"host=db dbname='unterminated hunter2secret",
		"bastion with spaces",
	};
	sts_error err;

	(void)state;
	assert_int_equal(sts_fleet_conninfo_check(NULL, &err), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (sts_fleet_conninfo_check(bad[i], &err) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_null(strstr(err.msg, "hunter2"));
		assert_non_null(strstr(err.msg, "fleet database"));
	}
}

static void test_connect_fails_closed(void **state)
{
	sts_fleet_db_config cfg = { "host=/nonexistent-fleet-socket-dir dbname=x", NULL, 2000 };
	sts_fleet_db_config bad = { "host=/tmp password=hunter2secret", NULL, 2000 };
	sts_error err;

	(void)state;
	assert_null(sts_fleet_db_connect(&cfg, &err));
	assert_non_null(strstr(err.msg, "cannot connect"));
	assert_null(sts_fleet_db_connect(&bad, &err));
	assert_null(strstr(err.msg, "hunter2"));
}

static void test_password_file_checked(void **state)
{
	sts_fleet_db_config cfg = { "host=/nonexistent-fleet-socket-dir dbname=x",
				    "/nonexistent/passfile", 2000 };
	sts_error err;

	(void)state;
	assert_null(sts_fleet_db_connect(&cfg, &err));
	assert_null(strstr(err.msg, "cannot connect"));
}

static void test_pool_fails_closed(void **state)
{
	sts_fleet_db_config cfg = { "host=/nonexistent-fleet-socket-dir dbname=x", NULL, 1000 };
	sts_fleet_pool *pool = NULL;
	sts_error err;

	(void)state;
	assert_int_equal(sts_fleet_pool_open(&cfg, 0, &pool, &err), -1);
	assert_int_equal(sts_fleet_pool_open(&cfg, 2, &pool, &err), 0);
	/* Each failed connect gives its slot back, once: a caller's put of the
	 * NULL it got changes nothing, and the next get connects again. */
	for (int i = 0; i < 5; i++) {
		PGconn *conn = sts_fleet_pool_get(pool, &err);

		assert_null(conn);
		assert_non_null(strstr(err.msg, "cannot connect"));
		sts_fleet_pool_put(pool, conn);
	}
	sts_fleet_pool_close(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_connect_fails_closed),
		cmocka_unit_test(test_password_file_checked),
		cmocka_unit_test(test_pool_fails_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
