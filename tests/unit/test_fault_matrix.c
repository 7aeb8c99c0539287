/*
 * The fault matrix: every PAM phase (auth, account, open_session,
 * close_session) against every fault of its inputs, through the whole stack
 * "stack-role" (auth; account action=assume-role role=UpdateAPP, so policy
 * and role files are read; session) for alice (group deployers).
 *
 * A cell: the phases before the one under test run and succeed; the fault is
 * planted; the phase runs once; the fault is repaired. It passes when
 *   - the phase returned a failing code: never PAM_SUCCESS, never PAM_IGNORE
 *     (the stack has no nullok);
 *   - that one call emitted exactly one pam_syslog line at all (any priority,
 *     captured from pam_wrapper with PAM_WRAPPER_DEBUGLEVEL=2; the stack holds
 *     pam_sts alone, so every line is the module's), at LOG_NOTICE or more
 *     severe, naming where the fault is (the file or directory path, or the
 *     helper's path). The helper's own syslog(3) lines go to the system log
 *     of its own process and are not counted: the module repeats its message;
 *   - nothing leaked: account hands on no grant; a failed open leaves no
 *     credentials variable, no grant and no session directory; a failed close
 *     leaves the session directory as it was (a later close removes it).
 * A fault that the phase never reads is "n/a" (not counted): the MFA store is
 * read by auth only (in sts-helper's op=mfa), policies and roles by account
 * (in sts-helper's decide) and again by open (the exec'd helper keeps no
 * decision between requests: helper/sts-helper/sts_helper_memo.h), the helper by auth, account
 * and open, the issuer key by open
 * only, the runtime directory by open (sts-helper) and close. The configuration is read by every phase.
 * A phase reuses what an earlier phase of the login read only while the file
 * is unchanged, and only when it was at least 2 s old when read
 * (lib/base/settings_cache.h). Each plant of a configuration fault changes the
 * file after the earlier phases of its login read it (and each repair leaves
 * it changed too recently to be kept by the next login), so the phase under
 * test reads it again.
 *
 * Out of memory: tests/shim/failalloc.c (preloaded) fails allocations made
 * directly by pam_sts.so (see there). Each phase runs in a child process for
 * N = 0, 1, ... with the allocation after N successful ones failing, once
 * ("once": that allocation only; "from": that one and every later one),
 * until a run has no allocation left to fail (and must succeed); the
 * configuration is touched first, so that every run reads it again. The cell
 * passes when no run crashed (signal or sanitizer report), no run returned
 * PAM_SUCCESS or PAM_IGNORE after a failed allocation, no close that
 * returned PAM_SUCCESS left the session directory, and no open left one
 * (the module names the session before sts-helper writes it, so it removes
 * it also when the helper's answer cannot be read), and every run that failed
 * logged exactly one line (a run without a line, or with more, fails it).
 * Set FX_OOM_VERBOSE=1 to list every silent run with its pam_sts.so offsets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fault_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

#define OTHER_UID 4242 /* "the user": an owner that is not root */

#define P_AUTH	  (1u << FX_AUTH)
#define P_ACCOUNT (1u << FX_ACCOUNT)
#define P_OPEN	  (1u << FX_OPEN)
#define P_CLOSE	  (1u << FX_CLOSE)
#define P_ALL	  (P_AUTH | P_ACCOUNT | P_OPEN | P_CLOSE)

static char where[512]; /* set by each plant(): what the log line must name */
static char saved[16384];

static void path_of(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", root, rel);
}

static void save_text(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t n;

	assert_non_null(f);
	n = fread(saved, 1, sizeof(saved) - 1, f);
	saved[n] = '\0';
	fclose(f);
}

static void move(const char *path, const char *suffix, bool back)
{
	char other[600];

	snprintf(other, sizeof(other), "%s%s", path, suffix);
	assert_int_equal(back ? rename(other, path) : rename(path, other), 0);
}

