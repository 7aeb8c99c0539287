/*
 * The fleet store's half of mfa_backend.h: a connection (lent by the broker's
 * pool, or made for the handle), the fleet key ring loaded at open, and
 * fleet_login.h's one-statement operations.
 */
#include <string.h>

#include "mfa/fleet_admin.h"
#include "mfa/fleet_login.h"
#include "mfa/mfa_backend_internal.h"

int sts_mfa_fleet_open(sts_mfa_backend *b, const sts_settings *s, sts_error *err)
{
	b->db.conninfo = s->mfa_db;
	b->db.passfile = s->mfa_db_password_file;
	b->db.budget_ms = b->wait_ms;
	if (!s->mfa_db || !s->mfa_fleet_key_file)
		return sts_error_set(err, "fleet store: mfa_db and mfa_fleet_key_file must be set");
	if (sts_fleet_conninfo_check(s->mfa_db, err) < 0)
		return -1;
	return sts_fleet_keyring_load(s->mfa_fleet_key_file, &b->ring, err);
}

int sts_mfa_fleet_begin(sts_mfa_user *u, sts_error *err)
{
	u->conn = u->b->pool ? sts_fleet_pool_get(u->b->pool, err) :
			       sts_fleet_db_connect(&u->b->db, err);
	return u->conn ? 0 : -1;
}

void sts_mfa_fleet_end(sts_mfa_user *u)
{
	if (!u->conn)
		return;
	if (u->b->pool)
		sts_fleet_pool_put(u->b->pool, u->conn);
	else
		PQfinish(u->conn);
	u->conn = NULL;
}

int sts_mfa_fleet_read(sts_mfa_user *u, sts_mfa_record *rec, sts_error *err)
{
	return sts_fleet_device_get(u->conn, u->b->db.budget_ms, &u->b->ring, u->user, rec, err);
}

int sts_mfa_fleet_fail(sts_mfa_user *u, sts_mfa_record *rec, const sts_mfa_policy *policy,
		       sts_error *err)
{
	sts_fleet_limits limits = { .now = policy->now,
				    .failure_interval = policy->failure_interval,
				    .max_failures = policy->max_failures,
				    .lockout_seconds = policy->lockout_seconds };
	unsigned failures = 0;
	int64_t locked_until = 0;
	int rc = sts_fleet_count_failure(u->conn, u->b->db.budget_ms, u->user, &limits, &failures,
					 &locked_until, err);

	if (rc == 1) {
		rec->failures = failures;
		rec->locked_until = locked_until;
		if (locked_until > policy->now)
			rec->failure_start = policy->now;
	}
	return rc;
}

int sts_mfa_backend_list(sts_mfa_backend *b, char ***names, size_t *count, sts_error *err)
{
	PGconn *conn;
	int rc;

	if (!b->fleet)
		return sts_error_set(err, "mfa: the files store is listed from its directory");
	conn = sts_fleet_db_connect(&b->db, err);
	if (!conn)
		return -1;
	rc = sts_fleet_device_list(conn, b->db.budget_ms, names, count, err);
	PQfinish(conn);
	return rc;
}
