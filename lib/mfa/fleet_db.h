/*
 * The fleet store's connection to PostgreSQL (issue 20): only sts-helper and
 * stsctl use it, never the module.
 *
 * The connection is named by a libpq connection string or URI, or by a bare
 * service name (pg_service.conf). What pam_sts sets itself may not be in it:
 * the password (read from a root-only file, never from the configuration),
 * the timeouts (from the caller's budget, sts-helper's helper_timeout) and the
 * server options. A connection that is not over a Unix socket must verify the
 * server (sslmode=verify-full): checked on the connection libpq made, so a
 * service file is held to it too. Every step is bounded by the budget: the
 * connect, and each statement both on the server (statement_timeout,
 * lock_timeout) and in the client (a cancel when the answer is late). Every
 * failure is an error for the caller to fail closed on.
 */
#ifndef STS_FLEET_DB_H
#define STS_FLEET_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "base/error.h"

typedef struct {
	const char *conninfo; /* "key=value ...", "postgresql://...", or a service name */
	const char *passfile; /* NULL, or the root-only file whose first line is the password */
	unsigned budget_ms;   /* the connect, and each statement */
} sts_fleet_db_config;

/* Whether |conninfo| is one pam_sts accepts (see above). 0, or -1 with |err|
 * saying why, never quoting the string (it may hold a secret). */
int sts_fleet_conninfo_check(const char *conninfo, sts_error *err);

/* A new connection within the budget, or NULL with |err| set. */
PGconn *sts_fleet_db_connect(const sts_fleet_db_config *cfg, sts_error *err);

/* Runs one statement with text parameters ($1..$n, never spliced into the
 * SQL) within |budget_ms|. The result when it is PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK; else NULL with |err| set (and the connection possibly
 * broken: PQstatus() says so). */
PGresult *sts_fleet_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
			    unsigned budget_ms, sts_error *err);

/*
 * A small pool for the resident broker: at most |size| connections, made on
 * first use, each lent to one thread at a time; a broken one is dropped when
 * it comes back and the next borrower gets a fresh connection.
 */
typedef struct sts_fleet_pool sts_fleet_pool;

/* The pool copies |cfg|; it connects nothing yet. */
int sts_fleet_pool_open(const sts_fleet_db_config *cfg, unsigned size, sts_fleet_pool **out,
			sts_error *err);
/* A connected connection, waiting at most the budget for a free one; NULL
 * with |err| set. */
PGconn *sts_fleet_pool_get(sts_fleet_pool *pool, sts_error *err);
/* Gives |conn| back; a broken one is closed. NULL (a failed get) is a no-op. */
void sts_fleet_pool_put(sts_fleet_pool *pool, PGconn *conn);
unsigned sts_fleet_pool_budget(const sts_fleet_pool *pool);
/* Closes every connection; none may be lent out. */
void sts_fleet_pool_close(sts_fleet_pool *pool);

#endif
