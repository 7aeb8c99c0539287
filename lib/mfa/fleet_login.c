/* Devices and login state in the fleet database, one statement each (fleet_login.h). */
#include "mfa/fleet_login.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mfa/totp.h"

#define SEALED_MAX (STS_MFA_SECRET_MAX + STS_FLEET_SEAL_OVERHEAD)
/* bytea's hex input form: "\x" and two digits a byte. */
#define SEALED_HEX_MAX (2 + 2 * SEALED_MAX + 1)

#define SQL_PUT                                                                                \
	"WITH device AS ("                                                                     \
	" INSERT INTO mfa_device (user_name, sealed, algorithm, digits, period, active)"       \
	" VALUES ($1, $2::bytea, $3, $4::smallint, $5::integer, $6::boolean)"                  \
	" ON CONFLICT (user_name) DO UPDATE SET sealed = EXCLUDED.sealed,"                     \
	" algorithm = EXCLUDED.algorithm, digits = EXCLUDED.digits, period = EXCLUDED.period," \
	" active = EXCLUDED.active RETURNING user_name)"                                       \
	" INSERT INTO mfa_login (user_name, last_step, failures, failure_start, locked_until)" \
	" SELECT user_name, $7::bigint, $8::integer, $9::bigint, $10::bigint FROM device"      \
	" ON CONFLICT (user_name) DO UPDATE SET last_step = EXCLUDED.last_step,"               \
	" failures = EXCLUDED.failures, failure_start = EXCLUDED.failure_start,"               \
	" locked_until = EXCLUDED.locked_until"

#define SQL_GET                                                                               \
	"SELECT encode(d.sealed, 'hex'), d.algorithm, d.digits, d.period, d.active::integer," \
	" l.last_step, l.failures, l.failure_start, l.locked_until"                           \
	" FROM mfa_device d JOIN mfa_login l USING (user_name) WHERE d.user_name = $1"

#define SQL_RESEAL \
	"UPDATE mfa_device SET sealed = $3::bytea WHERE user_name = $1 AND sealed = $2::bytea"

#define SQL_REMOVE "DELETE FROM mfa_device WHERE user_name = $1"

/* $1 user, $2 step, $3 now. */
#define SQL_ACCEPT                                                                           \
	"UPDATE mfa_login AS l SET last_step = $2::bigint, failures = 0, failure_start = 0," \
	" locked_until = 0 FROM mfa_device AS d"                                             \
	" WHERE l.user_name = $1 AND d.user_name = l.user_name AND d.active"                 \
	" AND l.last_step < $2::bigint AND l.locked_until <= $3::bigint RETURNING l.last_step"

/* $1 user, $2 now, $3 failure_interval, $4 lockout_seconds, $5 max_failures.
 * Every SET expression reads the row as it was, so the new count is written
 * out where the lockout needs it. */
#define NEW_WINDOW "(failures = 0 OR locked_until <> 0 OR $2::bigint - failure_start > $3::bigint)"
#define NEW_COUNT  "(CASE WHEN " NEW_WINDOW " THEN 1 ELSE failures + 1 END)"
#define SQL_FAILURE                                                              \
	"UPDATE mfa_login SET failures = " NEW_COUNT ","                         \
	" failure_start = CASE WHEN " NEW_COUNT " >= $5::integer OR " NEW_WINDOW \
	" THEN $2::bigint ELSE failure_start END,"                               \
	" locked_until = CASE WHEN " NEW_COUNT " >= $5::integer"                 \
	" THEN $2::bigint + $4::bigint ELSE 0 END"                               \
	" WHERE user_name = $1 AND locked_until <= $2::bigint RETURNING failures, locked_until"

#define SQL_UNLOCK                                                               \
	"UPDATE mfa_login SET failures = 0, failure_start = 0, locked_until = 0" \
	" WHERE user_name = $1 RETURNING user_name"

static int64_t field_int(const PGresult *res, int col, bool *ok)
{
	const char *text = PQgetvalue(res, 0, col);
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < 0)
		*ok = false;
	return v;
}

