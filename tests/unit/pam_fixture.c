/*
 * The fixture shared by the PAM tests: a configuration, an MFA store and
 * service files under the build directory, a test-only clock, and the
 * re-execution of the test binary under pam_wrapper (which copies the
 * service directory once, when it loads).
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "mfa/mfa_store.h"
#include "mfa/totp.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

char root[256], state[300], mfa[320], services[300], config[300];
const unsigned char secret[21] = "12345678901234567890";

void pf_write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

void pf_service(const char *name, const char *args)
{
	char path[400], line[1200];

	snprintf(path, sizeof(path), "%s/%s", services, name);
	snprintf(line, sizeof(line), "auth required %s/pam_sts.so config=%s %s\n", PAM_STS_BUILD,
		 config, args);
	pf_write_text(path, line, 0644);
}

void pf_enroll(const char *user, int64_t last_step, int64_t locked_until)
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
	assert_int_equal(sts_mfa_store_open(mfa, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, user, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_write(lock, &rec, &err), 0);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

sts_mfa_record pf_stored(const char *user)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_mfa_record rec;
	sts_error err;

	assert_int_equal(sts_mfa_store_open(mfa, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, user, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_read(lock, &rec, &err), STS_MFA_FOUND);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
	return rec;
}

char clock_file[320];

/* The module reads the clock through the test-only shim (STS_FAKE_TIME_FILE). */
void pf_set_time(int64_t t)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld\n", (long long)t);
	pf_write_text(clock_file, text, 0644);
}

void pf_code_at(int64_t t, char out[9])
{
	assert_int_equal(sts_totp_generate(secret, 20, STS_TOTP_SHA1, 6, 30, t, out), 0);
}

/* One pam_authenticate; returns what it returned. */
int pf_auth(const char *svc, const char *user, const char *code)
{
	const char *answers[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase cases[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	enum pamtest_err perr = run_pamtest(svc, user, &conv, cases, NULL);

	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
		return -1000 - (int)perr;
	return cases[0].op_rv;
}

int pf_auth_err(const char *svc, const char *user, const char *code, char *err_out, size_t cap)
{
	char bufs[4][PAM_MAX_MSG_SIZE];
	char *out_err[5] = { bufs[0], bufs[1], bufs[2], bufs[3], NULL };
	const char *answers[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers, .out_err = out_err };
	struct pam_testcase cases[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	enum pamtest_err perr;

	memset(bufs, 0, sizeof(bufs));
	perr = run_pamtest(svc, user, &conv, cases, NULL);
	snprintf(err_out, cap, "%s", bufs[0]);
	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
		return -1000 - (int)perr;
	return cases[0].op_rv;
}

char pf_last_error[PAM_MAX_MSG_SIZE];

/* Records error messages; answers nothing else. */
static int kept_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	*resp = NULL;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_ERROR_MSG && msg[i]->msg_style != PAM_TEXT_INFO)
			return PAM_CONV_ERR;
		if (msg[i]->msg_style == PAM_ERROR_MSG)
			snprintf(pf_last_error, sizeof(pf_last_error), "%s", msg[i]->msg);
	}
	return PAM_SUCCESS;
}

pam_handle_t *pf_keep_conv(pam_handle_t *ph)
{
	static const struct pam_conv conv = { kept_conv, NULL };

	assert_int_equal(pam_set_item(ph, PAM_CONV, &conv), PAM_SUCCESS);
	return ph;
}

void pf_write_config(const char *extra)
{
	char text[4000];

	snprintf(
		text, sizeof(text),
		"# test configuration (totp_window: the default, 1)\nstate_dir = %s\nmax_failures = 3\n"
		"failure_interval = 600\nlockout_seconds = 600\nfail_delay_ms = 0\n%s%s",
		state, sf_config_lines(), extra);
	pf_write_text(config, text, 0600);
}

void pf_set_paths(const char *dir)
{
	snprintf(root, sizeof(root), "%s", dir);
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(mfa, sizeof(mfa), "%s/mfa", state);
	snprintf(services, sizeof(services), "%s/services", root);
	snprintf(config, sizeof(config), "%s/pam_sts.conf", root);
	snprintf(clock_file, sizeof(clock_file), "%s/now", root);
}

