/*
 * pam_sts.conf's renamed key (lib/base/settings.c): grant_ttl, and its
 * deprecated name ticket_ttl, which is still read alone (with a note for
 * the administrator) and refused together with grant_ttl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/settings.h"
#include "testutil.h"

static char dir[64], path[128];

static int setup(void **st)
{
	(void)st;
	if (tu_mkdtemp(dir, sizeof(dir)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/pam_sts.conf", dir);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return tu_rmtree(dir);
}

/* Loads |text| as the file: 0 with |s| filled, or -1 with |err|. */
static int load(const char *text, sts_settings *s, sts_error *err)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	return sts_settings_load(path, s, err);
}

static void test_grant_ttl(void **st)
{
	sts_settings s;
	sts_error err;

	(void)st;
	assert_int_equal(load("grant_ttl = 120\n", &s, &err), 0);
	assert_int_equal(s.grant_ttl, 120);
	assert_null(s.deprecation);
	sts_settings_free(&s);
	assert_int_equal(load("region = eu-west-1\n", &s, &err), 0);
	assert_int_equal(s.grant_ttl, 300);
	assert_null(s.deprecation);
	sts_settings_free(&s);
	assert_int_equal(load("grant_ttl = 29\n", &s, &err), -1);
	assert_non_null(strstr(err.msg, "grant_ttl"));
}

static void test_ticket_ttl_still_read(void **st)
{
	sts_settings s;
	sts_error err;

	(void)st;
	assert_int_equal(load("ticket_ttl = 180\n", &s, &err), 0);
	assert_int_equal(s.grant_ttl, 180);
	assert_non_null(s.deprecation);
	assert_non_null(strstr(s.deprecation, "ticket_ttl is deprecated"));
	assert_non_null(strstr(s.deprecation, "grant_ttl"));
	sts_settings_free(&s);
	assert_int_equal(load("ticket_ttl = 3601\n", &s, &err), -1);
	assert_non_null(strstr(err.msg, "ticket_ttl"));
}

static void test_both_names_refused(void **st)
{
	sts_settings s;
	sts_error err;

	(void)st;
	assert_int_equal(load("grant_ttl = 120\nticket_ttl = 120\n", &s, &err), -1);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "grant_ttl and ticket_ttl"));
	assert_int_equal(load("ticket_ttl = 60\ngrant_ttl = 90\n", &s, &err), -1);
	assert_non_null(strstr(err.msg, "both"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_ttl),
		cmocka_unit_test(test_ticket_ttl_still_read),
		cmocka_unit_test(test_both_names_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