/* The rows a statement returned or changed, or -1 when it failed. */
static int rows_of(PGconn *conn, unsigned budget_ms, const char *sql, int n,
		   const char *const *params, sts_error *err)
{
	PGresult *res = sts_fleet_db_exec(conn, sql, n, params, budget_ms, err);
	int rows;

	if (!res)
		return -1;
	rows = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : atoi(PQcmdTuples(res));
	PQclear(res);
	return rows;
}

static void hex_sealed(const unsigned char *sealed, size_t len, char out[SEALED_HEX_MAX])
{
	out[0] = '\\';
	out[1] = 'x';
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", sealed[i]);
}

int sts_fleet_device_put(PGconn *conn, unsigned budget_ms, const sts_fleet_keyring *ring,
			 const char *user, const sts_mfa_record *rec, sts_error *err)
{
	unsigned char sealed[SEALED_MAX];
	char hex[SEALED_HEX_MAX], digits[8], period[16], last_step[24], failures[16];
	char failure_start[24], locked_until[24];
	const char *params[10] = {
		user,	      hex,	sts_totp_alg_name(rec->algorithm),
		digits,	      period,	rec->active ? "true" : "false",
		last_step,    failures, failure_start,
		locked_until,
	};
	size_t len = 0;

	if (rec->secret_len > STS_MFA_SECRET_MAX)
		return sts_error_set(err, "fleet store: the secret is too long");
	if (sts_fleet_seal(ring, user, rec->secret, rec->secret_len, sealed, sizeof(sealed), &len,
			   err) < 0)
		return -1;
	hex_sealed(sealed, len, hex);
	snprintf(digits, sizeof(digits), "%u", rec->digits);
	snprintf(period, sizeof(period), "%u", rec->period);
	snprintf(last_step, sizeof(last_step), "%" PRId64, rec->last_step);
	snprintf(failures, sizeof(failures), "%u", rec->failures);
	snprintf(failure_start, sizeof(failure_start), "%" PRId64, rec->failure_start);
	snprintf(locked_until, sizeof(locked_until), "%" PRId64, rec->locked_until);
	return rows_of(conn, budget_ms, SQL_PUT, 10, params, err) == 1 ? 0 : -1;
}

/* The sealed bytes from encode(sealed, 'hex'). */
static int unhex(const char *hex, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap || OPENSSL_hexstr2buf_ex(out, cap, len, hex, '\0') != 1)
		return -1;
	return 0;
}

static int read_state(const PGresult *res, sts_mfa_record *rec)
{
	bool ok = true;
	int alg = sts_totp_alg_parse(PQgetvalue(res, 0, 1));

	rec->digits = (unsigned)field_int(res, 2, &ok);
	rec->period = (unsigned)field_int(res, 3, &ok);
	rec->active = field_int(res, 4, &ok) == 1;
	rec->last_step = field_int(res, 5, &ok);
	rec->failures = (unsigned)field_int(res, 6, &ok);
	rec->failure_start = field_int(res, 7, &ok);
	rec->locked_until = field_int(res, 8, &ok);
	if (alg < 0 || !ok)
		return -1;
	rec->algorithm = (sts_totp_alg)alg;
	return 0;
}

static int open_secret(const PGresult *res, const sts_fleet_keyring *ring, const char *user,
		       sts_mfa_record *rec, sts_error *err)
{
	unsigned char sealed[SEALED_MAX];
	size_t len = 0;

	if (unhex(PQgetvalue(res, 0, 0), sealed, sizeof(sealed), &len) < 0)
		return sts_error_set(err, "fleet store: the sealed secret is malformed");
	return sts_fleet_unseal(ring, user, sealed, len, rec->secret, sizeof(rec->secret),
				&rec->secret_len, err);
}

