/*
 * The module's side of the helper protocol. The helper is checked before it
 * runs (absolute path, not a link, owned by root or the effective user, not
 * writable by group or others) and executed from that same descriptor, so
 * the checked file is the one that runs. It gets no arguments and an
 * environment of PATH only; secrets travel on the pipe.
 *
 * When pam_sts.conf names a helper_socket and a broker (sts-helper --serve)
 * listens there, the request goes to it instead (lib/proto/socket.c): the
 * same exchange without a fork, an exec and OpenSSL's start-up. Only when
 * no connection could be made, or the broker answered busy (it serves
 * nothing it answers so), is the helper run; otherwise, once connected,
 * every failure fails the call, because the request may have been served.
 */
#include "proto/client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/proc_reset.h"
#include "proto/protocol.h"
#include "proto/socket.h"

static int open_helper(const char *path, sts_error *err)
{
	struct stat st;
	int fd;

	if (path[0] != '/')
		return sts_error_set(err, "helper %s: not an absolute path", path);
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sts_error_set(err, "helper %s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022) ||
	    !(st.st_mode & S_IXUSR)) {
		close(fd);
		return sts_error_set(err,
				     "helper %s: refused: must be an executable regular file owned "
				     "by root and writable by nobody else",
				     path);
	}
	return fd;
}

static void run_child(int exe, int in[2], int out[2])
{
	char *const argv[] = { (char *)"sts-helper", NULL };
	char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 || devnull < 0 ||
	    dup2(devnull, STDERR_FILENO) < 0)
		_exit(127);
	/* Not the application's limits, ignored signals or mask: a set-uid
	 * application keeps its user's, and the helper writes as root
	 * (lib/base/proc_reset.h). Only this child changes; the application keeps
	 * everything it had. */
	sts_proc_reset_limits();
	sts_proc_reset_signals();
	/* A set-uid caller (sts-assume) keeps the user as real uid: the helper
	 * runs fully as root, so it does not take itself for a set-uid run. */
	if (geteuid() == 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		_exit(127);
	fexecve(exe, argv, envp);
	_exit(127);
}

/* Waits for |pid| until the deadline, then kills it. A pidfd (Linux 5.3)
 * lets poll() say when the helper has exited, without sleeping in steps. */