/* |path| becomes a symbolic link to the real thing beside it, or back. */
static void link_in_place(const char *path, bool back)
{
	char real[600];

	snprintf(real, sizeof(real), "%s.real", path);
	if (back) {
		assert_int_equal(unlink(path), 0);
		assert_int_equal(rename(real, path), 0);
		return;
	}
	assert_int_equal(rename(path, real), 0);
	assert_int_equal(symlink(real, path), 0);
}

static bool chown_to(const char *path, uid_t uid)
{
	return chown(path, uid, (gid_t)-1) == 0;
}

/* ---- the faults ----------------------------------------------------------------------------- */

static char policy[400], role[400], issuer[400], record[400], login_state[420], helper[400],
	run[400];

static void set_paths(void)
{
	path_of(policy, sizeof(policy), "sandbox/policies/groups/deployers/assume-updateapp.json");
	path_of(role, sizeof(role), "sandbox/roles/UpdateAPP.json");
	path_of(issuer, sizeof(issuer), "issuer.key");
	snprintf(record, sizeof(record), "%s/alice", mfa);
	snprintf(login_state, sizeof(login_state), "%s/alice.state", mfa);
	path_of(helper, sizeof(helper), "sts-helper");
	path_of(run, sizeof(run), "run");
}

#define WHERE(p) snprintf(where, sizeof(where), "%s", (p))

static bool config_missing(bool undo)
{
	WHERE(config);
	move(config, ".away", undo);
	return true;
}

static bool config_unreadable(bool undo)
{
	WHERE(config);
	assert_int_equal(chmod(config, undo ? 0600 : 0), 0);
	return true;
}

static bool config_malformed(bool undo)
{
	WHERE(config);
	if (!undo) {
		save_text(config);
		pf_write_text(config, "# no equals sign below\nstate_dir /var/lib/pam_sts\n", 0600);
	} else {
		pf_write_text(config, saved, 0600);
	}
	return true;
}

static bool config_owner(bool undo)
{
	WHERE(config);
	return chown_to(config, undo ? geteuid() : OTHER_UID);
}

static bool config_mode(bool undo)
{
	WHERE(config);
	assert_int_equal(chmod(config, undo ? 0600 : 0666), 0);
	return true;
}

static bool config_symlink(bool undo)
{
	WHERE(config);
	link_in_place(config, undo);
	return true;
}

static bool policy_malformed(bool undo)
{
	WHERE(policy);
	if (!undo) {
		save_text(policy);
		pf_write_text(policy, "{\"Version\": \"2012-10-17\", \"Statement\": [", 0644);
	} else {
		pf_write_text(policy, saved, 0644);
	}
	return true;
}

static bool role_missing(bool undo)
{
	WHERE("UpdateAPP");
	move(role, ".away", undo);
	return true;
}

static bool role_malformed(bool undo)
{
	WHERE(role);
	if (!undo) {
		save_text(role);
		pf_write_text(role, "{\"Role\": {\"RoleName\": \"UpdateAPP\"", 0644);
	} else {
		pf_write_text(role, saved, 0644);
	}
	return true;
}

static bool issuer_missing(bool undo)
{
	WHERE(issuer);
	move(issuer, ".away", undo);
	return true;
}

static bool issuer_mode(bool undo)
{
	WHERE(issuer);
	assert_int_equal(chmod(issuer, undo ? 0600 : 0644), 0);
	return true;
}

/* Each login enrolls alice afresh (fault_fixture.c), which repairs the
 * record; undo only removes what the plant left beside it. */
static bool mfa_corrupt(bool undo)
{
	WHERE(record);
	if (!undo)
		pf_write_text(record, "secret = not base32 !!\nalgorithm = md4\n", 0600);
	return true;
}

static bool mfa_symlink(bool undo)
{
	char away[400];

	WHERE(record);
	path_of(away, sizeof(away), "alice.record");
	if (undo) {
		assert_int_equal(unlink(record), 0);
		assert_int_equal(unlink(away), 0);
		return true;
	}
	assert_int_equal(rename(record, away), 0);
	assert_int_equal(symlink(away, record), 0);
	return true;
}

