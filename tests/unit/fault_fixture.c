/*
 * Support for the fault matrix (test_fault_matrix.c): logins through the
 * whole stack up to the phase under test, with handles of our own (no fail
 * delay, PAM_RHOST an address so aws:SourceIp is part of the request), the
 * capture of the pam_syslog lines of one call, and the out-of-memory driver
 * that runs a phase once per allocation of the module in a child process.
 */
#include "fault_fixture.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pam_fixture.h"
#include "stack_fixture.h"

const char *const fx_phase_names[FX_PHASES] = { "auth", "account", "open_session",
						"close_session" };

#define FX_SERVICE "stack-role"
#define FX_USER	   "alice"
#define FX_RHOST   "192.0.2.10"

static int64_t fx_now = T0 + 86400;
static char fx_code[9];

static int fx_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(fx_code);
		else if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup("1");
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* libpam calls this instead of sleeping after a failure (PAM_FAIL_DELAY). */
static void fx_no_delay(int status, unsigned delay, void *data)
{
	(void)status;
	(void)delay;
	(void)data;
}

void fx_login_until(fx_login *l, fx_phase phase)
{
	static const struct pam_conv conv = { fx_conv, NULL };
	const char *file;

	memset(l, 0, sizeof(*l));
	fx_now += 30;
	pf_set_time(fx_now);
	pf_code_at(fx_now, fx_code);
	pf_enroll(FX_USER, (fx_now - 30) / 30, 0);
	assert_int_equal(pam_start(FX_SERVICE, FX_USER, &conv, &l->ph), PAM_SUCCESS);
	assert_int_equal(pam_set_item(l->ph, PAM_FAIL_DELAY, (const void *)fx_no_delay),
			 PAM_SUCCESS);
	assert_int_equal(pam_set_item(l->ph, PAM_RHOST, FX_RHOST), PAM_SUCCESS);
	for (int p = FX_AUTH; p < (int)phase; p++)
		if (fx_call(l, (fx_phase)p) != PAM_SUCCESS)
			fail_msg("set-up: %s failed", fx_phase_names[p]);
	file = phase > FX_OPEN ? pam_getenv(l->ph, "AWS_SHARED_CREDENTIALS_FILE") : NULL;
	if (file) {
		snprintf(l->session_dir, sizeof(l->session_dir), "%s", file);
		*strrchr(l->session_dir, '/') = '\0';
	}
}

int fx_call(fx_login *l, fx_phase phase)
{
	switch (phase) {
	case FX_AUTH:
		return pam_authenticate(l->ph, 0);
	case FX_ACCOUNT:
		return pam_acct_mgmt(l->ph, 0);
	case FX_OPEN:
		return pam_open_session(l->ph, 0);
	case FX_CLOSE:
	case FX_PHASES:
		break;
	}
	return pam_close_session(l->ph, 0);
}

void fx_end(fx_login *l)
{
	if (l->ph)
		pam_end(l->ph, PAM_SUCCESS);
	l->ph = NULL;
}

/* ---- the syslog lines of a call ------------------------------------------------------------- */

static int fx_saved_stderr = -1;
static char fx_saved_level[32];

static void fx_capture_path(char *path, size_t len)
{
	snprintf(path, len, "%s/fx-capture.%ld", root, (long)getpid());
}

bool fx_capture_begin(void)
{
	const char *level = getenv("PAM_WRAPPER_DEBUGLEVEL");
	char path[400];
	int fd;

	fx_capture_path(path, sizeof(path));
	snprintf(fx_saved_level, sizeof(fx_saved_level), "%s", level ? level : "");
	fflush(stderr);
	fx_saved_stderr = dup(STDERR_FILENO);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fx_saved_stderr < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	/* pam_wrapper reads the level at every line it prints. */
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
	return true;
}

bool fx_capture_end(fx_log *log)
{
	char path[400], line[2048];
	FILE *f;

	fflush(stderr);
	if (fx_saved_level[0])
		setenv("PAM_WRAPPER_DEBUGLEVEL", fx_saved_level, 1);
	else
		unsetenv("PAM_WRAPPER_DEBUGLEVEL");
	dup2(fx_saved_stderr, STDERR_FILENO);
	close(fx_saved_stderr);
	fx_saved_stderr = -1;
	memset(log, 0, sizeof(*log));
	fx_capture_path(path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		const char *s = strstr(line, "] - SYSLOG(");
		int prio;

		if (!s || sscanf(s, "] - SYSLOG(%d)", &prio) != 1)
			continue;
		s = strstr(s, "): ");
		if (log->n < FX_LOG_MAX) {
			log->prio[log->n] = prio;
			snprintf(log->text[log->n], sizeof(log->text[0]), "%s", s ? s + 3 : "");
			log->text[log->n][strcspn(log->text[log->n], "\n")] = '\0';
		}
		log->n++;
	}
	fclose(f);
	unlink(path);
	return true;
}

