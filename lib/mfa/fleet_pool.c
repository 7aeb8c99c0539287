/*
 * The resident broker's connection pool (fleet_db.h): a mutex-guarded handful
 * of connections, each lent to one thread at a time. Connecting happens
 * outside the lock, so one slow connect does not hold the other threads.
 */
#include "mfa/fleet_db.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL_MAX 32

struct sts_fleet_pool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	char *conninfo, *passfile;
	sts_fleet_db_config cfg;
	unsigned size, lent;
	PGconn *idle[POOL_MAX]; /* connected and free; idle_count of them */
	unsigned idle_count;
};

int sts_fleet_pool_open(const sts_fleet_db_config *cfg, unsigned size, sts_fleet_pool **out,
			sts_error *err)
{
	sts_fleet_pool *pool;
	pthread_condattr_t attr;

	if (size == 0 || size > POOL_MAX)
		return sts_error_set(err, "fleet pool: 1 to %d connections", POOL_MAX);
	if (sts_fleet_conninfo_check(cfg->conninfo, err) < 0)
		return -1;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return sts_error_set(err, "fleet pool: out of memory");
	pool->conninfo = strdup(cfg->conninfo);
	pool->passfile = cfg->passfile ? strdup(cfg->passfile) : NULL;
	if (!pool->conninfo || (cfg->passfile && !pool->passfile)) {
		free(pool->conninfo);
		free(pool->passfile);
		free(pool);
		return sts_error_set(err, "fleet pool: out of memory");
	}
	pool->cfg = (sts_fleet_db_config){ pool->conninfo, pool->passfile, cfg->budget_ms };
	pool->size = size;
	pthread_mutex_init(&pool->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->freed, &attr);
	pthread_condattr_destroy(&attr);
	*out = pool;
	return 0;
}

unsigned sts_fleet_pool_budget(const sts_fleet_pool *pool)
{
	return pool->cfg.budget_ms;
}

static struct timespec deadline_after(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Takes a slot (an idle connection or the right to make one) under the lock,
 * waiting at most the budget. 1 with *conn (maybe NULL: connect), 0 late. */
static int take_slot(sts_fleet_pool *pool, PGconn **conn)
{
	struct timespec until = deadline_after(pool->cfg.budget_ms);
	int rc = 0;

	pthread_mutex_lock(&pool->mu);
	while (pool->lent == pool->size && rc == 0)
		rc = pthread_cond_timedwait(&pool->freed, &pool->mu, &until);
	if (pool->lent < pool->size) {
		pool->lent++;
		*conn = pool->idle_count ? pool->idle[--pool->idle_count] : NULL;
		rc = 1;
	} else {
		rc = 0;
	}
	pthread_mutex_unlock(&pool->mu);
	return rc;
}

static void give_slot(sts_fleet_pool *pool, PGconn *conn)
{
	pthread_mutex_lock(&pool->mu);
	if (conn)
		pool->idle[pool->idle_count++] = conn;
	pool->lent--;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->mu);
}

/* A connection that a server restart, a timeout or a network fault left
 * unusable, or one still inside a statement or transaction. */
static bool broken(PGconn *conn)
{
	return PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE;
}

PGconn *sts_fleet_pool_get(sts_fleet_pool *pool, sts_error *err)
{
	PGconn *conn = NULL;

	if (!take_slot(pool, &conn)) {
		sts_error_set(err, "fleet pool: no free connection within the time allowed");
		return NULL;
	}
	if (conn && broken(conn)) {
		PQfinish(conn);
		conn = NULL;
	}
	if (!conn)
		conn = sts_fleet_db_connect(&pool->cfg, err);
	if (!conn)
		give_slot(pool, NULL);
	return conn;
}

void sts_fleet_pool_put(sts_fleet_pool *pool, PGconn *conn)
{
	/* A failed get already gave its slot back. */
	if (!conn)
		return;
	if (broken(conn)) {
		PQfinish(conn);
		conn = NULL;
	}
	give_slot(pool, conn);
}

void sts_fleet_pool_close(sts_fleet_pool *pool)
{
	if (!pool)
		return;
	for (unsigned i = 0; i < pool->idle_count; i++)
		PQfinish(pool->idle[i]);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->mu);
	free(pool->conninfo);
	free(pool->passfile);
	free(pool);
}
