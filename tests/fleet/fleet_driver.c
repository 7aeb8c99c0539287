/*
 * Test driver for the fleet store against a real PostgreSQL server
 * (tests/fleet/run-fleet-db.sh). Each command prints one result line; the exit
 * status is 0 for what the command expects, 1 for a refusal, 2 for an error.
 *
 *   fleet_driver CONNINFO PASSFILE init
 *   fleet_driver CONNINFO PASSFILE version
 *   fleet_driver CONNINFO PASSFILE enroll KEYFILE USER [LAST_STEP]
 *   fleet_driver CONNINFO PASSFILE read KEYFILE USER
 *   fleet_driver CONNINFO PASSFILE reseal KEYFILE USER
 *   fleet_driver CONNINFO PASSFILE accept USER STEP NOW
 *   fleet_driver CONNINFO PASSFILE fail USER NOW MAX INTERVAL LOCKOUT
 *   fleet_driver CONNINFO PASSFILE unlock USER
 *   fleet_driver CONNINFO PASSFILE status USER
 *   fleet_driver CONNINFO PASSFILE race USER STEP HOSTS ATTEMPTS
 *   fleet_driver CONNINFO PASSFILE serve USER    (reads "attempts N STEP" lines on stdin)
 *
 * The enrolled secret is RFC 6238's test seed, so a dump can be searched for it.
 * FLEET_BUDGET_MS, when set, bounds the connect and each statement (5000).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mfa/fleet_db.h"
#include "mfa/fleet_login.h"
#include "mfa/fleet_schema.h"
#include "mfa/fleet_seal.h"

#define POOL_SIZE 8
#define HOSTS_MAX 16

static const unsigned char seed[] = "12345678901234567890";
static sts_fleet_db_config cfg;
static unsigned budget_ms_arg = 5000;

static int die(const char *what, const sts_error *err)
{
	printf("error %s: %s\n", what, err->msg);
	return 2;
}

static int64_t arg_int(const char *s)
{
	return strtoll(s, NULL, 10);
}

static int with_conn(PGconn **conn, sts_error *err)
{
	*conn = sts_fleet_db_connect(&cfg, err);
	return *conn ? 0 : -1;
}

static int cmd_schema(PGconn *conn, bool init)
{
	sts_error err;
	int version = 0;

	if (init && sts_fleet_schema_init(conn, budget_ms_arg, &err) < 0)
		return die("init", &err);
	if (sts_fleet_schema_version(conn, budget_ms_arg, &version, &err) < 0)
		return die("version", &err);
	printf("version %d\n", version);
	return sts_fleet_schema_check(conn, budget_ms_arg, &err) == 0 ? 0 : 1;
}

static int cmd_enroll(PGconn *conn, const char *keyfile, const char *user, int64_t last_step)
{
	sts_fleet_keyring ring;
	sts_mfa_record rec = { .algorithm = STS_TOTP_SHA1,
			       .digits = 6,
			       .period = 30,
			       .active = true };
	sts_error err;
	int rc;

	if (sts_fleet_keyring_load(keyfile, &ring, &err) < 0)
		return die("key", &err);
	memcpy(rec.secret, seed, sizeof(seed) - 1);
	rec.last_step = last_step;
	rec.secret_len = sizeof(seed) - 1;
	rc = sts_fleet_device_put(conn, budget_ms_arg, &ring, user, &rec, &err);
	sts_fleet_keyring_wipe(&ring);
	sts_mfa_record_wipe(&rec);
	if (rc < 0)
		return die("enroll", &err);
	printf("enrolled\n");
	return 0;
}

static int cmd_read(PGconn *conn, const char *keyfile, const char *user, bool reseal)
{
	sts_fleet_keyring ring;
	sts_mfa_record rec;
	sts_error err;
	int rc;

	if (sts_fleet_keyring_load(keyfile, &ring, &err) < 0)
		return die("key", &err);
	if (reseal) {
		rc = sts_fleet_device_reseal(conn, budget_ms_arg, &ring, user, &err);
		sts_fleet_keyring_wipe(&ring);
		if (rc < 0)
			return die("reseal", &err);
		printf("resealed %d\n", rc);
		return 0;
	}
	rc = sts_fleet_device_get(conn, budget_ms_arg, &ring, user, &rec, &err);
	sts_fleet_keyring_wipe(&ring);
	if (rc < 0)
		return die("read", &err);
	if (rc == STS_MFA_NO_DEVICE) {
		printf("no-device\n");
		return 1;
	}
	printf("device %s %u %u active=%d secret=%s\n", sts_totp_alg_name(rec.algorithm),
	       rec.digits, rec.period, rec.active,
	       rec.secret_len == sizeof(seed) - 1 && memcmp(rec.secret, seed, rec.secret_len) == 0 ?
		       "same" :
		       "different");
	sts_mfa_record_wipe(&rec);
	return 0;
}

static int cmd_accept(PGconn *conn, const char *user, int64_t step, int64_t now)
{
	sts_error err;
	int rc = sts_fleet_accept_step(conn, budget_ms_arg, user, step, now, &err);

	if (rc < 0)
		return die("accept", &err);
	printf("%s\n", rc == 1 ? "accepted" : "refused");
	return rc == 1 ? 0 : 1;
}

static int cmd_fail(PGconn *conn, const char *user, char **argv)
{
	sts_fleet_limits limits = { arg_int(argv[0]), (unsigned)arg_int(argv[2]),
				    (unsigned)arg_int(argv[1]), (unsigned)arg_int(argv[3]) };
	unsigned failures = 0;
	int64_t locked_until = 0;
	sts_error err;
	int rc = sts_fleet_count_failure(conn, budget_ms_arg, user, &limits, &failures,
					 &locked_until, &err);

	if (rc < 0)
		return die("fail", &err);
	if (rc == 0) {
		printf("not-counted\n");
		return 1;
	}
	printf("counted failures=%u locked_until=%" PRId64 "\n", failures, locked_until);
	return 0;
}

static int cmd_status(PGconn *conn, const char *user, bool unlock)
{
	sts_mfa_record rec;
	sts_error err;
	int rc;

	if (unlock) {
		rc = sts_fleet_unlock(conn, budget_ms_arg, user, &err);
		if (rc < 0)
			return die("unlock", &err);
		printf("unlocked %d\n", rc);
		return rc == 1 ? 0 : 1;
	}
	rc = sts_fleet_device_get(conn, budget_ms_arg, NULL, user, &rec, &err);
	if (rc < 0)
		return die("status", &err);
	if (rc == STS_MFA_NO_DEVICE) {
		printf("no-device\n");
		return 1;
	}
	printf("last_step=%" PRId64 " failures=%u failure_start=%" PRId64 " locked_until=%" PRId64
	       " secret_len=%zu\n",
	       rec.last_step, rec.failures, rec.failure_start, rec.locked_until, rec.secret_len);
	return 0;
}

/* --- race: ATTEMPTS threads over HOSTS pools, all with the same step ---------------------- */

