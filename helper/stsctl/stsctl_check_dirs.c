/*
 * stsctl check: the directories every login needs once the code is
 * consumed. A missing policy_dir or state_dir fails every login closed
 * (runtime_dir's way is check_runtime_reachable's, helper/stsctl/stsctl_check_config.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "decide/identity.h"
#include "stsctl_check.h"

#define PLACE_MAX 4600

void stsctl_check_key_place(const char *config, const char *key, const char *value, char *out,
			    size_t cap)
{
	FILE *f = fopen(config, "re");
	char line[4200];
	unsigned lineno = 0;
	size_t klen = strlen(key);

	while (f && fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " \t");

		lineno++;
		if (strncmp(p, key, klen) == 0 &&
		    (p[klen] == '=' || p[klen] == ' ' || p[klen] == '\t')) {
			fclose(f);
			snprintf(out, cap, "%s:%u: %s = %s", config, lineno, key, value);
			return;
		}
	}
	if (f)
		fclose(f);
	snprintf(out, cap, "%s: %s (default %s)", config, key, value);
}

/* A directory the configuration names, which must exist. */
static void must_exist(check_ctx *c, const char *key, const char *path, const char *why)
{
	char place[PLACE_MAX];
	const char *problem;
	struct stat st;

	if (stat(path, &st) == 0)
		problem = S_ISDIR(st.st_mode) ? NULL : "not a directory";
	else
		problem = errno == ENOENT ? "does not exist" : strerror(errno);
	if (!problem) {
		stsctl_check_passed(c);
		return;
	}
	stsctl_check_key_place(c->config, key, path, place, sizeof(place));
	stsctl_check_fault(c, "%s: %s; %s", place, problem, why);
}

void stsctl_check_login_dirs(check_ctx *c)
{
	must_exist(c, "policy_dir", c->s.policy_dir,
		   "every login reads the identity policies there (create it, mode 0755)");
	must_exist(c, "state_dir", c->s.state_dir,
		   "the MFA store is state_dir/mfa (create both, mode 0700, owned by root)");
}