/* ---- root's file access override ------------------------------------------------------------ */

void fx_dac_override(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	unsigned mask = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);

	assert_int_equal(syscall(SYS_capget, &h, d), 0);
	if (on)
		d[0].effective |= d[0].permitted & mask;
	else
		d[0].effective &= ~mask;
	assert_int_equal(syscall(SYS_capset, &h, d), 0);
}

/* ---- out of memory -------------------------------------------------------------------------- */

typedef struct {
	int (*arm)(long after, int mode);
	void (*disarm)(void);
	long (*count)(void);
	long (*injected)(void);
	int (*trace)(unsigned long *out, int max);
} fx_shim;

typedef struct {
	int done, rc, lines;
	long count, injected;
	char where[160]; /* the module's frames at the injected failure */
	char line[300];
} fx_oom_run;

static void fx_shim_get(fx_shim *s)
{
	s->arm = (int (*)(long, int))dlsym(RTLD_DEFAULT, "sts_failalloc_arm");
	s->disarm = (void (*)(void))dlsym(RTLD_DEFAULT, "sts_failalloc_disarm");
	s->count = (long (*)(void))dlsym(RTLD_DEFAULT, "sts_failalloc_count");
	s->injected = (long (*)(void))dlsym(RTLD_DEFAULT, "sts_failalloc_injected");
	s->trace = (int (*)(unsigned long *, int))dlsym(RTLD_DEFAULT, "sts_failalloc_trace");
	if (!s->arm || !s->disarm || !s->count || !s->injected || !s->trace)
		fail_msg("tests/libfailalloc.so is not preloaded");
}

