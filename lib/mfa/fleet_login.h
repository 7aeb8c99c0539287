/*
 * The fleet store's devices and login state (issue 20), each operation ONE
 * SQL statement with parameters, so that no read-then-write leaves a window
 * between hosts:
 *
 *  - accepting a code's time step advances the replay floor only when the step
 *    is greater than it and the user is not locked out: of any number of
 *    concurrent logins with the same code, on any hosts, exactly one gets the
 *    row (PostgreSQL re-checks the condition on the row a concurrent update
 *    left: READ COMMITTED's rule for UPDATE);
 *  - a failure is counted, and the lockout set when the count reaches the
 *    limit, in one statement;
 *  - unlock, the status read, enroll and remove.
 *
 * The record's meaning is the files store's (mfa_store.h, sts-helper's
 * failure window): last_step is the last accepted time step; a failure
 * starts a new window when there is none, the last one ended in a lockout, or
 * it is older than the failure interval; at the limit the count stays,
 * locked_until = now + lockout and failure_start = now; a locked user's
 * attempts are neither checked nor counted; a pass clears the count, the
 * window and the lockout.
 */
#ifndef STS_FLEET_LOGIN_H
#define STS_FLEET_LOGIN_H

#include <stdint.h>

#include "base/error.h"
#include "mfa/fleet_db.h"
#include "mfa/fleet_seal.h"
#include "mfa/mfa_store.h"

typedef struct {
	int64_t now;
	unsigned failure_interval; /* pam_sts.conf's failure_interval */
	unsigned max_failures;	   /* max_failures */
	unsigned lockout_seconds;  /* lockout_seconds */
} sts_fleet_limits;

/* Writes |user|'s whole record, as sts_mfa_write() does: the device (its
 * secret sealed under the current key) and the login state as |rec| holds them
 * (an enrollment's activation sets last_step to the confirming code's step and
 * clears the rest; a migration carries a host's state over). 0, or -1. */
int sts_fleet_device_put(PGconn *conn, unsigned budget_ms, const sts_fleet_keyring *ring,
			 const char *user, const sts_mfa_record *rec, sts_error *err);
/* Reads |user|'s device and login state: STS_MFA_FOUND, STS_MFA_NO_DEVICE, or
 * -1. With |ring| NULL the secret is not read (a status read): secret_len 0. */
int sts_fleet_device_get(PGconn *conn, unsigned budget_ms, const sts_fleet_keyring *ring,
			 const char *user, sts_mfa_record *rec, sts_error *err);
/* Removes the device and its login state: 1 removed, 0 none, -1. */
int sts_fleet_device_remove(PGconn *conn, unsigned budget_ms, const char *user, sts_error *err);
/* Re-seals |user|'s secret under the current key when an older key sealed it,
 * only if the row still holds what was read: 1 re-sealed, 0 nothing to do, -1. */
int sts_fleet_device_reseal(PGconn *conn, unsigned budget_ms, const sts_fleet_keyring *ring,
			    const char *user, sts_error *err);

/* Accepts time step |step| for |user|: 1 (this login, and no other, has it),
 * 0 refused (a replay: step at or below the floor; locked out; no active
 * device), -1 error (nothing accepted: fail closed). */
int sts_fleet_accept_step(PGconn *conn, unsigned budget_ms, const char *user, int64_t step,
			  int64_t now, sts_error *err);
/* Counts a failed attempt: 1 counted (*failures and *locked_until as they
 * now are), 0 not counted (locked out, or no device), -1 error. */
int sts_fleet_count_failure(PGconn *conn, unsigned budget_ms, const char *user,
			    const sts_fleet_limits *limits, unsigned *failures,
			    int64_t *locked_until, sts_error *err);
/* Clears the failures and the lockout: 1, 0 (no device), -1. */
int sts_fleet_unlock(PGconn *conn, unsigned budget_ms, const char *user, sts_error *err);

#endif
