/*
 * The resident broker (sts-helper --serve) and the module's use of it
 * (lib/helper_socket.c): whole PAM stacks served by the broker alone (the
 * configured helper does not exist, so a success proves the broker served
 * it), the fallback to running the helper when no broker listens, and the
 * ways a connected exchange must fail closed without falling back: a server
 * that never answers, one that closes without answering, one that answers
 * garbage, one run by another uid. On the server's side: a peer of another
 * uid gets no answer, a stale socket is replaced, anything else in its place
 * and a directory others may write to are refused. The broker's open issues
 * its own decide's decision; a broker restarted in between decides again.
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

#include "fault_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

#define NOBODY	       65534
#define LOAD_LOGINS    200
#define BROKER_WAIT_MS 10000 /* start-up under ASan on a busy machine */

static int64_t clock_now = T0;
static char sock_dir[400], sock_path[420];
static pid_t broker_pid = -1;

static void set_paths(void)
{
	snprintf(sock_dir, sizeof(sock_dir), "%s/brk", root);
	snprintf(sock_path, sizeof(sock_path), "%s/helper.sock", sock_dir);
}

/* The fixture's configuration with helper_timeout |timeout| and, unless
 * |real_helper|, a helper that does not exist. */
static void write_config(unsigned timeout, bool real_helper)
{
	char line[600], *text, *at;
	FILE *f;
	long n;

	sf_helper_timeout = timeout;
	pf_write_config("");
	if (real_helper)
		return;
	f = fopen(config, "r");
	assert_non_null(f);
	text = calloc(1, 8192);
	assert_non_null(text);
	n = (long)fread(text, 1, 8191, f);
	fclose(f);
	assert_true(n > 0);
	snprintf(line, sizeof(line), "helper = %s/sts-helper\n", root);
	at = strstr(text, line);
	assert_non_null(at);
	{
		char rest[8192], absent[600];

		snprintf(rest, sizeof(rest), "%s", at + strlen(line));
		snprintf(absent, sizeof(absent), "helper = %s/no-such-helper\n", root);
		snprintf(at, 8192 - (size_t)(at - text), "%s%s", absent, rest);
	}
	pf_write_text(config, text, 0600);
	free(text);
}

/* The socket's address (the fixture's path is well under sun_path's 108). */
static void sock_addr(struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	assert_true(strlen(sock_path) < sizeof(sa->sun_path));
	memcpy(sa->sun_path, sock_path, strlen(sock_path) + 1);
}