/* In the child: one call with the shim armed; the result goes to |fd|. */
static void fx_oom_child(const fx_shim *shim, fx_login *l, fx_phase phase, long n, int mode, int fd)
{
	static const int crashes[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	fx_oom_run r = { 0 };
	fx_log log;

	/* A crash must end this process (cmocka would catch it and go on
	 * running the suite here). */
	for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
		signal(crashes[i], SIG_DFL);
	if (!fx_capture_begin() || shim->arm(n, mode) < 0)
		_exit(3);
	r.rc = fx_call(l, phase);
	shim->disarm();
	if (!fx_capture_end(&log))
		_exit(3);
	r.count = shim->count();
	r.injected = shim->injected();
	{
		unsigned long t[8];
		int nt = shim->trace(t, 8);
		size_t used = 0;

		for (int i = 0; i < nt && used < sizeof(r.where); i++)
			used += (size_t)snprintf(r.where + used, sizeof(r.where) - used, "%s0x%lx",
						 i ? "<" : "", t[i]);
	}
	r.lines = log.n;
	if (getenv("FX_OOM_VERBOSE") && log.n > 1)
		for (int i = 0; i < log.n; i++)
			fprintf(stderr, "oom %s line %d: %s\n", fx_phase_names[phase], i,
				log.text[i]);
	snprintf(r.line, sizeof(r.line), "%.299s", log.n ? log.text[0] : "");
	if (phase == FX_OPEN && r.rc == PAM_SUCCESS)
		pam_close_session(l->ph, 0); /* this run's session: gone again */
	r.done = 1;
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(4);
	_exit(0);
}

static bool fx_oom_bad(fx_oom_stats *st, long n, const char *what, const fx_oom_run *r)
{
	char text[700];

	st->bad++;
	snprintf(text, sizeof(text),
		 "N=%ld: %s (rc %d %s; %ld injected, first at pam_sts.so+%s; log: %.300s)", n, what,
		 r->rc, pam_strerror(NULL, r->rc), r->injected, r->where, r->lines ? r->line : "-");
	if (!st->first_bad[0])
		snprintf(st->first_bad, sizeof(st->first_bad), "%s", text);
	printf("out of memory: BAD RUN: %s\n", text);
	return false;
}

/* What a crashed child printed (sanitizer reports land there too). */
static void fx_dump_capture(pid_t pid)
{
	char path[400], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fx-capture.%ld", root, (long)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	printf("--- output of the crashed run:\n");
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	printf("---\n");
	fclose(f);
	unlink(path);
}

/* Runs the phase on |l| with the (n+1)-th allocation failing; false to stop. */
static bool fx_oom_once(const fx_shim *shim, fx_phase phase, fx_login *l, long n, int mode,
			fx_oom_stats *st)
{
	fx_oom_run r = { 0 };
	int p[2], status = 0;
	pid_t pid;
	bool go_on;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		fx_oom_child(shim, l, phase, n, mode, p[1]);
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.done = 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	st->runs++;
	go_on = r.injected > 0;
	if (!r.done || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char what[64];

		snprintf(what, sizeof(what), "crashed (%s %d)",
			 WIFSIGNALED(status) ? "signal" : "exit",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		fx_oom_bad(st, n, what, &r);
		fx_dump_capture(pid);
		go_on = st->bad < 20; /* the next N may tell more */
	} else if (r.injected == 0) {
		st->max_allocs = r.count;
		if (r.rc != PAM_SUCCESS)
			fx_oom_bad(st, n, "failed without an injected failure", &r);
	} else if (r.rc == PAM_SUCCESS || r.rc == PAM_IGNORE) {
		fx_oom_bad(st, n, "succeeded although an allocation failed", &r);
	} else if (r.lines == 0) {
		if (!st->silent++)
			snprintf(st->first_silent, sizeof(st->first_silent), "N=%ld: rc %s", n,
				 pam_strerror(NULL, r.rc));
		if (getenv("FX_OOM_VERBOSE"))
			printf("out of memory: %s N=%ld: no log line (rc %s, pam_sts.so+%s)\n",
			       fx_phase_names[phase], n, pam_strerror(NULL, r.rc), r.where);
	} else if (r.lines > 1) {
		st->noisy++;
	}
	if (phase == FX_OPEN && r.done && sf_session_count() != 0) {
		/* The module names the session before the helper runs, so even a
		 * failure after the helper wrote it must leave nothing. */
		st->leaked++;
		fx_oom_bad(st, n, "left a session directory", &r);
		assert_int_equal(system("rm -rf \"$PAM_STS_TEST_ROOT\"/run/*"), 0);
	}
	if (phase == FX_CLOSE && r.done && r.rc == PAM_SUCCESS && access(l->session_dir, F_OK) == 0)
		fx_oom_bad(st, n, "close succeeded but left the session directory", &r);
	return go_on;
}

/* Whether the next run needs a new login: auth spends its code (and may
 * count a failure), open_session its grant (a grant opens once, whether the
 * run then failed or not); a close that got through removed the session. */
static bool fx_oom_spent(const fx_login *l, fx_phase phase)
{
	char cred[600];

	if (phase == FX_AUTH || phase == FX_OPEN)
		return true;
	if (phase != FX_CLOSE)
		return false;
	snprintf(cred, sizeof(cred), "%s/credentials", l->session_dir);
	return access(cred, F_OK) != 0;
}

/* Ends a login; a session the runs left is closed now (that must work). */
static void fx_oom_retire(fx_login *l, fx_phase phase)
{
	if (phase == FX_CLOSE) {
		assert_int_equal(pam_close_session(l->ph, 0), PAM_SUCCESS);
		assert_int_equal(access(l->session_dir, F_OK), -1);
	}
	fx_end(l);
}

bool fx_oom_phase(fx_phase phase, int mode, fx_oom_stats *st)
{
	fx_shim shim;
	fx_login l = { 0 };
	bool go_on = true;

	memset(st, 0, sizeof(*st));
	fx_shim_get(&shim);
	/* account changes nothing a later run depends on, and close only
	 * once it got through, so one login serves their runs. */
	for (long n = 0; go_on && n < 100000; n++) {
		if (!l.ph) {
			fx_login_until(&l, phase);
			/* What the earlier phases kept of the configuration
			 * (pam_sts/settings_data.c) is stale now, so every run
			 * reads it again and its allocations fail too (reusing
			 * it allocates nothing). */
			assert_int_equal(utimensat(AT_FDCWD, config, NULL, 0), 0);
		}
		go_on = fx_oom_once(&shim, phase, &l, n, mode, st);
		if (fx_oom_spent(&l, phase))
			fx_oom_retire(&l, phase);
	}
	if (l.ph)
		fx_oom_retire(&l, phase);
	return st->bad == 0;
}