int sts_fleet_device_get(PGconn *conn, unsigned budget_ms, const sts_fleet_keyring *ring,
			 const char *user, sts_mfa_record *rec, sts_error *err)
{
	const char *params[1] = { user };
	PGresult *res = sts_fleet_db_exec(conn, SQL_GET, 1, params, budget_ms, err);
	int rc = STS_MFA_FOUND;

	memset(rec, 0, sizeof(*rec));
	if (!res)
		return -1;
	if (PQntuples(res) == 0)
		rc = STS_MFA_NO_DEVICE;
	else if (PQntuples(res) != 1 || PQnfields(res) != 9 || read_state(res, rec) < 0)
		rc = sts_error_set(err, "fleet store: the user's row is malformed");
	else if (ring && open_secret(res, ring, user, rec, err) < 0)
		rc = -1;
	PQclear(res);
	if (rc < 0)
		sts_mfa_record_wipe(rec);
	return rc;
}

int sts_fleet_device_remove(PGconn *conn, unsigned budget_ms, const char *user, sts_error *err)
{
	const char *params[1] = { user };

	return rows_of(conn, budget_ms, SQL_REMOVE, 1, params, err);
}

int sts_fleet_device_reseal(PGconn *conn, unsigned budget_ms, const sts_fleet_keyring *ring,
			    const char *user, sts_error *err)
{
	const char *params[1] = { user };
	PGresult *res = sts_fleet_db_exec(conn, SQL_GET, 1, params, budget_ms, err);
	unsigned char old[SEALED_MAX], fresh[SEALED_MAX];
	char old_hex[SEALED_HEX_MAX], fresh_hex[SEALED_HEX_MAX];
	const char *update[3] = { user, old_hex, fresh_hex };
	size_t old_len = 0, fresh_len = 0;
	int rc = -1;

	if (!res)
		return -1;
	if (PQntuples(res) == 1 && unhex(PQgetvalue(res, 0, 0), old, sizeof(old), &old_len) < 0)
		sts_error_set(err, "fleet store: the sealed secret is malformed");
	else if (PQntuples(res) != 1 || sts_fleet_sealed_key_id(old, old_len) == ring->keys[0].id)
		rc = 0;
	else if (sts_fleet_reseal(ring, user, old, old_len, fresh, sizeof(fresh), &fresh_len,
				  err) == 0) {
		hex_sealed(old, old_len, old_hex);
		hex_sealed(fresh, fresh_len, fresh_hex);
		rc = rows_of(conn, budget_ms, SQL_RESEAL, 3, update, err);
	}
	PQclear(res);
	OPENSSL_cleanse(fresh, sizeof(fresh));
	return rc;
}

int sts_fleet_accept_step(PGconn *conn, unsigned budget_ms, const char *user, int64_t step,
			  int64_t now, sts_error *err)
{
	char step_text[24], now_text[24];
	const char *params[3] = { user, step_text, now_text };

	snprintf(step_text, sizeof(step_text), "%" PRId64, step);
	snprintf(now_text, sizeof(now_text), "%" PRId64, now);
	return rows_of(conn, budget_ms, SQL_ACCEPT, 3, params, err);
}

int sts_fleet_count_failure(PGconn *conn, unsigned budget_ms, const char *user,
			    const sts_fleet_limits *limits, unsigned *failures,
			    int64_t *locked_until, sts_error *err)
{
	char now[24], interval[16], lockout[16], max[16];
	const char *params[5] = { user, now, interval, lockout, max };
	PGresult *res;
	bool ok = true;
	int rc = 0;

	snprintf(now, sizeof(now), "%" PRId64, limits->now);
	snprintf(interval, sizeof(interval), "%u", limits->failure_interval);
	snprintf(lockout, sizeof(lockout), "%u", limits->lockout_seconds);
	snprintf(max, sizeof(max), "%u", limits->max_failures);
	res = sts_fleet_db_exec(conn, SQL_FAILURE, 5, params, budget_ms, err);
	if (!res)
		return -1;
	if (PQntuples(res) == 1 && PQnfields(res) == 2) {
		*failures = (unsigned)field_int(res, 0, &ok);
		*locked_until = field_int(res, 1, &ok);
		rc = ok ? 1 : sts_error_set(err, "fleet store: malformed failure count");
	}
	PQclear(res);
	return rc;
}

int sts_fleet_unlock(PGconn *conn, unsigned budget_ms, const char *user, sts_error *err)
{
	const char *params[1] = { user };

	return rows_of(conn, budget_ms, SQL_UNLOCK, 1, params, err);
}
