/*
 * The broker (sts-helper --serve), the resident sts-helper, and its parts:
 * sts_helper_broker.c places the socket and runs the broker,
 * sts_helper_conns.c holds the connections until their request has arrived,
 * sts_helper_pool.c answers the requests on worker threads.
 */
#ifndef STS_HELPER_BROKER_H
#define STS_HELPER_BROKER_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* sts-helper --serve [--config FILE]: runs the broker on |config|'s
 * helper_socket until SIGTERM or SIGINT. Returns the exit status. */
int sts_broker_main(const char *config);

/* Connections held at once (reading a request, waiting for a worker or
 * being answered): more get the busy answer at once. Above the 200 logins a
 * storm on a bastion brings, well under the descriptors a process has. */
#define STS_BROKER_MAX_CONNS 256
/* Worker threads, started as requests need them: a request that waits on a
 * file system, or later on the network, blocks its own worker only. */
#define STS_BROKER_MAX_WORKERS 16
/* A client's whole request must arrive within this; the module writes it as
 * soon as it is connected (the margin is for a machine with hundreds of
 * logins runnable at once). */
#define STS_BROKER_READ_MS 2000
/* Writing the answer (a few hundred bytes: it fits the socket's buffer). */
#define STS_BROKER_WRITE_MS 1000
/* A complete request that waited this long, while no worker took any job for
 * as long, gets the busy answer: every worker is stuck, and the module's own
 * helper is the faster way. */
#define STS_BROKER_QUEUE_MS 3000

/* A complete request, read and not yet answered. */
typedef struct {
	int fd;
	pid_t pid;
	char *req; /* wiped and freed with the job */
	size_t len;
	long long queued_ms;
} sts_broker_job;

/* Connections held now (sts_helper_conns.c counts them in, the workers out). */
extern atomic_int sts_broker_held;

/* Answers "busy" (lib/proto/socket.h) on |fd| and closes it: the request
 * was not and will not be served, so the module runs the helper instead. */
void sts_broker_busy(int fd, pid_t pid, const char *why);

/* The workers: none run until the first request. */
void sts_pool_init(void);
/* Queues |job| for a worker (it owns it then); false when it cannot be
 * queued (no worker can be started): the caller answers busy. */
bool sts_pool_submit(sts_broker_job *job);
/* Answers busy the jobs queued longer than STS_BROKER_QUEUE_MS before
 * |now_ms|; returns when the next one will be (-1: none queued). */
long long sts_pool_expire(long long now_ms);
/* Lets the workers finish the requests they are answering, answers busy the
 * ones still queued, and joins the workers. */
void sts_pool_stop(void);

/* Accepts and reads requests on |listen_fd| until |*stop| is set by a signal
 * (SIGTERM and SIGINT are blocked but inside ppoll, which waits with
 * |wait_mask|). |label| names the socket in log lines. */
void sts_conns_serve(int listen_fd, const sigset_t *wait_mask, volatile sig_atomic_t *stop,
		     const char *label);

#endif
