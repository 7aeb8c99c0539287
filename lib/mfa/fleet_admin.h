/*
 * What stsctl does with the fleet database beyond one user's record: the
 * list of users with a device (stsctl mfa status, the re-seal after a key
 * rotation).
 */
#ifndef STS_FLEET_ADMIN_H
#define STS_FLEET_ADMIN_H

#include <stddef.h>

#include "base/error.h"
#include "mfa/fleet_db.h"

/* The user names with a device, sorted, malloc'd (free each and the array).
 * 0, or -1 with |err| set. */
int sts_fleet_device_list(PGconn *conn, unsigned budget_ms, char ***names, size_t *count,
			  sts_error *err);
void sts_fleet_names_free(char **names, size_t count);

#endif
