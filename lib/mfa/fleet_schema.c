/* Creating and migrating the fleet database's tables (fleet_schema.h). */
#include "mfa/fleet_schema.h"

#include <stdio.h>
#include <stdlib.h>

/* An arbitrary constant all pam_sts hosts share: the advisory lock that
 * serializes schema changes. */
#define SCHEMA_LOCK "7075616d5f737473"

/* migrations[v - 1] takes the schema from version v - 1 to v, one statement
 * a line (libpq runs one statement per call). Only ever add to the end: a
 * released step never changes. */
#define STEP_MAX 4
static const char *const migrations[STS_FLEET_SCHEMA_VERSION][STEP_MAX] = {
	{
		"CREATE TABLE mfa_device ("
		" user_name text PRIMARY KEY CHECK (length(user_name) BETWEEN 1 AND 256),"
		" sealed bytea NOT NULL,"
		" algorithm text NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),"
		" digits smallint NOT NULL CHECK (digits BETWEEN 6 AND 8),"
		" period integer NOT NULL CHECK (period BETWEEN 1 AND 300),"
		" active boolean NOT NULL DEFAULT false)",
		"CREATE TABLE mfa_login ("
		" user_name text PRIMARY KEY REFERENCES mfa_device ON DELETE CASCADE,"
		" last_step bigint NOT NULL DEFAULT 0 CHECK (last_step >= 0),"
		" failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),"
		" failure_start bigint NOT NULL DEFAULT 0 CHECK (failure_start >= 0),"
		" locked_until bigint NOT NULL DEFAULT 0 CHECK (locked_until >= 0))",
		NULL,
	},
};

static int run(PGconn *conn, unsigned budget_ms, const char *sql, sts_error *err)
{
	PGresult *res = sts_fleet_db_exec(conn, sql, 0, NULL, budget_ms, err);

	PQclear(res);
	return res ? 0 : -1;
}

static int record_version(PGconn *conn, unsigned budget_ms, int version, sts_error *err)
{
	char text[16];
	const char *params[1] = { text };
	PGresult *res;

	snprintf(text, sizeof(text), "%d", version);
	res = sts_fleet_db_exec(conn, "INSERT INTO schema_version (version) VALUES ($1::integer)",
				1, params, budget_ms, err);

	PQclear(res);
	return res ? 0 : -1;
}

/* One integer from a one-row, one-column answer. */
static int query_int(PGconn *conn, unsigned budget_ms, const char *sql, int *out, sts_error *err)
{
	PGresult *res = sts_fleet_db_exec(conn, sql, 0, NULL, budget_ms, err);
	char *end = NULL;
	long v;

	if (!res)
		return -1;
	if (PQntuples(res) != 1 || PQnfields(res) != 1 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return sts_error_set(err, "fleet database: unexpected answer to a schema query");
	}
	v = strtol(PQgetvalue(res, 0, 0), &end, 10);
	if (*end || v < 0 || v > 1000000) {
		PQclear(res);
		return sts_error_set(err, "fleet database: unexpected schema version");
	}
	PQclear(res);
	*out = (int)v;
	return 0;
}

int sts_fleet_schema_version(PGconn *conn, unsigned budget_ms, int *version, sts_error *err)
{
	int exists = 0;

	if (query_int(conn, budget_ms,
		      "SELECT (to_regclass('schema_version') IS NOT NULL)::integer", &exists,
		      err) < 0)
		return -1;
	if (!exists) {
		*version = 0;
		return 0;
	}
	return query_int(conn, budget_ms, "SELECT coalesce(max(version), 0) FROM schema_version",
			 version, err);
}

static int migrate(PGconn *conn, unsigned budget_ms, sts_error *err)
{
	int version = 0;

	if (run(conn, budget_ms, "SELECT pg_advisory_xact_lock(x'" SCHEMA_LOCK "'::bigint)", err) <
		    0 ||
	    run(conn, budget_ms,
		"CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
		" applied timestamptz NOT NULL DEFAULT now())",
		err) < 0 ||
	    sts_fleet_schema_version(conn, budget_ms, &version, err) < 0)
		return -1;
	if (version < 0 || version > STS_FLEET_SCHEMA_VERSION)
		return sts_error_set(err,
				     "fleet database: schema version %d is newer than this pam_sts "
				     "knows (%d)",
				     version, STS_FLEET_SCHEMA_VERSION);
	for (int from = version; from < STS_FLEET_SCHEMA_VERSION; from++) {
		const char *const *step = migrations[from];

		for (int i = 0; i < STEP_MAX && step[i]; i++)
			if (run(conn, budget_ms, step[i], err) < 0)
				return -1;
		if (record_version(conn, budget_ms, from + 1, err) < 0)
			return -1;
	}
	return 0;
}

int sts_fleet_schema_init(PGconn *conn, unsigned budget_ms, sts_error *err)
{
	sts_error ignored;

	if (run(conn, budget_ms, "BEGIN", err) < 0)
		return -1;
	if (migrate(conn, budget_ms, err) < 0) {
		run(conn, budget_ms, "ROLLBACK", &ignored);
		return -1;
	}
	return run(conn, budget_ms, "COMMIT", err);
}

int sts_fleet_schema_check(PGconn *conn, unsigned budget_ms, sts_error *err)
{
	int version = 0;

	if (sts_fleet_schema_version(conn, budget_ms, &version, err) < 0)
		return -1;
	if (version != STS_FLEET_SCHEMA_VERSION)
		return sts_error_set(err,
				     "fleet database: schema version %d, this pam_sts needs %d "
				     "(run stsctl fleet init)",
				     version, STS_FLEET_SCHEMA_VERSION);
	return 0;
}
