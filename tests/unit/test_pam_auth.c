/*
 * The auth phase through pam_wrapper/libpamtest (no root needed): right,
 * wrong, replayed and edge-of-window codes, lockout and unlock, missing
 * device, refused store and config files, bad arguments, and the races: many
 * processes presenting one valid code (exactly one wins) and many users at
 * once (all win). The binary re-executes itself under pam_wrapper.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "mfa_store.h"
#include "testutil.h"
#include "totp.h"

static char root[256], state[300], mfa[320], services[300], config[300];
static const unsigned char secret[] = "12345678901234567890";

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void service(const char *name, const char *args)
{
	char path[400], line[1200];

	snprintf(path, sizeof(path), "%s/%s", services, name);
	snprintf(line, sizeof(line), "auth required %s/pam_sts.so config=%s %s\n", PAM_STS_BUILD,
		 config, args);
	write_text(path, line, 0644);
}

static void enroll(const char *user, int64_t last_step, int64_t locked_until)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_mfa_record rec;
	sts_error err;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.secret, secret, 20);
	rec.secret_len = 20;
	rec.algorithm = STS_TOTP_SHA1;
	rec.digits = 6;
	rec.period = 30;
	rec.active = true;
	rec.last_step = last_step;
	rec.locked_until = locked_until;
	assert_int_equal(sts_mfa_store_open(mfa, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, user, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_write(lock, &rec, &err), 0);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

static sts_mfa_record stored(const char *user)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_mfa_record rec;
	sts_error err;

	assert_int_equal(sts_mfa_store_open(mfa, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, user, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_read(lock, &rec, &err), STS_MFA_FOUND);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
	return rec;
}

static char clock_file[320];

/* The module reads the clock through the test-only shim (STS_FAKE_TIME_FILE). */
static void set_time(int64_t t)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld\n", (long long)t);
	write_text(clock_file, text, 0644);
}

static void code_at(int64_t t, char out[9])
{
	assert_int_equal(sts_totp_generate(secret, 20, STS_TOTP_SHA1, 6, 30, t, out), 0);
}

