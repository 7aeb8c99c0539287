/*
 * Races through pam_wrapper: many processes presenting one valid code
 * (exactly one wins), many users at once (all win), and the same with the
 * log lines going to syslog(3) with and without a /dev/log listener.
 */
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "mfa/mfa_store.h"
#include "mfa/totp.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

/*
 * A racer: a fresh process, so that pam_wrapper starts inside it (in its
 * private /tmp when we run as root). It waits
 * on fd 3 until the parent opens the gate, then exits 0 on PAM_SUCCESS, 1 on
 * a refusal (PAM_AUTH_ERR, PAM_MAXTRIES) and 2 otherwise.
 */
static int racer_main(const char *user, const char *code)
{
	char c;

	pf_set_paths(getenv("PAM_STS_TEST_ROOT"));
	(void)!read(3, &c, 1);
	int rc = pf_auth("sts", user, code);
	/* A replay counts as a failure, so a storm of them ends in a lockout:
	 * PAM_MAXTRIES is a refusal too. */
	return rc == PAM_SUCCESS ? 0 : (rc == PAM_AUTH_ERR || rc == PAM_MAXTRIES) ? 1 : 2;
}

static void spawn_racer(int gate_fd, char *user, char *code)
{
	char name[] = "test_pam_auth", flag[] = "--racer";
	char *args[] = { name, flag, user, code, NULL };

	/* pam_wrapper 1.1.4 creates its directories as /tmp/pam.X whatever
	 * PAM_WRAPPER_RUNTIME_DIR says: as root (CI) each racer gets a private
	 * /tmp; otherwise racers() keeps to what the shared /tmp allows. */
	if (geteuid() == 0 && pf_private_tmp() != 0) {
		fprintf(stderr, "racer: private /tmp: %s\n", strerror(errno));
		_exit(3);
	}
	if (dup2(gate_fd, 3) < 0)
		_exit(3);
	execv("/proc/self/exe", args);
	_exit(3);
}

/* Children start together when the parent closes the gate pipe. With
 * |use_syslog|, pam_syslog goes to syslog(3) instead of pam_wrapper's stderr. */
static int race(int n, bool same_user, const char *code_for_all, bool use_syslog)
{
	int gate[2], successes = 0, outcome[4] = { 0 };
	pid_t *kids = calloc((size_t)n, sizeof(pid_t));

	assert_int_equal(pipe(gate), 0);
	for (int i = 0; i < n; i++) {
		char user[32], code[9];
		snprintf(user, sizeof(user), same_user ? "racer" : "racer%d", i);
		if (same_user)
			snprintf(code, sizeof(code), "%s", code_for_all);
		else
			pf_code_at(time(NULL), code);
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(gate[1]);
			if (use_syslog)
				setenv("PAM_WRAPPER_USE_SYSLOG", "1", 1);
			spawn_racer(gate[0], user, code);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < n; i++) {
		int status = 0;
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
		outcome[code < 4 ? code : 3]++;
	}
	free(kids);
	successes = outcome[0];
	if (outcome[2] || outcome[3])
		fail_msg("racers: %d succeeded, %d refused, %d other PAM errors, %d did not run",
			 outcome[0], outcome[1], outcome[2], outcome[3]);
	return successes;
}

static int racers(void)
{
	/* Without a private /tmp per racer pam_wrapper runs about 62 at once. */
	return geteuid() == 0 ? 200 : 50;
}

static void test_parallel_same_code_exactly_one_wins(void **st)
{
	char code[9];

	(void)st;
	pf_enroll("racer", 0, 0);
	pf_code_at(time(NULL), code);
	assert_int_equal(race(racers(), true, code, false), 1);
}

/*
 * The same race with the log lines going to syslog(3): without a /dev/log
 * listener glibc writes each line to the console (blocking, which changes
 * the timing), with one it sends a datagram. As root with no syslog daemon,
 * a listener is created at /dev/log for the second run and removed after.
 */
static pid_t start_listener(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;
	pid_t pid;

	strcpy(addr.sun_path, "/dev/log");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		for (;;)
			if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR)
				_exit(0);
	}
	close(fd);
	return pid;
}

static void test_parallel_same_code_through_syslog(void **st)
{
	bool had_log = access("/dev/log", F_OK) == 0;
	char code[9];
	pid_t listener = 0;

	(void)st;
	pf_set_time(T0 + 9000);
	if (!had_log) {
		pf_enroll("racer", 0, 0);
		pf_code_at(time(NULL), code);
		assert_int_equal(race(racers(), true, code, true), 1); /* no listener */
	}
	if (!had_log && geteuid() == 0)
		listener = start_listener();
	if (had_log || listener) {
		pf_set_time(T0 + 9030);
		pf_enroll("racer", 0, 0);
		pf_code_at(time(NULL), code);
		int winners = race(racers(), true, code, true); /* with a listener */
		if (listener) {
			kill(listener, SIGKILL);
			waitpid(listener, NULL, 0);
			unlink("/dev/log");
		}
		assert_int_equal(winners, 1);
	}
}

static void test_parallel_different_users_all_win(void **st)
{
	char user[32];
	int n = racers();

	(void)st;
	for (int i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "racer%d", i);
		pf_enroll(user, 0, 0);
	}
	assert_int_equal(race(n, false, NULL, false), n);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_same_code_exactly_one_wins),
		cmocka_unit_test(test_parallel_different_users_all_win),
		cmocka_unit_test(test_parallel_same_code_through_syslog),
	};

	umask(077);
	if (argc == 4 && strcmp(argv[1], "--racer") == 0 && getenv("PAM_WRAPPER"))
		return racer_main(argv[2], argv[3]);
	/* Every racer's code is checked by its own sts-helper (op=mfa): 200
	 * helpers start at once on a small machine (and are slow under ASan).
	 * The race is on the store's lock, not on a hung helper. Set before
	 * the fixture writes the configuration (pf_under_pam_wrapper). */
	sf_helper_timeout = 120;
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
