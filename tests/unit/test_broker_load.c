/*
 * The resident broker under load and abuse (helper/sts-helper/sts_helper_conns.c,
 * helper/sts-helper/sts_helper_pool.c, and the module's side in lib/proto/socket.c):
 *  - 20 root clients that connect and never send do not delay a login: it is
 *    served by the broker (the configured helper does not exist) while they
 *    are connected, each of its exchanges within a helper_timeout of 2 s,
 *    where serving them in turn would take 20 x 2 s; and each stalled client
 *    is cut off with the busy answer;
 *  - more stalled clients than the broker holds: a login still succeeds;
 *  - a broker whose backlog is full (stopped), or one that answers busy,
 *    makes the module run the helper at once; without a helper the login
 *    then fails on the missing helper, which shows it did fall back;
 *  - 200 whole logins at once all succeed through the broker alone;
 *  - 200 presentations of one code at once through it: exactly one passes.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "proto/socket.h"
#include "broker_fixture.h"
#include "fault_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

#define STALLS 20
/* More than the broker holds (STS_BROKER_MAX_CONNS, 256). */
#define FLOOD 300
/* Long enough for the busy answer after the broker's read deadline (2 s). */
#define CUT_WAIT_MS 20000

/* A connection to the broker that sends nothing. */
static int stalled_client(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	bf_sock_addr(&sa);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The stalled client gets exactly the busy answer, then end of file (or a
 * reset: it never sent, so nothing of it was read). */
static void expect_cut_off_busy(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
	char buf[64];
	size_t used = 0;
	ssize_t n;

	for (;;) {
		assert_int_equal(poll(&p, 1, CUT_WAIT_MS), 1);
		n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	assert_true(n == 0 || errno == ECONNRESET);
	buf[used] = '\0';
	assert_string_equal(buf, STS_BROKER_BUSY_ANSWER);
	close(fd);
}

static void test_stalled_clients_do_not_delay_a_login(void **st)
{
	int stalled[STALLS];

	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(2, false); /* no helper: only the broker can answer */
	bf_up();
	for (int i = 0; i < STALLS; i++)
		stalled[i] = stalled_client();
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	for (int i = 0; i < STALLS; i++)
		expect_cut_off_busy(stalled[i]);
	bf_down();
}

/* More than the broker holds: the ones beyond get the busy answer at once,
 * the others after the read deadline; a login in the middle succeeds, by
 * the broker or by the helper it falls back to. */
static void test_flood_of_stalled_clients(void **st)
{
	int *stalled = calloc(FLOOD, sizeof(int));

	(void)st;
	assert_non_null(stalled);
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(2, true);
	bf_up();
	for (int i = 0; i < FLOOD; i++)
		stalled[i] = stalled_client();
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	for (int i = 0; i < FLOOD; i++)
		expect_cut_off_busy(stalled[i]);
	free(stalled);
	/* The broker serves on. */
	bf_write_config(2, false);
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	bf_down();
}

/* Fills the stopped broker's backlog: connect(2) says EAGAIN. Returns how
 * many connections it took; their descriptors in |fds|. */
static int fill_backlog(int *fds, int max)
{
	struct sockaddr_un sa;
	int n = 0;

	bf_sock_addr(&sa);
	while (n < max) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		assert_true(fd >= 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			assert_int_equal(errno, EAGAIN);
			close(fd);
			return n;
		}
		fds[n++] = fd;
	}
	fail_msg("the backlog took %d connections", max);
	return n;
}

/* The failed authentication's one log line names the missing helper: the
 * module ran the helper instead of the broker. */
static void expect_fell_back(void)
{
	fx_log log;

	bf_write_config(2, false);
	assert_int_equal(bf_failed_auth("stack-session", "carol", &log), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(log.n, 1);
	if (!strstr(log.text[0], "no-such-helper") || !strstr(log.text[0], "cannot open"))
		fail_msg("log line: %s", log.text[0]);
}

static void test_full_backlog_falls_back(void **st)
{
	int fds[1024], n;

	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(2, true);
	bf_up();
	assert_int_equal(kill(bf_pid, SIGSTOP), 0);
	n = fill_backlog(fds, 1024);
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	expect_fell_back();
	assert_int_equal(kill(bf_pid, SIGCONT), 0);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	bf_down();
}

/* A stand-in broker that answers busy to every connection: at once, before
 * reading (|unread|: the module may see its send fail and a reset), or
 * after reading the whole request. */
static void serve_busy(int listen_fd, bool unread)
{
	char buf[4096];

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept(listen_fd, NULL, NULL);

		if (c < 0)
			_exit(0);
		while (!unread && read(c, buf, sizeof(buf)) > 0)
			;
		if (write(c, STS_BROKER_BUSY_ANSWER, strlen(STS_BROKER_BUSY_ANSWER)) < 0)
			_exit(1);
		close(c);
	}
}

static void with_busy_server(bool unread)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t child;

	bf_sock_addr(&sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		serve_busy(fd, unread);
	}
	bf_write_config(2, true);
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	expect_fell_back();
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(fd);
	unlink(bf_sock_path);
}