/* One pam_authenticate; returns what it returned. */
static int auth(const char *svc, const char *user, const char *code)
{
	const char *answers[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase cases[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	enum pamtest_err perr = run_pamtest(svc, user, &conv, cases, NULL);

	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
		return -1000 - (int)perr;
	return cases[0].op_rv;
}

static void write_config(const char *extra)
{
	char text[1200];

	snprintf(
		text, sizeof(text),
		"# test configuration (totp_window: the default, 1)\nstate_dir = %s\nmax_failures = 3\n"
		"failure_interval = 600\nlockout_seconds = 600\nfail_delay_ms = 0\n%s",
		state, extra);
	write_text(config, text, 0600);
}

#define T0 1800000000LL /* 2027-01-15T08:00:00Z, on a step boundary */

static void test_right_wrong_and_replayed_codes(void **st)
{
	char code[9], wrong[9];
	int64_t now = T0 + 7;

	(void)st;
	set_time(now);
	enroll("alice", 0, 0);
	code_at(now, code);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(auth("sts", "alice", wrong), PAM_AUTH_ERR);
	assert_int_equal(stored("alice").failures, 1);
	assert_int_equal(auth("sts", "alice", code), PAM_SUCCESS);
	assert_true(stored("alice").last_step >= now / 30);
	assert_int_equal(stored("alice").failures, 0);
	assert_int_equal(auth("sts", "alice", code), PAM_AUTH_ERR); /* replay */
	assert_int_equal(auth("sts", "alice", "abcdef"), PAM_AUTH_ERR);
	assert_int_equal(auth("sts", "alice", ""), PAM_AUTH_ERR);
}

static void test_window_edges(void **st)
{
	char code[9];
	int64_t now = T0 + 3600;

	(void)st;
	set_time(now);
	enroll("bob", 0, 0);
	code_at(now - 60, code); /* two steps back: outside a window of 1 */
	assert_int_equal(auth("sts", "bob", code), PAM_AUTH_ERR);
	code_at(now + 60, code); /* two steps ahead: outside too */
	assert_int_equal(auth("sts", "bob", code), PAM_AUTH_ERR);
	enroll("bob", 0, 0);
	code_at(now - 30, code); /* one step back: the window's edge */
	assert_int_equal(auth("sts", "bob", code), PAM_SUCCESS);
	enroll("bob", 0, 0);
	code_at(now + 30, code); /* one step ahead: the other edge */
	assert_int_equal(auth("sts", "bob", code), PAM_SUCCESS);
	/* An older code after a newer one is a replay of the past. */
	enroll("bob", now / 30 + 1, 0);
	code_at(now, code);
	assert_int_equal(auth("sts", "bob", code), PAM_AUTH_ERR);
}

static void test_lockout_and_unlock(void **st)
{
	char code[9];

	(void)st;
	set_time(T0 + 7200);
	enroll("carol", 0, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth("sts", "carol", "000000x"), PAM_AUTH_ERR);
	assert_true(stored("carol").locked_until > time(NULL));
	code_at(time(NULL), code);
	assert_int_equal(auth("sts", "carol", code), PAM_MAXTRIES);
	set_time(T0 + 7200 + 601); /* the lockout (600 s) has run out */
	code_at(time(NULL), code);
	assert_int_equal(auth("sts", "carol", code), PAM_SUCCESS);
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth("sts", "carol", "999999"), PAM_AUTH_ERR);
	code_at(time(NULL), code);
	assert_int_equal(auth("sts", "carol", code), PAM_MAXTRIES);
	enroll("carol", 0, 0); /* what "stsctl mfa unlock" does */
	assert_int_equal(auth("sts", "carol", code), PAM_SUCCESS);
}

static void test_missing_device(void **st)
{
	(void)st;
	assert_int_equal(auth("sts", "nobody-here", "123456"), PAM_USER_UNKNOWN);
	assert_int_equal(auth("sts-nullok", "nobody-here", "123456"), PAM_IGNORE);
	assert_int_equal(auth("sts-nullok", "alice", "000000"), PAM_AUTH_ERR);
	assert_int_equal(auth("sts", "../../etc/passwd", "123456"), PAM_USER_UNKNOWN);
}

static void test_refused_store_files(void **st)
{
	char path[400], target[400], code[9];

	(void)st;
	snprintf(path, sizeof(path), "%s/dave", mfa);
	write_text(path, "version = 1\nsecret = not base32!\n", 0600);
	code_at(time(NULL), code);
	assert_int_equal(auth("sts", "dave", code), PAM_AUTHINFO_UNAVAIL);
	enroll("dave", 0, 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(auth("sts", "dave", code), PAM_AUTHINFO_UNAVAIL);
	unlink(path);
	enroll("erin", 0, 0);
	snprintf(target, sizeof(target), "%s/erin", mfa);
	assert_int_equal(symlink(target, path), 0);
	code_at(time(NULL), code);
	assert_int_equal(auth("sts", "dave", code), PAM_AUTHINFO_UNAVAIL);
	unlink(path);
	assert_int_equal(chmod(mfa, 0755), 0);
	assert_int_equal(auth("sts", "erin", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(chmod(mfa, 0700), 0);
}

static void test_refused_config_and_arguments(void **st)
{
	char code[9];

	(void)st;
	enroll("frank", 0, 0);
	code_at(time(NULL), code);
	assert_int_equal(chmod(config, 0620), 0);
	assert_int_equal(auth("sts", "frank", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(chmod(config, 0600), 0);
	write_config("unknown_key = 1\n");
	assert_int_equal(auth("sts", "frank", code), PAM_AUTHINFO_UNAVAIL);
	write_config("totp_window = 99\n");
	assert_int_equal(auth("sts", "frank", code), PAM_AUTHINFO_UNAVAIL);
	write_config("");
	assert_int_equal(auth("sts-link", "frank", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(auth("sts-badarg", "frank", code), PAM_SERVICE_ERR);
	assert_int_equal(auth("sts-missing-config", "frank", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(auth("sts", "frank", code), PAM_SUCCESS);
}

/*
 * A racer: a fresh process, so that pam_wrapper starts inside it (in its
 * private /tmp when we run as root). It waits
 * on fd 3 until the parent opens the gate, then exits 0 on PAM_SUCCESS, 1 on
 * a refusal (PAM_AUTH_ERR, PAM_MAXTRIES) and 2 otherwise.
 */
static void set_paths(const char *dir);

static int racer_main(const char *user, const char *code)
{
	char c;

	set_paths(getenv("PAM_STS_TEST_ROOT"));
	(void)!read(3, &c, 1);
	int rc = auth("sts", user, code);
	/* A replay counts as a failure, so a storm of them ends in a lockout:
	 * PAM_MAXTRIES is a refusal too. */
	return rc == PAM_SUCCESS ? 0 : (rc == PAM_AUTH_ERR || rc == PAM_MAXTRIES) ? 1 : 2;
}

static int mkdir_p(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/*
 * A private /tmp for this racer. When the build tree itself lives under /tmp
 * (a clone there), it is bound back into the new /tmp at the same path.
 */
static int private_tmp(void)
{
	char self[64];
	int build;

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	/* Opened in the new namespace, before /tmp is covered. */
	build = open(PAM_STS_BUILD, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (build < 0 || mount("tmpfs", "/tmp", "tmpfs", 0, "size=8m,mode=1777") != 0)
		return -1;
	if (strncmp(PAM_STS_BUILD, "/tmp/", 5) == 0) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", build);
		if (mkdir_p(PAM_STS_BUILD) != 0 ||
		    mount(self, PAM_STS_BUILD, NULL, MS_BIND, NULL) != 0)
			return -1;
	}
	close(build);
	return 0;
}

static void spawn_racer(int gate_fd, char *user, char *code)
{
	char name[] = "test_pam_auth", flag[] = "--racer";
	char *args[] = { name, flag, user, code, NULL };

	/* pam_wrapper 1.1.4 creates its directories as /tmp/pam.X whatever
	 * PAM_WRAPPER_RUNTIME_DIR says: as root (CI) each racer gets a private
	 * /tmp; otherwise racers() keeps to what the shared /tmp allows. */
	if (geteuid() == 0 && private_tmp() != 0) {
		fprintf(stderr, "racer: private /tmp: %s\n", strerror(errno));
		_exit(3);
	}
	if (dup2(gate_fd, 3) < 0)
		_exit(3);
	execv("/proc/self/exe", args);
	_exit(3);
}

static void test_first_pass(void **st)
{
	char code[9], later[9];

	(void)st;
	set_time(T0 + 12000);
	enroll("grace", 0, 0);
	code_at(time(NULL), code);
	/* use_first_pass: the code comes from PAM_AUTHTOK; no prompt (none is answered). */
	setenv("PAM_AUTHTOK", code, 1);
	assert_int_equal(auth("sts-use_first_pass", "grace", NULL), PAM_SUCCESS);
	assert_int_equal(auth("sts-use_first_pass", "grace", NULL), PAM_AUTH_ERR); /* replay */
	unsetenv("PAM_AUTHTOK");
	assert_int_equal(auth("sts-use_first_pass", "grace", NULL), PAM_AUTH_ERR); /* no token */
	/* try_first_pass: the token when there is one, else the prompt. */
	set_time(T0 + 12030);
	code_at(time(NULL), code);
	setenv("PAM_AUTHTOK", code, 1);
	assert_int_equal(auth("sts-try_first_pass", "grace", NULL), PAM_SUCCESS);
	unsetenv("PAM_AUTHTOK");
	set_time(T0 + 12060);
	code_at(time(NULL), later);
	assert_int_equal(auth("sts-try_first_pass", "grace", later), PAM_SUCCESS);
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
			code_at(time(NULL), code);
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
	enroll("racer", 0, 0);
	code_at(time(NULL), code);
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
	set_time(T0 + 9000);
	if (!had_log) {
		enroll("racer", 0, 0);
		code_at(time(NULL), code);
		assert_int_equal(race(racers(), true, code, true), 1); /* no listener */
	}
	if (!had_log && geteuid() == 0)
		listener = start_listener();
	if (had_log || listener) {
		set_time(T0 + 9030);
		enroll("racer", 0, 0);
		code_at(time(NULL), code);
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
		enroll(user, 0, 0);
	}
	assert_int_equal(race(n, false, NULL, false), n);
}

static void set_paths(const char *dir)
{
	snprintf(root, sizeof(root), "%s", dir);
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(mfa, sizeof(mfa), "%s/mfa", state);
	snprintf(services, sizeof(services), "%s/services", root);
	snprintf(config, sizeof(config), "%s/pam_sts.conf", root);
	snprintf(clock_file, sizeof(clock_file), "%s/now", root);
}

static void raw_service(const char *name, const char *line_fmt_path)
{
	char path[400], line[1200];

	snprintf(path, sizeof(path), "%s/%s", services, name);
	snprintf(line, sizeof(line), "auth required %s/pam_sts.so config=%s/%s\n", PAM_STS_BUILD,
		 root, line_fmt_path);
	write_text(path, line, 0644);
}

/* Everything pam_wrapper must see when it starts: it copies the service
 * directory once, at load time. */
static void make_fixtures(void)
{
	char link[400];

	assert_int_equal(mkdir(state, 0700), 0);
	assert_int_equal(mkdir(mfa, 0700), 0);
	assert_int_equal(mkdir(services, 0755), 0);
	write_config("");
	service("sts", "");
	/* [ignore=ok] lets the module's PAM_IGNORE through to the application. */
	{
		char path[400], line[1200];
		snprintf(path, sizeof(path), "%s/sts-nullok", services);
		snprintf(line, sizeof(line),
			 "auth [ignore=ok default=die] %s/pam_sts.so config=%s nullok\n",
			 PAM_STS_BUILD, config);
		write_text(path, line, 0644);
		snprintf(path, sizeof(path), "%s/other", services);
		write_text(path, "auth required pam_deny.so\n", 0644);
	}
	service("sts-badarg", "frobnicate");
	raw_service("sts-missing-config", "absent.conf");
	/* pam_set_items (pam_wrapper) copies $PAM_AUTHTOK into the PAM item. */
	{
		char path[400], line[1600];
		const char *flags[] = { "use_first_pass", "try_first_pass" };
		for (int i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/sts-%s", services, flags[i]);
			snprintf(line, sizeof(line),
				 "auth required %s/pam_wrapper/pam_set_items.so\n"
				 "auth required %s/pam_sts.so config=%s %s\n",
				 PAM_LIBDIR, PAM_STS_BUILD, config, flags[i]);
			write_text(path, line, 0644);
		}
	}
	raw_service("sts-link", "link.conf");
	snprintf(link, sizeof(link), "%s/link.conf", root);
	assert_int_equal(symlink(config, link), 0);
}

static int setup(void **st)
{
	(void)st;
	assert_non_null(getenv("PAM_STS_TEST_ROOT"));
	set_paths(getenv("PAM_STS_TEST_ROOT"));
	return 0;
}

static int teardown(void **st)
{
	char cmd[400];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* Re-executes this binary under pam_wrapper with our service directory. */
static void under_pam_wrapper(char **argv)
{
	char preload[512], dir[300], services_dir[400];

	if (getenv("PAM_WRAPPER"))
		return;
	snprintf(preload, sizeof(preload), "%s/libpam_wrapper.so:%s/tests/libfaketime.so",
		 PAM_LIBDIR, PAM_STS_BUILD);
	snprintf(dir, sizeof(dir), "%s/pamtest-XXXXXX", PAM_STS_BUILD);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	set_paths(dir);
	make_fixtures();
	snprintf(services_dir, sizeof(services_dir), "%s/services", dir);
	setenv("PAM_STS_TEST_ROOT", dir, 1);
	setenv("STS_FAKE_TIME_FILE", clock_file, 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", services_dir, 1);
	setenv("LD_PRELOAD", preload, 1);
	setenv("PAM_WRAPPER", "1", 1);
	/* pam_wrapper dlopens libpam with RTLD_DEEPBIND, which ASan refuses; this
	 * switch (spelled UID_ in pam_wrapper 1.1.4) turns that off. */
	setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	/* Under ASan the preloaded wrappers come before its runtime: allow it. */
	{
		char asan[1024];
		const char *old = getenv("ASAN_OPTIONS");
		snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0", old ? old : "",
			 old && *old ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
	}
	execv("/proc/self/exe", argv);
	fprintf(stderr, "cannot re-execute under pam_wrapper: %s\n", strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_wrong_and_replayed_codes),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_lockout_and_unlock),
		cmocka_unit_test(test_missing_device),
		cmocka_unit_test(test_refused_store_files),
		cmocka_unit_test(test_refused_config_and_arguments),
		cmocka_unit_test(test_first_pass),
		cmocka_unit_test(test_parallel_same_code_exactly_one_wins),
		cmocka_unit_test(test_parallel_different_users_all_win),
		cmocka_unit_test(test_parallel_same_code_through_syslog),
	};

	umask(077);
	if (argc == 4 && strcmp(argv[1], "--racer") == 0 && getenv("PAM_WRAPPER"))
		return racer_main(argv[2], argv[3]);
	under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, setup, teardown);
}
