/*
 * The resident broker's connections: one thread (the broker's first) accepts
 * them, checks the peer's uid, and reads each request until its end of file,
 * all connections at once through one ppoll(); a complete request goes to a
 * worker (helper/sts-helper/sts_helper_pool.c). A client that connects and sends
 * nothing therefore holds a descriptor and a buffer until STS_BROKER_READ_MS,
 * never a worker, and never delays another client's request.
 *
 * Beyond STS_BROKER_MAX_CONNS connections, a new one gets the busy answer at
 * once, before anything of it is read: its request is never served, so the
 * module runs the helper instead (lib/proto/socket.c). So do the clients
 * that were still sending when their read deadline passed or the broker
 * stopped: nothing of a request is served before all of it has arrived.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "base/fileio.h"
#include "proto/codec.h"
#include "sts_helper_broker.h"

#define FIRST_BUF 4096

typedef struct {
	int fd;
	pid_t pid;
	char *buf; /* |used| bytes of the request so far; room for |cap| and a NUL */
	size_t used, cap;
	long long deadline_ms;
} conn;

/* The connections being read, packed at the front. */
static conn conns[STS_BROKER_MAX_CONNS];
static int n_conns;

/* Removes conns[i] (its descriptor and buffer are the caller's by now). */
static void forget(int i)
{
	conns[i] = conns[--n_conns];
	memset(&conns[n_conns], 0, sizeof(conns[n_conns]));
}

static void drop(int i, const char *busy_why)
{
	conn *c = &conns[i];

	if (busy_why)
		sts_broker_busy(c->fd, c->pid, busy_why);
	else
		close(c->fd);
	sts_free_secret(c->buf, c->used);
	atomic_fetch_sub(&sts_broker_held, 1);
	forget(i);
}

/* Reads what has arrived: 1 the whole request (end of file), 0 more to
 * come, -1 failed (logged). */
static int read_some(conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->used == c->cap && sts_buf_grow(&c->buf, &c->cap, c->used, STS_MSG_MAX) < 0) {
			syslog(LOG_ERR, "request from pid %d: message too long", (int)c->pid);
			return -1;
		}
		n = read(c->fd, c->buf + c->used, c->cap - c->used);
		if (n > 0) {
			c->used += (size_t)n;
			continue;
		}
		if (n == 0) {
			c->buf[c->used] = '\0';
			return 1;
		}
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR) {
			syslog(LOG_ERR, "request from pid %d: read failed: %m", (int)c->pid);
			return -1;
		}
	}
}

/* Reads conns[i]; hands a complete request to a worker. */
static void advance(int i)
{
	conn *c = &conns[i];
	int rc = read_some(c);
	sts_broker_job job;

	if (rc < 0) {
		drop(i, NULL);
		return;
	}
	if (rc == 0)
		return;
	job = (sts_broker_job){ .fd = c->fd,
				.pid = c->pid,
				.req = c->buf,
				.len = c->used,
				.queued_ms = sts_monotonic_ms() };
	if (sts_pool_submit(&job)) {
		forget(i);
		return;
	}
	drop(i, "no worker could be started");
}

/* The peer must be our own uid (root): any other is refused unread. */
static bool peer_allowed(int fd, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		syslog(LOG_ERR, "connection: cannot read the peer's credentials: %m");
		return false;
	}
	*pid = cred.pid;
	if (cred.uid == sts_euid())
		return true;
	syslog(LOG_WARNING, "refused a connection from uid %u (pid %d): only uid %u is served",
	       (unsigned)cred.uid, (int)cred.pid, (unsigned)sts_euid());
	return false;
}

/* One accepted connection: held and read at once (the module has sent its
 * request by now, most times), or answered busy when too many are held. */
static void take_in(int fd)
{
	conn *c;
	pid_t pid = 0;

	if (!peer_allowed(fd, &pid)) {
		close(fd);
		return;
	}
	if (atomic_load(&sts_broker_held) >= STS_BROKER_MAX_CONNS) {
		sts_broker_busy(fd, pid, "too many connections");
		return;
	}
	c = &conns[n_conns];
	c->buf = malloc(FIRST_BUF + 1);
	if (!c->buf) {
		sts_broker_busy(fd, pid, "out of memory");
		return;
	}
	c->fd = fd;
	c->pid = pid;
	c->used = 0;
	c->cap = FIRST_BUF;
	c->deadline_ms = sts_monotonic_ms() + STS_BROKER_READ_MS;
	n_conns++;
	atomic_fetch_add(&sts_broker_held, 1);
	advance(n_conns - 1);
}

static void accept_all(int listen_fd, const char *label)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd >= 0) {
			take_in(fd);
			continue;
		}
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			/* Out of descriptors or memory: say so, let it pass. */
			syslog(LOG_ERR, "%s: accept: %m", label);
			poll(NULL, 0, 100);
		}
		return;
	}
}

/* Cuts off the connections whose request did not arrive in time; returns
 * the next read deadline (-1: none). */
static long long cut_late(long long now_ms)
{
	long long next = -1;

	for (int i = 0; i < n_conns;) {
		if (conns[i].deadline_ms <= now_ms) {
			drop(i, "its request did not arrive in time");
			continue;
		}
		if (next < 0 || conns[i].deadline_ms < next)
			next = conns[i].deadline_ms;
		i++;
	}
	return next;
}

static int wait_ms(long long now_ms, long long a, long long b)
{
	long long next = a < 0 ? b : b < 0 ? a : a < b ? a : b;

	if (next < 0)
		return -1;
	return next <= now_ms ? 0 : (int)(next - now_ms);
}

void sts_conns_serve(int listen_fd, const sigset_t *wait_mask, volatile sig_atomic_t *stop,
		     const char *label)
{
	struct pollfd p[STS_BROKER_MAX_CONNS + 1];

	n_conns = 0;
	while (!*stop) {
		long long now = sts_monotonic_ms();
		int timeout = wait_ms(now, cut_late(now), sts_pool_expire(now));
		struct timespec ts = { timeout / 1000, (timeout % 1000) * 1000000L };
		int n = n_conns;

		p[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		for (int i = 0; i < n; i++)
			p[i + 1] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (ppoll(p, (nfds_t)n + 1, timeout < 0 ? NULL : &ts, wait_mask) < 0) {
			if (errno != EINTR) {
				syslog(LOG_ERR, "%s: poll: %m", label);
				break;
			}
			continue;
		}
		/* From the last: advance() may move the last connection into
		 * the slot it empties, which is then already looked at. */
		for (int i = n - 1; i >= 0; i--)
			if (p[i + 1].revents)
				advance(i);
		if (p[0].revents & POLLIN)
			accept_all(listen_fd, label);
	}
	while (n_conns > 0)
		drop(n_conns - 1, "the broker is stopping");
}
