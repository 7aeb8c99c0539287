/*
 * stsctl check, with mfa_store = postgresql: the fleet key file loads (owner,
 * mode, format), the database answers within helper_timeout with the password
 * file, and its schema is at this pam_sts's version. Each is a login's
 * precondition: without it every login fails closed.
 */
#include <stdio.h>

#include "mfa/fleet_db.h"
#include "mfa/fleet_schema.h"
#include "mfa/fleet_seal.h"
#include "stsctl_check.h"

static void check_fleet_key(check_ctx *c)
{
	sts_fleet_keyring ring;
	sts_error err;

	if (sts_fleet_keyring_load(c->s.mfa_fleet_key_file, &ring, &err) < 0)
		stsctl_check_fault(c, "mfa_fleet_key_file: %s", err.msg);
	else
		stsctl_check_passed(c);
	sts_fleet_keyring_wipe(&ring);
}

static void check_fleet_db(check_ctx *c)
{
	sts_fleet_db_config cfg = { c->s.mfa_db, c->s.mfa_db_password_file,
				    (unsigned)c->s.helper_timeout * 1000u };
	sts_error err;
	PGconn *conn;

	if (sts_fleet_conninfo_check(c->s.mfa_db, &err) < 0) {
		stsctl_check_fault(c, "mfa_db: %s", err.msg);
		return;
	}
	conn = sts_fleet_db_connect(&cfg, &err);
	if (!conn) {
		stsctl_check_fault(c, "mfa_db: %s", err.msg);
		return;
	}
	if (sts_fleet_schema_check(conn, cfg.budget_ms, &err) < 0)
		stsctl_check_fault(c, "mfa_db: %s", err.msg);
	else
		stsctl_check_passed(c);
	PQfinish(conn);
}

void stsctl_check_fleet(check_ctx *c)
{
	if (c->s.mfa_store != STS_MFA_STORE_POSTGRESQL)
		return;
	check_fleet_key(c);
	check_fleet_db(c);
}