static bool can_connect(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	sock_addr(&sa);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static pid_t spawn_broker(void)
{
	char preload[800];
	pid_t pid;

	snprintf(preload, sizeof(preload), "%s/libnss_wrapper.so:%s/tests/libfaketime.so",
		 PAM_LIBDIR, PAM_STS_BUILD);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives a failed test */
		setenv("LD_PRELOAD", preload, 1);
		execl(PAM_STS_BUILD "/sts-helper", "sts-helper", "--serve", "--config", config,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Runs sts-helper --serve on the test configuration, with the test's users
 * and clock (as the helper stand-in gives the exec'd helper). Returns its pid
 * once it accepts connections, or -1 when it exited (its status in *status). */
static pid_t start_broker(int *status)
{
	pid_t pid = spawn_broker();

	for (int waited = 0; waited < BROKER_WAIT_MS; waited += 5) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return -1;
		if (can_connect())
			return pid;
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	fail_msg("the broker did not start");
	return -1;
}

static void broker_up(void)
{
	int status = 0;

	broker_pid = start_broker(&status);
	if (broker_pid < 0)
		fail_msg("the broker exited with status %d", status);
}

/* SIGTERM: the broker stops cleanly and removes its socket. */
static void broker_down(void)
{
	int status = 0;
	struct stat st;

	assert_int_equal(kill(broker_pid, SIGTERM), 0);
	assert_int_equal(waitpid(broker_pid, &status, 0), broker_pid);
	broker_pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(lstat(sock_path, &st), -1);
}

static void make_sock_dir(mode_t mode)
{
	char cmd[500];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sock_dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(sock_dir, 0700), 0);
	assert_int_equal(chmod(sock_dir, mode), 0);
}

/* A login authenticated (with a fresh code) and kept open; returns its handle. */
static pam_handle_t *authenticated(const char *svc, const char *user)
{
	char code[9];
	const char *off[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off };
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};

	clock_now += 30;
	pf_set_time(clock_now);
	pf_code_at(clock_now, code);
	pf_enroll(user, (clock_now - 30) / 30, 0);
	assert_int_equal(_pamtest(svc, user, &conv, cases, 2, NULL), PAMTEST_ERR_OK);
	return cases[1].case_out.ph;
}

/* After a successful open: the credentials are there, and close removes them. */
static void close_checked(pam_handle_t *ph)
{
	const char *file = pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE");

	assert_non_null(file);
	assert_int_equal(access(file, R_OK), 0);
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	assert_int_equal(access(file, F_OK), -1);
}

/* One whole login: auth, account, open and close session. Returns the first
 * failing code of account (the helper decides: op=decide) and open (it
 * issues: op=open), checking the close when both succeeded. The log lines of
 * account and open are captured in |log| when not NULL. */
static int whole_login(const char *svc, const char *user, fx_log *log)
{
	pam_handle_t *ph = authenticated(svc, user);
	int rc;

	if (log)
		assert_true(fx_capture_begin());
	rc = pam_acct_mgmt(ph, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_open_session(ph, 0);
	if (log)
		assert_true(fx_capture_end(log));
	if (rc == PAM_SUCCESS)
		close_checked(ph);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	return rc;
}

/* An authentication that must fail: the auth phase's op=mfa is the first
 * request a login sends. Returns its code; its log lines in |log|. */
static int failed_auth(const char *svc, const char *user, fx_log *log)
{
	char code[9];
	const char *off[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off };
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTHINFO_UNAVAIL),
	};
	enum pamtest_err perr;

	clock_now += 30;
	pf_set_time(clock_now);
	pf_code_at(clock_now, code);
	pf_enroll(user, (clock_now - 30) / 30, 0);
	if (log)
		assert_true(fx_capture_begin());
	perr = _pamtest(svc, user, &conv, cases, 1, NULL);
	if (log)
		assert_true(fx_capture_end(log));
	assert_int_equal(perr, PAMTEST_ERR_OK);
	return cases[0].op_rv;
}

static void test_broker_serves_the_stack(void **st)
{
	(void)st;
	set_paths();
	make_sock_dir(0755);
	write_config(3, false);
	broker_up();
	assert_int_equal(whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	assert_int_equal(whole_login("stack-role", "alice", NULL), PAM_SUCCESS);
	assert_int_equal(whole_login("stack-fed-ok", "mia", NULL), PAM_SUCCESS);
	broker_down();
}

/* The role file made unreadable as JSON between account and open. */
static void break_role(bool broken)
{
	char path[600], cmd[1300];

	snprintf(path, sizeof(path), "%s/sandbox/roles/UpdateAPP.json", root);
	if (broken) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s.saved'", path, path);
		assert_int_equal(system(cmd), 0);
		pf_write_text(path, "{", 0644);
	} else {
		snprintf(cmd, sizeof(cmd), "mv '%s.saved' '%s'", path, path);
		assert_int_equal(system(cmd), 0);
	}
}

/* The broker's open issues the decision its decide made for the grant
 * (helper/sts_helper_memo.h) without reading the policies again; a broker
 * that did not make it (restarted in between) decides again, here against a
 * role file that no longer parses, and the open fails closed. */
static void test_broker_keeps_the_decision(void **st)
{
	pam_handle_t *ph;

	(void)st;
	set_paths();
	make_sock_dir(0755);
	write_config(3, false);
	broker_up();
	ph = authenticated("stack-role", "alice");
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	break_role(true);
	assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	close_checked(ph);
	pam_end(ph, PAM_SUCCESS);
	break_role(false);

	ph = authenticated("stack-role", "alice");
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	break_role(true);
	broker_down();
	broker_up();
	assert_int_not_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	assert_null(pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	break_role(false);
	broker_down();
}

/* Requests through one broker process, one after the other: each answers. */
static void test_broker_load(void **st)
{
	int ok = 0;

	(void)st;
	set_paths();
	make_sock_dir(0755);
	write_config(3, false);
	broker_up();
	for (int i = 0; i < LOAD_LOGINS; i++)
		ok += whole_login("stack-session", "carol", NULL) == PAM_SUCCESS;
	assert_int_equal(ok, LOAD_LOGINS);
	broker_down();
}

/* With no broker (no socket; a socket nobody listens on) the helper runs. */
static void test_no_broker_falls_back(void **st)
{
	struct sockaddr_un sa;
	int fd;

	(void)st;
	set_paths();
	make_sock_dir(0755);
	write_config(3, true);
	assert_int_equal(whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	sock_addr(&sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* ECONNREFUSED from now on */
	assert_int_equal(whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	/* Without a helper either, the code cannot be checked (it did fall back). */
	write_config(3, false);
	assert_int_equal(failed_auth("stack-session", "carol", NULL), PAM_AUTHINFO_UNAVAIL);
	unlink(sock_path);
}

/* A listening socket of our own, served by |serve| in a child (NULL: never
 * accepted at all). */
static int fake_server(void (*serve)(int listen_fd), pid_t *child)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sock_addr(&sa);
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
	assert_int_equal(failed_auth("stack-session", "carol", &log), PAM_AUTHINFO_UNAVAIL);
	close(fd);
	if (child > 0)
		waitpid(child, NULL, 0);
	unlink(sock_path);
	if (log.n != 1)
		fail_msg("%d log lines, wanted 1 (first: %s)", log.n, log.n ? log.text[0] : "");
	if (!strstr(log.text[0], "helper socket") || !strstr(log.text[0], why) ||
	    strstr(log.text[0], "no-such-helper"))
		fail_msg("log line: %s", log.text[0]);
}

static void test_connected_failures_fail_closed(void **st)
{
	(void)st;
	set_paths();
	make_sock_dir(0755);
	write_config(1, false);
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
	sock_addr(&sa);
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

		sock_addr(&sa);
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
	set_paths();
	make_sock_dir(0755);
	write_config(3, false);
	broker_up();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		nobody_client();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The broker goes on serving root. */
	assert_int_equal(whole_login("stack-session", "carol", NULL), PAM_SUCCESS);
	broker_down();
	/* A socket served by nobody: the module refuses it, and fails. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		nobody_server(-1);
	while (!can_connect())
		usleep(5000);
	assert_int_equal(failed_auth("stack-session", "carol", &log), PAM_AUTHINFO_UNAVAIL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(sock_path);
	assert_int_equal(log.n, 1);
	if (!strstr(log.text[0], "served by uid 65534"))
		fail_msg("log line: %s", log.text[0]);
}

/* The broker refuses to start: it exits by itself. Returns its exit status. */
static int refused_start(void)
{
	int status = 0;
	pid_t pid = spawn_broker();

	for (int waited = 0; waited < BROKER_WAIT_MS; waited += 5) {
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
	set_paths();
	make_sock_dir(0755);
	write_config(3, false);
	/* A stale socket of ours is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	sock_addr(&sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(lstat(sock_path, &before), 0);
	assert_true((before.st_mode & 07777) != 0600); /* bound under our umask */
	assert_false(can_connect());
	broker_up();
	assert_int_equal(lstat(sock_path, &after), 0);
	assert_true(S_ISSOCK(after.st_mode));
	assert_int_equal(after.st_mode & 07777, 0600);
	/* A second broker does not take over a live one. */
	assert_int_equal(refused_start(), 1);
	assert_true(can_connect());
	broker_down();
	/* Anything else there is refused and left alone. */
	pf_write_text(sock_path, "not a socket\n", 0600);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(lstat(sock_path, &after), 0);
	assert_true(S_ISREG(after.st_mode));
	unlink(sock_path);
	/* A directory others may write to, or a link to a directory. */
	assert_int_equal(chmod(sock_dir, 0757), 0);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(lstat(sock_path, &after), -1);
	assert_int_equal(chmod(sock_dir, 0775), 0);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(chmod(sock_dir, 0755), 0);
	snprintf(real, sizeof(real), "%s.real", sock_dir);
	assert_int_equal(rename(sock_dir, real), 0);
	assert_int_equal(symlink(real, sock_dir), 0);
	assert_int_equal(refused_start(), 1);
	assert_int_equal(unlink(sock_dir), 0);
	assert_int_equal(rename(real, sock_dir), 0);
	/* Back to normal: the configuration's helper serves again. */
	write_config(3, true);
}

/* A test that failed half-way leaves no broker behind. */
static int stop_leftover(void **st)
{
	(void)st;
	if (broker_pid > 0) {
		kill(broker_pid, SIGKILL);
		waitpid(broker_pid, NULL, 0);
		broker_pid = -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_broker_serves_the_stack, stop_leftover),
		cmocka_unit_test_teardown(test_broker_keeps_the_decision, stop_leftover),
		cmocka_unit_test_teardown(test_broker_load, stop_leftover),
		cmocka_unit_test_teardown(test_no_broker_falls_back, stop_leftover),
		cmocka_unit_test_teardown(test_connected_failures_fail_closed, stop_leftover),
		cmocka_unit_test_teardown(test_other_uids, stop_leftover),
		cmocka_unit_test_teardown(test_socket_place, stop_leftover),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
