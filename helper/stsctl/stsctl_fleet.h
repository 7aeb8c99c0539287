/* stsctl fleet's subcommands (stsctl_fleet.c, stsctl_fleet_key.c). */
#ifndef STSCTL_FLEET_H
#define STSCTL_FLEET_H

#include "base/settings.h"

/* stsctl fleet key create|rotate|reseal on |s|'s mfa_fleet_key_file and
 * database: the exit status. */
int stsctl_fleet_key(const sts_settings *s, const char *cmd);

#endif
