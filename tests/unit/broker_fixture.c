/* The resident broker for the tests that need one (see broker_fixture.h). */
#include "broker_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "pam_fixture.h"
#include "stack_fixture.h"

char bf_sock_dir[400], bf_sock_path[420];
pid_t bf_pid = -1;

void bf_set_paths(void)
{
	snprintf(bf_sock_dir, sizeof(bf_sock_dir), "%s/brk", root);
	snprintf(bf_sock_path, sizeof(bf_sock_path), "%s/helper.sock", bf_sock_dir);
}

/* The fixture's configuration with helper_timeout |timeout| and, unless
 * |real_helper|, a helper that does not exist. */
void bf_write_config(unsigned timeout, bool real_helper)
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
void bf_sock_addr(struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	assert_true(strlen(bf_sock_path) < sizeof(sa->sun_path));
	memcpy(sa->sun_path, bf_sock_path, strlen(bf_sock_path) + 1);
}

bool bf_can_connect(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	bf_sock_addr(&sa);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

pid_t bf_spawn(void)
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
pid_t bf_start_broker(int *status)
{
	pid_t pid = bf_spawn();

	for (int waited = 0; waited < BF_WAIT_MS; waited += 5) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return -1;
		if (bf_can_connect())
			return pid;
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	fail_msg("the broker did not start");
	return -1;
}

void bf_up(void)
{
	int status = 0;

	bf_pid = bf_start_broker(&status);
	if (bf_pid < 0)
		fail_msg("the broker exited with status %d", status);
}

/* SIGTERM: the broker stops cleanly and removes its socket. */
void bf_down(void)
{
	int status = 0;
	struct stat st;

	assert_int_equal(kill(bf_pid, SIGTERM), 0);
	assert_int_equal(waitpid(bf_pid, &status, 0), bf_pid);
	bf_pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(lstat(bf_sock_path, &st), -1);
}

void bf_make_sock_dir(mode_t mode)
{
	char cmd[500];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bf_sock_dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(bf_sock_dir, 0700), 0);
	assert_int_equal(chmod(bf_sock_dir, mode), 0);
}

int bf_stop_leftover(void **st)
{
	(void)st;
	if (bf_pid > 0) {
		kill(bf_pid, SIGKILL);
		waitpid(bf_pid, NULL, 0);
		bf_pid = -1;
	}
	return 0;
}

/* After a successful open: the credentials are there, and close removes them. */
void bf_close_checked(pam_handle_t *ph)
{
	const char *file = pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE");

	assert_non_null(file);
	assert_int_equal(access(file, R_OK), 0);
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	assert_int_equal(access(file, F_OK), -1);
}

int64_t bf_clock = T0;

/* See broker_fixture.h. */
int bf_whole_login(const char *svc, const char *user, fx_log *log)
{
	pam_handle_t *ph = sf_authenticated(svc, user, &bf_clock);
	int rc;

	if (log)
		assert_true(fx_capture_begin());
	rc = pam_acct_mgmt(ph, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_open_session(ph, 0);
	if (log)
		assert_true(fx_capture_end(log));
	if (rc == PAM_SUCCESS)
		bf_close_checked(ph);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	return rc;
}

int bf_failed_auth(const char *svc, const char *user, fx_log *log)
{
	char code[9];
	const char *off[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off };
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTHINFO_UNAVAIL),
	};
	enum pamtest_err perr;

	bf_clock += 30;
	pf_set_time(bf_clock);
	pf_code_at(bf_clock, code);
	pf_enroll(user, (bf_clock - 30) / 30, 0);
	if (log)
		assert_true(fx_capture_begin());
	perr = _pamtest(svc, user, &conv, cases, 1, NULL);
	if (log)
		assert_true(fx_capture_end(log));
	assert_int_equal(perr, PAMTEST_ERR_OK);
	return cases[0].op_rv;
}
