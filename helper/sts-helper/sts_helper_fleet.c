/* The resident broker's fleet connection pool (sts_helper_fleet.h). */
#include "sts_helper_fleet.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* As many connections as logins the broker checks at once, about. */
#define FLEET_POOL_SIZE 8

static pthread_mutex_t fleet_lock = PTHREAD_MUTEX_INITIALIZER;
static bool serving;
static sts_fleet_pool *pool;
/* What the pool connects to: a pam_sts.conf naming another database (or
 * another password file) meanwhile is served without it, until a restart. */
static char *pool_conninfo, *pool_passfile;

void sts_helper_fleet_serving(void)
{
	pthread_mutex_lock(&fleet_lock);
	serving = true;
	pthread_mutex_unlock(&fleet_lock);
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void make_pool(const sts_settings *s, unsigned budget_ms)
{
	sts_fleet_db_config cfg = { s->mfa_db, s->mfa_db_password_file, budget_ms };
	sts_error err;

	pool_conninfo = strdup(s->mfa_db);
	pool_passfile = s->mfa_db_password_file ? strdup(s->mfa_db_password_file) : NULL;
	if (!pool_conninfo || (s->mfa_db_password_file && !pool_passfile) ||
	    sts_fleet_pool_open(&cfg, FLEET_POOL_SIZE, &pool, &err) < 0) {
		free(pool_conninfo);
		free(pool_passfile);
		pool_conninfo = pool_passfile = NULL;
		pool = NULL;
	}
}

sts_fleet_pool *sts_helper_fleet_pool(const sts_settings *s, unsigned budget_ms)
{
	sts_fleet_pool *out = NULL;

	if (!s->mfa_db)
		return NULL;
	pthread_mutex_lock(&fleet_lock);
	if (serving && !pool)
		make_pool(s, budget_ms);
	if (pool && same(pool_conninfo, s->mfa_db) && same(pool_passfile, s->mfa_db_password_file))
		out = pool;
	pthread_mutex_unlock(&fleet_lock);
	return out;
}

void sts_helper_fleet_stop(void)
{
	pthread_mutex_lock(&fleet_lock);
	if (pool)
		sts_fleet_pool_close(pool);
	free(pool_conninfo);
	free(pool_passfile);
	pool = NULL;
	pool_conninfo = pool_passfile = NULL;
	serving = false;
	pthread_mutex_unlock(&fleet_lock);
}
