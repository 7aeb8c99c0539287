/*
 * The exec'd helper does not inherit the application's resource limits,
 * ignored signals or signal mask (lib/proto/client.c, lib/base/proc_reset.c): a
 * set-uid application (sts-assume, su) keeps its user's, and a user who cut
 * RLIMIT_FSIZE and ignored SIGXFSZ could make the root helper's writes stop
 * short. The application itself keeps everything it had.
 *
 * The helper here is this very program: run as "sts-helper" (the module's
 * argv[0] for it), it answers with what it was given.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/settings.h"
#include "proto/client.h"
#include "proto/codec.h"
#include "testutil.h"

/* The limits the test cuts, and the values it cuts them to. */
static const struct {
	int resource;
	const char *name;
	rlim_t cut;
} cuts[] = {
	{ RLIMIT_FSIZE, "fsize", 100 },
	{ RLIMIT_CPU, "cpu", 300 },
	{ RLIMIT_NOFILE, "nofile", 64 },
	{ RLIMIT_STACK, "stack", RLIM_INFINITY },
};
#define NCUTS (sizeof(cuts) / sizeof(cuts[0]))

static const char *disposition(int sig)
{
	struct sigaction sa;

	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_IGN ? "ignored" :
	       sa.sa_handler == SIG_DFL ? "default" :
					  "handled";
}

/* As the helper: "name=soft/hard ..." of the limits, the two dispositions
 * and the number of blocked signals, as the answer's message. */
static int probe(void)
{
	char what[512] = "", sink[4096];
	struct rlimit rl;
	sigset_t mask;
	int blocked = 0;

	while (read(STDIN_FILENO, sink, sizeof(sink)) > 0)
		;
	for (size_t i = 0; i < NCUTS; i++) {
		char value[32] = "unlimited";
		size_t used = strlen(what);

		getrlimit(cuts[i].resource, &rl);
		if (rl.rlim_cur != RLIM_INFINITY)
			snprintf(value, sizeof(value), "%llu", (unsigned long long)rl.rlim_cur);
		snprintf(what + used, sizeof(what) - used, "%s=%s ", cuts[i].name, value);
	}
	sigprocmask(SIG_SETMASK, NULL, &mask);
	for (int sig = 1; sig < NSIG; sig++)
		blocked += sigismember(&mask, sig) == 1;
	printf("status=ok\nmessage=%sxfsz=%s hup=%s blocked=%d\n", what, disposition(SIGXFSZ),
	       disposition(SIGHUP), blocked);
	return 0;
}

/* Whether this process may raise hard limits (CAP_SYS_RESOURCE, bit 24 of
 * CapEff): root in a container may lack it. */
static bool may_raise_hard_limits(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return (caps >> 24) & 1;
}

/*
 * In a child process (so this one keeps its own): what a user may do before
 * running a set-uid program (cut the limits, the hard ones too when |hard|;
 * ignore SIGXFSZ and SIGHUP; block SIGUSR1 and SIGTERM), then the module's
 * helper call. The helper's report into |said|, or what went wrong.
 */
static void run_probe(bool hard, char *said, size_t cap)
{
	int fds[2];
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char self[4096] = "";
		sts_settings settings;
		sts_msg req = { 0 }, resp = { 0 };
		struct rlimit rl;
		sigset_t block, mask;
		sts_error err;
		const char *msg = "no answer";

		close(fds[0]);
		if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
			_exit(1);
		memset(&settings, 0, sizeof(settings));
		settings.helper = self;
		settings.helper_socket = (char *)"";
		settings.helper_timeout = 20;
		sts_msg_add(&req, "version", "1");
		for (size_t i = 0; i < NCUTS; i++) {
			getrlimit(cuts[i].resource, &rl);
			rl.rlim_cur = cuts[i].cut < rl.rlim_max ? cuts[i].cut : rl.rlim_max;
			if (hard)
				rl.rlim_max = rl.rlim_cur;
			setrlimit(cuts[i].resource, &rl);
		}
		signal(SIGXFSZ, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigaddset(&block, SIGTERM);
		sigprocmask(SIG_BLOCK, &block, NULL);
		if (sts_helper_call(&settings, &req, &resp, &err) < 0)
			msg = err.msg;
		else if (sts_msg_get(&resp, "message"))
			msg = sts_msg_get(&resp, "message");
		/* The application keeps all it had. */
		getrlimit(RLIMIT_FSIZE, &rl);
		sigprocmask(SIG_SETMASK, NULL, &mask);
		if (rl.rlim_cur != 100 || strcmp(disposition(SIGXFSZ), "ignored") != 0 ||
		    strcmp(disposition(SIGHUP), "ignored") != 0 || sigismember(&mask, SIGUSR1) != 1)
			msg = "the application's own limits or signals changed";
		n = write(fds[1], msg, strlen(msg));
		_exit(n == (ssize_t)strlen(msg) ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], said, cap - 1);
	close(fds[0]);
	assert_true(n > 0);
	said[n] = '\0';
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	print_message("helper child: %s\n", said);
}

/* What the helper must get: each limit's reset value within |hard| limits
 * (unlimited, unlimited, 1024, 8 MiB; see lib/base/proc_reset.c). */
static void expected(char *buf, size_t cap)
{
	static const rlim_t reset[NCUTS] = { RLIM_INFINITY, RLIM_INFINITY, 1024, 8ul << 20 };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NCUTS; i++) {
		struct rlimit rl;
		rlim_t want = reset[i];
		char value[32] = "unlimited";

		assert_int_equal(getrlimit(cuts[i].resource, &rl), 0);
		if (want > rl.rlim_max)
			want = rl.rlim_max;
		if (want != RLIM_INFINITY)
			snprintf(value, sizeof(value), "%llu", (unsigned long long)want);
		used += (size_t)snprintf(buf + used, cap - used, "%s=%s ", cuts[i].name, value);
	}
	snprintf(buf + used, cap - used, "xfsz=default hup=default blocked=0");
}

static void test_soft_limits_and_signals_reset(void **state)
{
	char said[512], want[512];

	(void)state;
	run_probe(false, said, sizeof(said));
	expected(want, sizeof(want));
	assert_string_equal(said, want);
}

static void test_hard_limits_raised(void **state)
{
	char said[512], want[512];

	(void)state;
	if (!may_raise_hard_limits()) {
		print_message("no CAP_SYS_RESOURCE here: the hard limits cannot be raised\n");
		skip();
	}
	run_probe(true, said, sizeof(said));
	expected(want, sizeof(want));
	assert_string_equal(said, want);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soft_limits_and_signals_reset),
		cmocka_unit_test(test_hard_limits_raised),
	};

	if (argc >= 1 && strcmp(argv[0], "sts-helper") == 0)
		return probe();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
