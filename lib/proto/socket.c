/*
 * Talking to the resident broker: a handful of system calls on the login's
 * path (socket, connect, getsockopt, send, shutdown, poll, read until end of
 * file, close), no library beyond libc. The socket is non-blocking, and poll
 * is only asked before a call that would otherwise find nothing to do: each
 * send is tried first, and so is each read that poll or the last read says
 * has something to find (see read_answer).
 */
#include "proto/socket.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/fileio.h"
#include "proto/codec.h"

/* Non-blocking connect. A Unix socket connects at once or fails at once;
 * EAGAIN means the broker's backlog is full: a broker that does not even
 * accept is no faster than the helper, and nothing was sent, so the helper
 * runs instead (STS_NO_BROKER), at once. */
static int connect_now(int fd, const char *path, long long deadline_ms, sts_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);

	if (len >= sizeof(sa.sun_path))
		return sts_error_set(err, "helper socket %s: path too long", path);
	memcpy(sa.sun_path, path, len + 1);
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR || errno == ECONNREFUSED ||
		    errno == EACCES || errno == EAGAIN)
			return STS_NO_BROKER;
		if (errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
			long long left = deadline_ms - sts_monotonic_ms();
			int soerr = 0;
			socklen_t slen = sizeof(soerr);

			if (left > 0 && poll(&p, 1, (int)left) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) == 0 && soerr == 0)
				return 0;
			return sts_error_set(err, "helper socket %s: cannot connect: %s", path,
					     soerr ? strerror(soerr) : "timed out");
		}
		if (errno != EINTR)
			return sts_error_set(err, "helper socket %s: cannot connect: %s", path,
					     strerror(errno));
	}
}

/* The broker must be root (production) or ourselves (tests): anyone else
 * could have put a socket there to collect grants. */
static int check_broker(int fd, const char *path, sts_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
		return sts_error_set(err, "helper socket %s: cannot read the server's credentials",
				     path);
	if (cred.uid != 0 && cred.uid != geteuid())
		return sts_error_set(err, "helper socket %s: refused: served by uid %u", path,
				     (unsigned)cred.uid);
	return 0;
}

/* Waits until |fd| is ready for |events| or the deadline passes: 1 ready
 * (|*revents| says what poll saw; 0 after EINTR), 0 timed out, -1 poll failed. */
static int wait_ready(int fd, short events, long long deadline_ms, short *revents)
{
	struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
	long long left = deadline_ms - sts_monotonic_ms();
	int rc;

	*revents = 0;
	if (left <= 0)
		return 0;
	rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
	if (rc < 0 && errno != EINTR)
		return -1;
	*revents = rc > 0 ? p.revents : 0;
	return 1;
}

/* send(MSG_NOSIGNAL): a broker that went away must not SIGPIPE the
 * application (sshd, sudo). The socket is non-blocking: each send is tried
 * first (a request fits the socket's buffer, so it goes at once) and poll is
 * only asked when the buffer is full. Returns 0, or -1 with |err|; a broker
 * that closed already (EPIPE, ECONNRESET) also sets |*closed|: it may have
 * answered busy, which the caller reads. */
static int send_until(int fd, const char *buf, size_t len, long long deadline_ms, bool *closed,
		      sts_error *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
		short revents;
		int ready;

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		*closed = errno == EPIPE || errno == ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return sts_error_set(err, "cannot send the request: %s", strerror(errno));
		ready = wait_ready(fd, POLLOUT, deadline_ms, &revents);
		if (ready == 0)
			return sts_error_set(err, "timed out sending the request");
		if (ready < 0)
			return sts_error_set(err, "poll failed: %s", strerror(errno));
	}
	/* End of the request: the broker reads until end of file. */
	if (shutdown(fd, SHUT_WR) < 0)
		return sts_error_set(err, "cannot send the request: %s", strerror(errno));
	return 0;
}

/* Reads the answer until end of file, within the deadline. The broker
 * answers only after reading the whole request, so the first read waits in
 * poll. A later read is made at once when it cannot block: poll saw the
 * broker close its end (the rest of the answer and the end of file are
 * there), or the last read filled the buffer (more may be there). Otherwise
 * the broker had written but not yet closed when poll looked: reading at
 * once then mostly finds nothing, a read more for nothing
 * (docs/login-latency.md), so poll waits for the close. A read that finds nothing waits in poll again. The buffer starts
 * at 1 KB (answers are a few hundred bytes; each heap page touched first is
 * a page fault) and grows as needed. A reset ends the answer like an end of
 * file and sets |*reset|: a busy broker closes without reading the request. */