static bool mfa_owner(bool undo)
{
	WHERE(record);
	return chown_to(record, undo ? geteuid() : OTHER_UID);
}

/* The login state file beside the record (see lib/mfa/mfa_store.h). */
static bool state_symlink(bool undo)
{
	char away[400];

	WHERE(login_state);
	path_of(away, sizeof(away), "alice.state.away");
	if (undo) {
		assert_int_equal(unlink(login_state), 0);
		assert_int_equal(unlink(away), 0);
		return true;
	}
	assert_int_equal(rename(login_state, away), 0);
	assert_int_equal(symlink(away, login_state), 0);
	return true;
}

static bool state_owner(bool undo)
{
	WHERE(login_state);
	return chown_to(login_state, undo ? geteuid() : OTHER_UID);
}

static bool helper_missing(bool undo)
{
	WHERE(helper);
	move(helper, ".away", undo);
	return true;
}

static bool helper_mode(bool undo, const char *mode)
{
	WHERE(helper);
	sf_helper_mode(undo ? "" : mode);
	return true;
}

static bool helper_crash(bool undo)
{
	return helper_mode(undo, "crash");
}

static bool helper_hang(bool undo)
{
	return helper_mode(undo, "hang");
}

static bool helper_garbage(bool undo)
{
	return helper_mode(undo, "garbage");
}

static bool run_symlink(bool undo)
{
	WHERE(run);
	link_in_place(run, undo);
	return true;
}

static bool run_owner(bool undo)
{
	WHERE(run);
	return chown_to(run, undo ? geteuid() : OTHER_UID);
}

typedef struct {
	const char *name;
	unsigned phases;
	bool (*plant)(bool undo); /* false: cannot be planted here (not root) */
	bool no_dac;		  /* as root, drop the override of file modes */
} fault;

static const fault faults[] = {
	{ "config missing", P_ALL, config_missing, false },
	{ "config unreadable (mode 0000)", P_ALL, config_unreadable, true },
	{ "config malformed", P_ALL, config_malformed, false },
	{ "config wrong owner (uid 4242)", P_ALL, config_owner, false },
	{ "config wrong mode (0666)", P_ALL, config_mode, false },
	{ "config symlinked", P_ALL, config_symlink, false },
	{ "policy file malformed", P_ACCOUNT | P_OPEN, policy_malformed, false },
	{ "role file missing", P_ACCOUNT | P_OPEN, role_missing, false },
	{ "role file malformed", P_ACCOUNT | P_OPEN, role_malformed, false },
	{ "issuer key missing", P_OPEN, issuer_missing, false },
	{ "issuer key wrong mode (0644)", P_OPEN, issuer_mode, false },
	{ "MFA store record corrupt", P_AUTH, mfa_corrupt, false },
	{ "MFA store record symlinked", P_AUTH, mfa_symlink, false },
	{ "MFA store record wrong owner", P_AUTH, mfa_owner, false },
	{ "MFA login state symlinked", P_AUTH, state_symlink, false },
	{ "MFA login state wrong owner", P_AUTH, state_owner, false },
	{ "helper missing", P_ALL & ~P_CLOSE, helper_missing, false },
	{ "helper crashing (SIGABRT)", P_ALL & ~P_CLOSE, helper_crash, false },
	{ "helper hanging past its timeout", P_ALL & ~P_CLOSE, helper_hang, false },
	{ "helper answering garbage", P_ALL & ~P_CLOSE, helper_garbage, false },
	{ "runtime_dir a symlink", P_OPEN | P_CLOSE, run_symlink, false },
	{ "runtime_dir owned by the user", P_OPEN | P_CLOSE, run_owner, false },
};

#define N_FAULTS (sizeof(faults) / sizeof(faults[0]))
#define N_ROWS	 (N_FAULTS + 1) /* + out of memory */

