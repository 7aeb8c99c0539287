/* The grant key: created once, private, never through a link. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decide/grant_key.h"
#include "testutil.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pam_sts-grant-key-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_key_created_once(void **state)
{
	unsigned char key[STS_GRANT_KEY_LEN], again[STS_GRANT_KEY_LEN];
	sts_error err;

	(void)state;
	assert_int_equal(sts_grant_key_load(dir, false, key, &err), -1); /* absent, no create */
	assert_int_equal(sts_grant_key_load(dir, true, key, &err), 0);
	assert_int_equal(sts_grant_key_load(dir, true, again, &err), 0);
	assert_memory_equal(key, again, sizeof(key)); /* created once */
	assert_int_equal(sts_grant_key_load(dir, false, again, &err), 0);
	assert_memory_equal(key, again, sizeof(key));
}

static void test_key_file_checked(void **state)
{
	unsigned char key[STS_GRANT_KEY_LEN];
	char path[128];
	sts_error err;

	(void)state;
	snprintf(path, sizeof(path), "%s/mfa-ticket.key", dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(sts_grant_key_load(dir, true, key, &err), -1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(sts_grant_key_load(dir, true, key, &err), -1);
	assert_non_null(strstr(err.msg, "refused"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_created_once),
		cmocka_unit_test(test_key_file_checked),
	};
	umask(077);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
