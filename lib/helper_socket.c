/*
 * Talking to the resident broker: a handful of system calls on the login's
 * path (socket, connect, getsockopt, send, shutdown, poll and read, close),
 * no library beyond libc.
 */
#include "helper_socket.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fileio.h"
#include "helper_proto.h"

/* Non-blocking connect. A Unix socket connects at once or fails at once;
 * EAGAIN means the server's backlog is full (it is busy), which is waited
 * out in short steps until the deadline. */
static int connect_until(int fd, const char *path, long long deadline_ms, sts_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);

	if (len >= sizeof(sa.sun_path))
		return sts_error_set(err, "helper socket %s: path too long", path);
	memcpy(sa.sun_path, path, len + 1);
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR || errno == ECONNREFUSED || errno == EACCES)
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
		if (errno != EAGAIN && errno != EINTR)
			return sts_error_set(err, "helper socket %s: cannot connect: %s", path,
					     strerror(errno));
		if (sts_monotonic_ms() >= deadline_ms)
			return sts_error_set(err,
					     "helper socket %s: the broker is busy: no "
					     "connection within the timeout",
					     path);
		poll(NULL, 0, 1);
	}
}

/* The server must be root (production) or ourselves (tests): anyone else
 * could have put a socket there to collect grants. */
static int check_server(int fd, const char *path, sts_error *err)
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

/* send(MSG_NOSIGNAL): a server that went away must not SIGPIPE the
 * application (sshd, sudo). */
static int send_until(int fd, const char *buf, size_t len, long long deadline_ms, sts_error *err)
{
	size_t done = 0;

	while (done < len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
		long long left = deadline_ms - sts_monotonic_ms();
		ssize_t n;

		if (left <= 0)
			return sts_error_set(err, "timed out sending the request");
		if (poll(&p, 1, left > 60000 ? 60000 : (int)left) < 0 && errno != EINTR)
			return sts_error_set(err, "poll failed: %s", strerror(errno));
		n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return sts_error_set(err, "cannot send the request: %s", strerror(errno));
		done += (size_t)n;
	}
	/* End of the request: the server reads until end of file. */
	if (shutdown(fd, SHUT_WR) < 0)
		return sts_error_set(err, "cannot send the request: %s", strerror(errno));
	return 0;
}

int sts_broker_exchange(const char *path, const char *wire, size_t len, long long deadline_ms,
			char **answer, size_t *answer_len, sts_error *err)
{
	char why[sizeof(err->msg)];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc;

	*answer = NULL;
	if (fd < 0)
		return sts_error_set(err, "helper socket %s: socket: %s", path, strerror(errno));
	rc = connect_until(fd, path, deadline_ms, err);
	if (rc == 0)
		rc = check_server(fd, path, err);
	if (rc == 0 &&
	    (send_until(fd, wire, len, deadline_ms, err) < 0 ||
	     sts_read_fd_until(fd, STS_MSG_MAX, deadline_ms, answer, answer_len, err) < 0)) {
		memcpy(why, err->msg, sizeof(why));
		rc = sts_error_set(err, "helper socket %s: %s%s", path, why,
				   strcmp(why, "timed out") == 0 ? " waiting for the answer" : "");
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
