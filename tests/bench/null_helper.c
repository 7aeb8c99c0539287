/*
 * A broker that does no work, for bench_pam only: it listens on the
 * configuration's helper_socket as `sts-helper --serve` does, reads each
 * request and answers it the way sts-helper answers a passed code, an allowed
 * decision and an issued session, without checking, reading or writing
 * anything else (no code is checked, no credentials file is written; close
 * finds the session already gone). A login through pam_sts.so against it
 * costs what the module and its exchanges cost: the floor under
 * pam_full_login_vs_permit that no work in the helper can go below
 * (docs/login-latency.md). Never install it.
 *
 *   null_helper CONFIG      (serves until SIGTERM)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/settings.h"
#include "proto/codec.h"
#include "proto/protocol.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The answer sts-helper gives when everything is allowed. */
static void answer(const sts_msg *req, const char *runtime_dir, sts_msg *resp)
{
	const char *op = sts_msg_get(req, STS_KEY_OP), *session = sts_msg_get(req, STS_KEY_SESSION);
	char now[32], path[4200];

	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	if (op && strcmp(op, STS_REQ_MFA) == 0) {
		sts_msg_add(resp, STS_KEY_STATUS, STS_STATUS_OK);
		sts_msg_add(resp, STS_KEY_RESULT, STS_RESULT_PASSED);
		sts_msg_add(resp, STS_KEY_AUTH_TIME, now);
		sts_msg_add(resp, STS_KEY_SESSION_GRANT, "g1.null.0");
	} else if (op && strcmp(op, STS_REQ_DECIDE) == 0) {
		sts_msg_add(resp, STS_KEY_STATUS, STS_STATUS_OK);
		sts_msg_add(resp, STS_KEY_GRANT, "g1.null.0");
		sts_msg_add(resp, STS_KEY_DECISION, "allowed");
		sts_msg_add(resp, STS_KEY_DECIDED_BY, "null helper");
		sts_msg_add(resp, STS_KEY_OPERATION, "GetSessionToken");
	} else if (op && strcmp(op, STS_REQ_OPEN) == 0 && session) {
		snprintf(path, sizeof(path), "%s/%s/credentials", runtime_dir, session);
		sts_msg_add(resp, STS_KEY_STATUS, STS_STATUS_OK);
		sts_msg_add(resp, STS_KEY_SESSION, session);
		sts_msg_add(resp, STS_KEY_UID, "0");
		sts_msg_add(resp, STS_KEY_CREDENTIALS_FILE, path);
		sts_msg_add(resp, STS_KEY_ACCESS_KEY_ID, "ASIANULLHELPER000000");
		sts_msg_add(resp, STS_KEY_EXPIRATION, "2030-01-01T00:00:00Z");
		sts_msg_add(resp, STS_KEY_OPERATION, "GetSessionToken");
	} else {
		sts_msg_add(resp, STS_KEY_STATUS, STS_STATUS_ERROR);
		sts_msg_add(resp, STS_KEY_MESSAGE, "null helper: not served");
	}
}

static void serve_one(int fd, const char *runtime_dir)
{
	char *in = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	sts_msg req, resp;
	sts_error err;

	memset(&resp, 0, sizeof(resp));
	if (sts_read_nb_until(fd, STS_MSG_MAX, sts_monotonic_ms() + 5000, &in, &in_len, &err) < 0)
		return;
	if (sts_msg_parse(in, in_len, sts_request_keys, &req, &err) == 0) {
		answer(&req, runtime_dir, &resp);
		sts_msg_free(&req);
	}
	free(in);
	out = sts_msg_format(&resp, &out_len);
	if (out)
		sts_write_nb_until(fd, out, out_len, sts_monotonic_ms() + 5000, &err);
	free(out);
	sts_msg_free(&resp);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	sts_settings settings;
	sts_error err;
	int lfd;

	if (argc != 2) {
		fprintf(stderr, "usage: null_helper CONFIG\n");
		return 2;
	}
	if (sts_settings_load(argv[1], &settings, &err) < 0 ||
	    (lfd = listen_on(settings.helper_socket)) < 0) {
		fprintf(stderr, "null_helper: %s: cannot serve\n", argv[1]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	while (!stopping) {
		struct pollfd p = { .fd = lfd, .events = POLLIN, .revents = 0 };
		int fd;

		if (poll(&p, 1, -1) < 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		serve_one(fd, settings.runtime_dir);
		close(fd);
	}
	unlink(settings.helper_socket);
	close(lfd);
	sts_settings_free(&settings);
	return 0;
}
