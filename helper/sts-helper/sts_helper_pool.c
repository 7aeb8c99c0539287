/*
 * The resident broker's workers: threads of the one broker process, started
 * as requests need them up to STS_BROKER_MAX_WORKERS, each answering one
 * complete request at a time through sts_helper_handle(), exactly as the
 * exec'd helper would.
 *
 * Threads rather than forked workers: the broker's caches (lib/base/file_cache.h,
 * the decision memo of sts_helper_memo.h, the keyed HMAC of lib/decide/grant.c, the
 * boot id) stay one per broker, shared under their own locks, and a worker
 * that blocks (a slow file system today, AWS STS or PostgreSQL later) holds
 * up nobody else. What the requests share is safe that way: the pinned euid,
 * umask and working directory are set before any thread starts and never
 * changed after; the per-user MFA lock is flock(2) on a descriptor each
 * request opens itself, so two threads checking one user's codes wait for
 * each other as two processes do; NSS lookups are the _r ones.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "base/fileio.h"
#include "proto/codec.h"
#include "proto/socket.h"
#include "sts_helper_broker.h"
#include "sts_helper_dispatch.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	/* A ring of queued jobs, oldest at |head|: never more than the
	 * connections held, so it is never full. */
	sts_broker_job queue[STS_BROKER_MAX_CONNS];
	size_t head, count;
	pthread_t threads[STS_BROKER_MAX_WORKERS];
	int workers, idle;
	/* When a worker last took a job: the queue moves while it is recent. */
	long long last_take_ms;
	bool stopping;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER };

atomic_int sts_broker_held;

static void job_done(sts_broker_job *job)
{
	close(job->fd);
	sts_free_secret(job->req, job->len);
	memset(job, 0, sizeof(*job));
	atomic_fetch_sub(&sts_broker_held, 1);
}

void sts_broker_busy(int fd, pid_t pid, const char *why)
{
	static const char busy[] = STS_BROKER_BUSY_ANSWER;

	/* A fresh socket's buffer is empty: the few bytes go at once. */
	if (write(fd, busy, sizeof(busy) - 1) != (ssize_t)(sizeof(busy) - 1))
		syslog(LOG_ERR, "busy answer to pid %d: %m", (int)pid);
	syslog(LOG_WARNING, "busy: answered pid %d to run the helper itself: %s", (int)pid, why);
	close(fd);
}

static void answer(sts_broker_job *job)
{
	char *out = NULL;
	size_t out_len = 0;
	sts_error err;

	sts_helper_handle(job->req, job->len, false, &out, &out_len);
	if (!out) {
		syslog(LOG_ERR, "request from pid %d: out of memory", (int)job->pid);
		return;
	}
	if (sts_write_nb_until(job->fd, out, out_len, sts_monotonic_ms() + STS_BROKER_WRITE_MS,
			       &err) < 0)
		syslog(LOG_ERR, "answer to pid %d: %s", (int)job->pid, err.msg);
	sts_free_secret(out, out_len);
}

static bool take(sts_broker_job *job)
{
	pthread_mutex_lock(&pool.lock);
	pool.idle++;
	while (!pool.count && !pool.stopping)
		pthread_cond_wait(&pool.ready, &pool.lock);
	pool.idle--;
	if (pool.stopping) {
		pthread_mutex_unlock(&pool.lock);
		return false;
	}
	*job = pool.queue[pool.head];
	pool.head = (pool.head + 1) % STS_BROKER_MAX_CONNS;
	pool.count--;
	pool.last_take_ms = sts_monotonic_ms();
	pthread_mutex_unlock(&pool.lock);
	return true;
}

static void *worker(void *arg)
{
	sts_broker_job job;

	(void)arg;
	while (take(&job)) {
		answer(&job);
		job_done(&job);
	}
	return NULL;
}

void sts_pool_init(void)
{
	pool.head = pool.count = 0;
	pool.workers = pool.idle = 0;
	pool.last_take_ms = 0;
	pool.stopping = false;
}

/* A worker more when none is idle for the queued jobs; under the lock. */
static void grow(void)
{
	if (pool.idle >= (int)pool.count || pool.workers >= STS_BROKER_MAX_WORKERS)
		return;
	errno = pthread_create(&pool.threads[pool.workers], NULL, worker, NULL);
	if (errno == 0)
		pool.workers++;
	else if (pool.workers > 0)
		syslog(LOG_WARNING, "cannot start a worker (%d run): %m", pool.workers);
}

bool sts_pool_submit(sts_broker_job *job)
{
	bool queued;

	pthread_mutex_lock(&pool.lock);
	queued = pool.count < STS_BROKER_MAX_CONNS;
	if (queued) {
		pool.queue[(pool.head + pool.count) % STS_BROKER_MAX_CONNS] = *job;
		pool.count++;
		grow();
		if (pool.workers == 0) {
			pool.count--;
			queued = false;
			syslog(LOG_ERR, "cannot start a worker: %m");
		}
	}
	if (queued)
		pthread_cond_signal(&pool.ready);
	pthread_mutex_unlock(&pool.lock);
	if (queued)
		memset(job, 0, sizeof(*job));
	return queued;
}

/* Takes the oldest queued job into |job| when it has waited
 * STS_BROKER_QUEUE_MS and no worker took a job for as long: every worker is
 * stuck (a busy machine that is slow to answer still takes jobs, and is
 * better served by the queue than by more processes). Always when |all|. */
static bool take_expired(long long now_ms, bool all, sts_broker_job *job, long long *next)
{
	bool expired = false;

	pthread_mutex_lock(&pool.lock);
	*next = -1;
	if (pool.count) {
		sts_broker_job *oldest = &pool.queue[pool.head];
		long long since = oldest->queued_ms > pool.last_take_ms ? oldest->queued_ms :
									  pool.last_take_ms;

		expired = all || since + STS_BROKER_QUEUE_MS <= now_ms;
		if (expired) {
			*job = *oldest;
			pool.head = (pool.head + 1) % STS_BROKER_MAX_CONNS;
			pool.count--;
		} else {
			*next = since + STS_BROKER_QUEUE_MS;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return expired;
}

static long long expire(long long now_ms, bool all, const char *why)
{
	sts_broker_job job;
	long long next;

	while (take_expired(now_ms, all, &job, &next)) {
		/* The request was read whole but not served: close at once. */
		sts_broker_busy(job.fd, job.pid, why);
		job.fd = -1;
		sts_free_secret(job.req, job.len);
		atomic_fetch_sub(&sts_broker_held, 1);
	}
	return next;
}

long long sts_pool_expire(long long now_ms)
{
	return expire(now_ms, false, "every worker is stuck");
}

void sts_pool_stop(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.stopping = true;
	pthread_cond_broadcast(&pool.ready);
	pthread_mutex_unlock(&pool.lock);
	for (int i = 0; i < pool.workers; i++)
		pthread_join(pool.threads[i], NULL);
	pool.workers = 0;
	expire(0, true, "the broker is stopping");
}