typedef enum {
	CELL_NA,
	CELL_OK,
	CELL_FAIL,
	CELL_SKIP
} cell_state;

static cell_state cells[N_ROWS][FX_PHASES];
static char notes[N_ROWS][FX_PHASES][900];

#define NOTE(...) snprintf(note, 900, __VA_ARGS__)

/* What the phase must leave behind after failing. */
static bool after_checks(fx_login *l, fx_phase p, char *note)
{
	char cred[600];

	switch (p) {
	case FX_ACCOUNT:
		if (pam_getenv(l->ph, "PAM_STS_GRANT")) {
			NOTE("a grant was handed on");
			return false;
		}
		break;
	case FX_OPEN:
		if (pam_getenv(l->ph, "AWS_SHARED_CREDENTIALS_FILE") ||
		    pam_getenv(l->ph, "PAM_STS_GRANT") || sf_session_count() != 0) {
			NOTE("credentials variable, grant or session directory left");
			return false;
		}
		break;
	case FX_CLOSE:
		snprintf(cred, sizeof(cred), "%s/credentials", l->session_dir);
		if (access(cred, F_OK) != 0) {
			NOTE("the failed close removed the session's files");
			return false;
		}
		if (pam_close_session(l->ph, 0) != PAM_SUCCESS ||
		    access(l->session_dir, F_OK) == 0) {
			NOTE("the session could not be closed once repaired");
			return false;
		}
		break;
	case FX_AUTH:
	case FX_PHASES:
		break;
	}
	return true;
}

static cell_state run_cell(const fault *f, fx_phase p, char *note)
{
	fx_login l;
	fx_log log;
	int rc;
	bool ok;

	fx_login_until(&l, p);
	if (!f->plant(false)) {
		NOTE("cannot be planted without root");
		fx_end(&l);
		return CELL_SKIP;
	}
	assert_true(fx_capture_begin());
	if (f->no_dac)
		fx_dac_override(false);
	rc = fx_call(&l, p);
	if (f->no_dac)
		fx_dac_override(true);
	assert_true(fx_capture_end(&log));
	f->plant(true);
	ok = rc != PAM_SUCCESS && rc != PAM_IGNORE;
	NOTE("%s (%d), %d line%s%s%s", pam_strerror(l.ph, rc), rc, log.n, log.n == 1 ? "" : "s",
	     log.n ? ": " : "", log.n ? log.text[0] : "");
	if (ok && log.n != 1)
		ok = false;
	else if (ok && (log.prio[0] > LOG_NOTICE || !strstr(log.text[0], where))) {
		ok = false;
		strncat(note, " [not at NOTICE or above, or does not name ", 899 - strlen(note));
		strncat(note, where, 899 - strlen(note));
		strncat(note, "]", 899 - strlen(note));
	}
	if (ok) {
		char extra[900];

		if (!after_checks(&l, p, extra)) {
			ok = false;
			strncat(note, " [", 899 - strlen(note));
			strncat(note, extra, 899 - strlen(note));
			strncat(note, "]", 899 - strlen(note));
		}
	}
	fx_end(&l);
	if (sf_session_count() != 0) /* never let one cell spoil the next */
		assert_int_equal(system("rm -rf \"$PAM_STS_TEST_ROOT\"/run/*"), 0);
	return ok ? CELL_OK : CELL_FAIL;
}

