/*
 * Whole logins' auth phase against simulated bastions for
 * tests/fleet/run-fleet-logins.sh: each host is a pam_sts.conf (its own
 * state_dir, the shared database) and each login is what pam_sts.so sends,
 * sts_call_mfa(), answered by an exec'd sts-helper.
 *
 *   fleet_login code HEXSECRET [STEPS]   the code for now (+ STEPS periods)
 *   fleet_login login CONFIG USER CODE   prints "STATUS RESULT"; exit 0 ok,
 *                                        1 denied, 2 error
 *   fleet_login race N USER CODE CONFIG...
 *       N logins at once (login i through CONFIG i mod count), released
 *       together; prints "passed=P denied=D error=E"
 *   fleet_login bench N P PREFIX CODE CONFIG
 *       N logins of the users PREFIX0..PREFIX(N-1) (all with CODE's device),
 *       P at a time; prints "seconds=S passed=K" (tests/bench/run-bench-fleet.sh)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/settings.h"
#include "mfa/totp.h"
#include "proto/calls.h"
#include "proto/protocol.h"

static int unhex(const char *hex, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex) / 2;

	if (strlen(hex) % 2 || n > cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	*len = n;
	return 0;
}

static int code(const char *hex, long steps)
{
	unsigned char secret[64];
	size_t len = 0;
	char out[9];

	if (unhex(hex, secret, sizeof(secret), &len) < 0 ||
	    sts_totp_generate(secret, len, STS_TOTP_SHA1, 6, 30, (int64_t)time(NULL) + steps * 30,
			      out) < 0)
		return 2;
	puts(out);
	return 0;
}

/* One login: 0 passed, 1 denied, 2 error (|quiet|: nothing printed). */
static int login(const char *config, const char *user, const char *totp, bool quiet)
{
	sts_call_login who = { .config = config,
			       .user = user,
			       .service = "sshd",
			       .source_ip = "192.0.2.1",
			       .rhost = "192.0.2.1" };
	sts_settings s;
	sts_msg answer;
	sts_error err;
	const char *status, *result;
	int rc;

	if (sts_settings_load(config, &s, &err) < 0) {
		if (!quiet)
			printf("error %s\n", err.msg);
		return 2;
	}
	rc = sts_call_mfa(&s, &who, totp, &answer, &err);
	sts_settings_free(&s);
	if (rc != 0) {
		if (!quiet)
			printf("error %s\n", err.msg);
		return 2;
	}
	status = sts_msg_get(&answer, STS_KEY_STATUS);
	result = sts_msg_get(&answer, STS_KEY_RESULT);
	if (!quiet)
		printf("%s %s\n", status ? status : "-",
		       result ? result : sts_msg_get(&answer, STS_KEY_MESSAGE));
	rc = status && strcmp(status, STS_STATUS_OK) == 0     ? 0 :
	     status && strcmp(status, STS_STATUS_DENIED) == 0 ? 1 :
								2;
	sts_msg_free(&answer);
	return rc;
}

static int race(int n, const char *user, const char *totp, int nconf, char **configs)
{
	int gate[2], counts[3] = { 0, 0, 0 };
	char go;

	if (n <= 0 || nconf <= 0 || pipe(gate) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			close(gate[1]);
			/* Released together: the write end closes. */
			if (read(gate[0], &go, 1) < 0)
				_exit(2);
			_exit(login(configs[i % nconf], user, totp, true));
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < n; i++) {
		int st = 0;
		if (wait(&st) < 0)
			return 2;
		counts[WIFEXITED(st) && WEXITSTATUS(st) <= 2 ? WEXITSTATUS(st) : 2]++;
	}
	printf("passed=%d denied=%d error=%d\n", counts[0], counts[1], counts[2]);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Worker |w| of |p|: the users w, w + p, ... below |n|; exits with how many
 * passed (at most 255 counted). */
static void bench_worker(int w, int p, int n, const char *prefix, const char *totp,
			 const char *config)
{
	char user[64];
	int passed = 0;

	for (int i = w; i < n; i += p) {
		snprintf(user, sizeof(user), "%s%d", prefix, i);
		passed += login(config, user, totp, true) == 0;
	}
	_exit(passed > 255 ? 255 : passed);
}

static int bench(int n, int p, const char *prefix, const char *totp, const char *config)
{
	double start = now_s();
	int passed = 0;

	if (n <= 0 || p <= 0 || n / p > 255)
		return 2;
	for (int w = 0; w < p; w++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			bench_worker(w, p, n, prefix, totp, config);
	}
	for (int w = 0; w < p; w++) {
		int st = 0;
		if (wait(&st) < 0)
			return 2;
		passed += WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	}
	printf("seconds=%.6f passed=%d\n", now_s() - start, passed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "bench") == 0)
		return bench(atoi(argv[2]), atoi(argv[3]), argv[4], argv[5], argv[6]);
	if (argc >= 3 && strcmp(argv[1], "code") == 0)
		return code(argv[2], argc > 3 ? strtol(argv[3], NULL, 10) : 0);
	if (argc == 5 && strcmp(argv[1], "login") == 0)
		return login(argv[2], argv[3], argv[4], false);
	if (argc >= 6 && strcmp(argv[1], "race") == 0)
		return race(atoi(argv[2]), argv[3], argv[4], argc - 5, argv + 5);
	fputs("usage: fleet_login code HEX [STEPS] | login CONFIG USER CODE |\n"
	      "       race N USER CODE CONFIG...\n",
	      stderr);
	return 2;
}