typedef struct {
	sts_fleet_pool *pool;
	const char *user;
	int64_t step;
	pthread_barrier_t *start;
	int result; /* 1 accepted, 0 refused, -1 error */
} attempt;

static void *run_attempt(void *arg)
{
	attempt *a = arg;
	sts_error err;
	PGconn *conn;

	pthread_barrier_wait(a->start);
	conn = sts_fleet_pool_get(a->pool, &err);
	a->result = conn ? sts_fleet_accept_step(conn, budget_ms_arg, a->user, a->step,
						 (int64_t)time(NULL), &err) :
			   -1;
	sts_fleet_pool_put(a->pool, conn);
	return NULL;
}

static int cmd_race(const char *user, int64_t step, unsigned hosts, unsigned n)
{
	sts_fleet_pool *pools[HOSTS_MAX] = { 0 };
	attempt *all = calloc(n, sizeof(*all));
	pthread_t *threads = calloc(n, sizeof(*threads));
	pthread_barrier_t start;
	unsigned counts[3] = { 0, 0, 0 };
	sts_error err;

	if (!all || !threads || hosts == 0 || hosts > HOSTS_MAX || n == 0)
		return 2;
	for (unsigned h = 0; h < hosts; h++)
		if (sts_fleet_pool_open(&cfg, POOL_SIZE, &pools[h], &err) < 0)
			return die("pool", &err);
	pthread_barrier_init(&start, NULL, n);
	for (unsigned i = 0; i < n; i++) {
		all[i] = (attempt){ pools[i % hosts], user, step, &start, -1 };
		if (pthread_create(&threads[i], NULL, run_attempt, &all[i]) != 0)
			abort();
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(threads[i], NULL);
		counts[all[i].result + 1]++;
	}
	pthread_barrier_destroy(&start);
	for (unsigned h = 0; h < hosts; h++)
		sts_fleet_pool_close(pools[h]);
	free(all);
	free(threads);
	printf("accepted=%u refused=%u errors=%u\n", counts[2], counts[1], counts[0]);
	return counts[2] == 1 && counts[0] == 0 ? 0 : 1;
}

