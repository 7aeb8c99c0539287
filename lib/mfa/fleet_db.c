/* Connecting to the fleet database and running one bounded statement (fleet_db.h). */
#include "mfa/fleet_db.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "base/fileio.h"

#define PASSFILE_MAX   1024
#define PASSFILE_FLAGS (STS_READ_NOFOLLOW | STS_READ_EUID_OWNED | STS_READ_PRIVATE)
#define SERVICE_CHARS  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

/* Keywords pam_sts sets itself: in the configuration they would either leak a
 * secret or lift a bound. */
static const char *const owned_keywords[] = {
	"password", "passfile", "connect_timeout", "options", NULL,
};

static const char *const sslmodes[] = {
	"disable", "allow", "prefer", "require", "verify-ca", "verify-full", NULL,
};

static bool in_list(const char *const *list, const char *word)
{
	for (; *list; list++)
		if (strcmp(*list, word) == 0)
			return true;
	return false;
}

static bool is_service_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 64 && strspn(s, SERVICE_CHARS) == n;
}

int sts_fleet_conninfo_check(const char *conninfo, sts_error *err)
{
	PQconninfoOption *opts;
	char *perr = NULL;
	int rc = 0;

	if (!conninfo || !*conninfo)
		return sts_error_set(err, "fleet database: no connection string");
	if (is_service_name(conninfo))
		return 0;
	opts = PQconninfoParse(conninfo, &perr);
	PQfreemem(perr);
	if (!opts)
		return sts_error_set(err, "fleet database: the connection string does not parse");
	for (PQconninfoOption *o = opts; o->keyword && rc == 0; o++) {
		if (!o->val)
			continue;
		if (in_list(owned_keywords, o->keyword))
			rc = sts_error_set(err,
					   "fleet database: '%s' is set by pam_sts, not in the "
					   "connection string",
					   o->keyword);
		else if (strcmp(o->keyword, "sslmode") == 0 && !in_list(sslmodes, o->val))
			rc = sts_error_set(err, "fleet database: unknown sslmode");
	}
	PQconninfoFree(opts);
	return rc;
}

