/*
 * The module's side of the resident broker (sts-helper --serve): one
 * connection per request on a Unix stream socket, the pipe's protocol
 * (lib/proto/codec.h). Used by sts_helper_call() before it would run the
 * helper.
 */
#ifndef STS_HELPER_SOCKET_H
#define STS_HELPER_SOCKET_H

#include <stddef.h>

#include "base/error.h"
#include "proto/protocol.h"

/* Returned when no broker listens or it is busy (nothing was or will be
 * served): run the helper. */
#define STS_NO_BROKER 1

/* The broker's whole answer when it is saturated, sent instead of serving
 * the request (which it has not read, or read and dropped): the module runs
 * the helper. Nothing else the broker answers is ever exactly this. */
#define STS_BROKER_BUSY_ANSWER STS_KEY_STATUS "=" STS_STATUS_BUSY "\n"

/*
 * Connects to |path| (non-blocking, until |deadline_ms|), checks that the
 * broker runs as root or as our effective user (SO_PEERCRED), sends |wire|
 * and reads the whole answer into |*answer| (malloc'd; wipe it). Returns 0,
 * STS_NO_BROKER when the socket does not exist, refuses the connection, has
 * its backlog full or is not ours to use (ENOENT, ENOTDIR, ECONNREFUSED,
 * EAGAIN, EACCES), or when the broker answered STS_BROKER_BUSY_ANSWER (it
 * may then have closed before reading our request: the send's EPIPE and the
 * read's ECONNRESET are expected); or -1 with |err| for every other failure,
 * once connected or not: the request may have been served, so the caller
 * must fail, never run the helper instead.
 */
int sts_broker_exchange(const char *path, const char *wire, size_t len, long long deadline_ms,
			char **answer, size_t *answer_len, sts_error *err);

#endif
