/*
 * The narrow pipe protocol between pam_sts.so (or stsctl) and sts-helper,
 * in the manner of unix_chkpwd: one request on the helper's stdin, one
 * answer on its stdout, never anything on the command line.
 *
 * A message is "key=value" lines, each key at most once and from the list
 * the reader allows; values hold no newline or NUL; at most
 * STS_MSG_MAX bytes in all. Values may be secrets (the answer carries the
 * secret key when asked): sts_msg_free wipes them.
 */
#ifndef STS_HELPER_PROTO_H
#define STS_HELPER_PROTO_H

#include <stddef.h>

#include "base/error.h"

#define STS_MSG_MAX (256u * 1024u)
/* The longest app_request= value (op=decide): the text of PAM_STS_REQUEST,
 * bounded by the module before it is sent and by the helper again. */
#define STS_APP_REQUEST_MAX (16u * 1024u)

typedef struct {
	char *key;
	char *value;
} sts_msg_item;

typedef struct {
	sts_msg_item *items;
	size_t n;
	size_t cap;
} sts_msg;

/* Parses |buf|; |allowed| is a NULL-terminated list of keys, e.g.
 * proto/protocol.h's sts_request_keys (an unknown or repeated key, a line
 * without '=', or an empty key is an error). */
int sts_msg_parse(const char *buf, size_t len, const char *const *allowed, sts_msg *out,
		  sts_error *err);
/* NULL when absent. */
const char *sts_msg_get(const sts_msg *msg, const char *key);
/* Adds key=value (value NULL: nothing added). Refuses newlines and a
 * repeated key. */
int sts_msg_add(sts_msg *msg, const char *key, const char *value);
/* The wire form, malloc'd; *len set. Wipe it with sts_free_secret. */
char *sts_msg_format(const sts_msg *msg, size_t *len);
void sts_msg_free(sts_msg *msg);

/* |*buf| (holding |used| bytes, room for |*cap| and a NUL) moved to one of
 * twice the room, the old one wiped (messages hold secrets); -1 when |*cap|
 * is |max| already or out of memory. */
int sts_buf_grow(char **buf, size_t *cap, size_t used, size_t max);

/* Reads until EOF (at most |max| bytes) or until |deadline_ms| (a
 * CLOCK_MONOTONIC time in ms) passes. Returns 0, or -1 with |err|. */
int sts_read_fd_until(int fd, size_t max, long long deadline_ms, char **out, size_t *len,
		      sts_error *err);
/* Writes all of |buf| unless |deadline_ms| passes. */
int sts_write_fd_until(int fd, const char *buf, size_t len, long long deadline_ms, sts_error *err);
/* The same two for a descriptor opened O_NONBLOCK (a socket from accept4()
 * with SOCK_NONBLOCK): each read or write is tried first, and poll(2) waits
 * only when it would block; the deadlines are the same. On a blocking
 * descriptor they would wait past the deadline: use the two above. */
int sts_read_nb_until(int fd, size_t max, long long deadline_ms, char **out, size_t *len,
		      sts_error *err);
int sts_write_nb_until(int fd, const char *buf, size_t len, long long deadline_ms, sts_error *err);
long long sts_monotonic_ms(void);

#endif
