/*
 * The resident broker (sts-helper --serve) and the module's use of it
 * (lib/proto/socket.c): whole PAM stacks served by the broker alone (the
 * configured helper does not exist, so a success proves the broker served
 * it), the fallback to running the helper when no broker listens, and the
 * ways a connected exchange must fail closed without falling back: a server
 * that never answers, one that closes without answering, one that answers
 * garbage, one run by another uid. On the server's side: a peer of another
 * uid gets no answer, a stale socket is replaced, anything else in its place
 * and a directory others may write to are refused. (Its memory of decisions:
 * test_broker_memo.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "broker_fixture.h"
#include "fault_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

#define NOBODY	    65534
#define LOAD_LOGINS 200

static void test_broker_serves_the_stack(void **st)
{
	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, false);
	bf_up();
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	assert_int_equal(bf_whole_login("stack-role", "alice", NULL), PAM_SUCCESS);
	assert_int_equal(bf_whole_login("stack-fed-ok", "mia", NULL), PAM_SUCCESS);
	bf_down();
}

/* Requests through one broker process, one after the other: each answers. */
static void test_broker_load(void **st)
{
	int ok = 0;

	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, false);
	bf_up();
	for (int i = 0; i < LOAD_LOGINS; i++)
		ok += bf_whole_login("stack-session", "carol", NULL) == PAM_SUCCESS;
	assert_int_equal(ok, LOAD_LOGINS);
	bf_down();
}

/* With no broker (no socket; a socket nobody listens on) the helper runs. */
static void test_no_broker_falls_back(void **st)
{
	struct sockaddr_un sa;
	int fd;

	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, true);
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bf_sock_addr(&sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* ECONNREFUSED from now on */
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	/* Without a helper either, the code cannot be checked (it did fall back). */
	bf_write_config(3, false);
	assert_int_equal(bf_failed_auth("stack-session", "carol", NULL), PAM_AUTHINFO_UNAVAIL);
	unlink(bf_sock_path);
}

/* A listening socket of our own, served by |serve| in a child (NULL: never
 * accepted at all). */
static int fake_server(void (*serve)(int listen_fd), pid_t *child)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	bf_sock_addr(&sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	*child = -1;
	if (serve) {
		*child = fork();
		assert_true(*child >= 0);
		if (*child == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			serve(fd);
			_exit(0);
		}
	}
	return fd;
}

static void drain_and_close(int listen_fd)
{
	int c = accept(listen_fd, NULL, NULL);
	char buf[4096];

	while (c >= 0 && read(c, buf, sizeof(buf)) > 0)
		;
	close(c);
}

static void drain_and_babble(int listen_fd)
{
	int c = accept(listen_fd, NULL, NULL);
	char buf[4096];

	while (c >= 0 && read(c, buf, sizeof(buf)) > 0)
		;
	if (write(c, "this is not\nthe protocol\n", 25) != 25)
		_exit(1);
	close(c);
}

/* One failing authentication (its op=mfa is a login's first request), one
 * log line that says why, no fallback (the helper does not exist: a fallback
 * would say "cannot open"). */
static void expect_fail_closed(void (*serve)(int), const char *why)
{
	fx_log log;
	pid_t child;
	int fd;

	fd = fake_server(serve, &child);
	assert_int_equal(bf_failed_auth("stack-session", "carol", &log), PAM_AUTHINFO_UNAVAIL);
	close(fd);
	if (child > 0)
		waitpid(child, NULL, 0);
	unlink(bf_sock_path);
	if (log.n != 1)
		fail_msg("%d log lines, wanted 1 (first: %s)", log.n, log.n ? log.text[0] : "");
	if (!strstr(log.text[0], "helper socket") || !strstr(log.text[0], why) ||
	    strstr(log.text[0], "no-such-helper"))
		fail_msg("log line: %s", log.text[0]);
}

static void test_connected_failures_fail_closed(void **st)
{
	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(1, false);
	expect_fail_closed(NULL, "timed out");
	expect_fail_closed(drain_and_close, "closed without answering");
	expect_fail_closed(drain_and_babble, "bad answer");
}

/* As root: drop to nobody, keeping the right to pass 0700 directories and
 * the 0600 socket (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that only the
 * uid check is left to refuse. Returns false when that is not possible. */
static bool become_nobody(void)
{
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) != 0)
		return false;
	fx_dac_override(true);
	return geteuid() == NOBODY;
}

/* The peer: connect, send a request, read: exit 0 when the broker closed
 * without a byte of answer. */
