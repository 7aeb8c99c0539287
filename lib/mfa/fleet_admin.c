/* The fleet database's listing for stsctl (fleet_admin.h). */
#include "mfa/fleet_admin.h"

#include <stdlib.h>
#include <string.h>

#define SQL_LIST "SELECT user_name FROM mfa_device ORDER BY user_name COLLATE \"C\""

void sts_fleet_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int sts_fleet_device_list(PGconn *conn, unsigned budget_ms, char ***names, size_t *count,
			  sts_error *err)
{
	PGresult *res = sts_fleet_db_exec(conn, SQL_LIST, 0, NULL, budget_ms, err);
	size_t n, i;
	char **out;

	*names = NULL;
	*count = 0;
	if (!res)
		return -1;
	n = (size_t)PQntuples(res);
	out = calloc(n ? n : 1, sizeof(*out));
	for (i = 0; out && i < n; i++)
		if (!(out[i] = strdup(PQgetvalue(res, (int)i, 0))))
			break;
	PQclear(res);
	if (!out || i < n) {
		if (out)
			sts_fleet_names_free(out, i);
		return sts_error_set(err, "fleet store: out of memory");
	}
	*names = out;
	*count = n;
	return 0;
}
