/*
 * Session directories (lib/base/session_dir.c): exactly 0710 (root's, the user's
 * group) and 0600 (the user's) under sts-helper's umask 077 and under any
 * umask that takes none of their bits; the user reads the credentials and
 * can create nothing in the directory; nothing already at the name is used;
 * each session is its own. The runtime directory is created 0755 under umask
 * 077. Reaping (lib/base/session_reap.c) removes exactly the sessions whose owner
 * is gone, never following a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/session_dir.h"
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
	return chmod(runtime, 0755); /* the user must reach the credentials */
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", runtime);
	return system(cmd) == 0 ? 0 : -1;
}

static void create_owned(const char *user, pid_t pid, int64_t expires,
			 char name[STS_SESSION_NAME_MAX])
{
	sts_session_owner owner = { pid, expires };
	sts_error err;

	assert_int_equal(sts_session_name_new(user, name), 0);
	if (sts_session_create(runtime, user, uid, gid, &owner, CONTENT, strlen(CONTENT), name,
			       &err) < 0)
		fail_msg("%s", err.msg);
}

static void create(char name[STS_SESSION_NAME_MAX])
{
	create_owned("carol", getpid(), (int64_t)time(NULL) + 3600, name);
}

static void assert_session(const char *name)
{
	char path[400], text[128] = "";
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", runtime, name);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0710);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_gid, gid);
	snprintf(path, sizeof(path), "%s/%s/%s", runtime, name, STS_SESSION_OWNER_FILE);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
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
	{
		sts_session_owner owner = { getpid(), (int64_t)time(NULL) + 60 };

		assert_int_equal(sts_session_create(runtime, "carol", uid, gid, &owner, CONTENT,
						    strlen(CONTENT), a, &err),
				 -1);
	}
	unlink(path);
	assert_int_equal(sts_session_remove(runtime, "carol", uid, b, &err), 0);
}

/* In a child as the user: reads the credentials, creates nothing. */
static void test_user_creates_nothing(void **state)
{
	char name[STS_SESSION_NAME_MAX], dir[400], path[500];
	int status = 0;
	pid_t pid;
	sts_error err;

	(void)state;
	if (geteuid() != 0)
		skip();
	create(name);
	snprintf(dir, sizeof(dir), "%s/%s", runtime, name);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char text[128] = "";
		int fd, bad = 0;

		if (setgid(gid) < 0 || setuid(uid) < 0)
			_exit(100);
		snprintf(path, sizeof(path), "%s/%s", dir, STS_CREDENTIALS_FILE);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, text, sizeof(text) - 1) != (ssize_t)strlen(CONTENT))
			bad |= 1;
		snprintf(path, sizeof(path), "%s/filler", dir);
		if (open(path, O_WRONLY | O_CREAT | O_EXCL, 0600) >= 0 || errno != EACCES)
			bad |= 2;
		snprintf(path, sizeof(path), "%s/nested", dir);
		if (mkdir(path, 0700) == 0 || errno != EACCES)
			bad |= 4;
		snprintf(path, sizeof(path), "%s/%s", dir, STS_SESSION_OWNER_FILE);
		if (open(path, O_RDONLY) >= 0)
			bad |= 8;
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sts_session_remove(runtime, "carol", uid, name, &err), 0);
}

/* A pid that no longer runs: a child's, waited for. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static bool exists(const char *name)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", runtime, name);
	return access(path, F_OK) == 0;
}

static void test_reap(void **state)
{
	char alive[STS_SESSION_NAME_MAX], died[STS_SESSION_NAME_MAX];
	char expired[STS_SESSION_NAME_MAX], other[STS_SESSION_NAME_MAX];
	char reused[STS_SESSION_NAME_MAX], norecord[STS_SESSION_NAME_MAX], path[600];
	int64_t now = (int64_t)time(NULL);
	sts_error err;
	FILE *f;

	(void)state;
	create_owned("carol", getpid(), now + 3600, alive);
	create_owned("carol", dead_pid(), now + 3600, died);
	create_owned("carol", getpid(), now - 1, expired);
	create_owned("dave", dead_pid(), now + 3600, other);
	/* This process's pid, but recorded with another start time: the pid
	 * was reused by another process. */
	create_owned("carol", getpid(), now + 3600, reused);
	snprintf(path, sizeof(path), "%s/%s/%s", runtime, reused, STS_SESSION_OWNER_FILE);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "pid=%ld start=1 expires=%lld\n", (long)getpid(), (long long)now + 3600);
	fclose(f);
	/* No record (being created, or an older version's): left alone. */
	assert_int_equal(sts_session_name_new("carol", norecord), 0);
	snprintf(path, sizeof(path), "%s/%s", runtime, norecord);
	assert_int_equal(mkdir(path, 0700), 0);
	/* A link named like a session, to a directory outside: not followed. */
	assert_int_equal(sts_session_name_new("carol", path), 0);
	{
		char link[700], target[400];

		snprintf(target, sizeof(target), "%s.outside", runtime);
		assert_int_equal(mkdir(target, 0700), 0);
		snprintf(link, sizeof(link), "%s/%s", runtime, path);
		assert_int_equal(symlink(target, link), 0);
		assert_int_equal(sts_session_reap(runtime, "carol", now, &err), 3);
		assert_int_equal(access(target, F_OK), 0);
		assert_int_equal(unlink(link), 0);
		assert_int_equal(rmdir(target), 0);
	}
	assert_true(exists(alive));
	assert_false(exists(died));
	assert_false(exists(expired));
	assert_false(exists(reused));
	assert_true(exists(norecord));
	assert_true(exists(other)); /* another user's: not at carol's login */
	assert_int_equal(sts_session_reap(runtime, NULL, now, &err), 1);
	assert_false(exists(other));
	assert_true(exists(alive));
	assert_int_equal(sts_session_remove(runtime, "carol", uid, alive, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", runtime, norecord);
	assert_int_equal(rmdir(path), 0);
}

/* Created under umask 077, the runtime directory is still 0755. */
static void test_runtime_dir_mode(void **state)
{
	char sub[128], name[STS_SESSION_NAME_MAX];
	sts_session_owner owner = { getpid(), (int64_t)time(NULL) + 60 };
	struct stat st;
	sts_error err;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/fresh", runtime);
	umask(077);
	assert_int_equal(sts_session_name_new("carol", name), 0);
	assert_int_equal(sts_session_create(sub, "carol", uid, gid, &owner, CONTENT,
					    strlen(CONTENT), name, &err),
			 0);
	assert_int_equal(lstat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(sts_session_remove(sub, "carol", uid, name, &err), 0);
	assert_int_equal(rmdir(sub), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_modes),	     cmocka_unit_test(test_own_files),
		cmocka_unit_test(test_user_creates_nothing), cmocka_unit_test(test_reap),
		cmocka_unit_test(test_runtime_dir_mode),
	};
	umask(077);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
