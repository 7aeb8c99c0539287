/* The helper's pipe protocol: key=value lines, bounded, strict. */
#include "proto/codec.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"

static bool allowed_key(const char *const *allowed, const char *key, size_t klen)
{
	for (size_t i = 0; allowed[i]; i++)
		if (strlen(allowed[i]) == klen && memcmp(allowed[i], key, klen) == 0)
			return true;
	return false;
}

static int add_n(sts_msg *msg, const char *key, size_t klen, const char *value, size_t vlen)
{
	sts_msg_item *item;

	for (size_t i = 0; i < msg->n; i++)
		if (strlen(msg->items[i].key) == klen && memcmp(msg->items[i].key, key, klen) == 0)
			return -1;
	if (msg->n == msg->cap) {
		size_t cap = msg->cap ? msg->cap * 2 : 8;
		sts_msg_item *grown = realloc(msg->items, cap * sizeof(*grown));

		if (!grown)
			return -1;
		msg->items = grown;
		msg->cap = cap;
	}
	item = &msg->items[msg->n];
	item->key = strndup(key, klen);
	item->value = strndup(value, vlen);
	if (!item->key || !item->value) {
		free(item->key);
		free(item->value);
		return -1;
	}
	msg->n++;
	return 0;
}

int sts_msg_parse(const char *buf, size_t len, const char *const *allowed, sts_msg *out,
		  sts_error *err)
{
	size_t pos = 0, line = 0;

	memset(out, 0, sizeof(*out));
	if (len > STS_MSG_MAX)
		return sts_error_set(err, "message: too long");
	if (memchr(buf, '\0', len))
		return sts_error_set(err, "message: holds a NUL byte");
	while (pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - start) : len - pos;
		const char *eq = memchr(start, '=', llen);

		line++;
		pos += llen + (nl ? 1 : 0);
		if (!eq || eq == start) {
			sts_msg_free(out);
			return sts_error_set(err, "message: line %zu: not key=value", line);
		}
		if (!allowed_key(allowed, start, (size_t)(eq - start))) {
			sts_msg_free(out);
			return sts_error_set(err, "message: line %zu: unknown key", line);
		}
		if (add_n(out, start, (size_t)(eq - start), eq + 1,
			  llen - (size_t)(eq - start) - 1) < 0) {
			sts_msg_free(out);
			return sts_error_set(err, "message: line %zu: repeated key or no memory",
					     line);
		}
	}
	return 0;
}

const char *sts_msg_get(const sts_msg *msg, const char *key)
{
	for (size_t i = 0; i < msg->n; i++)
		if (strcmp(msg->items[i].key, key) == 0)
			return msg->items[i].value;
	return NULL;
}

int sts_msg_add(sts_msg *msg, const char *key, const char *value)
{
	if (!value)
		return 0;
	if (!*key || strpbrk(key, "=\n") || strchr(value, '\n'))
		return -1;
	return add_n(msg, key, strlen(key), value, strlen(value));
}

char *sts_msg_format(const sts_msg *msg, size_t *len)
{
	size_t total = 0, pos = 0;
	char *out;

	for (size_t i = 0; i < msg->n; i++)
		total += strlen(msg->items[i].key) + strlen(msg->items[i].value) + 2;
	out = malloc(total + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < msg->n; i++) {
		size_t k = strlen(msg->items[i].key), v = strlen(msg->items[i].value);

		memcpy(out + pos, msg->items[i].key, k);
		out[pos + k] = '=';
		memcpy(out + pos + k + 1, msg->items[i].value, v);
		out[pos + k + 1 + v] = '\n';
		pos += k + v + 2;
	}
	out[pos] = '\0';
	*len = pos;
	return out;
}

void sts_msg_free(sts_msg *msg)
{
	for (size_t i = 0; i < msg->n; i++) {
		free(msg->items[i].key);
		sts_free_secret_str(msg->items[i].value);
	}
	free(msg->items);
	memset(msg, 0, sizeof(*msg));
}

long long sts_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for |events| on |fd| until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline_ms)
{
	for (;;) {
		long long left = deadline_ms - sts_monotonic_ms();
		struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * Before each read or write: on a descriptor that may block (the exec'd
 * helper's pipes), poll(2) until it is ready or the deadline passes. On one
 * opened O_NONBLOCK (the broker's connections), |try_first|: only check the
 * deadline and try at once, and poll only after EAGAIN; the request is
 * usually there already, and a system call is expensive on the hosts of
 * docs/login-latency.md. 1: go ahead, 0: timed out, -1: poll failed.
 */
static int ready_for(int fd, short events, long long deadline_ms, bool try_first)
{
	if (!try_first)
		return wait_fd(fd, events, deadline_ms);
	return sts_monotonic_ms() < deadline_ms ? 1 : 0;
}

int sts_buf_grow(char **buf, size_t *cap, size_t used, size_t max)
{
	char *grown = *cap >= max ? NULL : malloc(*cap * 2 + 1);

	if (!grown)
		return -1;
	memcpy(grown, *buf, used);
	sts_free_secret(*buf, used);
	*buf = grown;
	*cap *= 2;
	return 0;
}

static int read_until(int fd, size_t max, long long deadline_ms, bool nonblocking, char **out,
		      size_t *len, sts_error *err)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap + 1);
	bool try_first = nonblocking;

	*out = NULL;
	if (!buf)
		return sts_error_set(err, "out of memory");
	for (;;) {
		ssize_t n;
		int ready = ready_for(fd, POLLIN, deadline_ms, try_first);

		if (ready <= 0) {
			sts_free_secret(buf, used);
			return sts_error_set(err, ready == 0 ? "timed out" : "poll failed");
		}
		if (used == cap && sts_buf_grow(&buf, &cap, used, max) < 0) {
			sts_free_secret(buf, used);
			return sts_error_set(err, "message too long");
		}
		n = read(fd, buf + used, cap - used);
		try_first = nonblocking && !(n < 0 && errno == EAGAIN);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			sts_free_secret(buf, used);
			return sts_error_set(err, "read failed: %s", strerror(errno));
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			sts_free_secret(buf, used);
			return sts_error_set(err, "message too long");
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

static int write_until(int fd, const char *buf, size_t len, long long deadline_ms, bool nonblocking,
		       sts_error *err)
{
	size_t done = 0;
	bool try_first = nonblocking;

	while (done < len) {
		ssize_t n;
		int ready = ready_for(fd, POLLOUT, deadline_ms, try_first);

		if (ready <= 0)
			return sts_error_set(err, ready == 0 ? "timed out" : "poll failed");
		n = write(fd, buf + done, len - done);
		try_first = nonblocking && !(n < 0 && errno == EAGAIN);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return sts_error_set(err, "write failed: %s", strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

int sts_read_fd_until(int fd, size_t max, long long deadline_ms, char **out, size_t *len,
		      sts_error *err)
{
	return read_until(fd, max, deadline_ms, false, out, len, err);
}

int sts_write_fd_until(int fd, const char *buf, size_t len, long long deadline_ms, sts_error *err)
{
	return write_until(fd, buf, len, deadline_ms, false, err);
}

int sts_read_nb_until(int fd, size_t max, long long deadline_ms, char **out, size_t *len,
		      sts_error *err)
{
	return read_until(fd, max, deadline_ms, true, out, len, err);
}

int sts_write_nb_until(int fd, const char *buf, size_t len, long long deadline_ms, sts_error *err)
{
	return write_until(fd, buf, len, deadline_ms, true, err);
}
