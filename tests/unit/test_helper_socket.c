/*
 * The module's side of the broker's socket (lib/proto/socket.c) against
 * servers of our own: each call on the non-blocking socket is tried first
 * and poll waits only where it would block, so these are the ways an
 * exchange has to wait: an answer that comes in pieces, one larger than the
 * read buffer, a request larger than the socket's buffer read slowly; and
 * where the waiting must end: an answer that stops half-way, a server that
 * never reads, an answer over the protocol's bound.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "proto/codec.h"
#include "proto/socket.h"
#include "testutil.h"

#define BIG_REQUEST (4u * 1024u * 1024u) /* more than the socket's buffer */

static char dir[64], sock[96];

static void nap_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

/* Reads the request until end of file; returns its length. */
static size_t drain(int c)
{
	char buf[65536];
	size_t total = 0;
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	return total;
}

static void put(int c, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(c, text, len);

		if (n <= 0)
			_exit(1);
		text += n;
		len -= (size_t)n;
	}
}

typedef void (*serve_fn)(int conn);

/* A server for one connection, in a child; returns its pid. */
static pid_t serve_once(serve_fn serve)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	unlink(sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		c = accept(fd, NULL, NULL);
		if (c < 0)
			_exit(1);
		serve(c);
		close(c);
		_exit(0);
	}
	close(fd);
	return pid;
}

/* One exchange with |serve| within |timeout_ms|; the answer in |*answer|. */
static int exchange(serve_fn serve, const char *req, size_t req_len, long timeout_ms, char **answer,
		    size_t *len, sts_error *err)
{
	pid_t pid = serve_once(serve);
	int rc = sts_broker_exchange(sock, req, req_len, sts_monotonic_ms() + timeout_ms, answer,
				     len, err);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return rc;
}

static const char first_part[] = "status=ok\nmessage=an answer ", last_part[] = "in two pieces\n";

static void in_pieces(int c)
{
	drain(c);
	put(c, first_part, strlen(first_part));
	nap_ms(100);
	put(c, last_part, strlen(last_part));
}

static void test_answer_in_pieces(void **st)
{
	char *answer = NULL;
	size_t len = 0;
	sts_error err;

	(void)st;
	if (exchange(in_pieces, "op=x\n", 5, 5000, &answer, &len, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(answer, "status=ok\nmessage=an answer in two pieces\n");
	assert_int_equal(len, strlen(answer));
	sts_free_secret(answer, len);
}

/* The largest answer taken: a byte under STS_MSG_MAX, as the pipe's reader
 * (sts_read_fd_until) takes. */
#define LARGEST (STS_MSG_MAX - 1)

static void big_answer(int c)
{
	char *text = malloc(LARGEST);

	drain(c);
	if (!text)
		_exit(1);
	for (size_t i = 0; i < LARGEST; i++)
		text[i] = (char)('a' + i % 26);
	put(c, text, LARGEST);
	free(text);
}

/* Read through several buffers' worth. */
static void test_answer_at_the_bound(void **st)
{
	char *answer = NULL;
	size_t len = 0;
	sts_error err;

	(void)st;
	if (exchange(big_answer, "op=x\n", 5, 5000, &answer, &len, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(len, LARGEST);
	for (size_t i = 0; i < len; i++)
		if (answer[i] != (char)('a' + i % 26))
			fail_msg("byte %zu differs", i);
	sts_free_secret(answer, len);
}

static void too_big_answer(int c)
{
	big_answer(c);
	put(c, "x", 1);
}

static void test_answer_over_the_bound(void **st)
{
	char *answer = NULL;
	size_t len = 0;
	sts_error err;

	(void)st;
	assert_int_equal(exchange(too_big_answer, "op=x\n", 5, 5000, &answer, &len, &err), -1);
	assert_null(answer);
	assert_non_null(strstr(err.msg, "message too long"));
}

/* Reads slowly, then says how much came. */
static void slow_reader(int c)
{
	char text[64];

	nap_ms(100);
	snprintf(text, sizeof(text), "status=ok\nsize=%zu\n", drain(c));
	put(c, text, strlen(text));
}

static void test_request_larger_than_the_buffer(void **st)
{
	char *req = malloc(BIG_REQUEST), *answer = NULL, want[64];
	size_t len = 0;
	sts_error err;

	(void)st;
	assert_non_null(req);
	memset(req, 'r', BIG_REQUEST);
	if (exchange(slow_reader, req, BIG_REQUEST, 10000, &answer, &len, &err) != 0)
		fail_msg("%s", err.msg);
	snprintf(want, sizeof(want), "status=ok\nsize=%u\n", BIG_REQUEST);
	assert_string_equal(answer, want);
	sts_free_secret(answer, len);
	free(req);
}

static void half_then_hang(int c)
{
	drain(c);
	put(c, first_part, strlen(first_part));
	nap_ms(3000);
}

static void never_reads(int c)
{
	(void)c;
	nap_ms(3000);
}

/* The deadline holds after a part of the answer came, and while a request
 * waits for room. */
static void test_deadlines(void **st)
{
	char *req = malloc(BIG_REQUEST), *answer = NULL;
	size_t len = 0;
	long long start = sts_monotonic_ms();
	sts_error err;

	(void)st;
	assert_non_null(req);
	assert_int_equal(exchange(half_then_hang, "op=x\n", 5, 300, &answer, &len, &err), -1);
	assert_null(answer);
	assert_non_null(strstr(err.msg, "timed out waiting for the answer"));
	memset(req, 'r', BIG_REQUEST);
	assert_int_equal(exchange(never_reads, req, BIG_REQUEST, 300, &answer, &len, &err), -1);
	assert_non_null(strstr(err.msg, "timed out sending the request"));
	assert_true(sts_monotonic_ms() - start < 2500);
	free(req);
}

static void test_no_broker(void **st)
{
	char *answer = NULL;
	size_t len = 0;
	sts_error err;

	(void)st;
	unlink(sock);
	assert_int_equal(sts_broker_exchange(sock, "op=x\n", 5, sts_monotonic_ms() + 1000, &answer,
					     &len, &err),
			 STS_NO_BROKER);
	assert_null(answer);
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/sts-sock-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/helper.sock", dir);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	unlink(sock);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_in_pieces),
		cmocka_unit_test(test_answer_at_the_bound),
		cmocka_unit_test(test_answer_over_the_bound),
		cmocka_unit_test(test_request_larger_than_the_buffer),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_no_broker),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
