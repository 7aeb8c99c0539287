/* The two stores behind mfa_backend.h: the dispatch (mfa_backend.c) and the
 * fleet store's half (mfa_backend_fleet.c). */
#ifndef STS_MFA_BACKEND_INTERNAL_H
#define STS_MFA_BACKEND_INTERNAL_H

#include "mfa/fleet_seal.h"
#include "mfa/mfa_backend.h"

struct sts_mfa_backend {
	bool fleet;
	unsigned wait_ms;
	sts_mfa_store *files; /* files */
	/* postgresql: */
	sts_fleet_pool *pool; /* borrowed; NULL: a connection per handle */
	sts_fleet_db_config db;
	sts_fleet_keyring ring;
};

struct sts_mfa_user {
	sts_mfa_backend *b;
	sts_mfa_lock *lock; /* files */
	PGconn *conn;	    /* postgresql */
	char user[65];	    /* sts_mfa_user_valid: at most 64 bytes */
};

int sts_mfa_fleet_open(sts_mfa_backend *b, const sts_settings *s, sts_error *err);
int sts_mfa_fleet_begin(sts_mfa_user *u, sts_error *err);
void sts_mfa_fleet_end(sts_mfa_user *u);
int sts_mfa_fleet_read(sts_mfa_user *u, sts_mfa_record *rec, sts_error *err);
int sts_mfa_fleet_fail(sts_mfa_user *u, sts_mfa_record *rec, const sts_mfa_policy *policy,
		       sts_error *err);

#endif
