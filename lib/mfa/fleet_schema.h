/*
 * The fleet database's schema, versioned: the table schema_version holds the
 * version the tables are at, and sts_fleet_schema_init() brings a database
 * from any earlier version (0: empty) to STS_FLEET_SCHEMA_VERSION, one step
 * at a time, in one transaction under an advisory lock, so two hosts running
 * it at once do not both migrate.
 *
 * Version 1:
 *   mfa_device (user_name PK, sealed bytea: fleet_seal.h, algorithm, digits,
 *               period, active)
 *   mfa_login  (user_name PK -> mfa_device ON DELETE CASCADE, last_step,
 *               failures, failure_start, locked_until): the login state, with
 *               the meaning of lib/mfa/mfa_store.h's record.
 */
#ifndef STS_FLEET_SCHEMA_H
#define STS_FLEET_SCHEMA_H

#include "base/error.h"
#include "mfa/fleet_db.h"

#define STS_FLEET_SCHEMA_VERSION 1

/* The version the database is at (0 when it has no schema yet): 0, or -1. */
int sts_fleet_schema_version(PGconn *conn, unsigned budget_ms, int *version, sts_error *err);
/* Creates or migrates the schema to STS_FLEET_SCHEMA_VERSION; refuses a
 * database at a later version (a newer pam_sts's). 0, or -1 with nothing
 * changed. */
int sts_fleet_schema_init(PGconn *conn, unsigned budget_ms, sts_error *err);
/* 0 when the database is at exactly STS_FLEET_SCHEMA_VERSION, else -1 with
 * |err| saying what to run. */
int sts_fleet_schema_check(PGconn *conn, unsigned budget_ms, sts_error *err);

#endif
