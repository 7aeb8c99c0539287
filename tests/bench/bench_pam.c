/*
 * Whole logins through pam_wrapper, pam_sts against pam_permit in interleaved
 * pairs (both see the same machine load); each figure is the ratio of the
 * summed wall times.
 *
 * The timed login is the real pamtester (libpam and libpam_misc only), fed
 * the code on its standard input, so that pam_sts pays for everything it
 * loads. A driver that links OpenSSL itself would hide the 2.5 ms that
 * loading libcrypto costs here (about half of a pam_permit login).
 *
 *   BENCH pam_auth_vs_permit         pamtester ... authenticate
 *   BENCH pam_oath_auth_vs_permit    the same with pam_oath (when installed):
 *                                    the baseline the issue names
 *   BENCH pam_full_login_vs_permit   authenticate acct_mgmt (GetSessionToken)
 *                                    open_session close_session, as the user
 *                                    running the bench (account and session
 *                                    need a real user), with the resident
 *                                    broker (sts-helper --serve, started on
 *                                    the bench's configuration before the
 *                                    timed pairs and stopped after them)
 *   BENCH pam_full_login_vs_permit_exec  the same with helper_socket empty:
 *                                    the phases that ask the helper run sts-helper
 *   BENCH pam_full_login_null_helper_vs_permit  the same login against a
 *                                    broker that does no work
 *                                    (tests/bench/null_helper.c): the floor
 *                                    the module and its exchanges set, which
 *                                    no work saved in the helper goes below
 *   BENCH pam_auth_vs_permit_crypto_loaded, pam_full_login_vs_permit_crypto_loaded
 *                                    the same logins from a driver that has
 *                                    OpenSSL loaded already, as sshd has
 *
 * Replay floors (and pam_oath's users file) are reset between logins,
 * outside the timed part.
 *
 * Throughput, with every CPU of the machine busy:
 *   BENCH broker_logins_per_s        whole logins (authenticate, acct_mgmt,
 *                                    open_session, close_session) per second
 *                                    through the resident broker, from
 *                                    TPUT_CLIENTS processes at once, each
 *                                    running TPUT_LOGINS logins in a loop
 *                                    (pam_start to pam_end each; its replay
 *                                    floor reset before each, inside the time:
 *                                    each process has its own state_dir, so
 *                                    that they can be the same user at once)
 *   BENCH exec_logins_per_s          the same with the exec'd helper
 *
 *   bench_pam BUILD_DIR PAIRS      (re-executes itself as "--login SERVICE USER CODE"
 *                                   and "--loop SERVICE USER MFA_DIR N")
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <security/pam_appl.h>

#include "base/file_cache.h"
#include "decide/grant_key.h"
#include "mfa/mfa_store.h"
#include "mfa/totp.h"
#include "token/keyring.h"
#include "token/token.h"
#include "driver_common.h"

static int login(const char *service, const char *user, const char *code)
{
	struct pam_conv conv = { dc_conversation, NULL };
	pam_handle_t *pamh = NULL;
	bool full = strstr(service, "full") != NULL;
	int rc;

	dc_code = code;
	rc = pam_start(service, user, &conv, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS && full)
		rc = pam_acct_mgmt(pamh, 0);
	if (rc == PAM_SUCCESS && full)
		rc = pam_open_session(pamh, 0);
	if (rc == PAM_SUCCESS && full)
		rc = pam_close_session(pamh, 0);
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}

/* |n| whole logins of |user| through |service|, each with a fresh replay
 * floor in the store |mfa| and the code of now. */