/* --- serve: one pool across a server outage ----------------------------------------------- */

static void attempts(sts_fleet_pool *pool, const char *user, unsigned n, int64_t step)
{
	unsigned counts[3] = { 0, 0, 0 };
	sts_error err;

	for (unsigned i = 0; i < n; i++) {
		PGconn *conn = sts_fleet_pool_get(pool, &err);
		int rc = conn ? sts_fleet_accept_step(conn, 2000, user, step + i,
						      (int64_t)time(NULL), &err) :
				-1;

		sts_fleet_pool_put(pool, conn);
		counts[rc + 1]++;
	}
	printf("accepted=%u refused=%u errors=%u\n", counts[2], counts[1], counts[0]);
	fflush(stdout);
}

static int cmd_serve(const char *user)
{
	sts_fleet_db_config short_cfg = cfg;
	sts_fleet_pool *pool;
	sts_error err;
	char line[128];

	short_cfg.budget_ms = 2000;
	if (sts_fleet_pool_open(&short_cfg, 2, &pool, &err) < 0)
		return die("pool", &err);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned n = 0;
		long long step = 0;

		if (sscanf(line, "attempts %u %lld", &n, &step) == 2)
			attempts(pool, user, n, step);
	}
	sts_fleet_pool_close(pool);
	return 0;
}

static int run(PGconn *conn, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "init") == 0 || strcmp(cmd, "version") == 0)
		return cmd_schema(conn, strcmp(cmd, "init") == 0);
	if ((strcmp(cmd, "enroll") == 0) && (argc == 3 || argc == 4))
		return cmd_enroll(conn, argv[1], argv[2], argc == 4 ? arg_int(argv[3]) : 0);
	if ((strcmp(cmd, "read") == 0 || strcmp(cmd, "reseal") == 0) && argc == 3)
		return cmd_read(conn, argv[1], argv[2], strcmp(cmd, "reseal") == 0);
	if (strcmp(cmd, "accept") == 0 && argc == 4)
		return cmd_accept(conn, argv[1], arg_int(argv[2]), arg_int(argv[3]));
	if (strcmp(cmd, "fail") == 0 && argc == 6)
		return cmd_fail(conn, argv[1], argv + 2);
	if ((strcmp(cmd, "status") == 0 || strcmp(cmd, "unlock") == 0) && argc == 2)
		return cmd_status(conn, argv[1], strcmp(cmd, "unlock") == 0);
	printf("usage: see tests/fleet/fleet_driver.c\n");
	return 2;
}

int main(int argc, char **argv)
{
	PGconn *conn = NULL;
	sts_error err;
	int rc;

	if (argc < 4)
		return 2;
	if (getenv("FLEET_BUDGET_MS"))
		budget_ms_arg = (unsigned)arg_int(getenv("FLEET_BUDGET_MS"));
	cfg = (sts_fleet_db_config){ argv[1], strcmp(argv[2], "-") ? argv[2] : NULL,
				     budget_ms_arg };
	if (strcmp(argv[3], "race") == 0 && argc == 8)
		return cmd_race(argv[4], arg_int(argv[5]), (unsigned)arg_int(argv[6]),
				(unsigned)arg_int(argv[7]));
	if (strcmp(argv[3], "serve") == 0 && argc == 5)
		return cmd_serve(argv[4]);
	if (with_conn(&conn, &err) < 0)
		return die("connect", &err);
	rc = run(conn, argc - 3, argv + 3);
	PQfinish(conn);
	return rc;
}
