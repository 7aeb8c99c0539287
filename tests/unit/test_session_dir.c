/*
 * Session directories (lib/session_dir.c): the modes come from the create
 * alone (no fchmod follows), exactly 0700 and 0600 under sts-helper's umask
 * 077 and under any umask that takes none of their bits; the owner is the
 * user's; nothing already at the name is used; each session is its own.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session_dir.h"
#include "testutil.h"

#define CONTENT "[default]\naws_access_key_id = ASIAEXAMPLE\n"

static char runtime[64];
static uid_t uid;
static gid_t gid;

static int make_dir(void **state)
{
	(void)state;
	snprintf(runtime, sizeof(runtime), "/tmp/pam_sts-sessdir-XXXXXX");
	if (!mkdtemp(runtime))
		return -1;
	/* As root, hand the session to another user, as the helper does. */
	uid = geteuid() == 0 ? 65534 : geteuid();
	gid = geteuid() == 0 ? 65534 : getegid();
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", runtime);
	return system(cmd) == 0 ? 0 : -1;
}

static void create(char name[STS_SESSION_NAME_MAX])
{
	sts_error err;

	assert_int_equal(sts_session_name_new("carol", name), 0);
	if (sts_session_create(runtime, "carol", uid, gid, CONTENT, strlen(CONTENT), name, &err) <
	    0)
		fail_msg("%s", err.msg);
}

static void assert_session(const char *name)
{
	char path[400], text[128] = "";
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", runtime, name);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	snprintf(path, sizeof(path), "%s/%s/%s", runtime, name, STS_CREDENTIALS_FILE);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, text, sizeof(text) - 1), (ssize_t)strlen(CONTENT));
	close(fd);
	assert_string_equal(text, CONTENT);
}

static void test_exact_modes(void **state)
{
	static const mode_t masks[] = { 077, 0, 022, 027 };
	char name[STS_SESSION_NAME_MAX];
	sts_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		umask(masks[i]);
		create(name);
		assert_session(name);
		assert_int_equal(sts_session_remove(runtime, "carol", uid, name, &err), 0);
	}
	umask(077);
}

static void test_own_files(void **state)
{
	char a[STS_SESSION_NAME_MAX], b[STS_SESSION_NAME_MAX], path[400];
	sts_error err;

	(void)state;
	create(a);
	create(b);
	assert_string_not_equal(a, b);
	assert_session(a);
	assert_session(b);
	/* Anything at a new session's name (a planted link here) is refused. */
	assert_int_equal(sts_session_name_new("carol", a), 0);
	snprintf(path, sizeof(path), "%s/%s", runtime, a);
	assert_int_equal(symlink("/tmp", path), 0);
	assert_int_equal(sts_session_create(runtime, "carol", uid, gid, CONTENT, strlen(CONTENT), a,
					    &err),
			 -1);
	unlink(path);
	assert_int_equal(sts_session_remove(runtime, "carol", uid, b, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_modes),
		cmocka_unit_test(test_own_files),
	};
	umask(077);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
