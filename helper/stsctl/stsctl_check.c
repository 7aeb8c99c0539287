/*
 * stsctl check: the whole configuration, the way `visudo -c` checks sudoers:
 * the main file, every identity policy, role and session policy, the issuer
 * key, the state, MFA and runtime directories and the helper (owner and
 * mode), and the PAM service files that use pam_sts.so. Every fault is
 * printed with its file and place; the exit status is 0 only when there is
 * none. A deprecated key name is a warning, which leaves the status alone.
 */
#include <stdio.h>
#include <string.h>

#include "base/settings.h"
#include "stsctl.h"
#include "stsctl_check.h"

int stsctl_check(int argc, char **argv)
{
	check_ctx c;
	const char *pam_dir = "/etc/pam.d";
	sts_error err;

	memset(&c, 0, sizeof(c));
	c.config = STS_DEFAULT_CONFIG;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			c.config = argv[++i];
		else if (strcmp(argv[i], "--pam-dir") == 0 && i + 1 < argc)
			pam_dir = argv[++i];
		else {
			fputs("usage: stsctl check [--config FILE] [--pam-dir DIR]\n", stderr);
			return STSCTL_USAGE;
		}
	}
	if (sts_settings_load(c.config, &c.s, &err) < 0) {
		printf("FAULT %s\n", err.msg);
		printf("check: 1 fault; nothing else checked\n");
		return STSCTL_DENIED;
	}
	stsctl_check_passed(&c);
	stsctl_check_config(&c);
	stsctl_check_fleet(&c);
	stsctl_check_pam_dir(&c, pam_dir);
	sts_settings_free(&c.s);
	printf("check: %u checked, %u fault%s\n", c.checked, c.faults, c.faults == 1 ? "" : "s");
	return c.faults ? STSCTL_DENIED : STSCTL_OK;
}