void pf_raw_service(const char *name, const char *line_fmt_path)
{
	char path[400], line[1200];

	snprintf(path, sizeof(path), "%s/%s", services, name);
	snprintf(line, sizeof(line), "auth required %s/pam_sts.so config=%s/%s\n", PAM_STS_BUILD,
		 root, line_fmt_path);
	pf_write_text(path, line, 0644);
}

/* Everything pam_wrapper must see when it starts: it copies the service
 * directory once, at load time. */
void pf_make_fixtures(void)
{
	char link[400];

	assert_int_equal(mkdir(state, 0700), 0);
	assert_int_equal(mkdir(mfa, 0700), 0);
	assert_int_equal(mkdir(services, 0755), 0);
	sf_make_identity();
	pf_write_config("");
	pf_service("sts", "");
	/* [ignore=ok] lets the module's PAM_IGNORE through to the application. */
	{
		char path[400], line[1200];
		snprintf(path, sizeof(path), "%s/sts-nullok", services);
		snprintf(line, sizeof(line),
			 "auth [ignore=ok default=die] %s/pam_sts.so config=%s nullok\n",
			 PAM_STS_BUILD, config);
		pf_write_text(path, line, 0644);
		snprintf(path, sizeof(path), "%s/other", services);
		pf_write_text(path, "auth required pam_deny.so\n", 0644);
	}
	pf_service("sts-badarg", "frobnicate");
	pf_raw_service("sts-missing-config", "absent.conf");
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
			pf_write_text(path, line, 0644);
		}
	}
	pf_raw_service("sts-link", "link.conf");
	snprintf(link, sizeof(link), "%s/link.conf", root);
	assert_int_equal(symlink(config, link), 0);
}

int pf_setup(void **st)
{
	(void)st;
	assert_non_null(getenv("PAM_STS_TEST_ROOT"));
	pf_set_paths(getenv("PAM_STS_TEST_ROOT"));
	return 0;
}

int pf_teardown(void **st)
{
	char cmd[400];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

const char *pf_extra_preload;

/* Re-executes this binary under pam_wrapper with our service directory. */
void pf_under_pam_wrapper(char **argv)
{
	char preload[1024], dir[300], services_dir[400];

	if (getenv("PAM_WRAPPER"))
		return;
	snprintf(preload, sizeof(preload),
		 "%s/libpam_wrapper.so:%s/libnss_wrapper.so:%s/tests/libfaketime.so%s%s",
		 PAM_LIBDIR, PAM_LIBDIR, PAM_STS_BUILD, pf_extra_preload ? ":" : "",
		 pf_extra_preload ? pf_extra_preload : "");
	snprintf(dir, sizeof(dir), "%s/pamtest-XXXXXX", PAM_STS_BUILD);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	pf_set_paths(dir);
	pf_make_fixtures();
	snprintf(services_dir, sizeof(services_dir), "%s/services", dir);
	setenv("PAM_STS_TEST_ROOT", dir, 1);
	setenv("STS_FAKE_TIME_FILE", clock_file, 1);
	{
		char nss[400];
		snprintf(nss, sizeof(nss), "%s/passwd", dir);
		setenv("NSS_WRAPPER_PASSWD", nss, 1);
		snprintf(nss, sizeof(nss), "%s/group", dir);
		setenv("NSS_WRAPPER_GROUP", nss, 1);
	}
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
 * A private /tmp for this process (root only): pam_wrapper 1.1.4 creates its
 * directories as /tmp/pam.X whatever PAM_WRAPPER_RUNTIME_DIR says, and
 * processes starting PAM at once collide there. When the build tree itself
 * lives under /tmp (a clone there), it is bound back at the same path.
 */
int pf_private_tmp(void)
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

int pf_answer_code(int n, const struct pam_message **msg, struct pam_response **resp, void *code)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && !(r[i].resp = strdup(code))) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			return PAM_BUF_ERR;
		}
	*resp = r;
	return PAM_SUCCESS;
}