static int reap(pid_t pid, long long deadline_ms, int *status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		long long left = deadline_ms - sts_monotonic_ms();

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			goto fail;
		if (left <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			goto fail;
		}
		if (pidfd >= 0) {
			struct pollfd p = { .fd = pidfd, .events = POLLIN, .revents = 0 };

			poll(&p, 1, left > 1000 ? 1000 : (int)left);
		} else {
			usleep(1000);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return 0;
fail:
	if (pidfd >= 0)
		close(pidfd);
	return -1;
}

/* Talks to the child: request in, answer out, within the deadline. */
static int exchange(int to_child, int from_child, const sts_msg *req, long long deadline,
		    char **answer, size_t *answer_len, sts_error *err)
{
	size_t len = 0;
	char *wire = sts_msg_format(req, &len);
	int rc;

	if (!wire)
		return sts_error_set(err, "out of memory");
	rc = sts_write_fd_until(to_child, wire, len, deadline, err);
	sts_free_secret(wire, len);
	close(to_child);
	if (rc == 0)
		rc = sts_read_fd_until(from_child, STS_MSG_MAX, deadline, answer, answer_len, err);
	return rc;
}

static int check_exit(const char *path, int status, sts_error *err)
{
	if (WIFSIGNALED(status))
		return sts_error_set(err, "helper %s: killed by signal %d", path, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return sts_error_set(err, "helper %s: failed (exit %d)", path,
				     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* The answer of the helper or the broker (|who| names it in messages). */
static int parse_answer(const char *who, const char *answer, size_t len, sts_msg *resp,
			sts_error *err)
{
	char why[sizeof(err->msg)];

	if (sts_msg_parse(answer, len, sts_answer_keys, resp, err) < 0) {
		memcpy(why, err->msg, sizeof(why));
		return sts_error_set(err, "%s: bad answer: %s", who, why);
	}
	if (!sts_msg_get(resp, STS_KEY_STATUS)) {
		sts_msg_free(resp);
		return sts_error_set(err, "%s: answer without a status", who);
	}
	return 0;
}

/* The broker: 0 answered, -1 failed (never retried), STS_NO_BROKER. */
static int call_broker(const sts_settings *settings, const sts_msg *req, sts_msg *resp,
		       sts_error *err)
{
	long long deadline = sts_monotonic_ms() + (long long)settings->helper_timeout * 1000;
	char who[STS_SOCKET_PATH_MAX + 32], *answer = NULL;
	size_t len = 0, answer_len = 0;
	char *wire = sts_msg_format(req, &len);
	int rc;

	if (!wire)
		return sts_error_set(err, "out of memory");
	rc = sts_broker_exchange(settings->helper_socket, wire, len, deadline, &answer, &answer_len,
				 err);
	sts_free_secret(wire, len);
	if (rc == 0) {
		snprintf(who, sizeof(who), "helper socket %s", settings->helper_socket);
		rc = parse_answer(who, answer, answer_len, resp, err);
		sts_free_secret(answer, answer_len);
	}
	return rc;
}

int sts_helper_call(const sts_settings *settings, const sts_msg *req, sts_msg *resp, sts_error *err)
{
	long long deadline = sts_monotonic_ms() + (long long)settings->helper_timeout * 1000;
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld;
	sigset_t pipe_set, old_mask;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, exe, status = 0, rc = -1;
	char *answer = NULL;
	size_t answer_len = 0;
	pid_t pid;

	memset(resp, 0, sizeof(*resp));
	if (settings->helper_socket && settings->helper_socket[0]) {
		rc = call_broker(settings, req, resp, err);
		if (rc != STS_NO_BROKER)
			return rc;
		rc = -1;
		/* The helper's deadline starts now: the broker's try took no time. */
		deadline = sts_monotonic_ms() + (long long)settings->helper_timeout * 1000;
	}
	exe = open_helper(settings->helper, err);
	if (exe < 0)
		return -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		sts_error_set(err, "helper: pipe: %s", strerror(errno));
		goto close_fds;
	}
	/* Our child must not be reaped by the application's SIGCHLD handler,
	 * and a helper that dies early must not kill the application with
	 * SIGPIPE (the way pam_unix runs unix_chkpwd). */
	sigaction(SIGCHLD, &dfl, &old_chld);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old_mask);
	pid = fork();
	if (pid == 0)
		run_child(exe, in, out);
	if (pid < 0) {
		sts_error_set(err, "helper: fork: %s", strerror(errno));
		goto restore;
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	rc = exchange(in[1], out[0], req, deadline, &answer, &answer_len, err);
	in[1] = -1;
	if (reap(pid, deadline, &status) < 0 && rc == 0)
		rc = sts_error_set(err, "helper %s: did not finish within %lu s", settings->helper,
				   settings->helper_timeout);
	else if (rc < 0) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		sts_error_set(err, "helper %s: %s", settings->helper, why);
	}
	if (rc == 0)
		rc = check_exit(settings->helper, status, err);
	if (rc == 0) {
		char who[sizeof(err->msg)];

		snprintf(who, sizeof(who), "helper %s", settings->helper);
		rc = parse_answer(who, answer, answer_len, resp, err);
	}
restore : {
	struct timespec zero = { 0, 0 };

	while (sigtimedwait(&pipe_set, NULL, &zero) > 0) /* drop our own SIGPIPE */
		;
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
}
close_fds:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	if (answer)
		sts_free_secret(answer, answer_len);
	close(exe);
	return rc;
}