/* libpq's messages end in a newline and may span lines: one log line each. */
static int set_pq_error(sts_error *err, const char *what, const char *msg)
{
	char line[512];
	size_t i;

	snprintf(line, sizeof(line), "%s", msg ? msg : "");
	for (i = 0; line[i]; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	while (i > 0 && line[i - 1] == ' ')
		line[--i] = '\0';
	return sts_error_set(err, "fleet database: %s: %s", what, line);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until |conn|'s socket is ready for |events| or |deadline|: 1, 0 (late), -1. */
static int wait_socket(PGconn *conn, short events, long long deadline)
{
	struct pollfd p = { .fd = PQsocket(conn), .events = events };

	for (;;) {
		long long left = deadline - now_ms();
		int n;

		if (p.fd < 0)
			return -1;
		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* The first line of the password file, or "" without one. */
static int read_password(const char *passfile, char **out, size_t *len, sts_error *err)
{
	if (!passfile) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	if (sts_read_file(passfile, PASSFILE_MAX, PASSFILE_FLAGS, out, len, err) < 0)
		return -1;
	(*out)[strcspn(*out, "\r\n")] = '\0';
	return 0;
}

/* A connection not over a Unix socket must have verified the server. */
static int check_transport(PGconn *conn, sts_error *err)
{
	const char *host = PQhost(conn);
	PQconninfoOption *opts;
	bool verified = false;

	if (host && host[0] == '/')
		return 0;
	opts = PQconninfo(conn);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "sslmode") == 0 && o->val &&
		    strcmp(o->val, "verify-full") == 0)
			verified = true;
	PQconninfoFree(opts);
	if (!verified || !PQsslInUse(conn))
		return sts_error_set(err, "fleet database: a connection over the network needs "
					  "sslmode=verify-full");
	return 0;
}

/* The server's notices (a shutdown's warning, say) are not for the helper's
 * stderr, which may be the user's terminal. */
static void drop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *start_connect(const sts_fleet_db_config *cfg, const char *password)
{
	char timeout[16], options[96];
	const char *keys[8], *vals[8];
	unsigned server_ms;
	int n = 0;

	/* libpq's own bound in whole seconds (2 at least), under ours. */
	snprintf(timeout, sizeof(timeout), "%u", cfg->budget_ms / 1000 + 2);
	/* The server gives up first, at 4/5 of the budget, so a slow statement
	 * ends in its clear error on a connection that stays usable; the
	 * client's deadline (the whole budget) is for a server that does not
	 * answer at all. */
	server_ms = cfg->budget_ms / 5 * 4;
	if (server_ms == 0)
		server_ms = 1;
	snprintf(options, sizeof(options), "-c statement_timeout=%u -c lock_timeout=%u", server_ms,
		 server_ms);
	keys[n] = is_service_name(cfg->conninfo) ? "service" : "dbname";
	vals[n++] = cfg->conninfo;
	keys[n] = "connect_timeout";
	vals[n++] = timeout;
	keys[n] = "options";
	vals[n++] = options;
	keys[n] = "application_name";
	vals[n++] = "pam_sts";
	if (password) {
		keys[n] = "password";
		vals[n++] = password;
	}
	keys[n] = vals[n] = NULL;
	return PQconnectStartParams(keys, vals, 1);
}

static int finish_connect(PGconn *conn, long long deadline, sts_error *err)
{
	for (;;) {
		PostgresPollingStatusType st = PQconnectPoll(conn);
		int ready;

		if (st == PGRES_POLLING_OK)
			return 0;
		if (st == PGRES_POLLING_FAILED)
			return set_pq_error(err, "cannot connect", PQerrorMessage(conn));
		ready = wait_socket(conn, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
		if (ready == 0)
			return sts_error_set(err, "fleet database: no connection within %s",
					     "the time allowed");
		if (ready < 0)
			return sts_error_set(err, "fleet database: cannot connect");
	}
}

PGconn *sts_fleet_db_connect(const sts_fleet_db_config *cfg, sts_error *err)
{
	long long deadline = now_ms() + cfg->budget_ms;
	char *password = NULL;
	size_t password_len = 0;
	PGconn *conn;

	if (sts_fleet_conninfo_check(cfg->conninfo, err) < 0 ||
	    read_password(cfg->passfile, &password, &password_len, err) < 0)
		return NULL;
	conn = start_connect(cfg, password);
	sts_free_secret(password, password_len);
	if (!conn) {
		sts_error_set(err, "fleet database: out of memory");
		return NULL;
	}
	PQsetNoticeProcessor(conn, drop_notice, NULL);
	if (PQstatus(conn) == CONNECTION_BAD) {
		set_pq_error(err, "cannot connect", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	if (finish_connect(conn, deadline, err) < 0 || check_transport(conn, err) < 0) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Asks the server to stop a late statement; the connection is then dropped by
 * the caller's pool, so a late answer never counts. */
static void cancel(PGconn *conn)
{
	char buf[256];
	PGcancel *c = PQgetCancel(conn);

	if (c) {
		PQcancel(c, buf, sizeof(buf));
		PQfreeCancel(c);
	}
}

static PGresult *await_result(PGconn *conn, long long deadline, sts_error *err)
{
	PGresult *res = NULL, *next;

	for (;;) {
		while (PQisBusy(conn)) {
			int ready = wait_socket(conn, POLLIN, deadline);

			if (ready <= 0 || PQconsumeInput(conn) != 1) {
				if (ready == 0)
					cancel(conn);
				PQclear(res);
				set_pq_error(err, "no answer",
					     ready == 0 ? "not within the time allowed" :
							  PQerrorMessage(conn));
				return NULL;
			}
		}
		next = PQgetResult(conn);
		if (!next && !res)
			sts_error_set(err, "fleet database: no result");
		if (!next)
			return res;
		if (res)
			PQclear(res);
		res = next;
	}
}

PGresult *sts_fleet_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
			    unsigned budget_ms, sts_error *err)
{
	long long deadline = now_ms() + budget_ms;
	PGresult *res;
	ExecStatusType st;

	if (PQstatus(conn) != CONNECTION_OK) {
		sts_error_set(err, "fleet database: the connection is broken");
		return NULL;
	}
	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
		set_pq_error(err, "cannot send", PQerrorMessage(conn));
		return NULL;
	}
	res = await_result(conn, deadline, err);
	if (!res)
		return NULL;
	st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		set_pq_error(err, "refused", PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return res;
}