static cell_state run_oom(fx_phase p, char *note)
{
	fx_oom_stats once, from;
	struct timespec t0, t1;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = fx_oom_phase(p, FX_OOM_ONCE, &once);
	ok = fx_oom_phase(p, FX_OOM_FROM, &from) && ok;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	NOTE("%ld allocations by the module; runs once/from: %ld/%ld, bad %ld/%ld, failed without "
	     "a log line %ld/%ld, with more than one %ld/%ld; %.1f s",
	     once.max_allocs, once.runs, from.runs, once.bad, from.bad, once.silent, from.silent,
	     once.noisy, from.noisy,
	     (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (once.silent)
		snprintf(note + strlen(note), 900 - strlen(note), " (first silent: %s)",
			 once.first_silent);
	if (once.bad || from.bad)
		snprintf(note + strlen(note), 900 - strlen(note), "; FIRST BAD RUN: %s",
			 once.bad ? once.first_bad : from.first_bad);
	/* Every run that failed must have said so in exactly one line. */
	ok = ok && once.silent == 0 && from.silent == 0 && once.noisy == 0 && from.noisy == 0;
	return ok ? CELL_OK : CELL_FAIL;
}

/* helper_timeout 1 instead of the fixture's 3: the hanging helper costs 1 s. */
static void shorten_helper_timeout(void)
{
	char *at;

	save_text(config);
	at = strstr(saved, "helper_timeout = 3");
	assert_non_null(at);
	at[strlen("helper_timeout = ")] = '1';
	pf_write_text(config, saved, 0600);
}

static const char *cell_word(cell_state s)
{
	static const char *const words[] = { "n/a", "ok", "FAIL", "skip" };

	return words[s];
}

static void print_matrix(int *n_cells, int *n_ok, int *n_fail, int *n_skip)
{
	printf("\n%-34s", "fault \\ phase");
	for (int p = 0; p < FX_PHASES; p++)
		printf(" %-13s", fx_phase_names[p]);
	printf("\n");
	for (size_t r = 0; r < N_ROWS; r++) {
		printf("%-34s", r < N_FAULTS ? faults[r].name : "out of memory (allocation)");
		for (int p = 0; p < FX_PHASES; p++) {
			cell_state s = cells[r][p];

			printf(" %-13s", cell_word(s));
			*n_cells += s != CELL_NA;
			*n_ok += s == CELL_OK;
			*n_fail += s == CELL_FAIL;
			*n_skip += s == CELL_SKIP;
		}
		printf("\n");
	}
	printf("\nper cell: the phase's PAM code and the log line of the failing call\n");
	for (size_t r = 0; r < N_ROWS; r++)
		for (int p = 0; p < FX_PHASES; p++)
			if (cells[r][p] != CELL_NA)
				printf("  %-4s %-30.30s %-13s %s\n", cell_word(cells[r][p]),
				       r < N_FAULTS ? faults[r].name : "out of memory",
				       fx_phase_names[p], notes[r][p]);
}

static void test_fault_matrix(void **st)
{
	int n_cells = 0, n_ok = 0, n_fail = 0, n_skip = 0;

	(void)st;
	set_paths();
	shorten_helper_timeout();
	for (size_t r = 0; r < N_ROWS; r++) {
		for (int p = 0; p < FX_PHASES; p++) {
			if (r < N_FAULTS && !(faults[r].phases & (1u << p)))
				cells[r][p] = CELL_NA;
			else if (r < N_FAULTS)
				cells[r][p] = run_cell(&faults[r], (fx_phase)p, notes[r][p]);
			else
				cells[r][p] = run_oom((fx_phase)p, notes[r][p]);
			assert_int_equal(sf_session_count(), 0);
		}
	}
	print_matrix(&n_cells, &n_ok, &n_fail, &n_skip);
	printf("\nfault matrix: %d cells, %d passed, %d failed", n_cells, n_ok, n_fail);
	if (n_skip)
		printf(", %d skipped (need root)", n_skip);
	printf("\n");
	fflush(stdout);
	assert_int_equal(n_fail, 0);
}

/* ASan builds: LeakSanitizer counts what the dynamic loader allocates
 * (dlopen's TLS blocks) as reachable by looking at the caller of malloc;
 * through the preloaded shim that caller is the shim, so it must be told. */
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void);
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void)
{
	return "leak:dl_open_worker_begin\n";
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_matrix),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_extra_preload = PAM_STS_BUILD "/tests/libfailalloc.so";
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