static int read_answer(int fd, long long deadline_ms, char **out, size_t *len, bool *reset,
		       sts_error *err)
{
	size_t cap = 1024, used = 0;
	char *buf = malloc(cap + 1);
	bool wait = true, closed = false;

	*out = NULL;
	if (!buf)
		return sts_error_set(err, "out of memory");
	for (;;) {
		short revents = 0;
		int ready = wait ? wait_ready(fd, POLLIN | POLLRDHUP, deadline_ms, &revents) :
				   sts_monotonic_ms() < deadline_ms;
		ssize_t n;

		if (ready <= 0) {
			sts_error_set(err, ready == 0 ? "timed out" : "poll failed");
			goto fail;
		}
		closed = closed || (revents & (POLLHUP | POLLRDHUP));
		if (used == cap && sts_buf_grow(&buf, &cap, used, STS_MSG_MAX) < 0) {
			sts_error_set(err, "message too long");
			goto fail;
		}
		n = read(fd, buf + used, cap - used);
		*reset = n < 0 && errno == ECONNRESET;
		if (n == 0 || *reset)
			break;
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			wait = errno == EAGAIN;
			continue;
		}
		if (n < 0) {
			sts_error_set(err, "read failed: %s", strerror(errno));
			goto fail;
		}
		wait = !closed && (size_t)n < cap - used;
		used += (size_t)n;
		if (used > STS_MSG_MAX) {
			sts_error_set(err, "message too long");
			goto fail;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
fail:
	sts_free_secret(buf, used);
	return -1;
}

static bool is_busy(const char *answer, size_t len)
{
	static const char busy[] = STS_BROKER_BUSY_ANSWER;

	return len == sizeof(busy) - 1 && memcmp(answer, busy, len) == 0;
}

/* Sends the request and reads the answer: 0, STS_NO_BROKER when the broker
 * answered busy, or -1 with |err| (the reason, without the socket's name). */
static int request(int fd, const char *wire, size_t len, long long deadline_ms, char **answer,
		   size_t *answer_len, sts_error *err)
{
	sts_error send_err;
	bool closed = false, reset = false;
	int sent = send_until(fd, wire, len, deadline_ms, &closed, &send_err);

	if (sent < 0 && !closed) {
		*err = send_err;
		return -1;
	}
	if (read_answer(fd, deadline_ms, answer, answer_len, &reset, err) < 0)
		return -1;
	if (is_busy(*answer, *answer_len)) {
		sts_error_set(err, "the broker is busy");
		return STS_NO_BROKER;
	}
	if (sent < 0) {
		*err = send_err;
		return -1;
	}
	if (reset)
		return sts_error_set(err, "the broker reset the connection");
	return 0;
}

int sts_broker_exchange(const char *path, const char *wire, size_t len, long long deadline_ms,
			char **answer, size_t *answer_len, sts_error *err)
{
	char why[sizeof(err->msg)];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc;

	*answer = NULL;
	*answer_len = 0;
	if (fd < 0)
		return sts_error_set(err, "helper socket %s: socket: %s", path, strerror(errno));
	rc = connect_now(fd, path, deadline_ms, err);
	if (rc == 0)
		rc = check_broker(fd, path, err);
	if (rc == 0) {
		rc = request(fd, wire, len, deadline_ms, answer, answer_len, err);
		if (rc != 0) {
			memcpy(why, err->msg, sizeof(why));
			sts_error_set(err, "helper socket %s: %s%s", path, why,
				      strcmp(why, "timed out") == 0 ? " waiting for the answer" :
								      "");
		}
	}
	if (rc == 0 && *answer_len == 0)
		rc = sts_error_set(err, "helper socket %s: the broker closed without answering",
				   path);
	if (rc != 0 && *answer) {
		sts_free_secret(*answer, *answer_len);
		*answer = NULL;
	}
	close(fd);
	return rc;
}
