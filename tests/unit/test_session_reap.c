/*
 * Sessions whose owner is gone (lib/base/session_reap.h), through the stack: the
 * process that opened a session is killed without closing it (as kill -9 of
 * sts-assume or of sshd's monitor would), and its session directory is
 * removed at the user's next login and when the broker starts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "broker_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

static int64_t clock_now = T0;

/* A login whose process opens the session and dies without closing it;
 * returns its credentials file's path (malloc'd). */
static char *orphan_session(const char *svc, const char *user)
{
	pam_handle_t *ph = sf_authenticated(svc, user, &clock_now);
	int p[2], status = 0;
	char path[600] = "";
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *file;

		close(p[0]);
		if (pam_acct_mgmt(ph, 0) != PAM_SUCCESS || pam_open_session(ph, 0) != PAM_SUCCESS ||
		    !(file = pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE")))
			_exit(1);
		if (write(p[1], file, strlen(file)) != (ssize_t)strlen(file))
			_exit(2);
		_exit(0); /* no close_session, no pam_end */
	}
	close(p[1]);
	got = read(p[0], path, sizeof(path) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(got > 0);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(access(path, R_OK), 0); /* left behind */
	return strdup(path);
}

static void test_reaped_at_next_login(void **st)
{
	char *left = orphan_session("stack-session", "alice");
	pam_handle_t *ph;

	(void)st;
	assert_int_equal(sf_session_count(), 1);
	ph = sf_authenticated("stack-session", "alice", &clock_now);
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	assert_int_equal(access(left, F_OK), -1);
	assert_int_equal(sf_session_count(), 1); /* this login's own */
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	free(left);
}

/* A live session is not reaped by another login of the user. */
static void test_live_session_kept(void **st)
{
	pam_handle_t *first, *second;

	(void)st;
	first = sf_authenticated("stack-session", "alice", &clock_now);
	assert_int_equal(pam_acct_mgmt(first, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(first, 0), PAM_SUCCESS);
	second = sf_authenticated("stack-session", "alice", &clock_now);
	assert_int_equal(pam_acct_mgmt(second, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(second, 0), PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 2);
	bf_close_checked(first);
	bf_close_checked(second);
	pam_end(first, PAM_SUCCESS);
	pam_end(second, PAM_SUCCESS);
}

static void test_reaped_at_broker_start(void **st)
{
	char *left = orphan_session("stack-session", "bob");

	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, true);
	assert_int_equal(sf_session_count(), 1);
	bf_up();
	assert_int_equal(access(left, F_OK), -1);
	assert_int_equal(sf_session_count(), 0);
	bf_down();
	free(left);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reaped_at_next_login),
		cmocka_unit_test(test_live_session_kept),
		cmocka_unit_test_teardown(test_reaped_at_broker_start, bf_stop_leftover),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
