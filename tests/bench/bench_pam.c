/*
 * BENCH pam_auth_vs_permit: whole pamtester-style logins (a fresh process
 * running pam_start, pam_authenticate, pam_end under pam_wrapper), pam_sts
 * with a valid TOTP code against pam_permit, in interleaved pairs so both
 * see the same machine load. Prints the ratio of the summed wall times.
 *
 * BENCH pam_full_login_vs_permit: the same with authenticate, acct_mgmt
 * (GetSessionToken), open_session (sts-helper mints and writes) and
 * close_session, as the user running the bench (the account and session
 * phases need a real user), whose replay floor is reset between logins
 * outside the timed part.
 *
 *   bench_pam BUILD_DIR PAIRS      (re-executes itself as "--login SERVICE USER CODE")
 */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "driver_common.h"
#include "mfa_store.h"
#include "token.h"
#include "totp.h"

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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timed_login(char *self, char *service, char *user, char *code, int *ok)
{
	char flag[] = "--login";
	char *args[] = { self, flag, service, user, code, NULL };
	double start = now_s();
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		execv("/proc/self/exe", args);
		_exit(3);
	}
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

/* Full logins as the invoking user, its replay floor reset before each. */
static void full_pairs(char *self, const char *mfa, int pairs, double *sts, double *permit,
		       int *failed)
{
	struct passwd *pw = getpwuid(getuid());
	char user[256], code[9], sts_name[] = "sts-full", permit_name[] = "permit-full",
				 none[] = "";
	int ok;

	if (!pw) {
		fprintf(stderr, "bench_pam: the invoking user has no name\n");
		exit(2);
	}
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	for (int i = 0; i < pairs; i++) {
		dc_enroll(mfa, user);
		if (sts_totp_generate(dc_secret, 20, STS_TOTP_SHA1, 6, 30, (int64_t)time(NULL),
				      code) < 0)
			exit(2);
		*sts += timed_login(self, sts_name, user, code, &ok);
		*failed += !ok;
		*permit += timed_login(self, permit_name, user, none, &ok);
		*failed += !ok;
	}
}

/* Builds the fixture and re-executes itself under pam_wrapper. */
static void prepare(const char *build, char *root, size_t cap)
{
	char path[1024], text[4096], preload[512];
	sts_error err;

	snprintf(root, cap, "%s/pambench-XXXXXX", build);
	if (!mkdtemp(root))
		exit(2);
	snprintf(path, sizeof(path), "%s/state", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/state/mfa", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/services", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/run", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/empty", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/issuer.key", root);
	if (sts_keyring_create(path, &err) < 0) {
		fprintf(stderr, "bench_pam: %s\n", err.msg);
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/pam_sts.conf", root);
	snprintf(text, sizeof(text),
		 "state_dir = %s/state\nfail_delay_ms = 0\naccount_id = 123456789012\n"
		 "policy_dir = %s/empty\nrole_dir = %s/empty\nsession_policy_dir = %s/empty\n"
		 "issuer_key = %s/issuer.key\nruntime_dir = %s/run\nhelper = %s/sts-helper\n",
		 root, root, root, root, root, root, build);
	put(path, text);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/services/sts-full", root);
	snprintf(text, sizeof(text),
		 "auth required %s/pam_sts.so config=%s/pam_sts.conf\n"
		 "account required %s/pam_sts.so config=%s/pam_sts.conf action=session\n"
		 "session required %s/pam_sts.so config=%s/pam_sts.conf\n",
		 build, root, build, root, build, root);
	put(path, text);
	snprintf(path, sizeof(path), "%s/services/permit-full", root);
	put(path, "auth required pam_permit.so\naccount required pam_permit.so\n"
		  "session required pam_permit.so\n");
	snprintf(path, sizeof(path), "%s/services/sts", root);
	snprintf(text, sizeof(text), "auth required %s/pam_sts.so config=%s/pam_sts.conf\n", build,
		 root);
	put(path, text);
	snprintf(path, sizeof(path), "%s/services/permit", root);
	put(path, "auth required pam_permit.so\n");
	snprintf(path, sizeof(path), "%s/services/other", root);
	put(path, "auth required pam_deny.so\n");
	snprintf(path, sizeof(path), "%s/services", root);
	snprintf(preload, sizeof(preload), "%s/libpam_wrapper.so", PAM_LIBDIR);
	setenv("PAM_WRAPPER_SERVICE_DIR", path, 1);
	setenv("LD_PRELOAD", preload, 1);
	setenv("PAM_WRAPPER", "1", 1);
}

int main(int argc, char **argv)
{
	char root[512], mfa[600], user[32], code[9], cmd[600];
	double sts = 0, permit = 0, sts_full = 0, permit_full = 0;
	int pairs, ok, failed = 0;

	if (argc == 5 && strcmp(argv[1], "--login") == 0)
		return login(argv[2], argv[3], argv[4]);
	if (argc != 3 || (pairs = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_pam BUILD_DIR PAIRS\n");
		return 2;
	}
	umask(077);
	prepare(argv[1], root, sizeof(root));
	snprintf(mfa, sizeof(mfa), "%s/state/mfa", root);
	for (int i = 0; i < pairs; i++) {
		snprintf(user, sizeof(user), "bench%d", i);
		dc_enroll(mfa, user);
	}
	for (int i = 0; i < pairs; i++) {
		snprintf(user, sizeof(user), "bench%d", i);
		if (sts_totp_generate(dc_secret, 20, STS_TOTP_SHA1, 6, 30, (int64_t)time(NULL),
				      code) < 0)
			return 2;
		char sts_name[] = "sts", permit_name[] = "permit", none[] = "";
		sts += timed_login(argv[0], sts_name, user, code, &ok);
		failed += !ok;
		permit += timed_login(argv[0], permit_name, user, none, &ok);
		failed += !ok;
	}
	full_pairs(argv[0], mfa, pairs, &sts_full, &permit_full, &failed);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_pam: could not remove %s\n", root);
	if (failed) {
		fprintf(stderr, "bench_pam: %d logins failed\n", failed);
		return 1;
	}
	fprintf(stderr, "bench_pam: %d pairs: pam_sts %.2f ms, pam_permit %.2f ms per login\n",
		pairs, sts * 1e3 / pairs, permit * 1e3 / pairs);
	printf("BENCH pam_auth_vs_permit=%.2f x\n", sts / permit);
	fprintf(stderr,
		"bench_pam: %d pairs: full login pam_sts %.2f ms, pam_permit %.2f ms per login\n",
		pairs, sts_full * 1e3 / pairs, permit_full * 1e3 / pairs);
	printf("BENCH pam_full_login_vs_permit=%.2f x\n", sts_full / permit_full);
	return 0;
}