static void nobody_client(void)
{
	struct sockaddr_un sa;
	const char req[] = "version=1\nop=verify\n";
	char buf[256];
	ssize_t n;
	int fd;

	if (!become_nobody())
		_exit(3);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bf_sock_addr(&sa);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		_exit(4);
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0 && errno != EPIPE)
		_exit(5);
	shutdown(fd, SHUT_WR);
	/* Closed unread: end of file, or a reset (our request was not read). */
	n = read(fd, buf, sizeof(buf));
	_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 6);
}

/* A server run by nobody: it answers whatever comes. */
static void nobody_server(int listen_fd)
{
	(void)listen_fd;
	signal(SIGPIPE, SIG_IGN); /* a client that closes first (can_connect) */
	if (!become_nobody())
		_exit(3);
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* after setresuid, which clears it */
	{
		struct sockaddr_un sa;
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		char buf[4096];

		bf_sock_addr(&sa);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0)
			_exit(4);
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c < 0 && errno != EINTR)
				_exit(0); /* no spinning on a dead socket */
			while (c >= 0 && read(c, buf, sizeof(buf)) > 0)
				;
			if (c >= 0 && write(c, "status=error\nmessage=gotcha\n", 28) < 0)
				close(c); /* the client went away: next */
			else
				close(c);
		}
	}
}

static void test_other_uids(void **st)
{
	int status = 0;
	fx_log log;
	pid_t pid;

	(void)st;
	if (geteuid() != 0) {
		printf("(needs root: skipped)\n");
		skip();
	}
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, false);
	bf_up();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		nobody_client();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The broker goes on serving root. */
	assert_int_equal(bf_whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	bf_down();
	/* A socket served by nobody: the module refuses it, and fails. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		nobody_server(-1);
	while (!bf_can_connect())
		usleep(5000);
	assert_int_equal(bf_failed_auth("stack-session", "carol", &log), PAM_AUTHINFO_UNAVAIL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(bf_sock_path);
	assert_int_equal(log.n, 1);
	if (!strstr(log.text[0], "served by uid 65534"))
		fail_msg("log line: %s", log.text[0]);
}

/* The broker refuses to start: it exits by itself. Returns its exit status. */
static int refused_start(void)
{
	int status = 0;
	pid_t pid = bf_spawn();

	for (int waited = 0; waited < BF_WAIT_MS; waited += 5) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			assert_true(WIFEXITED(status));
			return WEXITSTATUS(status);
		}
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fail_msg("the broker started");
	return -1;
}

static void test_socket_place(void **st)
{
	struct sockaddr_un sa;
	char real[450];
	struct stat before, after;
	int fd;

	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, false);
	/* A stale socket of ours is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bf_sock_addr(&sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(lstat(bf_sock_path, &before), 0);
	assert_true((before.st_mode & 07777) != 0600); /* bound under our umask */
	assert_false(bf_can_connect());
	bf_up();
	assert_int_equal(lstat(bf_sock_path, &after), 0);
	assert_true(S_ISSOCK(after.st_mode));
	assert_int_equal(after.st_mode & 07777, 0600);
	/* A second broker does not take over a live one. */
	assert_int_equal(refused_start(), 1);
	assert_true(bf_can_connect());
	bf_down();
	/* Anything else there is refused and left alone. */
	pf_write_text(bf_sock_path, "not a socket\n", 0600);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(lstat(bf_sock_path, &after), 0);
	assert_true(S_ISREG(after.st_mode));
	unlink(bf_sock_path);
	/* A directory others may write to, or a link to a directory. */
	assert_int_equal(chmod(bf_sock_dir, 0757), 0);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(lstat(bf_sock_path, &after), -1);
	assert_int_equal(chmod(bf_sock_dir, 0775), 0);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(chmod(bf_sock_dir, 0755), 0);
	snprintf(real, sizeof(real), "%s.real", bf_sock_dir);
	assert_int_equal(rename(bf_sock_dir, real), 0);
	assert_int_equal(symlink(real, bf_sock_dir), 0);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(unlink(bf_sock_dir), 0);
	assert_int_equal(rename(real, bf_sock_dir), 0);
	/* Back to normal: the configuration's helper serves again. */
	bf_write_config(3, true);
}

/* A test that failed half-way leaves no broker behind. */

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_broker_serves_the_stack, bf_stop_leftover),
		cmocka_unit_test_teardown(test_broker_load, bf_stop_leftover),
		cmocka_unit_test_teardown(test_no_broker_falls_back, bf_stop_leftover),
		cmocka_unit_test_teardown(test_connected_failures_fail_closed, bf_stop_leftover),
		cmocka_unit_test_teardown(test_other_uids, bf_stop_leftover),
		cmocka_unit_test_teardown(test_socket_place, bf_stop_leftover),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
