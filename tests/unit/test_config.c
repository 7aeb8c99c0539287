/* The key=value reader (lib/base/kv_reader.c): strict, table-driven, errors with file:line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/kv_reader.h"
#include "testutil.h"

typedef struct {
	char *account;
	char *state_dir;
	unsigned long window;
	bool nullok;
	int mode;
} demo_config;

static const char *const modes[] = { "session", "assume-role", "federate", NULL };

static const sts_config_key table[] = {
	{ "account_id", CFG_STRING, offsetof(demo_config, account), 0, 0, NULL },
	{ "state_dir", CFG_PATH, offsetof(demo_config, state_dir), 0, 0, NULL },
	{ "totp_window", CFG_UINT, offsetof(demo_config, window), 0, 10, NULL },
	{ "nullok", CFG_BOOL, offsetof(demo_config, nullok), 0, 0, NULL },
	{ "action", CFG_ENUM, offsetof(demo_config, mode), 0, 0, modes },
	{ NULL, 0, 0, 0, 0, NULL },
};

static int parse(const char *text, demo_config *c, char *msg, size_t cap)
{
	sts_error err;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = sts_config_parse(text, strlen(text), "pam_sts.conf", table, c, &err);
	snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
	return rc;
}

static void release(demo_config *c)
{
	free(c->account);
	free(c->state_dir);
}

static void test_valid_file(void **state)
{
	demo_config c;
	char msg[1024];

	(void)state;
	assert_int_equal(
		parse("# comment\n\naccount_id = 123456789012\n  state_dir=/var/lib/pam_sts \n"
		      "totp_window = 1\nnullok = no\naction = federate\n",
		      &c, msg, sizeof(msg)),
		0);
	assert_string_equal(c.account, "123456789012");
	assert_string_equal(c.state_dir, "/var/lib/pam_sts");
	assert_int_equal(c.window, 1);
	assert_false(c.nullok);
	assert_int_equal(c.mode, 2);
	release(&c);
}

static void test_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "account_id = 1\nbogus = 2\n", "pam_sts.conf:2: unknown key \"bogus\"" },
		{ "state_dir = relative/path\n", "pam_sts.conf:1: bad value for \"state_dir\"" },
		{ "\ntotp_window = 11\n", "pam_sts.conf:2: bad value for \"totp_window\"" },
		{ "totp_window = -1\n", "pam_sts.conf:1: bad value" },
		{ "nullok = maybe\n", "pam_sts.conf:1: bad value for \"nullok\"" },
		{ "action = everything\n", "pam_sts.conf:1: bad value for \"action\"" },
		{ "account_id = 1\naccount_id = 2\n",
		  "pam_sts.conf:2: \"account_id\" is set twice" },
		{ "account_id\n", "pam_sts.conf:1: expected \"key = value\"" },
		{ "account_id =\n", "pam_sts.conf:1: \"account_id\" has no value" },
	};
	demo_config c;
	char msg[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c, msg, sizeof(msg)), -1);
		if (!strstr(msg, cases[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, msg, cases[i].want);
		release(&c);
	}
}

static void test_load_refuses_symlinks_and_loose_modes(void **state)
{
	char dir[] = "/tmp/pam_sts-config-XXXXXX", file[128], link[128];
	demo_config c;
	sts_error err;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/pam_sts.conf", dir);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "nullok = yes\n", 13), 13);
	close(fd);
	assert_int_equal(symlink(file, link), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(sts_config_load(file, false, table, &c, &err), 0);
	assert_true(c.nullok);
	assert_int_equal(sts_config_load(link, false, table, &c, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(chmod(file, 0664), 0);
	if (geteuid() == 0) {
		assert_int_equal(sts_config_load(file, true, table, &c, &err), -1);
		assert_non_null(strstr(err.msg, "writable by group or others"));
	} else {
		assert_int_equal(sts_config_load(file, true, table, &c, &err), -1);
		assert_non_null(strstr(err.msg, "not owned by root"));
	}
	unlink(link);
	unlink(file);
	rmdir(dir);
}

/* Whole files of every size around the read buffer's, and a /proc file
 * (whose size fstat gives as 0), through sts_read_file; one byte more than
 * the bound is refused. */
static void test_read_file_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 8192, 70000, 99999 };
	char dir[] = "/tmp/sts-read-XXXXXX", file[64], *text = NULL, *want;
	size_t len = 0;
	sts_error err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f", dir);
	want = malloc(100001);
	assert_non_null(want);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) + 1; i++) {
		size_t n = i < sizeof(sizes) / sizeof(sizes[0]) ? sizes[i] : 100001;
		FILE *f = fopen(file, "w");

		for (size_t k = 0; k < n; k++)
			want[k] = (char)('a' + k % 23);
		assert_non_null(f);
		assert_int_equal(fwrite(want, 1, n, f), n);
		fclose(f);
		if (n > 100000) {
			assert_int_equal(sts_read_file(file, 100000, 0, &text, &len, &err), -1);
			assert_non_null(strstr(err.msg, "larger than"));
			continue;
		}
		assert_int_equal(sts_read_file(file, 100000, 0, &text, &len, &err), 0);
		assert_int_equal(len, n);
		assert_int_equal(text[n], '\0');
		assert_memory_equal(text, want, n);
		free(text);
	}
	free(want);
	assert_int_equal(sts_read_file("/proc/sys/kernel/random/boot_id", 64, 0, &text, &len, &err),
			 0);
	assert_int_equal(len, 37);
	free(text);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_file),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_load_refuses_symlinks_and_loose_modes),
		cmocka_unit_test(test_read_file_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
