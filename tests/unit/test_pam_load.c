/*
 * Load: 1,000 whole logins (auth -> account -> open_session -> close) of 50
 * users through pam_wrapper, in 20 rounds of 50 logins running at once.
 * In each round all 50 sessions are open at the same moment; then:
 *  - every login succeeded and got its own credentials file (50 distinct
 *    paths, 50 distinct access key ids, each file holding its own key);
 *  - every close removed its own directory and only its own;
 * and over the whole run 1,000 distinct access key ids were issued, and the
 * MFA store reads back consistent (every user's replay floor at the last
 * round's step, no failures, no lockout).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pam_fixture.h"
#include "stack_fixture.h"

/* 1,000 logins in the plain run; the sanitizer run (several times slower)
 * does 200 of them. */
#ifdef __SANITIZE_ADDRESS__
#define ROUNDS 4
#else
#define ROUNDS 20
#endif
#define LOGINS	 (ROUNDS * SF_LOAD_USERS)
#define LINE_MAX 512

static void akid_of(const char *path, char out[32])
{
	char line[70000];
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "aws_access_key_id = %31s", out) == 1)
			break;
	fclose(f);
}

/* One login in a child: report "user path akid" once the session is open,
 * wait for the gate, close, report whether the directory went. */
static void child_login(const char *user, const char *code, int report_fd, int gate_fd)
{
	char line[LINE_MAX], akid[32], dir[400], gate, answer[16];
	struct pam_conv conv = { pf_answer_code, answer };
	pam_handle_t *ph = NULL;
	const char *path;
	int rc;

	snprintf(answer, sizeof(answer), "%s", code);
	if (pf_private_tmp() != 0) { /* pam_wrapper's fixed /tmp/pam.X directories */
		snprintf(line, sizeof(line), "FAIL %s private /tmp: %s\n", user, strerror(errno));
		(void)!write(report_fd, line, strlen(line));
		_exit(1);
	}
	rc = pam_start("stack-session", user, &conv, &ph);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(ph, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(ph, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_open_session(ph, 0);
	path = rc == PAM_SUCCESS ? pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE") : NULL;
	if (!path) {
		snprintf(line, sizeof(line), "FAIL %s %d\n", user, rc);
		(void)!write(report_fd, line, strlen(line));
		_exit(1);
	}
	akid_of(path, akid);
	snprintf(line, sizeof(line), "OPEN %s %s %s\n", user, path, akid[0] ? akid : "-");
	(void)!write(report_fd, line, strlen(line));
	(void)!read(gate_fd, &gate, 1); /* EOF when the parent opens the gate */
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	rc = pam_close_session(ph, 0);
	pam_end(ph, rc);
	_exit(rc == PAM_SUCCESS && access(dir, F_OK) != 0 ? 0 : 2);
}

typedef struct {
	char user[32], path[400], akid[32];
} opened;

static int by_path(const void *a, const void *b)
{
	return strcmp(((const opened *)a)->path, ((const opened *)b)->path);
}

static int by_akid(const void *a, const void *b)
{
	return strcmp(((const opened *)a)->akid, ((const opened *)b)->akid);
}

/* Reads one line per login of the round (each child writes its line, far
 * shorter than PIPE_BUF, before it waits at the gate, or as it fails). */
static int read_reports(int fd, opened *o)
{
	static char buf[SF_LOAD_USERS * LINE_MAX];
	size_t used = 0;
	int lines = 0, n = 0;
	ssize_t got;

	while (lines < SF_LOAD_USERS && (got = read(fd, buf + used, sizeof(buf) - used - 1)) > 0) {
		for (ssize_t k = 0; k < got; k++)
			lines += buf[used + (size_t)k] == '\n';
		used += (size_t)got;
	}
	buf[used] = '\0';
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (n < SF_LOAD_USERS &&
		    sscanf(l, "OPEN %31s %399s %31s", o[n].user, o[n].path, o[n].akid) == 3)
			n++;
		else
			fprintf(stderr, "load: %s\n", l);
	}
	return n;
}

static void round_of_logins(int round, opened *all)
{
	int report[2], gate[2], status, ok = 0;
	pid_t kids[SF_LOAD_USERS];
	opened *o = all + round * SF_LOAD_USERS;
	char code[9], user[32], akid[32];
	int64_t now = T0 + 600 + 30 * round;

	pf_set_time(now);
	pf_code_at(now, code);
	assert_int_equal(pipe(report), 0);
	assert_int_equal(pipe(gate), 0);
	for (int i = 0; i < SF_LOAD_USERS; i++) {
		snprintf(user, sizeof(user), "load%02d", i);
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(report[0]);
			close(gate[1]);
			child_login(user, code, report[1], gate[0]);
		}
	}
	close(report[1]);
	close(gate[0]);
	/* All 50 sessions are open at this moment. */
	assert_int_equal(read_reports(report[0], o), SF_LOAD_USERS);
	assert_int_equal(sf_session_count(), SF_LOAD_USERS);
	for (int i = 0; i < SF_LOAD_USERS; i++) {
		akid_of(o[i].path, akid); /* each file holds its own login's key */
		assert_string_equal(akid, o[i].akid);
	}
	qsort(o, SF_LOAD_USERS, sizeof(*o), by_path);
	for (int i = 1; i < SF_LOAD_USERS; i++)
		assert_string_not_equal(o[i - 1].path, o[i].path); /* nothing shared */
	close(gate[1]); /* opens the gate: every child closes its session */
	for (int i = 0; i < SF_LOAD_USERS; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	close(report[0]);
	assert_int_equal(ok, SF_LOAD_USERS); /* every close removed its own directory */
	assert_int_equal(sf_session_count(), 0);
}

static void test_thousand_logins_of_fifty_users(void **st)
{
	opened *all = calloc(LOGINS, sizeof(*all));
	char user[32];

	(void)st;
	if (geteuid() != 0) {
		/* 50 logins at once need a private /tmp each (pam_wrapper 1.1.4). */
		free(all);
		fail_msg("the load test needs root (CI runs as root)");
	}
	assert_non_null(all);
	/* 50 helpers start at once on a small machine (and are slow under ASan):
	 * the load is on the helpers' start, not on a hung helper. */
	sf_helper_timeout = 120;
	pf_write_config("");
	for (int i = 0; i < SF_LOAD_USERS; i++) {
		snprintf(user, sizeof(user), "load%02d", i);
		pf_enroll(user, 0, 0);
	}
	for (int r = 0; r < ROUNDS; r++)
		round_of_logins(r, all);
	/* 1,000 logins, 1,000 distinct credentials. */
	qsort(all, LOGINS, sizeof(*all), by_akid);
	for (int i = 1; i < LOGINS; i++)
		assert_string_not_equal(all[i - 1].akid, all[i].akid);
	/* The store reads back consistent. */
	for (int i = 0; i < SF_LOAD_USERS; i++) {
		sts_mfa_record rec;

		snprintf(user, sizeof(user), "load%02d", i);
		rec = pf_stored(user);
		assert_int_equal(rec.last_step, (T0 + 600 + 30 * (ROUNDS - 1)) / 30);
		assert_int_equal(rec.failures, 0);
		assert_int_equal(rec.locked_until, 0);
	}
	printf("load: %d logins of %d users, %d at a time: every one its own credentials, "
	       "every close its own, the store consistent\n",
	       LOGINS, SF_LOAD_USERS, SF_LOAD_USERS);
	free(all);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thousand_logins_of_fifty_users),
	};
	(void)argc;
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
