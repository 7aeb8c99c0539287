/*
 * The module's side of the resident broker (sts-helper --serve): one
 * connection per request on a Unix stream socket, the pipe's protocol
 * (lib/helper_proto.h). Used by sts_helper_call() before it would run the
 * helper.
 */
#ifndef STS_HELPER_SOCKET_H
#define STS_HELPER_SOCKET_H

#include <stddef.h>

#include "error.h"

/* Returned when no broker listens (nothing was sent): run the helper. */
#define STS_NO_BROKER 1

/*
 * Connects to |path| (non-blocking, until |deadline_ms|), checks that the
 * server runs as root or as our effective user (SO_PEERCRED), sends |wire|
 * and reads the whole answer into |*answer| (malloc'd; wipe it). Returns 0,
 * STS_NO_BROKER when the socket does not exist, refuses the connection or
 * is not ours to use (ENOENT, ENOTDIR, ECONNREFUSED, EACCES), or -1 with
 * |err| for every other failure, once connected or not: the request may have
 * been served, so the caller must fail, never run the helper instead.
 */
int sts_broker_exchange(const char *path, const char *wire, size_t len, long long deadline_ms,
			char **answer, size_t *answer_len, sts_error *err);

#endif