static void test_busy_answer_falls_back(void **st)
{
	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	with_busy_server(false);
	with_busy_server(true);
}

/* A login in a fresh child (pam_wrapper's directories in a private /tmp):
 * waits at the gate, then authenticates and, unless |auth_only|, goes
 * through account, open and close. Exits 0 on success, 1 on a refused code
 * (PAM_AUTH_ERR, PAM_MAXTRIES), 2 otherwise. */
static char *child_code;

static void child_login(const char *user, bool auth_only, int gate_fd)
{
	struct pam_conv conv = { pf_answer_code, child_code };
	pam_handle_t *ph = NULL;
	char gate;
	int rc;

	if (pf_private_tmp() != 0)
		_exit(3);
	(void)!read(gate_fd, &gate, 1); /* end of file: the gate opens */
	rc = pam_start("stack-session", user, &conv, &ph);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(ph, 0);
	if (rc == PAM_SUCCESS && !auth_only)
		rc = pam_acct_mgmt(ph, 0);
	if (rc == PAM_SUCCESS && !auth_only)
		rc = pam_open_session(ph, 0);
	if (rc == PAM_SUCCESS && !auth_only)
		rc = pam_close_session(ph, 0);
	pam_end(ph, rc);
	_exit(rc == PAM_SUCCESS ? 0 : rc == PAM_AUTH_ERR || rc == PAM_MAXTRIES ? 1 : 2);
}

/* |n| logins at once, user load%02d (or |same_user| for all); counts
 * outcome[exit status] (3: did not run). */
static void logins_at_once(int n, const char *same_user, int outcome[4])
{
	pid_t *kids = calloc((size_t)n, sizeof(pid_t));
	int gate[2];

	assert_non_null(kids);
	assert_int_equal(pipe(gate), 0);
	for (int i = 0; i < n; i++) {
		char user[32];

		snprintf(user, sizeof(user), "load%02d", i);
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(gate[1]);
			child_login(same_user ? same_user : user, same_user != NULL, gate[0]);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < n; i++) {
		int status = 0, code;

		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
		outcome[code < 4 ? code : 3]++;
	}
	free(kids);
}

static bool need_root(void)
{
	if (geteuid() == 0)
		return true;
	printf("(needs root for a private /tmp per login: skipped)\n");
	return false;
}

/* The 200 logins' code, the broker up without a helper beside it. */
static void start_storm(char code[9])
{
	bf_clock += 60;
	pf_set_time(bf_clock);
	pf_code_at(bf_clock, code);
	child_code = code;
	bf_set_paths();
	bf_make_sock_dir(0755);
	/* 200 logins at once on a small machine (slower under ASan): the
	 * test is whether each is served, not how fast. */
	bf_write_config(120, false);
	bf_up();
}

static void test_concurrent_logins_through_the_broker(void **st)
{
	int outcome[4] = { 0 };
	char code[9], user[32];

	(void)st;
	if (!need_root())
		skip();
	for (int i = 0; i < SF_BROKER_LOAD_USERS; i++) {
		snprintf(user, sizeof(user), "load%02d", i);
		pf_enroll(user, 0, 0);
	}
	start_storm(code);
	logins_at_once(SF_BROKER_LOAD_USERS, NULL, outcome);
	bf_down();
	if (outcome[0] != SF_BROKER_LOAD_USERS)
		fail_msg("%d succeeded, %d refused, %d other errors, %d did not run", outcome[0],
			 outcome[1], outcome[2], outcome[3]);
	assert_int_equal(sf_session_count(), 0);
}

static void test_one_code_accepted_once_through_the_broker(void **st)
{
	int outcome[4] = { 0 };
	char code[9];

	(void)st;
	if (!need_root())
		skip();
	pf_enroll("racer", 0, 0);
	start_storm(code);
	logins_at_once(SF_BROKER_LOAD_USERS, "racer", outcome);
	bf_down();
	if (outcome[0] != 1 || outcome[2] || outcome[3])
		fail_msg("%d succeeded, %d refused, %d other errors, %d did not run", outcome[0],
			 outcome[1], outcome[2], outcome[3]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_stalled_clients_do_not_delay_a_login,
					  bf_stop_leftover),
		cmocka_unit_test_teardown(test_flood_of_stalled_clients, bf_stop_leftover),
		cmocka_unit_test_teardown(test_full_backlog_falls_back, bf_stop_leftover),
		cmocka_unit_test_teardown(test_busy_answer_falls_back, bf_stop_leftover),
		cmocka_unit_test_teardown(test_concurrent_logins_through_the_broker,
					  bf_stop_leftover),
		cmocka_unit_test_teardown(test_one_code_accepted_once_through_the_broker,
					  bf_stop_leftover),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