static int login_loop(const char *service, const char *user, const char *mfa, int n)
{
	char code[9];

	for (int i = 0; i < n; i++) {
		dc_enroll(mfa, user);
		if (sts_totp_generate(dc_secret, 20, STS_TOTP_SHA1, 6, 30, (int64_t)time(NULL),
				      code) < 0 ||
		    login(service, user, code) != 0)
			return 1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef enum {
	PAMTESTER,
	SELF
} driver;

/* The child of a timed login: pamtester with the code on stdin, or this
 * program again (OpenSSL already loaded). */
static void exec_login(driver d, char *service, char *user, char *code, int codefd)
{
	char *ops[] = { (char *)"authenticate", (char *)"acct_mgmt", (char *)"open_session",
			(char *)"close_session" };
	char *args[10] = { (char *)"pamtester", service, user, ops[0], NULL };
	int devnull = open("/dev/null", O_WRONLY);

	if (devnull < 0 || dup2(codefd, STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
	    dup2(devnull, STDERR_FILENO) < 0)
		_exit(3);
	if (d == SELF) {
		char *self[] = { (char *)"bench_pam", (char *)"--login", service, user, code, NULL };

		execv("/proc/self/exe", self);
		_exit(3);
	}
	if (strstr(service, "full"))
		for (int i = 1; i < 4; i++)
			args[3 + i] = ops[i];
	execvp("pamtester", args);
	_exit(3);
}

static double timed_login(driver d, char *service, char *user, char *code, int *ok)
{
	char line[16];
	int p[2], status = 0;
	double start;
	pid_t pid;
	int n = snprintf(line, sizeof(line), "%s\n", code);

	if (pipe(p) < 0 || write(p[1], line, (size_t)n) != n)
		exit(2);
	close(p[1]);
	start = now_s();
	pid = fork();
	if (pid == 0)
		exec_login(d, service, user, code, p[0]);
	close(p[0]);
	waitpid(pid, &status, 0);
	*ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return now_s() - start;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "bench_pam: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

typedef struct {
	const char *name;
	char service[32], baseline[32];
	driver d;
	bool oath; /* the measured module is pam_oath, not pam_sts */
	double measured, base;
} figure;

static char root[512], user[256], run_dir[600];

/* The throughput figures: processes at once (more than the 2 CPUs the
 * figures are for, so that they stay busy while a process waits), logins
 * each. */
#define TPUT_CLIENTS 3
#define TPUT_LOGINS  100

/* The runtime directory on a tmpfs, as /run is on the hosts pam_sts runs on
 * (creating and removing a session directory costs 15 and 8 us on tmpfs
 * here, 90-130 and 105 us on the ext4 the build directory is on); the build
 * directory when there is no /dev/shm. */
static void make_run_dir(void)
{
	struct statfs fs;

	snprintf(run_dir, sizeof(run_dir), "/dev/shm/pambench-run-XXXXXX");
	if (statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC && mkdtemp(run_dir) &&
	    chmod(run_dir, 0755) == 0)
		return;
	snprintf(run_dir, sizeof(run_dir), "%s/run", root);
	mkdir(run_dir, 0755);
}

/* A fresh replay floor (pam_sts) or users file (pam_oath), and this step's code. */
static void reset_state(const figure *f, char code[9])
{
	char path[600], text[400];

	if (f->oath) {
		snprintf(path, sizeof(path), "%s/users.oath", root);
		snprintf(text, sizeof(text),
			 "HOTP/T30 %s - 3132333435363738393031323334353637383930\n", user);
		put(path, text);
	} else {
		snprintf(path, sizeof(path), "%s/state/mfa", root);
		dc_enroll(path, user);
	}
	if (sts_totp_generate(dc_secret, 20, STS_TOTP_SHA1, 6, 30, (int64_t)time(NULL), code) < 0)
		exit(2);
}
/* Builds the fixture and re-executes itself under pam_wrapper. */
static void prepare(const char *build, const char *oath_module)
{
	char path[1024], text[4096], preload[512];
	unsigned char grant_key[STS_GRANT_KEY_LEN];
	sts_error err;

	snprintf(root, sizeof(root), "%s/pambench-XXXXXX", build);
	if (!mkdtemp(root))
		exit(2);
	snprintf(path, sizeof(path), "%s/state", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/state/mfa", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/services", root);
	mkdir(path, 0755);
	make_run_dir();
	snprintf(path, sizeof(path), "%s/empty", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/issuer.key", root);
	if (sts_keyring_create(path, &err) < 0) {
		fprintf(stderr, "bench_pam: %s\n", err.msg);
		exit(2);
	}
	/* The grant key, which the first login on a host creates (lib/decide/grant_key.h):
	 * made here, so that it is as old as the rest by the timed logins. */
	snprintf(path, sizeof(path), "%s/state", root);
	if (sts_grant_key_load(path, true, grant_key, &err) < 0) {
		fprintf(stderr, "bench_pam: %s\n", err.msg);
		exit(2);
	}
	OPENSSL_cleanse(grant_key, sizeof(grant_key));
	snprintf(path, sizeof(path), "%s/brk", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/brk-null", root);
	mkdir(path, 0755);
	/* pam_sts.conf names the broker's socket, pam_sts-exec.conf none,
	 * pam_sts-null.conf the null helper's (tests/bench/null_helper.c). */
	for (int c = 0; c < 3; c++) {
		static const char *const confs[] = { "pam_sts.conf", "pam_sts-exec.conf",
						     "pam_sts-null.conf" };
		static const char *const services[] = { "sts-full", "sts-full-exec",
							"sts-full-null" };
		static const char *const sockets[] = { "/brk/helper.sock", NULL,
						       "/brk-null/helper.sock" };
		const char *conf = confs[c];

		snprintf(path, sizeof(path), "%s/%s", root, conf);
		snprintf(text, sizeof(text),
			 "state_dir = %s/state\nfail_delay_ms = 0\naccount_id = 123456789012\n"
			 "policy_dir = %s/empty\nrole_dir = %s/empty\nsession_policy_dir = "
			 "%s/empty\nissuer_key = %s/issuer.key\nruntime_dir = %s\n"
			 "helper = %s/sts-helper\nhelper_socket = %s%s\n",
			 root, root, root, root, root, run_dir, build, sockets[c] ? root : "",
			 sockets[c] ? sockets[c] : "");
		put(path, text);
		chmod(path, 0600);
		snprintf(path, sizeof(path), "%s/services/%s", root, services[c]);
		snprintf(text, sizeof(text),
			 "auth required %s/pam_sts.so config=%s/%s\n"
			 "account required %s/pam_sts.so config=%s/%s action=session\n"
			 "session required %s/pam_sts.so config=%s/%s\n",
			 build, root, conf, build, root, conf, build, root, conf);
		put(path, text);
	}
	snprintf(path, sizeof(path), "%s/services/permit-full", root);
	put(path, "auth required pam_permit.so\naccount required pam_permit.so\n"
		  "session required pam_permit.so\n");
	snprintf(path, sizeof(path), "%s/services/sts", root);
	snprintf(text, sizeof(text), "auth required %s/pam_sts.so config=%s/pam_sts.conf\n", build,
		 root);
	put(path, text);
	snprintf(path, sizeof(path), "%s/services/permit", root);
	put(path, "auth required pam_permit.so\n");
	snprintf(path, sizeof(path), "%s/services/oath", root);
	snprintf(text, sizeof(text), "auth required %s usersfile=%s/users.oath window=2\n",
		 oath_module, root);
	put(path, text);
	snprintf(path, sizeof(path), "%s/services/other", root);
	put(path, "auth required pam_deny.so\n");
	snprintf(path, sizeof(path), "%s/services", root);
	snprintf(preload, sizeof(preload), "%s/libpam_wrapper.so", PAM_LIBDIR);
	setenv("PAM_WRAPPER_SERVICE_DIR", path, 1);
	setenv("LD_PRELOAD", preload, 1);
	setenv("PAM_WRAPPER", "1", 1);
}

/* pam_sts-tK.conf (the broker) and pam_sts-tK-exec.conf for throughput
 * process K, each on its own state_dir (ROOT/state-tK), and their services
 * sts-full-tK and sts-full-tK-exec. */
static void prepare_throughput(const char *build)
{
	char path[1024], text[4096], state[700];
	unsigned char grant_key[STS_GRANT_KEY_LEN];
	sts_error err;

	for (int k = 0; k < TPUT_CLIENTS; k++)
		for (int exec = 0; exec < 2; exec++) {
			snprintf(state, sizeof(state), "%s/state-t%d", root, k);
			mkdir(state, 0700);
			snprintf(path, sizeof(path), "%s/mfa", state);
			mkdir(path, 0700);
			if (sts_grant_key_load(state, true, grant_key, &err) < 0) {
				fprintf(stderr, "bench_pam: %s\n", err.msg);
				exit(2);
			}
			OPENSSL_cleanse(grant_key, sizeof(grant_key));
			snprintf(path, sizeof(path), "%s/pam_sts-t%d%s.conf", root, k,
				 exec ? "-exec" : "");
			snprintf(text, sizeof(text),
				 "state_dir = %s\nfail_delay_ms = 0\naccount_id = 123456789012\n"
				 "policy_dir = %s/empty\nrole_dir = %s/empty\nsession_policy_dir = "
				 "%s/empty\nissuer_key = %s/issuer.key\nruntime_dir = %s\n"
				 "helper = %s/sts-helper\nhelper_socket = %s%s\n",
				 state, root, root, root, root, run_dir, build, exec ? "" : root,
				 exec ? "" : "/brk/helper.sock");
			put(path, text);
			chmod(path, 0600);
			snprintf(text, sizeof(text),
				 "auth required %s/pam_sts.so config=%s\n"
				 "account required %s/pam_sts.so config=%s action=session\n"
				 "session required %s/pam_sts.so config=%s\n",
				 build, path, build, path, build, path);
			snprintf(path, sizeof(path), "%s/services/sts-full-t%d%s", root, k,
				 exec ? "-exec" : "");
			put(path, text);
		}
}

/* TPUT_CLIENTS processes running TPUT_LOGINS whole logins each at once;
 * returns logins per second, or -1 when one failed. */
static double throughput(bool exec)
{
	pid_t kids[TPUT_CLIENTS];
	int failed = 0;
	double start = now_s();

	for (int k = 0; k < TPUT_CLIENTS; k++) {
		char service[64], mfa[700], n[16];

		snprintf(service, sizeof(service), "sts-full-t%d%s", k, exec ? "-exec" : "");
		snprintf(mfa, sizeof(mfa), "%s/state-t%d/mfa", root, k);
		snprintf(n, sizeof(n), "%d", TPUT_LOGINS);
		kids[k] = fork();
		if (kids[k] == 0) {
			char *self[] = {
				(char *)"bench_pam", (char *)"--loop", service, user, mfa, n, NULL
			};

			execv("/proc/self/exe", self);
			_exit(3);
		}
	}
	for (int k = 0; k < TPUT_CLIENTS; k++) {
		int status = 0;

		waitpid(kids[k], &status, 0);
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	return failed ? -1 : TPUT_CLIENTS * TPUT_LOGINS / (now_s() - start);
}

static figure figures[] = {
	{ "pam_auth_vs_permit", "sts", "permit", PAMTESTER, false, 0, 0 },
	{ "pam_oath_auth_vs_permit", "oath", "permit", PAMTESTER, true, 0, 0 },
	{ "pam_full_login_vs_permit", "sts-full", "permit-full", PAMTESTER, false, 0, 0 },
	{ "pam_full_login_vs_permit_exec", "sts-full-exec", "permit-full", PAMTESTER, false, 0, 0 },
	{ "pam_full_login_null_helper_vs_permit", "sts-full-null", "permit-full", PAMTESTER, false,
	  0, 0 },
	{ "pam_auth_vs_permit_crypto_loaded", "sts", "permit", SELF, false, 0, 0 },
	{ "pam_full_login_vs_permit_crypto_loaded", "sts-full", "permit-full", SELF, false, 0, 0 },
};
#define N_FIGURES (sizeof(figures) / sizeof(figures[0]))

/* sts-helper --serve on the bench's configuration, or (|null|) the null
 * helper on pam_sts-null.conf; returns once it accepts connections (it is
 * not timed). */
static pid_t start_broker(const char *build, bool null)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char helper[600], conf[600];
	pid_t pid;

	snprintf(helper, sizeof(helper), null ? "%s/tests/null_helper" : "%s/sts-helper", build);
	snprintf(conf, sizeof(conf), "%s/%s", root, null ? "pam_sts-null.conf" : "pam_sts.conf");
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/helper.sock", root,
		     null ? "brk-null" : "brk") >= (int)sizeof(sa.sun_path)) {
		fprintf(stderr, "bench_pam: %s: too long for a socket path\n", root);
		exit(2);
	}
	pid = fork();
	if (pid == 0) {
		unsetenv("LD_PRELOAD"); /* pam_wrapper is for the logins */
		if (null)
			execl(helper, "null_helper", conf, (char *)NULL);
		else
			execl(helper, "sts-helper", "--serve", "--config", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 2000; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));

		close(fd);
		if (rc == 0)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		usleep(5000);
	}
	fprintf(stderr, "bench_pam: the broker (%s --serve) did not start\n", helper);
	exit(2);
}

static void stop_broker(pid_t pid)
{
	int status = 0;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "bench_pam: the broker ended with status %d\n", status);
}

int main(int argc, char **argv)
{
	char oath_module[600], cmd[1400], code[9], none[] = "";
	struct passwd *pw = getpwuid(getuid());
	bool have_oath;
	int pairs, ok, failed = 0;
	double tput_broker, tput_exec;
	pid_t broker, null_helper;

	if (argc == 5 && strcmp(argv[1], "--login") == 0)
		return login(argv[2], argv[3], argv[4]);
	if (argc == 6 && strcmp(argv[1], "--loop") == 0)
		return login_loop(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc != 3 || (pairs = atoi(argv[2])) <= 0 || !pw) {
		fprintf(stderr, "usage: bench_pam BUILD_DIR PAIRS\n");
		return 2;
	}
	if (system("command -v pamtester >/dev/null") != 0) {
		fprintf(stderr, "bench_pam: pamtester is missing (scripts/deps.sh installs it)\n");
		return 2;
	}
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	snprintf(oath_module, sizeof(oath_module), "%s/security/pam_oath.so", PAM_LIBDIR);
	have_oath = access(oath_module, R_OK) == 0;
	umask(077);
	prepare(argv[1], oath_module);
	prepare_throughput(argv[1]);
	broker = start_broker(argv[1], false);
	null_helper = start_broker(argv[1], true);
	/* On a host the configuration and keys are old: let the fixture's age
	 * past the resident helper's recent-change rule (lib/base/file_cache.h), so
	 * that the timed logins see what a host's would, not a fresh install. */
	sleep(STS_FILE_CACHE_RECENT_S + 1);
	for (int i = 0; i < pairs; i++)
		for (size_t k = 0; k < N_FIGURES; k++) {
			figure *f = &figures[k];

			if (f->oath && !have_oath)
				continue;
			reset_state(f, code);
			f->measured += timed_login(f->d, f->service, user, code, &ok);
			failed += !ok;
			f->base += timed_login(f->d, f->baseline, user, none, &ok);
			failed += !ok;
		}
	tput_broker = throughput(false);
	tput_exec = throughput(true);
	stop_broker(broker);
	stop_broker(null_helper);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, run_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_pam: could not remove %s\n", root);
	if (failed || tput_broker < 0 || tput_exec < 0) {
		fprintf(stderr, "bench_pam: %d logins failed%s\n", failed,
			tput_broker < 0 || tput_exec < 0 ? ", and some of the throughput runs" :
							   "");
		return 1;
	}
	for (size_t k = 0; k < N_FIGURES; k++) {
		const figure *f = &figures[k];

		if (f->oath && !have_oath) {
			fprintf(stderr, "bench_pam: %s not measured: %s is not installed\n",
				f->name, oath_module);
			continue;
		}
		fprintf(stderr, "bench_pam: %s: %d pairs, %.2f ms against %.2f ms per login\n",
			f->name, pairs, f->measured * 1e3 / pairs, f->base * 1e3 / pairs);
		printf("BENCH %s=%.2f x\n", f->name, f->measured / f->base);
	}
	fprintf(stderr, "bench_pam: throughput: %d processes x %d whole logins, %ld CPUs\n",
		TPUT_CLIENTS, TPUT_LOGINS, sysconf(_SC_NPROCESSORS_ONLN));
	printf("BENCH broker_logins_per_s=%.0f logins/s\n", tput_broker);
	printf("BENCH exec_logins_per_s=%.0f logins/s\n", tput_exec);
	return 0;
}
